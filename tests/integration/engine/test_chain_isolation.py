"""One chain's stage raising an unexpected error drops that one item: the error is counted per
chain and stage and alerted, the other chain keeps trading, and the failing chain trades again
on a later opportunity."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from _bot_helpers import swap_v2
from _engine_helpers import DiesOnce, FailsFirst, engine_on

from omniarb.chains.rpc import RpcClient
from omniarb.config import MonitorSettings, Secrets
from omniarb.engine import ChainPipeline
from omniarb.monitor import Monitor
from omniarb.telemetry import Telemetry

pytestmark = pytest.mark.integration

_HALF_SECOND_BLOCKS = 0.5
_WETH = 10**18


async def test_a_stage_error_drops_one_opportunity_and_stops_no_chain(
    devnet_factory, tmp_path: Path
) -> None:
    chains = ["ethereum", "arbitrum"]
    monitor = Monitor.from_settings(MonitorSettings(), Secrets(), chains=chains)
    faulty: list[FailsFirst] = []

    def failing_risk(pipeline: ChainPipeline) -> ChainPipeline:
        faulty.append(FailsFirst(pipeline.risk))
        return replace(pipeline, risk=faulty[0])  # type: ignore[arg-type]

    async with devnet_factory(dict.fromkeys(chains, _HALF_SECOND_BLOCKS)) as net:
        eth, arb = (net.manifest.chain(name) for name in chains)
        async with (
            RpcClient(eth.rpc_http) as eth_rpc,
            RpcClient(arb.rpc_http) as arb_rpc,
            engine_on(
                net,
                tmp_path / "h.sqlite",
                telemetry=Telemetry(monitor=monitor),
                wrap={"ethereum": failing_risk},
            ) as bot,
        ):
            # A gap on each chain: ethereum's risk stage raises on its first opportunity.
            await swap_v2(
                eth_rpc, eth, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * _WETH
            )
            await swap_v2(
                arb_rpc, arb, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * _WETH
            )
            await bot.wait_for(lambda s: faulty[0].raised == 1 and s[1].succeeded >= 1, 30)
            # The failing chain goes on: a later opportunity (the same gap, found again on the
            # next block, or another) is decided and trades.
            await bot.wait_for(lambda s: s[0].succeeded >= 1, 30)
            assert faulty[0].raised == 1
            for stats in bot.stats:
                assert all(t.realized_profit_wei == t.predicted_profit_wei for t in stats.trades)

    def sample(name: str, **labels: str) -> float | None:
        return monitor.metrics.registry.get_sample_value(name, labels)

    assert sample("omniarb_stage_errors_total", chain="ethereum", stage="risk") == 1
    assert sample("omniarb_stage_errors_total", chain="arbitrum", stage="risk") is None
    assert sample("omniarb_errors_total", component="risk", kind="RuntimeError") == 1
    assert sample("omniarb_alerts_total", rule="system_error", severity="warning") == 1
    assert sample("omniarb_chain_up", chain="ethereum") == 1
    assert sample("omniarb_chain_up", chain="arbitrum") == 1


async def test_a_dead_state_task_is_restarted_and_the_chain_trades_again(
    devnet_factory, tmp_path: Path
) -> None:
    chains = ["ethereum", "arbitrum"]
    monitor = Monitor.from_settings(MonitorSettings(), Secrets(), chains=chains)
    dying: list[DiesOnce] = []

    def dying_collector(pipeline: ChainPipeline) -> ChainPipeline:
        dying.append(DiesOnce(pipeline.collector, after=3))
        return replace(pipeline, collector=dying[0])  # type: ignore[arg-type]

    async with devnet_factory(dict.fromkeys(chains, _HALF_SECOND_BLOCKS)) as net:
        eth, arb = (net.manifest.chain(name) for name in chains)
        async with (
            RpcClient(eth.rpc_http) as eth_rpc,
            RpcClient(arb.rpc_http) as arb_rpc,
            engine_on(
                net,
                tmp_path / "h.sqlite",
                telemetry=Telemetry(monitor=monitor),
                wrap={"ethereum": dying_collector},
            ) as bot,
        ):
            await bot.wait_for(lambda s: dying[0].died, 30)
            # Restarted (after a backoff): ethereum follows its blocks again and trades a gap.
            seen = bot.stats[0].blocks_seen
            await bot.wait_for(lambda s: s[0].blocks_seen >= seen + 3, 30)
            await swap_v2(
                eth_rpc, eth, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * _WETH
            )
            await swap_v2(
                arb_rpc, arb, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * _WETH
            )
            await bot.wait_for(lambda s: s[0].succeeded >= 1 and s[1].succeeded >= 1, 30)
            for stats in bot.stats:
                assert all(t.realized_profit_wei == t.predicted_profit_wei for t in stats.trades)

    def sample(name: str, **labels: str) -> float | None:
        return monitor.metrics.registry.get_sample_value(name, labels)

    assert sample("omniarb_stage_errors_total", chain="ethereum", stage="state") == 1
    assert sample("omniarb_stage_errors_total", chain="arbitrum", stage="state") is None
