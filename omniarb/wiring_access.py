"""Who trades on a chain: `ChainAccess` (the signer and the executor contract it trades
through) and `NetworkAccess`, a described network's (`omniarb run --manifest FILE`): the
signer from the environment, and the executor the description names, checked (code, owner or
authorized executor, factories) but never deployed or seeded; nothing is sent at set-up. The
devnet has its own access (it deploys the bot's executor on first use), in `omniarb.devnet`,
which the product never imports. `omniarb.wiring` re-exports both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from omniarb.chains.rpc import RpcClient
from omniarb.errors import ConfigError
from omniarb.execute import Signer
from omniarb.execute.executor_setup import verify_executor
from omniarb.network import ChainManifest

__all__ = ["ChainAccess", "NetworkAccess"]


class ChainAccess(Protocol):
    """Who trades on a chain: the signer, and the executor contract it trades through; `devnet`
    says whether the chains are the local devnet (whose bundle chains may run without a relay,
    and whose relay takes a fresh reputation key per run)."""

    devnet: bool

    def signer(self, chain: ChainManifest) -> Signer:
        """The bot's signer on `chain`."""
        ...

    async def executor(self, chain: ChainManifest, rpc: RpcClient, signer: Signer) -> str:
        """The address of the executor `signer` trades through on `chain`, ready to use."""
        ...


class NetworkAccess:
    """A described network's access: one signer per chain name (keys from the environment),
    and the executor the description names, verified before the first trade."""

    devnet = False

    def __init__(
        self, signers: Mapping[str, Signer], inventory_signers: Mapping[str, Signer] | None = None
    ) -> None:
        self._signers = dict(signers)
        self._inventory_signers = dict(inventory_signers or {})

    def signer(self, chain: ChainManifest) -> Signer:
        return self._signers[chain.name]

    def inventory_signer(self, chain: ChainManifest) -> Signer:
        """The cross-chain inventory account's signer (`[cross_chain.execution] key`)."""
        signer = self._inventory_signers.get(chain.name)
        if signer is None:
            raise ConfigError(f"cross_chain.execution.key: no inventory key for {chain.name}")
        return signer

    async def executor(self, chain: ChainManifest, rpc: RpcClient, signer: Signer) -> str:
        return await verify_executor(rpc, chain, signer.address)
