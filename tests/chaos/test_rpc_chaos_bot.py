"""The bot on a devnet chain with two HTTP endpoints, the preferred one dying mid-run: the bot
keeps following the chain and trading through the other one, and the metrics show the chain's
RPC latency and which endpoint is down."""

from __future__ import annotations

from pathlib import Path

import pytest
from _bot_helpers import bot_on, swap_v2
from _rpc_proxy import Fault, FaultyRpcProxy

from omniarb.chains.rpc import RpcClient
from omniarb.config import MonitorSettings, Secrets, Settings
from omniarb.errors import endpoint_label
from omniarb.monitor import Monitor
from omniarb.telemetry import Telemetry

pytestmark = pytest.mark.integration

_HALF_SECOND_BLOCKS = 0.5


async def test_the_bot_trades_through_the_healthy_endpoint_after_one_dies(
    devnet_factory, tmp_path: Path
) -> None:
    async with devnet_factory({"ethereum": _HALF_SECOND_BLOCKS}) as net:
        chain = net.manifest.chain("ethereum")
        monitor = Monitor.from_settings(MonitorSettings(), Secrets(), chains=["ethereum"])
        async with FaultyRpcProxy(chain.rpc_http) as preferred:
            settings = Settings.model_validate(
                {"chains": {"ethereum": {"rpc_http": [preferred.url, chain.rpc_http]}}}
            )
            async with (
                RpcClient(chain.rpc_http) as rpc,
                bot_on(
                    net, tmp_path / "h.sqlite", settings, telemetry=Telemetry(monitor=monitor)
                ) as bot,
            ):
                # Everything so far went through the preferred endpoint; now it dies.
                assert preferred.forwarded.total() > 0
                await preferred.stop()
                seen = bot.stats[0].blocks_seen
                await bot.wait_for(lambda stats: stats[0].blocks_seen >= seen + 4, timeout_s=30)
                # Sell 600 WETH into one DEX's WETH/USDC pair: a gap the bot closes.
                await swap_v2(
                    rpc, chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * 10**18
                )
                await bot.wait_for(lambda stats: stats[0].succeeded >= 1, timeout_s=30)
                trade = bot.stats[0].trades[0]
                assert trade.realized_profit_wei == trade.predicted_profit_wei > 0

    def sample(name: str, **labels: str) -> float:
        value = monitor.metrics.registry.get_sample_value(name, {"chain": "ethereum", **labels})
        return 0.0 if value is None else value

    assert sample("omniarb_rpc_latency_seconds_count", method="batch") > 0
    assert sample("omniarb_rpc_latency_seconds_count", method="eth_call") > 0
    assert sample("omniarb_rpc_latency_seconds_count", method="eth_sendRawTransaction") >= 1
    assert sample("omniarb_rpc_endpoint_up", endpoint=endpoint_label(preferred.url)) == 0
    assert sample("omniarb_rpc_endpoint_up", endpoint=endpoint_label(chain.rpc_http)) == 1
    assert sample("omniarb_rpc_endpoint_health", endpoint=endpoint_label(preferred.url)) < 1.0


async def test_the_bot_hedges_its_sends_and_the_fast_endpoint_answers(
    devnet_factory, tmp_path: Path
) -> None:
    """Both endpoints alive, the preferred one slow to forward sends: the bot's trade is sent to
    both, acknowledged by the other first, and lands once with its predicted profit."""
    async with devnet_factory({"ethereum": _HALF_SECOND_BLOCKS}) as net:
        chain = net.manifest.chain("ethereum")
        monitor = Monitor.from_settings(MonitorSettings(), Secrets(), chains=["ethereum"])
        async with FaultyRpcProxy(chain.rpc_http) as slow:
            sends = frozenset({"eth_sendRawTransaction"})
            slow.inject(Fault(kind="delay", delay_s=0.3, methods=sends))
            settings = Settings.model_validate(
                {"chains": {"ethereum": {"rpc_http": [slow.url, chain.rpc_http]}}}
            )
            async with (
                RpcClient(chain.rpc_http) as rpc,
                bot_on(
                    net, tmp_path / "h.sqlite", settings, telemetry=Telemetry(monitor=monitor)
                ) as bot,
            ):
                await swap_v2(
                    rpc, chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * 10**18
                )
                await bot.wait_for(lambda stats: stats[0].succeeded >= 1, timeout_s=30)
                trade = bot.stats[0].trades[0]
                assert trade.realized_profit_wei == trade.predicted_profit_wei > 0
            # The bot stopped: the slow endpoint's copies have all been answered and counted.
            assert slow.received["eth_sendRawTransaction"] >= 1

    def sample(name: str, **labels: str) -> float:
        value = monitor.metrics.registry.get_sample_value(name, {"chain": "ethereum", **labels})
        return 0.0 if value is None else value

    fast_label, slow_label = endpoint_label(chain.rpc_http), endpoint_label(slow.url)
    sent = slow.received["eth_sendRawTransaction"]
    assert sample("omniarb_rpc_hedge_wins_total", endpoint=fast_label) == sent
    assert sample("omniarb_rpc_hedge_wins_total", endpoint=slow_label) == 0
    slow_answers = sum(
        sample("omniarb_rpc_hedge_answers_total", endpoint=slow_label, outcome=outcome)
        for outcome in ("ack", "refused_after_ack")
    )
    assert slow_answers == sent
