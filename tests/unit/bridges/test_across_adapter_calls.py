"""The Across adapter without a node: which chains it serves (a described network's chains
fall back to Across's production SpokePools, a devnet's never do) and the exact source calls
it builds for a quote."""

from __future__ import annotations

import pytest

from omniarb.bridges import PRODUCTION_SPOKE_POOLS, AcrossBridge, BridgeQuote
from omniarb.bridges.across_abi import to_bytes32
from omniarb.chains.abi import decode, selector
from omniarb.errors import RejectedError
from omniarb.network import ChainManifest, Manifest, TokenEntry

ME = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
USDC_ETH = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
USDC_ARB = "0xaf88d065e77c8cC2239327C5EDb3A432268e5831"


def _chain(chain_id: int, name: str, token: TokenEntry, *, devnet: bool) -> ChainManifest:
    return ChainManifest(
        chain_id=chain_id, name=name, rpc_http="", rpc_ws="", tokens=(token,), dexes=(),
        pools=(), deployer="", traders=(), devnet=devnet,
    )  # fmt: skip


def _manifest(*, devnet: bool) -> Manifest:
    return Manifest(
        chains=(
            _chain(1, "ethereum", TokenEntry(symbol="USDC", address=USDC_ETH, decimals=6,
                                             name="USD Coin", asset="USDC"), devnet=devnet),
            _chain(42161, "arbitrum", TokenEntry(symbol="USDC", address=USDC_ARB, decimals=6,
                                                 name="USD Coin", asset="USDC"), devnet=devnet),
        )
    )  # fmt: skip


QUOTE = BridgeQuote(
    bridge="across",
    src_chain="ethereum",
    dst_chain="arbitrum",
    token_in=USDC_ETH,
    token_out=USDC_ARB,
    amount_in=1_000_000_000,
    amount_out=999_100_000,
    fee_in=900_000,
    gas_units=210_000,
    expected_delay_s=4.0,
    quote_timestamp=1_800_000_000,
    expires_at=1_800_003_600,
    fill_deadline=1_800_010_800,
)


def test_a_described_network_uses_the_production_spoke_pools() -> None:
    across = AcrossBridge(_manifest(devnet=False), {})
    assert across.supports("ethereum", "arbitrum", "USDC", USDC_ARB)
    assert not across.supports("ethereum", "ethereum", "USDC", "USDC")
    approve, deposit = across.deposit_calls(QUOTE, sender=ME, recipient=ME)
    spoke_pool = PRODUCTION_SPOKE_POOLS[1]
    assert approve.to == USDC_ETH
    assert approve.data[:4] == selector("approve(address,uint256)")
    assert decode(["address", "uint256"], approve.data[4:]) == (spoke_pool.lower(), 10**9)
    assert deposit.to == spoke_pool
    assert deposit.value == 0
    fields = decode(
        ["bytes32", "bytes32", "bytes32", "bytes32", "uint256", "uint256", "uint256", "bytes32",
         "uint32", "uint32", "uint32", "bytes"],
        deposit.data[4:],
    )  # fmt: skip
    assert fields[:4] == (to_bytes32(ME), to_bytes32(ME), to_bytes32(USDC_ETH),
                          to_bytes32(USDC_ARB))  # fmt: skip
    assert fields[4:7] == (10**9, 999_100_000, 42161)
    assert fields[8:10] == (1_800_000_000, 1_800_010_800)


def test_a_devnet_chain_without_an_across_entry_has_no_across() -> None:
    across = AcrossBridge(_manifest(devnet=True), {})
    assert not across.supports("ethereum", "arbitrum", "USDC", "USDC")


def test_a_quote_without_a_fill_deadline_is_refused() -> None:
    across = AcrossBridge(_manifest(devnet=False), {})
    no_deadline = BridgeQuote(**{**{f: getattr(QUOTE, f) for f in QUOTE.__slots__},
                                 "fill_deadline": 0})  # fmt: skip
    with pytest.raises(RejectedError, match="fill deadline"):
        across.deposit_calls(no_deadline, sender=ME, recipient=ME)
