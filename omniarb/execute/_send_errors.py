"""The errors of sending a transaction, and the one place that reads nodes' error wordings.

`eth_sendRawTransaction` refusals arrive as JSON-RPC error objects whose codes differ between
clients (anvil says -32003 where geth says -32000), so the message decides. `classify_send_error`
maps anvil's and geth's wordings (geth `core/txpool/errors.go`, `core/error.go`) onto our tree,
so the submitter reacts to a type, never to a string.
"""

from __future__ import annotations

from omniarb.chains.rpc import ALREADY_KNOWN
from omniarb.errors import (
    OmniarbError,
    RejectedError,
    RetryableError,
    RevertError,
    RpcError,
    TimeoutError_,
)
from omniarb.execute._revert import RevertReason

__all__ = [
    "AlreadyKnownError",
    "DuplicateSubmissionError",
    "FeeTooLowError",
    "InsufficientFundsError",
    "NonceConflictError",
    "PrecheckRevertError",
    "ReceiptTimeoutError",
    "SendRejectedError",
    "SendUnconfirmedError",
    "classify_send_error",
]


class PrecheckRevertError(RevertError):
    """The `eth_call` pre-check reverted; nothing was sent. `reason` says why."""

    def __init__(self, reason: RevertReason) -> None:
        super().__init__(f"pre-check reverted: {reason.message}")
        self.reason = reason


class DuplicateSubmissionError(RejectedError):
    """This idempotency key was already submitted; submitting again could trade twice."""

    def __init__(self, key: str) -> None:
        super().__init__(f"already submitted: {key}")
        self.key = key


class SendError(OmniarbError):
    """Base of the node's refusals; `rpc_message` is the node's own wording."""

    def __init__(self, message: str, *, rpc_message: str) -> None:
        super().__init__(message)
        self.rpc_message = rpc_message


class NonceConflictError(SendError, RetryableError):
    """The nonce is spent or taken by a pending transaction: resync nonces, sign again."""


class AlreadyKnownError(SendError, RetryableError):
    """The node already holds this exact transaction: it was sent."""


class FeeTooLowError(SendError, RetryableError):
    """The fee cap is below the base fee or the node's minimum: read fees again."""


class InsufficientFundsError(SendError, RejectedError):
    """The account cannot pay gas × fee cap + value."""


class SendRejectedError(SendError, RejectedError):
    """Any other refusal (intrinsic gas too low, wrong chain id, oversized data...)."""


class SendUnconfirmedError(RetryableError):
    """The send failed in transit: the node may or may not have the transaction.

    Its nonce is treated as spent until the next resync shows otherwise; look for `tx_hash`.
    """

    def __init__(self, message: str, *, tx_hash: str, nonce: int) -> None:
        super().__init__(f"{message}; transaction {tx_hash} (nonce {nonce}) may have been sent")
        self.tx_hash = tx_hash
        self.nonce = nonce


class ReceiptTimeoutError(TimeoutError_):
    """No receipt within the deadline: the transaction is pending, dropped or replaced."""

    def __init__(self, *, tx_hash: str, timeout_s: float) -> None:
        super().__init__(f"no receipt for {tx_hash} within {timeout_s:g} s")
        self.tx_hash = tx_hash
        self.timeout_s = timeout_s


# (lower-case fragment, class); the first match wins, so specific wordings come first.
_WORDINGS: tuple[tuple[str, type[SendError]], ...] = (
    # geth "already known", anvil "transaction already imported", besu "known transaction":
    # the wordings the hedge layer also reads as an acknowledgment.
    *((fragment, AlreadyKnownError) for fragment in ALREADY_KNOWN),
    ("nonce too low", NonceConflictError),  # geth and anvil
    ("nonce too high", NonceConflictError),
    ("replacement transaction underpriced", NonceConflictError),  # geth and anvil
    ("insufficient funds", InsufficientFundsError),  # "… for gas * price + value"
    ("less than block base fee", FeeTooLowError),  # "max fee per gas less than block base fee"
    ("fee cap less than", FeeTooLowError),  # older geth
    ("transaction underpriced", FeeTooLowError),  # geth: below the pool's minimum tip
    ("gas price below minimum", FeeTooLowError),
)


def classify_send_error(exc: RpcError) -> SendError:
    """Our error for a node's refusal of `eth_sendRawTransaction`; raise it `from exc`."""
    wording = exc.rpc_message.lower()
    for fragment, kind in _WORDINGS:
        if fragment in wording:
            return kind(f"send refused: {exc.rpc_message}", rpc_message=exc.rpc_message)
    return SendRejectedError(f"send refused: {exc.rpc_message}", rpc_message=exc.rpc_message)
