"""What the kinds' contract calls share: the deadline they pass, the gas limit of a call that
creates a pool, and the `eth_call` request their reads are batched as.
"""

from __future__ import annotations

from omniarb.chains.rpc import RpcRequest

__all__ = ["DEADLINE", "POOL_CREATE_GAS", "eth_call"]

# The deadline of every router and position manager call: never reached on the devnet.
DEADLINE = 2**32 - 1
# The gas limit of a transaction that may create a pool (its creation code runs inside).
POOL_CREATE_GAS = 6_000_000


def eth_call(to: str, data: str) -> RpcRequest:
    """An `eth_call` of `data` on `to` at the latest block."""
    return ("eth_call", [{"to": to, "data": data}, "latest"])
