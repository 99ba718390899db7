"""Owner signatures in the layout Safe 1.4.1's `checkNSignatures` reads: r ‖ s ‖ v with v 27 or
28 over the SafeTx digest, ordered by owner address ascending, each owner once."""

from __future__ import annotations

import pytest
from coincurve import PublicKey
from eth_utils.crypto import keccak

from omniarb.custody.safe_tx import SafeTx, exec_transaction_calldata, pack_signatures, sign_safe_tx
from omniarb.keys.local import LocalDigestSigner

_TX = SafeTx(
    safe="0x0000000000000000000000000000000000005afe",
    chain_id=10,
    to="0x1111111111111111111111111111111111111111",
    data=b"\x01\x02",
    nonce=7,
)


def _signer(seed: int) -> LocalDigestSigner:
    return LocalDigestSigner(keccak(seed.to_bytes(32, "big")))


def _recovered(digest: bytes, signature: bytes) -> str:
    recid = signature[64] - 27
    public = PublicKey.from_signature_and_message(
        signature[:64] + bytes([recid]), digest, hasher=None
    )
    return "0x" + keccak(public.format(compressed=False)[1:])[12:].hex()


def test_signatures_recover_to_their_owners_with_v_27_or_28() -> None:
    for seed in range(1, 12):
        signer = _signer(seed)
        signed = sign_safe_tx(_TX, signer)
        assert len(signed.signature) == 65
        assert signed.signature[64] in (27, 28)
        assert signed.owner == signer.address
        assert _recovered(_TX.digest(), signed.signature) == signer.address.lower()


def test_packed_signatures_are_sorted_by_owner_and_unique() -> None:
    signed = [sign_safe_tx(_TX, _signer(seed)) for seed in range(1, 6)]
    packed = pack_signatures(reversed(signed))
    chunks = [packed[i : i + 65] for i in range(0, len(packed), 65)]
    owners = [_recovered(_TX.digest(), chunk) for chunk in chunks]
    assert owners == sorted(owners, key=lambda a: int(a, 16))
    assert len(owners) == 5
    with pytest.raises(ValueError, match="signed twice"):
        pack_signatures([signed[0], signed[0]])
    # The calldata carries the packed bytes whether given packed or not.
    assert exec_transaction_calldata(_TX, signed) == exec_transaction_calldata(_TX, packed)
