"""The devnet bot's key in a keystore, so the devnet signs the way a real deployment should.

The first `DevnetAccess` of a devnet run imports anvil account 9's key (public knowledge) into
`<run dir>/keystore/` (a `keystore` key backend directory, 0700, one v3 file 0600) under a
passphrase generated for the run and kept beside it in `<run dir>/keystore.passphrase` (0600);
every later access of the run unlocks it from there. Both go when the devnet stops (the run dir
is removed). The scrypt cost is the lowest the config allows: the key is public anyway, and a
devnet start should not pay a second of key derivation.
"""

from __future__ import annotations

import fcntl
import os
import secrets
from pathlib import Path

from omniarb.devnet.accounts import BOT_INDEX, dev_account
from omniarb.keys.keystore import KeystoreBackend
from omniarb.keys.local import LocalDigestSigner

__all__ = ["DEVNET_SCRYPT_N", "bot_keystore", "bot_signer"]

DEVNET_SCRYPT_N = 2**12
_LABEL = f"devnet bot (anvil account {BOT_INDEX})"


def _passphrase(path: Path) -> str:
    """The run's passphrase: read, or made once (0600 from the first byte)."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(24))
    return path.read_text().strip()


def bot_keystore(run_dir: Path) -> KeystoreBackend:
    """The run's keystore, holding the bot's key (imported on first use)."""
    directory = run_dir / "keystore"
    run_dir.mkdir(parents=True, exist_ok=True)
    # Several processes of one run (the bot, `omniarb run` against a detached devnet) may be
    # first at once: one imports, the others then find the key.
    with (run_dir / "keystore.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            passphrase = _passphrase(run_dir / "keystore.passphrase")
            backend = KeystoreBackend(directory, lambda: passphrase, scrypt_n=DEVNET_SCRYPT_N)
            bot = dev_account(BOT_INDEX)
            if all(key.address != bot.address for key in backend.list_keys()):
                backend.import_key(bot.private_key, label=_LABEL)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return backend


def bot_signer(run_dir: Path) -> LocalDigestSigner:
    """The bot's digest signer, unlocked from the run's keystore."""
    return bot_keystore(run_dir).digest_signer(dev_account(BOT_INDEX).address)
