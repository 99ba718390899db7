"""What every layer of the RPC stack is, and which requests may be sent twice."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from omniarb.errors import RateLimitedError, RetryableError, RpcConnectError

__all__ = ["BATCH", "RpcLayer", "RpcRequest", "may_resend", "reads_only"]

RpcRequest = tuple[str, Sequence[Any]]

# The method label of a batch in logs and metrics: one label keeps their cardinality bounded.
BATCH = "batch"


class RpcLayer(Protocol):
    """One JSON-RPC request, or many in one round trip; each layer wraps the next one.

    `call` returns the `result` of the answer; `batch` the results in request order, and the
    first error in it raises (a batch is used for reads that must all succeed).
    """

    async def call(self, method: str, *params: Any) -> Any: ...
    async def batch(self, requests: Sequence[RpcRequest]) -> list[Any]: ...


# Reads, answered from the node's state without changing it: sending one again after its
# answer was lost costs a round trip, never a second effect.
_READS = frozenset(
    {
        "eth_blobBaseFee",
        "eth_blockNumber",
        "eth_call",
        "eth_chainId",
        "eth_createAccessList",
        "eth_estimateGas",
        "eth_feeHistory",
        "eth_gasPrice",
        "eth_maxPriorityFeePerGas",
        "eth_syncing",
        "net_version",
        "web3_clientVersion",
    }
)
# `eth_getFilterChanges` advances the filter's cursor: asked twice, the first answer is lost.
_NOT_READS = frozenset({"eth_getFilterChanges"})


def reads_only(methods: Sequence[str]) -> bool:
    """Whether every method only reads (`eth_get*` and the other reads above).

    Sends, signing and a devnet's `anvil_*`/`evm_*` controls are not: an `eth_sendRawTransaction`
    whose answer was lost may have been taken, and sending it again can come back as "nonce too
    low" for a transaction that is on chain.
    """
    return all(m in _READS or (m.startswith("eth_get") and m not in _NOT_READS) for m in methods)


def may_resend(methods: Sequence[str], error: RetryableError) -> bool:
    """Whether a request that failed with `error` may go out again (here or elsewhere): reads
    always; anything when the error proves the node did not take the request (no connection,
    or refused for its rate)."""
    return reads_only(methods) or isinstance(error, RpcConnectError | RateLimitedError)
