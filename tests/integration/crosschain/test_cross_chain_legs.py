"""A cross-chain trade's two legs on two real devnet chains (Ethereum V2, Arbitrum V3), sent by
the inventory account, settled to the wei, recorded, and a failed leg's exposure unwound."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from _legs_setup import BUY, PRICES, SELL, Net, PlantedDetector, cross_chain_net
from _waits import eventually

from omniarb._config_cross_exec import CrossChainExecutionSettings
from omniarb.chains.abi import decode, encode_call
from omniarb.crosschain.coordinator import CrossChainCoordinator
from omniarb.crosschain.inventory import InventoryBook
from omniarb.crosschain.leg_result import LegStatus
from omniarb.crosschain.pnl import leg_value_usd
from omniarb.store.cross_chain import ExposureRecord
from omniarb.types import PoolUpdate

pytestmark = pytest.mark.integration

WETH_IN = 10**18


async def _balance(net: Net, chain: str, symbol: str) -> int:
    manifest = net.chains[chain]
    answer = await net.rpcs[chain].call(
        "eth_call",
        {"to": manifest.token(symbol).address,
         "data": encode_call("balanceOf(address)", manifest.inventory_account)},
        "latest",
    )  # fmt: skip
    return int(decode(["uint256"], answer)[0])


async def _plant_gap(net: Net) -> None:
    """WETH dear on Ethereum: a trader buys WETH with 2M USDC through the V2 pair."""
    await net.trader_swap(SELL, "uniswap-v2", "USDC", 2_000_000 * 10**6)


async def test_both_legs_land_and_realize_the_prediction_to_the_wei(
    devnet_factory: Any, tmp_path: Path
) -> None:
    settings = CrossChainExecutionSettings()
    async with (
        devnet_factory({SELL: None, BUY: None}) as devnet,
        cross_chain_net(devnet, tmp_path / "history.sqlite", settings) as net,
    ):
        for chain in (SELL, BUY):
            assert net.chains[chain].inventory_account == net.legs[chain].account
            assert await _balance(net, chain, "USDC") > 0
        await _plant_gap(net)
        weth_before = await _balance(net, SELL, "WETH")
        first = await net.opportunity(WETH_IN)
        assert first.buy.predicted_out > WETH_IN  # the planted gap pays
        settled = await net.trader.execute(first, PRICES)

        assert settled.status == "done"
        assert settled.sell.status is LegStatus.LANDED
        assert settled.buy.status is LegStatus.LANDED
        assert settled.sell.realized_out == first.sell.predicted_out
        assert settled.buy.realized_out == first.buy.predicted_out
        assert settled.sell.spent_in == WETH_IN
        assert await _balance(net, SELL, "WETH") == weth_before - WETH_IN
        # Realized PnL is the prediction's outputs with the receipts' fees, exactly.
        expected = leg_value_usd(
            PRICES.sell, amount_in=WETH_IN, amount_out=first.sell.predicted_out,
            fee_wei=settled.sell.fee_wei or 0,
        ) + leg_value_usd(
            PRICES.buy, amount_in=first.buy.amount_in, amount_out=first.buy.predicted_out,
            fee_wei=settled.buy.fee_wei or 0,
        )  # fmt: skip
        assert settled.realized_pnl_usd == expected
        assert (settled.sell.fee_wei or 0) > 0
        row = await net.store.trade(first.id)
        assert row is not None
        assert row["status"] == "done"
        assert row["realized_pnl_usd"] == expected
        weth_eth = net.chains[SELL].token("WETH").address.lower()
        weth_arb = net.chains[BUY].token("WETH").address.lower()
        assert row["inventory_change"][SELL][weth_eth] == str(-WETH_IN)
        assert row["inventory_change"][BUY][weth_arb] == str(first.buy.predicted_out)
        legs = await net.store.legs(first.id)
        assert sorted(leg["status"] for leg in legs) == ["landed", "landed"]
        assert {leg["realized_out"] for leg in legs} == {
            first.sell.predicted_out,
            first.buy.predicted_out,
        }
        latency = net.trader.latency.latency_s(SELL, BUY)
        assert latency is not None
        assert latency > 0

        # The next trade, right behind: each chain's next nonce.
        second = await net.opportunity(WETH_IN // 2)
        again = await net.trader.execute(second, PRICES)
        assert again.status == "done"
        assert again.sell.nonce == (settled.sell.nonce or 0) + 1
        assert again.buy.nonce == (settled.buy.nonce or 0) + 1
        assert again.sell.realized_out == second.sell.predicted_out
        assert again.buy.realized_out == second.buy.predicted_out


@pytest.mark.parametrize("policy", ["complete", "reverse"])
async def test_a_failed_leg_leaves_an_exposure_the_policy_unwinds(
    devnet_factory: Any, tmp_path: Path, policy: str
) -> None:
    settings = CrossChainExecutionSettings(
        unwind=policy,
        unwind_max_loss_bps=500,  # type: ignore[arg-type]
    )
    async with (
        devnet_factory({SELL: None, BUY: None}) as devnet,
        cross_chain_net(devnet, tmp_path / "history.sqlite", settings) as net,
    ):
        await _plant_gap(net)
        opportunity = await net.opportunity(WETH_IN)
        # Someone buys WETH on Arbitrum first: the buy leg's exact minimum is out of reach.
        await net.trader_swap(BUY, "uniswap-v3", "USDC", 5_000 * 10**6)
        settled = await net.trader.execute(opportunity, PRICES)

        assert settled.sell.status is LegStatus.LANDED
        assert settled.buy.status is LegStatus.REVERTED
        assert settled.buy.realized_out == 0
        assert (settled.buy.fee_wei or 0) > 0  # a reverted leg still pays its gas
        assert settled.status == "unwound"
        (unwind,) = settled.unwinds
        assert unwind.status is LegStatus.LANDED
        assert unwind.chain == (BUY if policy == "complete" else SELL)
        if policy == "reverse":  # the landed sell's USDC swapped back into WETH
            assert unwind.spent_in == settled.sell.realized_out
        else:  # the buy redone at the current price
            assert unwind.spent_in == opportunity.buy.amount_in
            assert 0 < unwind.realized_out < opportunity.buy.predicted_out
        exposures: list[ExposureRecord] = await net.store.exposures()
        (exposure,) = exposures
        assert exposure.status == "unwound"
        assert exposure.chain == BUY
        assert exposure.side == "short"
        assert exposure.amount == opportunity.buy.predicted_out
        assert exposure.policy == policy
        assert exposure.unwind_leg_id == f"{opportunity.id}:unwind:1"
        assert exposure.realized_usd is not None
        assert net.book.open_usd == 0
        row = await net.store.trade(opportunity.id)
        assert row is not None
        assert row["status"] == "unwound"
        roles = sorted((leg["role"], leg["status"]) for leg in await net.store.legs(opportunity.id))
        assert roles == [("buy", "reverted"), ("sell", "landed"), ("unwind", "landed")]


async def test_hold_keeps_the_exposure_open_and_blocks_new_trades(
    devnet_factory: Any, tmp_path: Path
) -> None:
    settings = CrossChainExecutionSettings(unwind="hold", max_open_exposure_usd=1.0)
    async with (
        devnet_factory({SELL: None, BUY: None}) as devnet,
        cross_chain_net(devnet, tmp_path / "history.sqlite", settings) as net,
    ):
        await _plant_gap(net)
        opportunity = await net.opportunity(WETH_IN)
        await net.trader_swap(BUY, "uniswap-v3", "USDC", 5_000 * 10**6)
        settled = await net.trader.execute(opportunity, PRICES)
        assert settled.status == "partial"
        assert settled.unwinds == ()
        (exposure,) = await net.store.exposures(status="open")
        assert exposure.trade_id == opportunity.id
        assert net.book.open_usd_by_chain() == {BUY: exposure.usd_at_open}
        assert net.book.blocked
        assert any("held open" in alert for alert in net.alerts)
        # The coordinator waits: a block is not even shown to the detector.
        detector = PlantedDetector(await net.opportunity(WETH_IN))
        coordinator = CrossChainCoordinator(
            detector=detector,
            trader=net.trader,
            inventory=InventoryBook(),
            prices=lambda o: PRICES,
            chains=(SELL, BUY),
        )
        async with asyncio.TaskGroup() as tasks:
            running = tasks.create_task(coordinator.run())
            update = PoolUpdate(chain_id=net.chains[SELL].chain_id, block_number=1,
                                block_hash="0x" + "00" * 32, base_fee_wei=0, pools=())  # fmt: skip
            coordinator.tap(SELL, update)

            async def waited() -> bool:
                return coordinator.waited_for_exposure == 1

            await eventually(waited, what="the coordinator waited for the exposure")
            running.cancel()
        assert detector.calls == []


async def test_a_dropped_leg_is_unwound_until_the_attempts_run_out(
    devnet_factory: Any, tmp_path: Path
) -> None:
    """Arbitrum mines nothing: the buy leg and every unwind of it get no receipt in time."""
    settings = CrossChainExecutionSettings(
        receipt_timeout_s=0.5, unwind="complete", unwind_max_attempts=2
    )
    async with (
        devnet_factory({SELL: None, BUY: 3600.0}) as devnet,
        cross_chain_net(devnet, tmp_path / "history.sqlite", settings) as net,
    ):
        await _plant_gap(net)
        opportunity = await net.opportunity(WETH_IN)
        settled = await net.trader.execute(opportunity, PRICES)
        assert settled.sell.status is LegStatus.LANDED
        assert settled.buy.status is LegStatus.DROPPED
        assert settled.status == "partial"
        assert settled.unwinds == ()
        (exposure,) = await net.store.exposures()
        assert exposure.status == "abandoned"
        assert exposure.closed_at is not None
        assert any("abandoned after 2" in alert for alert in net.alerts)
        legs = {leg["id"]: leg for leg in await net.store.legs(opportunity.id)}
        assert legs[f"{opportunity.id}:buy"]["status"] == "dropped"
        assert legs[f"{opportunity.id}:unwind:1"]["status"] == "dropped"
        assert legs[f"{opportunity.id}:unwind:2"]["status"] == "dropped"
        # Each unwind took the next nonce behind the pending buy, no gap, no reuse.
        buy_nonce = settled.buy.nonce
        assert buy_nonce is not None
        pending = await net.rpcs[BUY].call(
            "eth_getTransactionCount", net.legs[BUY].account, "pending"
        )
        assert int(pending, 16) == buy_nonce + 3
        row = await net.store.trade(opportunity.id)
        assert row is not None
        assert row["status"] == "partial"
