"""The two seams of key management: a `DigestSigner` signs a 32-byte digest with one key, and a
`KeyBackend` creates, lists, loads and retires keys of one kind (environment, keystore,
PKCS#11). Transaction encoding (`omniarb.execute.signer.Signer`) sits on top of a
`DigestSigner`, so every backend signs the same transactions; custody (Safe owner signatures)
signs EIP-712 digests through the same seam.

A key's secret never crosses these interfaces: a backend hands out signers, not keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

__all__ = ["BackendName", "DigestSigner", "KeyBackend", "KeyInfo"]

BackendName = Literal["env", "keystore", "pkcs11"]


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyInfo:
    """What may be shown about a key: never its secret."""

    address: str  # EIP-55 checksummed
    backend: BackendName
    label: str
    created_at: datetime
    retired: bool = False


class DigestSigner(Protocol):
    """Signs 32-byte digests with one secp256k1 key."""

    @property
    def address(self) -> str: ...

    def sign_digest(self, digest: bytes) -> bytes:
        """65 bytes: r (32) ‖ s (32, low-s as EIP-2 requires) ‖ recovery id (0 or 1)."""
        ...


class KeyBackend(Protocol):
    """One place keys live."""

    @property
    def name(self) -> BackendName: ...

    def list_keys(self) -> list[KeyInfo]: ...

    def create_key(self, label: str) -> KeyInfo:
        """A new key generated inside the backend; only its public facts come back."""
        ...

    def digest_signer(self, address: str) -> DigestSigner:
        """The signer of the key at `address` (a `ConfigError` when the backend has none)."""
        ...

    def retire_key(self, address: str) -> KeyInfo:
        """Mark the key retired: kept (its history must stay verifiable) but never used again."""
        ...
