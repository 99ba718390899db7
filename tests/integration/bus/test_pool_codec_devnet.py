"""Every kind of pool state a devnet chain's books read, through the bus codec and back: the
decoded state equals the original, and the adapter's exact math on it quotes the same amounts,
to the wei, both ways and at several sizes (a revert the same revert). Arbitrum's devnet holds
every kind the registry trades."""

from __future__ import annotations

import json

import pytest
from _pool_states import pool_states

from omniarb.bus.pool_codec import PoolCodec, decode_update, encode_update
from omniarb.chains.rpc import RpcClient
from omniarb.dex.base import PoolState
from omniarb.dex.registry import ADAPTERS
from omniarb.types import PoolUpdate

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("devnet-pool-codec")]

_SIZES = (10**3, 10**6, 10**9, 10**15, 10**18, 10**21)


def _quotes(state: PoolState) -> list[str]:
    """The state's exact output for each size both ways, or the error it raises."""
    found = []
    for token_in in (state.token0, state.token1):
        for size in _SIZES:
            try:
                found.append(str(state.amount_out(token_in, size)))
            except Exception as exc:
                found.append(f"{type(exc).__name__}: {exc}")
    return found


async def test_every_kind_round_trips_with_exact_quotes(devnet_factory) -> None:
    codec = PoolCodec()
    async with devnet_factory({"arbitrum": None}) as net:
        arbitrum = net.manifest.chain("arbitrum")
        async with RpcClient(arbitrum.rpc_http) as rpc:
            block_number, states = await pool_states(rpc, arbitrum, set(ADAPTERS))
    assert {state.kind for state in states} == set(ADAPTERS)
    quoted = 0
    for state in states:
        # Through JSON text, as the bus carries it.
        decoded = codec.decode(json.loads(json.dumps(codec.encode(state))))
        assert type(decoded) is type(state)
        assert decoded == state, state.kind
        before, after = _quotes(state), _quotes(decoded)
        assert after == before, state.kind
        quoted += sum(q.isdigit() and int(q) > 0 for q in before)
    assert quoted >= len(states)

    update = PoolUpdate(
        chain_id=arbitrum.chain_id,
        block_number=block_number,
        block_hash="0x" + "ab" * 32,
        base_fee_wei=10**8 + 7,
        pools=tuple(states),
        new_pools=tuple(state.address for state in states),
    )
    text = json.dumps(encode_update("arbitrum", update, codec))
    chain, back = decode_update(json.loads(text), codec)
    assert chain == "arbitrum"
    assert back == update
