"""The devnet Across relayer's price: bps rounded up, the fixed part at the reference price,
the rest converted between decimals rounded down; the fee floor it fills at."""

from __future__ import annotations

from fractions import Fraction

import pytest

from omniarb.devnet.bridges import AcrossFees, AcrossParams
from omniarb.errors import RejectedError
from omniarb.network import ChainManifest, Manifest, TokenEntry

USDC_ARB = "0x00000000000000000000000000000000000000a1"
USDC_BNB = "0x00000000000000000000000000000000000000b1"
WETH_BNB = "0x00000000000000000000000000000000000000b2"


def _chain(chain_id: int, name: str, *tokens: TokenEntry) -> ChainManifest:
    return ChainManifest(
        chain_id=chain_id, name=name, rpc_http="", rpc_ws="", tokens=tokens, dexes=(),
        pools=(), deployer="", traders=(),
    )  # fmt: skip


MANIFEST = Manifest(
    chains=(
        _chain(42161, "arbitrum", TokenEntry(symbol="USDC", address=USDC_ARB, decimals=6,
                                             name="USD Coin", asset="USDC")),
        _chain(56, "bnb",
               TokenEntry(symbol="USDC", address=USDC_BNB, decimals=18, name="USD Coin",
                          asset="USDC"),
               TokenEntry(symbol="WETH", address=WETH_BNB, decimals=18, name="Ether",
                          asset="ETH")),
    )
)  # fmt: skip
FEES = AcrossFees(MANIFEST, AcrossParams(fee_bps=5, fixed_fee_usd=Fraction(1, 2)))


def test_the_fee_is_bps_rounded_up_plus_the_fixed_part() -> None:
    route = FEES.route(42161, USDC_ARB, 56, USDC_BNB)
    fee = FEES.fee(route, 1_000_001)  # 5 bps of 1.000001 USDC is 500.0005 base units
    assert (fee.capital_fee_in, fee.gas_fee_in) == (501, 500_000)
    assert fee.output_amount == (1_000_001 - 500_501) * 10**12
    back = FEES.route(56, USDC_BNB, 42161, USDC_ARB)
    # 18 decimals to 6: rounded down, never more than the input is worth.
    assert FEES.fee(back, 10**18 + 10**12 - 1).output_amount == (
        (10**18 + 10**12 - 1 - (10**18 + 10**12 - 1) * 5 // 10_000 - 1 - 5 * 10**17) // 10**12
    )


def test_the_relayer_fills_up_to_the_quoted_output_and_not_a_unit_more() -> None:
    route = FEES.route(42161, USDC_ARB, 56, USDC_BNB)
    quoted = FEES.fee(route, 50_000_000).output_amount
    assert FEES.pays_fee(route, 50_000_000, quoted)
    assert not FEES.pays_fee(route, 50_000_000, quoted + 1)
    # The fee eats a tiny deposit whole: nothing to fill.
    assert FEES.fee(route, 400_000).output_amount == 0
    assert not FEES.pays_fee(route, 400_000, 0)


def test_only_an_asset_to_itself_between_two_known_chains() -> None:
    with pytest.raises(RejectedError, match="does not move USDC"):
        FEES.route(42161, USDC_ARB, 56, WETH_BNB)
    with pytest.raises(RejectedError, match="no devnet token"):
        FEES.route(42161, USDC_BNB, 56, USDC_BNB)
    with pytest.raises(ValueError, match="fee_bps"):
        AcrossParams(fee_bps=10_000)
