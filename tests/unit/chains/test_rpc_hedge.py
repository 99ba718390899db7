"""Which error a hedged send raises when no endpoint acknowledged it, and which refusals count
as an acknowledgment: plain values in, the chosen error out."""

from __future__ import annotations

import pytest

from omniarb.chains.rpc import already_known, most_telling_error
from omniarb.errors import (
    RateLimitedError,
    RpcConnectError,
    RpcError,
    RpcHttpError,
    RpcTimeoutError,
)

SEND = "eth_sendRawTransaction"
URL = "http://127.0.0.1:1"


def refusal(message: str) -> RpcError:
    return RpcError(method=SEND, code=-32003, message=message)


def test_a_refusal_wins_over_errors_that_prove_nothing_left() -> None:
    nonce = refusal("nonce too low")
    connect = RpcConnectError("connect", url=URL)
    limited = RateLimitedError("HTTP 429", url=URL)
    assert most_telling_error(SEND, [connect, nonce, limited]) is nonce
    assert most_telling_error(SEND, [limited, connect]) is limited
    assert most_telling_error(SEND, [connect]) is connect


def test_a_send_that_may_have_left_wins_over_a_refusal() -> None:
    """The refusal may be our own transaction's doing, through the node that lost its answer."""
    nonce = refusal("nonce too low")
    timeout = RpcTimeoutError("no answer", url=URL)
    lost = RpcHttpError("HTTP 503", url=URL, status=503)
    assert most_telling_error(SEND, [nonce, timeout, lost]) is timeout
    assert most_telling_error(SEND, [RpcConnectError("connect", url=URL), lost]) is lost


def test_for_a_read_every_transport_error_proves_nothing_was_done() -> None:
    nonce = refusal("bad block")
    timeout = RpcTimeoutError("no answer", url=URL)
    assert most_telling_error("eth_call", [timeout, nonce]) is nonce


def test_no_error_to_choose_from_is_a_bug() -> None:
    with pytest.raises(ValueError, match="no error"):
        most_telling_error(SEND, [])


@pytest.mark.parametrize(
    ("message", "acknowledged"),
    [
        ("already known", True),  # geth
        ("transaction already imported", True),  # anvil
        ("Known transaction: 0xab", True),  # besu
        ("nonce too low", False),
        ("insufficient funds for gas * price + value", False),
    ],
)
def test_already_known_wordings_acknowledge(message: str, acknowledged: bool) -> None:
    assert already_known(refusal(message)) is acknowledged
    assert not already_known(RpcTimeoutError(message, url=URL))
