"""The unsigned transaction the L1 fee is priced on: the signed transaction's fields without
its signature (type 2), or the EIP-155 signing list (legacy), with a four-byte nonce."""

from __future__ import annotations

import pytest
import rlp

from omniarb.chains.fees import Eip1559Fees, LegacyFees
from omniarb.devnet.accounts import BOT_INDEX, dev_account
from omniarb.execute.l1_fee import unsigned_tx
from omniarb.execute.signer import Signer

TO = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
DATA = bytes.fromhex("1cff79cd") + bytes(64) + bytes(range(200))
PLACEHOLDER = 0xFFFFFFFF


@pytest.fixture
def signer() -> Signer:
    return Signer(dev_account(BOT_INDEX).private_key, chain_id=10)


def test_type2_is_the_signed_fields_without_the_signature(signer: Signer) -> None:
    fees = Eip1559Fees(max_fee_per_gas_wei=2 * 10**9 + 7, max_priority_fee_per_gas_wei=10**6)
    signed = signer.sign(nonce=PLACEHOLDER, to=TO, data=DATA, gas=321_000, fees=fees)
    unsigned = unsigned_tx(chain_id=10, to=TO, data=DATA, gas=321_000, fees=fees)
    assert unsigned[0] == signed.raw[0] == 2
    assert rlp.decode(unsigned[1:]) == rlp.decode(signed.raw[1:])[:-3]
    # The signature the oracle's 68 bytes stand for: y parity, r and s with their headers.
    assert len(signed.raw) - len(unsigned) <= 68


def test_legacy_is_the_eip155_signing_list(signer: Signer) -> None:
    fees = LegacyFees(gas_price_wei=3 * 10**9, tip_wei=0)
    signed = signer.sign(nonce=PLACEHOLDER, to=TO, data=DATA, gas=321_000, fees=fees)
    unsigned = unsigned_tx(chain_id=10, to=TO, data=DATA, gas=321_000, fees=fees)
    fields = rlp.decode(unsigned)
    assert fields[:6] == rlp.decode(signed.raw)[:6]
    assert fields[6:] == [b"\x0a", b"", b""]
