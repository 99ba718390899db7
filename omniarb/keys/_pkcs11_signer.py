"""The `DigestSigner` of a secp256k1 key that lives in a PKCS#11 token.

The token computes a plain ECDSA signature (`CKM_ECDSA` over the raw 32-byte digest: r ‖ s, no
recovery id, s on either side of n/2). Ethereum needs more (EIP-2: low s; a recovery id so that
`ecrecover` finds the address), so this module finishes the job on the host: s above n/2 becomes
n − s, and the recovery id is the one of 0 and 1 for which libsecp256k1 recovers the key's own
public key. Nothing secret is involved in either step; the private key never leaves the token.
"""

from __future__ import annotations

import threading
from typing import Any, NoReturn

import pkcs11
from coincurve import PublicKey
from Crypto.Hash import keccak
from eth_utils.address import to_checksum_address
from pkcs11 import Mechanism

from omniarb.errors import ConfigError, FatalError

__all__ = [
    "SECP256K1_N",
    "Pkcs11DigestSigner",
    "address_of_public_key",
    "low_s_recoverable",
    "public_key_from_ec_point",
]

# The order of the secp256k1 group (SEC 2, section 2.4.1).
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HALF_N = SECP256K1_N // 2
_UNCOMPRESSED_POINT_LEN = 65  # 0x04 ‖ x (32) ‖ y (32)
_DER_OCTET_STRING = 0x04


def public_key_from_ec_point(ec_point: bytes) -> bytes:
    """The 65-byte uncompressed point of a `CKA_EC_POINT` value.

    PKCS#11 (v2.40, section 2.3.3) stores the point DER-encoded as an OCTET STRING (04 41 04 x y);
    some older modules store the bare point. Both are accepted; anything else is refused.
    """
    point = ec_point
    if len(ec_point) == _UNCOMPRESSED_POINT_LEN + 2 and ec_point[0] == _DER_OCTET_STRING:
        if ec_point[1] != _UNCOMPRESSED_POINT_LEN:
            raise ConfigError(f"CKA_EC_POINT has a DER length of {ec_point[1]}, expected 65")
        point = ec_point[2:]
    if len(point) != _UNCOMPRESSED_POINT_LEN or point[0] != 0x04:
        raise ConfigError(
            f"CKA_EC_POINT is not an uncompressed secp256k1 point ({len(ec_point)} bytes)"
        )
    try:
        PublicKey(point)  # on the curve?
    except ValueError:
        raise ConfigError("CKA_EC_POINT is not a point on secp256k1") from None
    return point


def address_of_public_key(point: bytes) -> str:
    """The EIP-55 address of a 65-byte uncompressed public key: keccak(x ‖ y)[12:]."""
    return to_checksum_address(keccak.new(data=point[1:], digest_bits=256).digest()[12:])


def low_s_recoverable(signature: bytes, digest: bytes, public_key: bytes) -> bytes:
    """r ‖ s ‖ recovery id from a token's r ‖ s: s normalized to low-s (EIP-2), and the recovery
    id found by recovering `public_key` (65 bytes, uncompressed) for 0 and 1.

    A `FatalError` when neither id recovers the key: the token signed with another key or
    returned garbage, and no transaction may go out with that signature.
    """
    if len(signature) != 64:
        raise FatalError(f"the token returned a {len(signature)}-byte ECDSA signature, not 64")
    r = signature[:32]
    s = int.from_bytes(signature[32:], "big")
    if s > _HALF_N:
        # (r, n − s) is the same signature for the other y parity of R (EIP-2's malleability).
        s = SECP256K1_N - s
    r_s = r + s.to_bytes(32, "big")
    for recovery_id in (0, 1):
        candidate = r_s + bytes((recovery_id,))
        try:
            recovered = PublicKey.from_signature_and_message(candidate, digest, hasher=None)
        except ValueError:
            continue  # no curve point has x = r for this parity
        if recovered.format(compressed=False) == public_key:
            return candidate
    raise FatalError("the token's signature does not recover to the key's public key")


class Pkcs11DigestSigner:
    """Signs digests with one private key inside a PKCS#11 token.

    `session_lock` is the backend's: a PKCS#11 session runs one operation at a time, and every
    signer of a backend shares its one session. (python-pkcs11 0.10 also serializes each
    operation on a session; the backend's lock covers what spans several calls, such as a search
    with its attribute reads, and does not rely on that library detail.)

    `sign_digest` is synchronous: about half a millisecond on SoftHSM2
    (`benchmarks/signing_pkcs11.py` measures it).
    """

    __slots__ = ("_address", "_lock", "_private_key", "_public_key")

    def __init__(
        self,
        *,
        private_key: Any,  # a pkcs11 PrivateKey (its stubs lack the sign mixin)
        public_key: bytes,
        session_lock: threading.Lock,
    ) -> None:
        self._private_key = private_key
        self._public_key = public_key
        self._lock = session_lock
        self._address = address_of_public_key(public_key)

    @property
    def address(self) -> str:
        return self._address

    @property
    def public_key(self) -> bytes:
        """The 65-byte uncompressed public key (0x04 ‖ x ‖ y)."""
        return self._public_key

    def sign_digest(self, digest: bytes) -> bytes:
        if len(digest) != 32:
            raise ValueError(f"a digest is 32 bytes, got {len(digest)}")
        try:
            with self._lock:
                signature = self._private_key.sign(digest, mechanism=Mechanism.ECDSA)
        except pkcs11.PKCS11Error as exc:
            # A retired key (CKA_SIGN false), a closed session or a removed token: nothing
            # to retry here, and nothing secret in the library's exception.
            raise FatalError(
                f"the PKCS#11 token refused to sign with {self._address}: "
                f"{type(exc).__name__} (retired key, closed session or removed token)"
            ) from exc
        return low_s_recoverable(signature, digest, self._public_key)

    def __repr__(self) -> str:
        return f"Pkcs11DigestSigner(address={self._address})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Pkcs11DigestSigner holds a token session and cannot be pickled")
