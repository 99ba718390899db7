"""What the pending stream does with what a node sends: every malformed, unsupported or
duplicated notification is counted (in the counters and through the observer) and nothing
raises; arbitrary JSON never raises out of the parser or the stream."""

from __future__ import annotations

import contextlib
import copy
from functools import cache
from typing import Any

import pytest
from _pending_txs import fields_of_type, node_object, sign
from hypothesis import given, settings
from hypothesis import strategies as st

from omniarb.chains.raw_tx import MalformedTxError
from omniarb.chains.rpc import RpcClient
from omniarb.chains.ws import WsNotification, WsReconnected
from omniarb.collect import PendingSettings, PendingStream
from omniarb.devnet.accounts import dev_account
from omniarb.pending_tx import parse_pending_tx

CHAIN_ID = 10
INDEX = 2


@cache
def _signed_object(nonce: int) -> dict[str, Any]:
    fields = fields_of_type(2, chain_id=CHAIN_ID, nonce=nonce)
    return node_object(fields, sign(fields, account_index=INDEX), dev_account(INDEX).address)


def valid_object(nonce: int = 0) -> dict[str, Any]:
    """A node's object of a signed transaction (a fresh copy: tests change it)."""
    return copy.deepcopy(_signed_object(nonce))


def note(result: Any) -> WsNotification:
    return WsNotification(index=0, subscription="0x1", result=result)


class Recorder:
    """A `PendingObserver` that keeps what it was told."""

    def __init__(self) -> None:
        self.outcomes: dict[str, int] = {}
        self.depths: list[int] = []

    def pending_tx(self, outcome: str, count: int) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + count

    def pending_depth(self, depth: int) -> None:
        self.depths.append(depth)


def stream(**settings: Any) -> tuple[PendingStream, Recorder]:
    recorder = Recorder()
    # The client is never called: these tests feed the stream notifications directly.
    rpc = RpcClient("http://127.0.0.1:9")
    made = PendingStream(
        chain_id=CHAIN_ID,
        ws_url="ws://127.0.0.1:9",
        rpc=rpc,
        settings=PendingSettings(**settings),
        observer=recorder,
    )
    return made, recorder


def test_a_valid_object_is_received_and_a_repeat_is_a_duplicate() -> None:
    made, recorder = stream()
    obj = valid_object()
    made._take(note(obj))
    made._take(note(copy.deepcopy(obj)))
    assert made.counters.received == 1
    assert made.counters.duplicate == 1
    assert recorder.outcomes == {"received": 1, "duplicate": 1}
    assert recorder.depths == [1]
    tx = made.get_nowait()
    assert tx is not None
    assert tx.tx_hash == obj["hash"]
    assert recorder.depths == [1, 0]


def test_malformed_unsupported_and_junk_notifications_are_counted() -> None:
    made, recorder = stream()
    good = valid_object()
    corrupted = good | {"value": "0x99"}  # no longer hashes to its hash
    blob = valid_object(nonce=1) | {"type": "0x3"}
    junk: list[Any] = [None, 5, [good], "0x1234", "not a hash", {}, {"hash": 7}, corrupted]
    for item in [*junk, blob]:
        made._take(note(item))
    assert made.counters.malformed == len(junk)
    assert made.counters.unsupported == 1
    assert made.counters.received == 0
    assert recorder.outcomes == {"malformed": len(junk), "unsupported": 1}
    # The corrupted copy did not burn the hash: the genuine object is still taken.
    made._take(note(good))
    assert made.counters.received == 1


def test_a_hash_is_queued_once_for_fetching_and_a_full_fetch_queue_drops_the_oldest() -> None:
    made, recorder = stream(capacity=2)
    hashes = [f"0x{n + 0xABCDEF:064X}" for n in range(3)]
    for tx_hash in [*hashes, hashes[2].lower()]:
        made._take(note(tx_hash))
    assert made.counters.duplicate == 1  # the same hash in another case
    assert made.counters.dropped == 1  # the first hash, to make room
    assert recorder.outcomes == {"duplicate": 1, "dropped": 1}


def test_a_reconnect_is_counted_as_a_gap() -> None:
    made, _ = stream()
    made._take(WsReconnected(attempts=1, down_s=0.1, error="cut"))
    assert made.counters.gaps == 1


def test_settings_refuse_nonsense() -> None:
    with pytest.raises(ValueError, match="mode"):
        PendingSettings(mode="some")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive"):
        PendingSettings(capacity=0)
    with pytest.raises(ValueError, match="negative"):
        PendingSettings(fetch_window_s=-1)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=70),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner),
    max_leaves=20,
)
hexes = st.builds(lambda b: "0x" + b.hex(), st.binary(max_size=40)) | st.sampled_from(
    ["0x", "0x0", "0xg", "", "0x" + "f" * 70]
)


@settings(max_examples=300, deadline=None)
@given(key=st.sampled_from(sorted(valid_object())), value=json_values | hexes)
def test_any_field_replaced_by_any_json_never_raises_anything_else(key: str, value: Any) -> None:
    obj = valid_object() | {key: value}
    with contextlib.suppress(MalformedTxError):
        parse_pending_tx(CHAIN_ID, obj, seen_ns=0)
    made, _ = stream()
    made._take(note(obj))
    assert made.counters.received + made.counters.malformed + made.counters.unsupported == 1


@given(value=json_values)
def test_any_notification_never_raises(value: Any) -> None:
    made, _ = stream()
    made._take(note(value))
    counted = sum(made.counters.as_dict().values())
    assert counted == 1 or (isinstance(value, str) and len(made._to_fetch) == 1)
