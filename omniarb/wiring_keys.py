"""The bot's transaction signers on a described network, from the configured key backend.

    signers = chain_signers(manifest, settings, load_secrets())  # one `Signer` per chain

The same key signs on every chain (one address, as the executors' owner); each chain's signer
carries its chain id, which EIP-155 and EIP-1559 sign into every transaction, so a transaction
signed for one chain is refused by the others.
"""

from __future__ import annotations

from omniarb._config_keys import KeysSettings
from omniarb._secrets import Secrets
from omniarb.config import Settings
from omniarb.errors import ConfigError
from omniarb.execute.signer import Signer
from omniarb.keys.base import KeyBackend
from omniarb.keys.env import require_env_allowed
from omniarb.keys.factory import open_backend, signing_address
from omniarb.network import ChainManifest, Manifest

__all__ = ["chain_signer", "chain_signers", "inventory_signers"]


def chain_signer(backend: KeyBackend, keys: KeysSettings, chain: ChainManifest) -> Signer:
    """`chain`'s signer with the backend's signing key; the env backend only where allowed."""
    if backend.name == "env":
        require_env_allowed(keys, chain=chain.name, devnet=chain.devnet)
    digest_signer = backend.digest_signer(signing_address(backend, keys))
    return Signer.from_digest_signer(digest_signer, chain_id=chain.chain_id)


def chain_signers(manifest: Manifest, settings: Settings, secrets: Secrets) -> dict[str, Signer]:
    """One signer per chain of `manifest`, all with the configured backend's one key."""
    backend = open_backend(settings, secrets)
    return {chain.name: chain_signer(backend, settings.keys, chain) for chain in manifest.chains}


def inventory_signers(
    manifest: Manifest, settings: Settings, secrets: Secrets
) -> dict[str, Signer]:
    """The cross-chain inventory account's signer per chain: the key of the `[keys]` backend
    that `[cross_chain.execution] key` names (its address or its label); none when unset."""
    key_id = settings.cross_chain.execution.key.strip()
    if not key_id:
        return {}
    backend = open_backend(settings, secrets)
    matches = [
        k
        for k in backend.list_keys()
        if not k.retired and key_id.lower() in (k.address.lower(), k.label.lower())
    ]
    if len(matches) != 1:
        found = "no key" if not matches else f"{len(matches)} keys"
        raise ConfigError(f"cross_chain.execution.key: {found} in the {backend.name} backend "
                          f"match {key_id!r}")  # fmt: skip
    digest_signer = backend.digest_signer(matches[0].address)
    return {
        chain.name: Signer.from_digest_signer(digest_signer, chain_id=chain.chain_id)
        for chain in manifest.chains
    }
