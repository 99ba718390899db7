"""The devnet bot's key in a keystore, so the devnet signs the way a real deployment should.
The cross-chain inventory account's key (`INVENTORY_INDEX`) gets a keystore of its own beside
it (`<run dir>/inventory-keystore/`, same passphrase): the bot's keystore holds the bot's keys
only, which its key rotation manages.

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

from omniarb.devnet.accounts import BOT_INDEX, INVENTORY_INDEX, dev_account
from omniarb.keys.keystore import KeystoreBackend
from omniarb.keys.local import LocalDigestSigner

__all__ = ["DEVNET_SCRYPT_N", "bot_keystore", "bot_signer", "inventory_signer"]

DEVNET_SCRYPT_N = 2**12
_LABEL = f"devnet bot (anvil account {BOT_INDEX})"
_INVENTORY_LABEL = f"devnet cross-chain inventory (anvil account {INVENTORY_INDEX})"


def _passphrase(path: Path) -> str:
    """The run's passphrase: read, or made once (0600 from the first byte)."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(24))
    return path.read_text().strip()


def _keystore(run_dir: Path, name: str, index: int, label: str) -> KeystoreBackend:
    """The run's keystore `name`, holding dev account `index`'s key (imported on first use)."""
    directory = run_dir / name
    run_dir.mkdir(parents=True, exist_ok=True)
    # Several processes of one run (the bot, `omniarb run` against a detached devnet) may be
    # first at once: one imports, the others then find the key.
    with (run_dir / "keystore.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            passphrase = _passphrase(run_dir / "keystore.passphrase")
            backend = KeystoreBackend(directory, lambda: passphrase, scrypt_n=DEVNET_SCRYPT_N)
            account = dev_account(index)
            if all(key.address != account.address for key in backend.list_keys()):
                backend.import_key(account.private_key, label=label)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return backend


def bot_keystore(run_dir: Path) -> KeystoreBackend:
    """The run's keystore, holding the bot's key (imported on first use)."""
    return _keystore(run_dir, "keystore", BOT_INDEX, _LABEL)


def bot_signer(run_dir: Path) -> LocalDigestSigner:
    """The bot's digest signer, unlocked from the run's keystore."""
    return bot_keystore(run_dir).digest_signer(dev_account(BOT_INDEX).address)


def inventory_signer(run_dir: Path) -> LocalDigestSigner:
    """The cross-chain inventory account's digest signer, from its own keystore of the run."""
    backend = _keystore(run_dir, "inventory-keystore", INVENTORY_INDEX, _INVENTORY_LABEL)
    return backend.digest_signer(dev_account(INVENTORY_INDEX).address)
