"""The executor owner's authority on a described network: its Safe (named by the network file),
signed by the owner keys `[treasury] owners` lists and sent by the `[treasury] relayer` key,
all from the configured key backend (`[keys]`). What `omniarb treasury sweep` and the bot's key
rotation use where the devnet would use its own accounts."""

from __future__ import annotations

from omniarb._config_treasury import TreasurySettings
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import chain_by_id
from omniarb.custody.safe_owner import SafeOwner
from omniarb.errors import ConfigError
from omniarb.execute.signer import Signer
from omniarb.keys.base import KeyBackend
from omniarb.network import ChainManifest

__all__ = ["network_safe_owner", "require_owner_keys"]


def require_owner_keys(treasury: TreasurySettings) -> None:
    """A `ConfigError` naming the settings when the owner or relayer keys are not listed."""
    if not treasury.owners or not treasury.relayer:
        raise ConfigError(
            "treasury.owners and treasury.relayer: the executor's Safe signs with its owners' "
            "keys and sends with the relayer's, from the key backend ([keys]); list their "
            "addresses"
        )


def network_safe_owner(
    treasury: TreasurySettings, backend: KeyBackend, rpc: RpcClient, chain: ChainManifest
) -> SafeOwner:
    """`chain`'s Safe as the executor's owner, with the listed keys of `backend`."""
    require_owner_keys(treasury)
    if chain.safe is None:
        raise ConfigError(f"{chain.name}: the network file names no `safe` (the executor's owner)")
    spec = chain_by_id(chain.chain_id)
    return SafeOwner(
        rpc=rpc,
        safe=chain.safe.address,
        chain_id=chain.chain_id,
        signers=[backend.digest_signer(address) for address in treasury.owners],
        relayer=Signer.from_digest_signer(
            backend.digest_signer(treasury.relayer), chain_id=chain.chain_id
        ),
        fee_model=spec.fee_model,
        tip_wei=spec.tips.min_wei,
    )
