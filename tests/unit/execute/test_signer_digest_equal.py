"""`Signer.from_digest_signer`: a key behind any `DigestSigner` signs the same transactions, byte
for byte, as the signer that holds the key itself (both sign with RFC 6979 nonces)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from omniarb.chains.fees import Eip1559Fees, LegacyFees
from omniarb.execute.signer import Signer
from omniarb.keys.local import LocalDigestSigner

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

keys = st.integers(min_value=1, max_value=SECP256K1_N - 1).map(lambda k: k.to_bytes(32, "big"))
chain_ids = st.sampled_from([1, 10, 56, 137, 42161]) | st.integers(min_value=1, max_value=2**48)
fees = st.builds(
    Eip1559Fees,
    max_fee_per_gas_wei=st.integers(min_value=0, max_value=2**64),
    max_priority_fee_per_gas_wei=st.integers(min_value=0, max_value=2**64),
) | st.builds(
    LegacyFees,
    gas_price_wei=st.integers(min_value=0, max_value=2**64),
    tip_wei=st.just(0),
)


@settings(max_examples=200, deadline=None)
@given(
    key=keys,
    chain_id=chain_ids,
    nonce=st.integers(min_value=0, max_value=2**32),
    to=st.none() | st.binary(min_size=20, max_size=20).map(lambda raw: "0x" + raw.hex()),
    data=st.binary(max_size=300),
    value=st.integers(min_value=0, max_value=2**256 - 1),
    tx_fees=fees,
)
def test_a_digest_signer_signs_the_same_bytes_as_the_key_itself(
    key: bytes,
    chain_id: int,
    nonce: int,
    to: str | None,
    data: bytes,
    value: int,
    tx_fees: Eip1559Fees | LegacyFees,
) -> None:
    held = Signer(key, chain_id=chain_id)
    behind = Signer.from_digest_signer(LocalDigestSigner(key), chain_id=chain_id)
    assert behind.address == held.address
    assert behind.chain_id == chain_id
    fields = {"nonce": nonce, "to": to, "data": data, "gas": 21_000, "fees": tx_fees}
    assert behind.sign(**fields, value=value) == held.sign(**fields, value=value)
    assert repr(behind) == repr(held)


def test_a_digest_signer_needs_a_positive_chain_id() -> None:
    with pytest.raises(ValueError, match="chain_id must be positive"):
        Signer.from_digest_signer(LocalDigestSigner(bytes(range(1, 33))), chain_id=0)
