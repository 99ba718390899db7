"""The relay's check of the `X-Flashbots-Signature` header: who signed this exact body.

The header is `<address>:<0x signature>`; the signature is EIP-191 `personal_sign` over the text
of `keccak256(body)` in 0x hex (what `ethers`' `wallet.signMessage(id(body))` produces, and
`omniarb.execute.relay_auth.RelayAuth` on the product's side). The relay recovers the signer and
refuses the request unless it is the address named. Flashbots answers a missing header or a
failed check with HTTP 403 and a JSON body `{"error": "..."}` (the wording below is theirs:
"missing X-Flashbots-Signature header", "error in signature check <address>").
"""

from __future__ import annotations

from coincurve import PublicKey
from Crypto.Hash import keccak
from eth_utils.address import is_hex_address, to_checksum_address

__all__ = ["SignatureRefusedError", "verify_signature"]

_PERSONAL_PREFIX = b"\x19Ethereum Signed Message:\n"
_SIGNATURE_BYTES = 65
_V_OFFSET = 27


class SignatureRefusedError(Exception):
    """The request is refused for its signature header; the message is the relay's answer."""


def _keccak256(data: bytes) -> bytes:
    return keccak.new(data=data, digest_bits=256).digest()


def _recover(digest: bytes, signature: bytes) -> str:
    v = signature[64]
    recovery_id = v - _V_OFFSET if v >= _V_OFFSET else v
    if recovery_id not in (0, 1):
        raise ValueError("bad v")
    public = PublicKey.from_signature_and_message(
        signature[:64] + bytes([recovery_id]), digest, hasher=None
    )
    return to_checksum_address(_keccak256(public.format(compressed=False)[1:])[12:])


def verify_signature(header: str | None, body: bytes) -> str:
    """The checksummed address that signed `body`; `SignatureRefusedError` if not proven."""
    if not header:
        raise SignatureRefusedError("missing X-Flashbots-Signature header")
    address, sep, signature_hex = header.strip().partition(":")
    if not sep or not is_hex_address(address):
        raise SignatureRefusedError("X-Flashbots-Signature is not <address>:<signature>")
    claimed = to_checksum_address(address)
    try:
        signature = bytes.fromhex(signature_hex.removeprefix("0x"))
        if len(signature) != _SIGNATURE_BYTES:
            raise ValueError("length")  # noqa: TRY301 - one answer for every malformed signature
        text = ("0x" + _keccak256(body).hex()).encode()
        digest = _keccak256(_PERSONAL_PREFIX + str(len(text)).encode() + text)
        signer = _recover(digest, signature)
    except ValueError:
        raise SignatureRefusedError(f"error in signature check {claimed}") from None
    if signer != claimed:
        raise SignatureRefusedError(f"error in signature check {claimed}")
    return signer
