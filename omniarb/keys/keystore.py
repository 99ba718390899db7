"""The `keystore` key backend: Web3 Secret Storage (v3) files, one per key, in one directory.

Each file is what geth, clef and eth_account read and write (scrypt, AES-128-CTR, a keccak MAC),
named like geth's (`UTC--<created>--<address>.json`), plus one extra top-level field of ours,
`omniarb`: the key's label, when it was created and whether it is retired. That field is not
encrypted (listing needs no passphrase) and not authenticated: someone who can write the
directory can relabel or un-retire a key, but never learn or change the key itself.

The directory is created 0700 and each file 0600; a file or directory that others may read is
refused, as ssh refuses a readable private key. All keys of one directory share one passphrase
(`OMNIARB_KEYSTORE_PASSPHRASE`, else a prompt on a terminal). A wrong one is a `ConfigError`.
"""

from __future__ import annotations

import getpass
import json
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from coincurve import PrivateKey
from eth_keyfile.keyfile import create_keyfile_json, decode_keyfile_json
from eth_utils.address import to_checksum_address

from omniarb._secrets import KEYSTORE_PASSPHRASE_ENV, Secrets
from omniarb.errors import ConfigError
from omniarb.keys.base import BackendName, KeyInfo
from omniarb.keys.local import LocalDigestSigner

__all__ = ["KeystoreBackend", "PassphraseSource", "passphrase_source"]

log = logging.getLogger(__name__)

# Returns the passphrase when first needed: listing keys never asks for it.
PassphraseSource = Callable[[], str]

_META = "omniarb"
_PRIVATE_DIR_MODE = 0o700
_PRIVATE_FILE_MODE = 0o600
_OTHERS = 0o077


def passphrase_source(secrets: Secrets, *, confirm: bool = False) -> PassphraseSource:
    """The passphrase from `OMNIARB_KEYSTORE_PASSPHRASE`, else typed at a prompt when stdin is a
    terminal (twice with `confirm`, for a new keystore), else a `ConfigError`."""

    def read() -> str:
        if secrets.keystore_passphrase is not None:
            return secrets.keystore_passphrase.get_secret_value()
        if not sys.stdin.isatty():
            raise ConfigError(
                f"the keystore needs a passphrase: set {KEYSTORE_PASSPHRASE_ENV} (no terminal "
                "to prompt on)"
            )
        typed = getpass.getpass("keystore passphrase: ")
        if confirm and getpass.getpass("again: ") != typed:
            raise ConfigError("the two passphrases differ; nothing was written")
        if not typed:
            raise ConfigError("the keystore passphrase is empty")
        return typed

    return read


def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


class KeystoreBackend:
    """Keys in v3 JSON files under `directory`, unlocked with one passphrase."""

    def __init__(
        self, directory: Path, passphrase: PassphraseSource, *, scrypt_n: int = 2**18
    ) -> None:
        self._dir = directory
        self._passphrase_source = passphrase
        self._passphrase: str | None = None
        self._scrypt_n = scrypt_n
        self._unlocked: dict[str, LocalDigestSigner] = {}

    def __repr__(self) -> str:
        return f"KeystoreBackend(directory={self._dir})"

    @property
    def name(self) -> BackendName:
        return "keystore"

    @property
    def directory(self) -> Path:
        return self._dir

    def _files(self) -> list[tuple[Path, dict[str, Any]]]:
        if not self._dir.is_dir():
            return []
        found = []
        for path in sorted(self._dir.glob("*.json")):
            try:
                data = json.loads(path.read_text())
            except (OSError, ValueError) as exc:
                log.warning("keystore: skipping %s, not readable as JSON: %s", path.name, exc)
                continue
            if isinstance(data, dict) and data.get("version") == 3 and "address" in data:
                found.append((path, data))
        return found

    @staticmethod
    def _info(data: dict[str, Any]) -> KeyInfo:
        meta = data.get(_META) or {}
        return KeyInfo(
            address=to_checksum_address("0x" + str(data["address"]).removeprefix("0x")),
            backend="keystore",
            label=str(meta.get("label", "")),
            created_at=datetime.fromisoformat(meta["created_at"])
            if "created_at" in meta
            else datetime.fromtimestamp(0, UTC),
            retired=bool(meta.get("retired", False)),
        )

    def list_keys(self) -> list[KeyInfo]:
        return sorted((self._info(data) for _, data in self._files()), key=lambda k: k.created_at)

    def _find(self, address: str) -> tuple[Path, dict[str, Any]]:
        wanted = address.lower().removeprefix("0x")
        for path, data in self._files():
            if str(data["address"]).lower().removeprefix("0x") == wanted:
                return path, data
        raise ConfigError(f"no key {address} in the keystore {self._dir}")

    def _check_private(self, path: Path) -> None:
        for item, fix in ((self._dir, "chmod 700"), (path, "chmod 600")):
            mode = _mode(item)
            if mode & _OTHERS:
                raise ConfigError(
                    f"{item} may be read by other users (mode {mode:o}); {fix} it before the "
                    "keystore is used"
                )

    def _decrypt(self, path: Path, data: dict[str, Any], passphrase: str) -> bytes:
        try:
            return decode_keyfile_json(data, passphrase.encode())
        except ValueError:
            # `from None`: nothing of the file's or the passphrase's content in the traceback.
            raise ConfigError(
                f"{path.name}: wrong keystore passphrase ({KEYSTORE_PASSPHRASE_ENV} or the one "
                "typed); nothing was unlocked"
            ) from None

    def _unlock_passphrase(self) -> str:
        """The passphrase, checked against a live key when the keystore has one, so every key
        of the directory stays under the same passphrase."""
        if self._passphrase is None:
            passphrase = self._passphrase_source()
            live = [(p, d) for p, d in self._files() if not self._info(d).retired]
            if live:
                path, data = live[0]
                self._check_private(path)
                signer = LocalDigestSigner(self._decrypt(path, data, passphrase))
                self._unlocked[signer.address.lower()] = signer
            self._passphrase = passphrase
        return self._passphrase

    def create_key(self, label: str) -> KeyInfo:
        """A new random key (libsecp256k1's generator over the OS's randomness)."""
        return self.import_key(PrivateKey().secret, label=label)

    def import_key(self, private_key: bytes, *, label: str) -> KeyInfo:
        """Encrypt `private_key` into a new file; a `ConfigError` if the keystore has it."""
        signer = LocalDigestSigner(private_key)  # validates the key, errors without it
        if any(k.address == signer.address for k in self.list_keys()):
            raise ConfigError(f"the keystore {self._dir} already holds {signer.address}")
        passphrase = self._unlock_passphrase()
        self._dir.mkdir(mode=_PRIVATE_DIR_MODE, parents=True, exist_ok=True)
        os.chmod(self._dir, _PRIVATE_DIR_MODE)  # mkdir's mode is masked by the umask
        created_at = datetime.now(UTC)
        data = create_keyfile_json(
            private_key, passphrase.encode(), kdf="scrypt", iterations=self._scrypt_n
        )
        data[_META] = {"label": label, "created_at": created_at.isoformat(), "retired": False}
        stamp = created_at.strftime("%Y-%m-%dT%H-%M-%S.%fZ")
        self._write(self._dir / f"UTC--{stamp}--{data['address']}.json", data)
        self._unlocked[signer.address.lower()] = signer
        log.info("keystore: key %s (%s) written to %s", signer.address, label, self._dir)
        return self._info(data)

    def _write(self, path: Path, data: dict[str, Any]) -> None:
        """Write atomically; the file is 0600 from its first byte."""
        tmp = path.with_name(f".{path.name}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, _PRIVATE_FILE_MODE)
        with os.fdopen(fd, "w") as out:
            json.dump(data, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)

    def digest_signer(self, address: str) -> LocalDigestSigner:
        path, data = self._find(address)
        info = self._info(data)
        if info.retired:
            raise ConfigError(f"key {info.address} is retired; it signs nothing any more")
        self._check_private(path)
        signer = self._unlocked.get(info.address.lower())
        if signer is None:
            signer = LocalDigestSigner(self._decrypt(path, data, self._unlock_passphrase()))
            self._unlocked[signer.address.lower()] = signer
        return signer

    def retire_key(self, address: str) -> KeyInfo:
        path, data = self._find(address)
        meta = dict(data.get(_META) or {})
        meta |= {"retired": True, "retired_at": datetime.now(UTC).isoformat()}
        self._write(path, {**data, _META: meta})
        info = replace(self._info(data), retired=True)
        self._unlocked.pop(info.address.lower(), None)
        return info
