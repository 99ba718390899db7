"""The `env` key backend: one key, `OMNIARB_PRIVATE_KEY`, in plain text in the environment.

It is the simplest backend and the weakest: the key sits in the process environment (readable in
`/proc/<pid>/environ` by the same user, inherited by child processes, often kept in shell
history or a unit file). The devnet's public test keys are fine there; a real network's key is
refused unless `[keys] allow_env_on_mainnet = true` says it was meant (`require_env_allowed`).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from omniarb._config_keys import KeysSettings
from omniarb._secrets import PRIVATE_KEY_ENV, Secrets
from omniarb.errors import ConfigError
from omniarb.keys.base import BackendName, KeyInfo
from omniarb.keys.local import LocalDigestSigner

__all__ = ["EnvBackend", "require_env_allowed"]

log = logging.getLogger(__name__)

_LABEL = PRIVATE_KEY_ENV


def require_env_allowed(settings: KeysSettings, *, chain: str, devnet: bool) -> None:
    """A `ConfigError` unless the env key may sign on `chain`: the devnet's chains always, a
    real network's only with `[keys] allow_env_on_mainnet = true`.

    The devnet runs the real chains' ids (1, 10, 56, 137, 42161), so the chain id cannot tell
    them apart; what can is the devnet's own manifest, which marks each of its chains `devnet`.
    """
    if devnet:
        return
    if not settings.allow_env_on_mainnet:
        raise ConfigError(
            f"keys.backend: {chain} is not a devnet chain and the env backend keeps the key in "
            f'plain text in {PRIVATE_KEY_ENV}; use a keystore (`[keys] backend = "keystore"`, '
            "`omniarb keys import`) or PKCS#11, or set `[keys] allow_env_on_mainnet = true` to "
            "accept the risk"
        )
    log.warning(
        "%s: signing with %s on a real network (keys.allow_env_on_mainnet)", chain, PRIVATE_KEY_ENV
    )


class EnvBackend:
    """The key of `OMNIARB_PRIVATE_KEY`: listed and used, never created or retired here."""

    def __init__(self, secrets: Secrets) -> None:
        self._signer: LocalDigestSigner | None = None
        if secrets.private_key is not None:
            digits = secrets.private_key.get_secret_value().removeprefix("0x")
            self._signer = LocalDigestSigner(bytes.fromhex(digits))
        # When the process started is as near as the environment gets to "created".
        self._seen_at = datetime.now(UTC)

    @property
    def name(self) -> BackendName:
        return "env"

    def _info(self, signer: LocalDigestSigner) -> KeyInfo:
        return KeyInfo(
            address=signer.address, backend="env", label=_LABEL, created_at=self._seen_at
        )

    def list_keys(self) -> list[KeyInfo]:
        return [] if self._signer is None else [self._info(self._signer)]

    def create_key(self, label: str) -> KeyInfo:
        raise ConfigError(
            f"the env backend cannot create keys: it only reads {PRIVATE_KEY_ENV}; use "
            '`[keys] backend = "keystore"` to keep keys made here'
        )

    def digest_signer(self, address: str) -> LocalDigestSigner:
        signer = self._signer
        if signer is None:
            raise ConfigError(f"{PRIVATE_KEY_ENV} is not set; a real network needs the bot's key")
        if signer.address.lower() != address.lower():
            raise ConfigError(
                f"{PRIVATE_KEY_ENV} holds the key of {signer.address}, not of {address}"
            )
        return signer

    def retire_key(self, address: str) -> KeyInfo:
        raise ConfigError(
            f"the env backend cannot retire keys: unset {PRIVATE_KEY_ENV} to stop using it"
        )
