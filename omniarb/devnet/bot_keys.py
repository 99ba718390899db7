"""Where the devnet bot's keys live: the run's keystore (the default; anvil account 9's key,
imported by `omniarb.devnet.bot_keystore`) or, with `[keys] backend = "pkcs11"` (`omniarb demo
--signer pkcs11`), a SoftHSM2 token under `$OMNIARB_HOME/softhsm` whose key was generated inside
it and never leaves it. One backend per run: the bot signs with it and the key rotation makes
its new keys in it (a PKCS#11 login is per process, so the two must share it)."""

from __future__ import annotations

import os
from pathlib import Path

from omniarb.devnet.accounts import BOT_INDEX, dev_account
from omniarb.devnet.bot_keystore import bot_keystore
from omniarb.keys.base import DigestSigner, KeyBackend
from omniarb.keys.softhsm import dev_softhsm_token
from omniarb.paths import omniarb_home

__all__ = ["DEVNET_TOKEN_LABEL", "DevnetBotKeys"]

DEVNET_TOKEN_LABEL = "omniarb-devnet"
_HSM_KEY_LABEL = "devnet bot"


class DevnetBotKeys:
    """The run's key backend (opened on first use) and the bot's first key in it."""

    def __init__(self, run_dir: Path, *, backend: str = "keystore") -> None:
        self._run_dir = run_dir
        self._kind = "pkcs11" if backend == "pkcs11" else "keystore"
        self._backend: KeyBackend | None = None

    @property
    def kind(self) -> str:
        return self._kind

    def backend(self) -> KeyBackend:
        if self._backend is None:
            self._backend = self._open()
        return self._backend

    def _open(self) -> KeyBackend:
        if self._kind == "keystore":
            return bot_keystore(self._run_dir)
        # Imported here: python-pkcs11 loads only where a token is used.
        from omniarb.keys.pkcs11 import Pkcs11Backend

        dev = dev_softhsm_token(omniarb_home() / "softhsm", label=DEVNET_TOKEN_LABEL)
        # SoftHSM2 reads its configuration when the first backend of the process opens.
        os.environ.update(dev.token.environ())
        return Pkcs11Backend(dev.token.module_path, dev.token.label, dev.pin)

    def bot_signer(self) -> DigestSigner:
        """The bot's first key: anvil account 9's in the keystore; in the token, its oldest live
        key, or one generated there now (the token keeps it across runs)."""
        backend = self.backend()
        if self._kind == "keystore":
            return backend.digest_signer(dev_account(BOT_INDEX).address)
        live = sorted((k for k in backend.list_keys() if not k.retired), key=lambda k: k.created_at)
        address = live[0].address if live else backend.create_key(_HSM_KEY_LABEL).address
        return backend.digest_signer(address)
