"""`Signer.from_digest_signer`: transaction encoding over any backend's digest signer.

The other backends' signers (PKCS#11, a remote signer) are not `LocalDigestSigner`s, so they go
through `sign_digest`; here eth_account's own secp256k1 implementation stands in as such a
backend, and the raw transactions must equal eth_account's `sign_transaction` byte for byte.
"""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st

from omniarb.chains.fees import Eip1559Fees, LegacyFees
from omniarb.execute.signer import Signer
from omniarb.keys.local import LocalDigestSigner

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
TO = "0x00000000000000000000000000000000DeaDBeef"


class EthAccountDigestSigner:
    """A `DigestSigner` over eth_account's signing code: a backend that is not ours."""

    def __init__(self, key: bytes) -> None:
        self._account = Account.from_key(key)

    @property
    def address(self) -> str:
        return str(self._account.address)

    def sign_digest(self, digest: bytes) -> bytes:
        signed = self._account.unsafe_sign_hash(digest)
        # eth_account's v is 27/28; the seam's last byte is the recovery id.
        return signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big") + bytes([signed.v - 27])


class ShortDigestSigner(EthAccountDigestSigner):
    """A broken backend: 64 bytes, no recovery id."""

    def sign_digest(self, digest: bytes) -> bytes:
        return super().sign_digest(digest)[:64]


@settings(max_examples=60, deadline=None)
@given(
    key=st.integers(min_value=1, max_value=SECP256K1_N - 1).map(lambda k: k.to_bytes(32, "big")),
    chain_id=st.sampled_from([1, 10, 56, 137, 42161]),
    nonce=st.integers(min_value=0, max_value=2**32),
    data=st.binary(max_size=400),
    legacy=st.booleans(),
)
def test_another_backends_signer_signs_what_eth_account_signs(
    key: bytes, chain_id: int, nonce: int, data: bytes, legacy: bool
) -> None:
    signer = Signer.from_digest_signer(EthAccountDigestSigner(key), chain_id=chain_id)
    tx: dict[str, Any] = {
        "chainId": chain_id, "nonce": nonce, "to": TO, "value": 7, "gas": 90_000, "data": data,
    }  # fmt: skip
    if legacy:
        fees: Eip1559Fees | LegacyFees = LegacyFees(gas_price_wei=3 * 10**9, tip_wei=10**9)
        tx["gasPrice"] = 3 * 10**9
    else:
        fees = Eip1559Fees(max_fee_per_gas_wei=3 * 10**9, max_priority_fee_per_gas_wei=10**9)
        tx |= {"type": 2, "maxFeePerGas": 3 * 10**9, "maxPriorityFeePerGas": 10**9}
    ours = signer.sign(nonce=nonce, to=TO, data=data, gas=90_000, fees=fees, value=7)
    theirs = Account.sign_transaction(tx, key)
    assert ours.raw == bytes(theirs.raw_transaction)
    assert ours.tx_hash == "0x" + bytes(theirs.hash).hex()
    assert signer.address == Account.from_key(key).address


def test_a_local_key_takes_the_same_path_as_the_plain_constructor() -> None:
    key = bytes(31) + b"\x09"
    local = LocalDigestSigner(key)
    through_seam = Signer.from_digest_signer(local, chain_id=10)
    direct = Signer(key, chain_id=10)
    fees = Eip1559Fees(max_fee_per_gas_wei=10**9, max_priority_fee_per_gas_wei=1)
    assert through_seam.digest_signer is local
    assert through_seam.address == direct.address
    assert (
        through_seam.sign(nonce=3, to=TO, data=b"\x01", gas=50_000, fees=fees).raw
        == direct.sign(nonce=3, to=TO, data=b"\x01", gas=50_000, fees=fees).raw
    )


class EthereumVDigestSigner(EthAccountDigestSigner):
    """A broken backend: v as 27/28 where the seam wants the recovery id."""

    def sign_digest(self, digest: bytes) -> bytes:
        signature = super().sign_digest(digest)
        return signature[:64] + bytes([signature[64] + 27])


@pytest.mark.parametrize(
    ("broken", "message"),
    [(ShortDigestSigner, "64 bytes, not 65"), (EthereumVDigestSigner, "not 0 or 1")],
)
def test_a_malformed_signature_from_a_backend_is_refused(broken: type, message: str) -> None:
    signer = Signer.from_digest_signer(broken(bytes(31) + b"\x05"), chain_id=1)
    fees = Eip1559Fees(max_fee_per_gas_wei=10**9, max_priority_fee_per_gas_wei=1)
    with pytest.raises(ValueError, match=message):
        signer.sign(nonce=0, to=TO, data=b"", gas=21_000, fees=fees)
    with pytest.raises(ValueError, match=message):
        signer.sign_legacy(nonce=0, to=TO, data=b"", gas=21_000, gas_price_wei=10**9)


def test_the_chain_id_must_be_positive_through_the_seam() -> None:
    with pytest.raises(ValueError, match="chain_id"):
        Signer.from_digest_signer(LocalDigestSigner(bytes(31) + b"\x05"), chain_id=0)
