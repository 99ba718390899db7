"""Fuzzing what a node answers: a JSON-RPC envelope, a batch, a block header, a log, a receipt, a
fee history and a pending transaction, each random JSON or a valid answer with one field
deleted or replaced. Each parser either returns its value or raises a clear error of our own
(`ValueError` for a malformed value, `OmniarbError` such as `MalformedAnswerError`, `RpcError`
or `MalformedTxError`), never a `KeyError`, `TypeError`, `IndexError` or `AttributeError`
that would read as a bug and take a stage down. A provider that lies must not crash the bot."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from _fuzz_budget import FUZZ
from _pending_txs import fields_of_type, node_object, sign
from hypothesis import example, given
from hypothesis import strategies as st

from omniarb.chain_events import parse_head, parse_log
from omniarb.chains.fee_models import tip_from_fee_history
from omniarb.chains.rpc import rpc_error_of, rpc_result
from omniarb.chains.rpc._transport import batch_results
from omniarb.chains.spec import TipBounds
from omniarb.devnet.accounts import dev_account
from omniarb.errors import OmniarbError
from omniarb.pending_tx import parse_pending_tx
from omniarb.tx_values import TxReceipt

_URL = "http://node.invalid"
_CLEAR = (ValueError, OmniarbError)

_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**256), max_value=2**256)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
# What a lying node puts where a quantity, hash or list belongs.
_ODD = st.one_of(
    _JSON,
    st.sampled_from(["", "0x", "0X", "0xzz", "-0x1", "0x" + "f" * 200, "0x1", "1", "0x0"]),
    st.text(alphabet="0123456789abcdefx", max_size=70),
)

_HASH = "0x" + "ab" * 32
_HEAD = {
    "number": "0x10",
    "hash": _HASH,
    "parentHash": "0x" + "cd" * 32,
    "timestamp": "0x6553f100",
    "baseFeePerGas": "0x3b9aca00",
    "logsBloom": "0x" + "00" * 256,
}
_LOG = {
    "address": "0x" + "11" * 20,
    "topics": ["0x" + "22" * 32, "0x" + "33" * 32],
    "data": "0x" + "00" * 64,
    "blockNumber": "0x10",
    "blockHash": _HASH,
    "logIndex": "0x0",
    "transactionHash": "0x" + "44" * 32,
    "removed": False,
}
_RECEIPT = {
    "transactionHash": "0x" + "44" * 32,
    "blockNumber": "0x10",
    "blockHash": _HASH,
    "transactionIndex": "0x0",
    "status": "0x1",
    "gasUsed": "0x5208",
    "effectiveGasPrice": "0x3b9aca00",
    "logs": [dict(_LOG)],
    "contractAddress": None,
    "l1Fee": "0x10",
}
_FEE_HISTORY = {
    "oldestBlock": "0x1",
    "reward": [["0x1"], ["0x3b9aca00"], ["0x2"]],
    "baseFeePerGas": ["0x1", "0x2", "0x3", "0x4"],
}
_BOUNDS = TipBounds(min_wei=1, max_wei=10**12)


def _pending() -> dict[str, Any]:
    fields = fields_of_type(2, chain_id=1, nonce=3, data="0x12345678")
    return node_object(fields, sign(fields, account_index=1), dev_account(1).address)


def _mutated(valid: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """`valid` with one to three of its fields deleted or replaced by odd values (a receipt's
    logs: its first log mutated too)."""
    keys = sorted(valid)

    def mutate(changes: list[tuple[str, bool, Any]]) -> dict[str, Any]:
        answer = {k: (list(v) if isinstance(v, list) else v) for k, v in valid.items()}
        for key, delete, value in changes:
            if delete:
                answer.pop(key, None)
            else:
                answer[key] = value
        return answer

    change = st.tuples(st.sampled_from(keys), st.booleans(), _ODD)
    return st.lists(change, min_size=1, max_size=3).map(mutate)


def _answers(valid: dict[str, Any]) -> st.SearchStrategy[Any]:
    return st.one_of(_mutated(valid), st.dictionaries(st.text(max_size=8), _ODD, max_size=6))


def _clear_or_value(parse: Callable[[], object]) -> None:
    """Run `parse`: a value, or one of the clear errors (anything else fails the test)."""
    with contextlib.suppress(_CLEAR):
        parse()


@FUZZ
@given(st.text(max_size=20), _JSON)
@example("eth_call", {"error": {"code": "x"}})
@example("eth_call", {"error": {"code": 1e300}})
@example("eth_call", {"result": None})
def test_an_answer_envelope_is_a_result_or_a_clear_error(method: str, answer: Any) -> None:
    _clear_or_value(lambda: rpc_result(method, answer, url=_URL))
    _clear_or_value(lambda: rpc_error_of(method, answer, url=_URL))


@FUZZ
@given(st.integers(min_value=0, max_value=4), _JSON)
@example(2, [{"id": [1]}, {"id": {}}])
@example(1, {"error": "no"})
@example(2, [{"id": 1, "result": 1}, {"id": 2, "result": 2}])
def test_a_batch_answer_is_its_results_or_a_clear_error(count: int, answers: Any) -> None:
    requests = [("eth_blockNumber", ())] * count
    _clear_or_value(lambda: batch_results(requests, 1, answers, url=_URL))


@FUZZ
@given(_answers(_HEAD))
@example({**_HEAD, "number": [1]})
@example({**_HEAD, "hash": None, "number": 1.5})
@example({k: v for k, v in _HEAD.items() if k != "hash"})
def test_a_head_is_parsed_or_refused_with_a_value_error(raw: dict[str, Any]) -> None:
    _clear_or_value(lambda: parse_head(1, raw))


@FUZZ
@given(_answers(_LOG))
@example({**_LOG, "topics": 5})
@example({**_LOG, "logIndex": {}})
def test_a_log_is_parsed_or_refused_with_a_value_error(raw: dict[str, Any]) -> None:
    _clear_or_value(lambda: parse_log(1, raw))


@FUZZ
@given(_answers(_RECEIPT) | _mutated(_RECEIPT).flatmap(lambda r: _logs_mutated(r)))
@example({**_RECEIPT, "status": 1})
@example({**_RECEIPT, "logs": [{"address": "0x1"}]})
@example({**_RECEIPT, "logs": "0x"})
def test_a_receipt_is_parsed_or_refused_with_a_value_error(raw: dict[str, Any]) -> None:
    _clear_or_value(lambda: TxReceipt.from_rpc(raw))


def _logs_mutated(receipt: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return _mutated(_LOG).map(lambda log: {**receipt, "logs": [log]})


@FUZZ
@given(_answers(_FEE_HISTORY) | _JSON)
@example({"reward": [[5]]})
@example({"reward": ["0x1"]})
@example({"reward": [[]]})
@example([["0x1"]])
def test_a_fee_history_gives_a_tip_or_a_value_error(history: Any) -> None:
    _clear_or_value(lambda: tip_from_fee_history(history, _BOUNDS))


@pytest.fixture(scope="module")
def pending() -> dict[str, Any]:
    return _pending()


@FUZZ
@given(data=st.data())
def test_a_pending_transaction_is_parsed_or_refused_as_malformed(
    pending: dict[str, Any], data: st.DataObject
) -> None:
    assert parse_pending_tx(1, pending, 0).nonce == 3
    raw = data.draw(_answers(pending))
    _clear_or_value(lambda: parse_pending_tx(1, raw, 0))
