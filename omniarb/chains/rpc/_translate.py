"""The error-translation layer: a node's error object becomes a revert, a rate limit or a refusal.

Nodes disagree on codes, so both the code and the wording decide:

- code 3 (geth, anvil, erigon: "execution reverted", with the revert data) is a revert, and so
  is any error of a method that executes code (`eth_call`, `eth_estimateGas`, ...) whose wording
  says the execution failed: "execution reverted" under another code (besu, nethermind) or an
  exceptional halt such as anvil's "EVM error OutOfGas" and geth's "out of gas" or
  "invalid opcode". Each is `ExecutionRevertedError` (a `RevertError`) carrying the data.
- a provider's "too many requests" (code -32005 on Infura and geth's limiter, 429 on some
  gateways, or the wording) is `RateLimitedError`: retryable, and a sign to use another endpoint.
- everything else is `RpcError`: the node refused the request itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omniarb.chains.rpc._layer import RpcLayer, RpcRequest
from omniarb.errors import ExecutionRevertedError, OmniarbError, RateLimitedError, RpcError

__all__ = ["TranslateErrors", "translate_node_error"]

_REVERT_CODE = 3
# Methods that run EVM code: an execution failure of these is the answer, not a node problem.
_EXECUTING = frozenset(
    {
        "eth_call",
        "eth_callBundle",
        "eth_callMany",
        "eth_createAccessList",
        "eth_estimateGas",
        "eth_simulateV1",
        "debug_traceCall",
    }
)
_EXECUTION_FAILED = (
    "revert",  # "execution reverted", "Execution reverted", "VM Exception ... revert"
    "evm error",  # anvil: "EVM error OutOfGas", "EVM error InvalidFEOpcode", ...
    "out of gas",
    "invalid opcode",
    "invalid jump",
    "stack underflow",
    "stack overflow",
)
_RATE_LIMIT_CODES = frozenset({-32005, 429})
_RATE_LIMITED = ("rate limit", "too many requests", "request limit", "exceeded the limit")


def translate_node_error(error: RpcError, *, url: str) -> OmniarbError:
    """Our error for a node's error object (as the transport raised it); raise it `from error`."""
    wording = error.rpc_message.lower()
    execution_failed = error.method in _EXECUTING and any(w in wording for w in _EXECUTION_FAILED)
    if error.code == _REVERT_CODE or execution_failed:
        return ExecutionRevertedError(
            method=error.method, code=error.code, message=error.rpc_message, data=error.data
        )
    if error.code in _RATE_LIMIT_CODES or any(w in wording for w in _RATE_LIMITED):
        return RateLimitedError(f"{error.method}: {error.rpc_message}", url=url, status=200)
    return error


class TranslateErrors:
    """Wraps a transport so its node errors come out in our tree (see the module docstring)."""

    def __init__(self, inner: RpcLayer, *, url: str) -> None:
        self._inner = inner
        self._url = url

    async def call(self, method: str, *params: Any) -> Any:
        try:
            return await self._inner.call(method, *params)
        except RpcError as exc:
            translated = translate_node_error(exc, url=self._url)
            if translated is exc:
                raise
            raise translated from exc

    async def batch(self, requests: Sequence[RpcRequest]) -> list[Any]:
        try:
            return await self._inner.batch(requests)
        except RpcError as exc:
            translated = translate_node_error(exc, url=self._url)
            if translated is exc:
                raise
            raise translated from exc
