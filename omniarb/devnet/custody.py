"""The devnet's Safe owners: `SafeOwner`s whose signers are the devnet accounts that own each
chain's 2-of-3 Safe (`SAFE_OWNER_INDICES`), relayed by `SAFE_RELAYER_INDEX`. What the CLI and the
bot's devnet access use where a described network would load owner keys from a key backend."""

from __future__ import annotations

from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import chain_by_id
from omniarb.custody.safe_owner import SafeOwner
from omniarb.devnet.accounts import (
    SAFE_OWNER_INDICES,
    SAFE_RELAYER_INDEX,
    SAFE_THRESHOLD,
    dev_account,
)
from omniarb.errors import DevnetError
from omniarb.execute.signer import Signer
from omniarb.keys.local import LocalDigestSigner
from omniarb.network import ChainManifest

__all__ = ["devnet_owner_signers", "devnet_safe_owner"]


def devnet_owner_signers(count: int = SAFE_THRESHOLD) -> list[LocalDigestSigner]:
    """Digest signers of the first `count` owners of the devnet Safes."""
    return [LocalDigestSigner(dev_account(i).private_key) for i in SAFE_OWNER_INDICES[:count]]


def devnet_safe_owner(
    rpc: RpcClient, chain: ChainManifest, *, signers: list[LocalDigestSigner] | None = None
) -> SafeOwner:
    """The owner authority of `chain`'s devnet Safe, signed by `signers` (the threshold's)."""
    if chain.safe is None:
        raise DevnetError(f"{chain.name}: the devnet manifest names no Safe")
    spec = chain_by_id(chain.chain_id)
    return SafeOwner(
        rpc=rpc,
        safe=chain.safe.address,
        chain_id=chain.chain_id,
        signers=devnet_owner_signers() if signers is None else signers,
        relayer=Signer(dev_account(SAFE_RELAYER_INDEX).private_key, chain_id=chain.chain_id),
        fee_model=spec.fee_model,
        tip_wei=spec.tips.min_wei,
    )
