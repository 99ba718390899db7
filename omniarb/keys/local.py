"""A `DigestSigner` over a secp256k1 key held in this process (libsecp256k1 through coincurve):
what the `env` and `keystore` backends hand out once the key is loaded or decrypted."""

from __future__ import annotations

from typing import NoReturn

from coincurve import PrivateKey
from Crypto.Hash import keccak
from eth_utils.address import to_checksum_address

from omniarb.errors import ConfigError
from omniarb.log_redact import register_secret

__all__ = ["LocalDigestSigner"]


class LocalDigestSigner:
    """Signs digests with a key in memory; `repr`, pickling and errors never show the key."""

    __slots__ = ("_address", "_key")

    def __init__(self, private_key: bytes) -> None:
        try:
            if len(private_key) != 32:  # coincurve would left-pad a short key
                raise ValueError("wrong length")  # noqa: TRY301 - one message for every flaw
            key = PrivateKey(private_key)
        except (ValueError, TypeError):
            # `from None`: the library's message or traceback must not carry the secret.
            raise ConfigError(
                "the private key is not a valid secp256k1 key (32 bytes, nonzero, below the "
                "curve order); the value is not shown"
            ) from None
        # The log filter learns the key, in case some message ever quotes it.
        register_secret(private_key)
        self._key = key
        public = key.public_key.format(compressed=False)[1:]
        digest = keccak.new(data=public, digest_bits=256).digest()
        self._address: str = to_checksum_address(digest[12:])

    @property
    def address(self) -> str:
        return self._address

    @property
    def coincurve_key(self) -> PrivateKey:
        """The key object itself, for the transaction signer's hot path (no extra call layer)."""
        return self._key

    def sign_digest(self, digest: bytes) -> bytes:
        if len(digest) != 32:
            raise ValueError(f"a digest is 32 bytes, got {len(digest)}")
        # libsecp256k1 always produces low-s signatures; the last byte is the recovery id.
        return self._key.sign_recoverable(digest, hasher=None)

    def __repr__(self) -> str:
        return f"LocalDigestSigner(address={self._address})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a LocalDigestSigner holds a private key and cannot be pickled or copied")
