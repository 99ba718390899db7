"""The coordinator's inventory signers, each usable only while its signer lease is held.

A standby coordinator may hold the same inventory key (it must, to take over): what keeps two
processes from signing with it is the lease per (chain, inventory address) (`lease`). The
coordinator's legs and its rebalancer get their signers from `InventoryAccess`; this wraps that
access so every signer it returns is a `FencedSigner` (`fence`), which refuses to sign once its
lease may have lapsed (`SignerLease.valid`, the local clock: no round trip on the path of a
leg). A coordinator frozen past its lease and then resumed signs nothing; `SignerLease.keep`
then reports the loss and the role steps down.
"""

from __future__ import annotations

from collections.abc import Mapping

from omniarb.cluster.fence import FencedSigner
from omniarb.cluster.lease import SignerLease, StaleLeaseError
from omniarb.crosschain.factory import InventoryAccess
from omniarb.execute.signer import Signer
from omniarb.network import ChainManifest

__all__ = ["FencedInventoryAccess", "inventory_lease_name"]


def inventory_lease_name(chain: str, address: str) -> str:
    """The lease of the inventory key `address` on `chain`."""
    return f"inventory:{chain}:{address.lower()}"


class FencedInventoryAccess:
    """`InventoryAccess` whose signers are fenced by the lease of their (chain, address)."""

    def __init__(self, inner: InventoryAccess, leases: Mapping[str, SignerLease]) -> None:
        self._inner = inner
        self._leases = leases

    def inventory_signer(self, chain: ChainManifest) -> Signer:
        signer = self._inner.inventory_signer(chain)
        name = inventory_lease_name(chain.name, signer.address)
        lease = self._leases.get(name)
        if lease is None:
            raise StaleLeaseError(
                f"no lease {name} is held: the coordinator may not sign there",
                ours=None,
                newest=None,
            )
        return FencedSigner(signer, lease)
