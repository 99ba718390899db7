"""A `KeyBackend` whose keys are fresh secp256k1 keys held in this process: a real
implementation of the protocol for the rotation tests (the keystore backend replaces it)."""

from __future__ import annotations

import secrets
from dataclasses import replace
from datetime import UTC, datetime

from coincurve import PrivateKey

from omniarb.errors import ConfigError
from omniarb.keys.base import BackendName, KeyInfo
from omniarb.keys.local import LocalDigestSigner


class MemoryKeyBackend:
    """Keys generated with the OS's randomness, kept in memory, never written anywhere."""

    def __init__(self) -> None:
        self._signers: dict[str, LocalDigestSigner] = {}
        self._infos: dict[str, KeyInfo] = {}
        self.created: list[str] = []

    @property
    def name(self) -> BackendName:
        return "keystore"

    def list_keys(self) -> list[KeyInfo]:
        return list(self._infos.values())

    def create_key(self, label: str) -> KeyInfo:
        while True:
            secret = secrets.token_bytes(32)
            try:
                PrivateKey(secret)
                break
            except ValueError:  # zero or above the curve order: astronomically rare
                continue
        signer = LocalDigestSigner(secret)
        info = KeyInfo(
            address=signer.address, backend=self.name, label=label, created_at=datetime.now(UTC)
        )
        self._signers[signer.address.lower()] = signer
        self._infos[signer.address.lower()] = info
        self.created.append(signer.address)
        return info

    def digest_signer(self, address: str) -> LocalDigestSigner:
        try:
            return self._signers[address.lower()]
        except KeyError:
            raise ConfigError(f"no key {address} in the memory backend") from None

    def retire_key(self, address: str) -> KeyInfo:
        info = self._infos[address.lower()]
        retired = self._infos[address.lower()] = replace(info, retired=True)
        return retired
