"""One nonce manager per (chain, account), shared by everything that sends from that account.

The inventory account signs both the cross-chain legs (`omniarb.crosschain` coordinator) and the
rebalancer's bridge deposits. Two `NonceManager`s over one account would each read the node's
pending count and hand out the same nonce twice, so both take theirs from one
`NonceAllocators`, which keeps exactly one manager per (chain, account):

    allocators = NonceAllocators()
    nonces = allocators.manager(chain="arbitrum", rpc=rpc, address=account)
    nonce = await nonces.reserve()
"""

from __future__ import annotations

from omniarb.chains.rpc import RpcClient
from omniarb.execute.nonces import NonceManager

__all__ = ["NonceAllocators"]


class NonceAllocators:
    """The one `NonceManager` of each (chain, account), made on first use."""

    def __init__(self) -> None:
        self._managers: dict[tuple[str, str], NonceManager] = {}

    def manager(self, *, chain: str, rpc: RpcClient, address: str) -> NonceManager:
        """The manager of `address` on `chain` (the same object on every call; `rpc` is used
        only the first time)."""
        key = (chain, address.lower())
        manager = self._managers.get(key)
        if manager is None:
            manager = self._managers[key] = NonceManager(rpc=rpc, address=address)
        return manager

    def __len__(self) -> int:
        return len(self._managers)
