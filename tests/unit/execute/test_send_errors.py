"""Nodes' refusal wordings (anvil's and geth's) map onto our error tree once."""

from __future__ import annotations

import pytest

from omniarb.errors import RejectedError, RetryableError, RpcError
from omniarb.execute._send_errors import (
    AlreadyKnownError,
    FeeTooLowError,
    InsufficientFundsError,
    NonceConflictError,
    SendRejectedError,
    classify_send_error,
)


def _rpc_error(message: str, code: int = -32000) -> RpcError:
    return RpcError(method="eth_sendRawTransaction", code=code, message=message)


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        # anvil 1.7.1 (observed on the devnet, code -32003)
        ("nonce too low", NonceConflictError),
        ("transaction already imported", AlreadyKnownError),
        ("replacement transaction underpriced", NonceConflictError),
        ("Insufficient funds for gas * price + value", InsufficientFundsError),
        ("max fee per gas less than block base fee", FeeTooLowError),
        ("intrinsic gas too low", SendRejectedError),
        ("invalid chain id for signer", SendRejectedError),
        # geth (core/txpool/errors.go, core/error.go)
        ("nonce too low: address 0xabc, tx: 3 state: 5", NonceConflictError),
        ("nonce too high: address 0xabc, tx: 9 state: 5", NonceConflictError),
        ("already known", AlreadyKnownError),
        ("insufficient funds for gas * price + value: balance 0", InsufficientFundsError),
        (
            "max fee per gas less than block base fee: address 0xabc, maxFeePerGas: 1, baseFee: 7",
            FeeTooLowError,
        ),
        ("transaction underpriced: tip needed 1, tip permitted 0", FeeTooLowError),
        ("exceeds block gas limit", SendRejectedError),
    ],
)
def test_wording_maps_to_one_class(message: str, kind: type[Exception]) -> None:
    error = classify_send_error(_rpc_error(message, code=-32003))
    assert type(error) is kind
    assert error.rpc_message == message
    assert message in str(error)


def test_second_level_tells_the_caller_what_to_do() -> None:
    assert isinstance(classify_send_error(_rpc_error("nonce too low")), RetryableError)
    assert isinstance(classify_send_error(_rpc_error("already known")), RetryableError)
    assert isinstance(classify_send_error(_rpc_error("transaction underpriced")), RetryableError)
    assert isinstance(classify_send_error(_rpc_error("insufficient funds")), RejectedError)
    assert isinstance(classify_send_error(_rpc_error("oversized data")), RejectedError)
