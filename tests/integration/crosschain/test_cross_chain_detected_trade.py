"""A price gap planted between two devnet chains, found by the real cross-chain detector on the
pools' states and traded by the inventory account: both legs land, each realizes its predicted
output to the wei, and the realized PnL is the prediction's, valued with the two receipts'
fees."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _legs_setup import BUY, SELL, cross_chain_net
from _pool_states import pool_states

from omniarb._config_cross_chain import CrossChainSettings
from omniarb._config_cross_exec import CrossChainExecutionSettings
from omniarb.chains.assets import AssetRegistry
from omniarb.cross_chain_types import LegFee
from omniarb.crosschain.inventory import InventoryBook
from omniarb.crosschain.leg_result import LegStatus
from omniarb.crosschain.pnl import leg_value_usd
from omniarb.crosschain.prices import trade_prices
from omniarb.detect.cross_chain import CrossChainDetector

pytestmark = pytest.mark.integration

_KINDS = ("uniswap-v2", "uniswap-v3")
_FEE = LegFee(gas_price_wei=2 * 10**9, l1_data_fee_wei=0, leg_gas=150_000, native_usd=3000.0)


async def test_a_detected_gap_is_traded_and_realizes_its_prediction(
    devnet_factory: Any, tmp_path: Path
) -> None:
    async with (
        devnet_factory({SELL: None, BUY: None}) as devnet,
        cross_chain_net(devnet, tmp_path / "history.sqlite", CrossChainExecutionSettings()) as net,
    ):
        registry = AssetRegistry.from_manifest(devnet.manifest)
        settings = CrossChainSettings(
            enabled=True, assets=("ETH",), max_trade_usd=20_000.0, min_expected_value_usd=5.0
        )
        detector = CrossChainDetector(settings, registry)
        book = InventoryBook()
        for name, chain in net.chains.items():
            await book.load(
                chain=name,
                rpc=net.rpcs[name],
                account=str(chain.inventory_account),
                tokens=[t.address for t in chain.tokens],
            )
        fees = {SELL: _FEE, BUY: _FEE}
        number, states = await pool_states(net.rpcs[BUY], net.chains[BUY], _KINDS)
        assert detector.on_block(BUY, number, states, inventory=book.snapshot(), fees=fees) == []
        # Plant: a trader buys WETH with 2M USDC on Ethereum's V2 pair: ETH is dear there.
        await net.trader_swap(SELL, "uniswap-v2", "USDC", 2_000_000 * 10**6)
        number, states = await pool_states(net.rpcs[SELL], net.chains[SELL], _KINDS)
        found = detector.on_block(SELL, number, states, inventory=book.snapshot(), fees=fees)
        assert found, detector.counters
        trade = found[0]
        assert (trade.asset, trade.sell.chain, trade.buy.chain) == ("ETH", SELL, BUY)
        assert trade.expected_value_usd >= 5.0
        # Never more than the inventory holds where each leg spends.
        assert trade.sell.amount_in <= book.balance(SELL, trade.sell.route.token_in)
        assert trade.buy.amount_in <= book.balance(BUY, trade.buy.route.token_in)

        prices = trade_prices(trade, lambda c, t: net.chains[c].token_by_address(t).decimals)
        settled = await net.trader.execute(trade, prices)

        assert settled.status == "done"
        assert (settled.sell.status, settled.buy.status) == (LegStatus.LANDED, LegStatus.LANDED)
        assert settled.sell.realized_out == trade.sell.predicted_out
        assert settled.buy.realized_out == trade.buy.predicted_out
        predicted_with_receipt_fees = leg_value_usd(
            prices.sell,
            amount_in=trade.sell.amount_in,
            amount_out=trade.sell.predicted_out,
            fee_wei=settled.sell.fee_wei or 0,
        ) + leg_value_usd(
            prices.buy,
            amount_in=trade.buy.amount_in,
            amount_out=trade.buy.predicted_out,
            fee_wei=settled.buy.fee_wei or 0,
        )
        assert settled.realized_pnl_usd == predicted_with_receipt_fees
        row = await net.store.trade(trade.id)
        assert row is not None
        assert (row["status"], row["realized_pnl_usd"]) == ("done", predicted_with_receipt_fees)
