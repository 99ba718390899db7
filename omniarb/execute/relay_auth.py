"""The `X-Flashbots-Signature` header of a bundle relay request: the searcher's reputation key
signs the request body, as the Flashbots relay documents it.

    auth = RelayAuth(reputation_key)           # not the executor's key: it only builds reputation
    headers = {"X-Flashbots-Signature": auth.header(body)}

The signed message is the text of `keccak256(body)` in 0x-prefixed hex, signed per EIP-191
(`personal_sign`: keccak256("\\x19Ethereum Signed Message:\\n" + length + text)); the header is
`<checksummed address>:<0x r||s||v signature>`, v 27 or 28. The relay recovers the address
from it and ranks the searcher by that address's history. The key is held only inside the
coincurve object and never shown.
"""

from __future__ import annotations

from typing import NoReturn

from coincurve import PrivateKey
from Crypto.Hash import keccak
from eth_utils.address import to_checksum_address

from omniarb.errors import ConfigError
from omniarb.log_redact import register_secret

__all__ = ["RelayAuth"]

_PERSONAL_PREFIX = b"\x19Ethereum Signed Message:\n"
_V_OFFSET = 27


def _keccak256(data: bytes) -> bytes:
    return keccak.new(data=data, digest_bits=256).digest()


class RelayAuth:
    """Signs relay requests with a searcher's reputation key."""

    __slots__ = ("_key", "address")

    def __init__(self, private_key: bytes) -> None:
        try:
            if len(private_key) != 32:  # coincurve would left-pad a short key
                raise ValueError("wrong length")  # noqa: TRY301 - one message for every flaw
            key = PrivateKey(private_key)
        except (ValueError, TypeError):
            raise ConfigError(
                "the relay reputation key is not a valid secp256k1 key; the value is not shown"
            ) from None
        # The log filter learns the key (a devnet run makes a fresh one nobody configured).
        register_secret(private_key)
        self._key = key
        public = key.public_key.format(compressed=False)[1:]
        self.address: str = to_checksum_address(_keccak256(public)[12:])

    def header(self, body: bytes) -> str:
        """The `X-Flashbots-Signature` value for a request whose body is exactly `body`."""
        text = ("0x" + _keccak256(body).hex()).encode()
        digest = _keccak256(_PERSONAL_PREFIX + str(len(text)).encode() + text)
        signature = self._key.sign_recoverable(digest, hasher=None)
        # coincurve gives r (32) || s (32) || recovery id (1); EIP-191 signatures carry 27 + id.
        rsv = signature[:64] + bytes([signature[64] + _V_OFFSET])
        return f"{self.address}:0x{rsv.hex()}"

    def __repr__(self) -> str:
        return f"RelayAuth(address={self.address})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a RelayAuth holds a private key and cannot be pickled or copied")
