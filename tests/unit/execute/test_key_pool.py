"""Picking a key of the pool for a trade: the active key with the fewest transactions in
flight, ties taken in turn, draining keys never."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omniarb.chains.rpc import RpcClient
from omniarb.execute.key_pool import KeyState, NoActiveKeyError, PooledKey, pick_key
from omniarb.execute.nonces import NonceManager
from omniarb.execute.signer import Signer
from omniarb.execute.submit import MemorySubmissionGuard, Submitter

# Picking reads no node: the submitters point at a port nothing listens on.
_NO_NODE = RpcClient("http://127.0.0.1:9")


def _keys(*in_flight: int) -> list[PooledKey]:
    keys = []
    for index, count in enumerate(in_flight):
        signer = Signer((index + 1).to_bytes(32, "big"), chain_id=1)
        submitter = Submitter(
            rpc=_NO_NODE,
            signer=signer,
            nonces=NonceManager(rpc=_NO_NODE, address=signer.address),
            guard=MemorySubmissionGuard(),
        )
        key = PooledKey(submitter)
        key.in_flight = count
        keys.append(key)
    return keys


def test_least_in_flight_wins() -> None:
    keys = _keys(2, 0, 1)
    assert pick_key(keys, turn=0) is keys[1]
    assert pick_key(keys, turn=7) is keys[1]


def test_ties_go_round_robin() -> None:
    keys = _keys(0, 0, 0)
    assert [pick_key(keys, turn=t) for t in range(6)] == [*keys, *keys]


def test_draining_keys_take_no_trade() -> None:
    keys = _keys(0, 5)
    keys[0].state = KeyState.DRAINING
    assert pick_key(keys, turn=0) is keys[1]
    keys[1].state = KeyState.DRAINING
    with pytest.raises(NoActiveKeyError):
        pick_key(keys, turn=0)


@given(st.lists(st.integers(0, 5), min_size=1, max_size=8), st.integers(0, 100))
def test_the_pick_is_an_active_key_with_the_fewest(in_flight: list[int], turn: int) -> None:
    keys = _keys(*in_flight)
    picked = pick_key(keys, turn=turn)
    assert picked.in_flight == min(in_flight)


def test_concurrent_trades_spread_over_the_keys() -> None:
    """Trades sent while earlier ones are in flight land on distinct keys first."""
    keys = _keys(0, 0, 0)
    chosen = []
    for turn in range(3):
        key = pick_key(keys, turn=turn)
        key.in_flight += 1
        chosen.append(key)
    assert len({id(k) for k in chosen}) == 3
