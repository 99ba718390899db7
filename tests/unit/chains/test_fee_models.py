"""Fee models with known values: EIP-1559, Polygon's minimum tip, BNB Chain's legacy price,
Arbitrum's zero tip, the Fjord formula on known inputs, and FastLZ lengths worked by hand."""

from __future__ import annotations

from dataclasses import replace

import pytest
from _fee_vectors import OP_GETH_CONTRACT_CALL_TX, OP_GETH_EMPTY_TX

from omniarb.chains.fee_models import (
    ArbL1Prices,
    FeeQuote,
    OpL1Prices,
    fjord_l1_fee_wei,
    flz_compress_len,
    route_tx_bytes,
    tip_from_fee_history,
)
from omniarb.chains.fees import Eip1559Fees, LegacyFees
from omniarb.chains.spec import FeeModel, chain_by_name

GWEI = 10**9
# OP Mainnet's Ecotone scalars; L1 at 10 gwei, blobs at 1 gwei.
OP = OpL1Prices(
    l1_base_fee_wei=10 * GWEI,
    blob_base_fee_wei=GWEI,
    base_fee_scalar=5_227,
    blob_base_fee_scalar=1_014_213,
)


def history(*tips_gwei: float) -> dict[str, object]:
    return {"reward": [[hex(int(t * GWEI))] for t in tips_gwei]}


def test_fastlz_lengths_worked_by_hand():
    assert flz_compress_len(b"") == 0
    assert flz_compress_len(b"abc") == 4  # one literal run: a control byte and 3 literals
    assert flz_compress_len(bytes(12)) == 13  # under 13 bytes nothing is matched: all literal
    # 100 zeros: 2 literals (3 bytes), a 91-byte match (3 bytes: 90 >= 6 is a long match),
    # then the 5-byte tail as literals (6 bytes).
    assert flz_compress_len(bytes(100)) == 12


def test_fastlz_lengths_of_op_geths_vectors():
    assert flz_compress_len(b"") == 0
    assert flz_compress_len(bytes([1]) * 1000) == 21
    assert flz_compress_len(bytes(1000)) == 21
    assert flz_compress_len(OP_GETH_EMPTY_TX) == 31
    assert flz_compress_len(OP_GETH_CONTRACT_CALL_TX) == 202


def test_fjord_formula_on_known_inputs():
    # l1FeeScaled = 5227·10e9·16 + 1014213·1e9 = 836_320_000_000_000 + 1_014_213_000_000_000
    assert OP.fee_scaled == 1_850_533_000_000_000
    # Below the 100-byte minimum: estimatedSize = 100e6.
    assert fjord_l1_fee_wei(OP, 50) == 100 * 10**6 * OP.fee_scaled // 10**12 == 185_053_300_000
    # 400 bytes: -42_585_600 + 836_500·400 = 292_014_400 (scaled).
    assert fjord_l1_fee_wei(OP, 400) == 292_014_400 * OP.fee_scaled // 10**12
    assert fjord_l1_fee_wei(OP, 400) == 540_382_283_675
    # The oracle's rule: the unsigned transaction's length plus 68 for the signature.
    assert OP.l1_fee_of_unsigned(bytes(100)) == fjord_l1_fee_wei(OP, 12 + 68)
    # The upper bound: (n + 68) + (n + 68) // 255 + 16.
    assert OP.l1_fee_upper_bound(432) == fjord_l1_fee_wei(OP, 500 + 1 + 16)
    with pytest.raises(ValueError, match="fastlz_size"):
        fjord_l1_fee_wei(OP, -1)


def test_polygon_never_bids_below_its_minimum_tip():
    polygon = chain_by_name("polygon")
    assert tip_from_fee_history(history(1, 2, 3), polygon.tips) == 25 * GWEI
    assert tip_from_fee_history(history(30, 40, 35), polygon.tips) == 35 * GWEI
    assert tip_from_fee_history(history(900, 900, 900), polygon.tips) == 500 * GWEI
    assert tip_from_fee_history({"reward": []}, polygon.tips) == 25 * GWEI


def test_ethereum_tip_is_the_median_of_recent_blocks():
    ethereum = chain_by_name("ethereum")
    assert tip_from_fee_history(history(0, 0.5, 2, 1), ethereum.tips) == 1 * GWEI
    quote = FeeQuote(
        chain_id=1,
        block_number=5,
        fee_model=FeeModel.EIP1559,
        base_fee_wei=30 * GWEI,
        tip_wei=GWEI,
    )
    assert quote.fees() == Eip1559Fees(
        max_fee_per_gas_wei=61 * GWEI, max_priority_fee_per_gas_wei=GWEI
    )
    assert quote.gas_price_wei(20 * GWEI) == 21 * GWEI
    assert quote.l1_fee_estimate_wei(1000) == 0


def test_bnb_legacy_gas_price_is_what_blocks_paid_but_at_least_the_minimum():
    bnb = chain_by_name("bnb")
    # No base fee on BNB Chain: a block's reward is the whole gas price paid.
    low = tip_from_fee_history(history(0.05, 0.05, 0.05), bnb.tips)
    assert low == GWEI // 10
    paid = tip_from_fee_history(history(1, 1, 3), bnb.tips)
    quote = FeeQuote(
        chain_id=56, block_number=1, fee_model=FeeModel.LEGACY, base_fee_wei=0, tip_wei=paid
    )
    assert quote.fees() == LegacyFees(gas_price_wei=GWEI, tip_wei=GWEI)


def test_arbitrum_bids_no_tip_and_prices_l1_bytes():
    arbitrum = chain_by_name("arbitrum")
    assert tip_from_fee_history(history(5, 5, 5), arbitrum.tips) == 0
    prices = ArbL1Prices(
        per_l1_calldata_byte_wei=16 * 20 * GWEI, l1_base_fee_estimate_wei=20 * GWEI
    )
    quote = FeeQuote(
        chain_id=42161,
        block_number=1,
        fee_model=FeeModel.L2_EIP1559,
        base_fee_wei=GWEI // 100,
        tip_wei=0,
        l1=prices,
    )
    assert quote.l1_fee_estimate_wei(360) == 16 * 20 * GWEI * (360 + 140)
    assert quote.l1_base_fee_wei == 20 * GWEI


def test_route_size_bounds_the_executor_calldata():
    # 2 hops: envelope 72 + call head 68 + plan 41 + 3·64 = 233, padded to 256.
    assert route_tx_bytes(2) == 72 + 68 + 256
    assert route_tx_bytes(3) == 72 + 68 + 320


def test_arbitrum_l1_gas_tops_up_the_gas_limit_within_the_block_limit():
    quote = FeeQuote(
        chain_id=42161,
        block_number=1,
        fee_model=FeeModel.L2_EIP1559,
        base_fee_wei=GWEI // 100,
        tip_wei=0,
        block_gas_limit=30_000_000,
    )
    assert quote.gas_limit_with_l1(400_000, 2_000_000) == 2_400_000
    # A devnet's anvil enforces its 30M block limit (Arbitrum's own blocks' is far above).
    assert quote.gas_limit_with_l1(400_000, 35_000_000) == 30_000_000
    assert quote.gas_limit_with_l1(31_000_000, 1) == 31_000_000
    assert replace(quote, block_gas_limit=None).gas_limit_with_l1(400_000, 35_000_000) == (
        35_400_000
    )
