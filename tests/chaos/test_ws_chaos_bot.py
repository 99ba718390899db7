"""The bot on a devnet chain with two WebSocket endpoints (`[chains.ethereum] rpc_ws`, each a
fault-injecting WebSocket proxy in front of the node), the preferred one dying mid-run: the
head and log subscriptions fail over to the second, the state back-fills what went by, the bot
keeps trading, and the metrics show which WebSocket endpoint is down."""

from __future__ import annotations

from pathlib import Path

import pytest
from _bot_helpers import bot_on, swap_v2
from _waits import eventually
from _ws_rpc_proxy import WsRpcProxy

from omniarb.chains.rpc import RpcClient
from omniarb.config import MonitorSettings, Secrets, Settings
from omniarb.monitor import Monitor
from omniarb.telemetry import Telemetry

pytestmark = pytest.mark.integration

_HALF_SECOND_BLOCKS = 0.5


async def test_the_bot_trades_through_the_second_websocket_after_the_first_dies(
    devnet_factory, tmp_path: Path
) -> None:
    async with devnet_factory({"ethereum": _HALF_SECOND_BLOCKS}) as net:
        chain = net.manifest.chain("ethereum")
        monitor = Monitor.from_settings(MonitorSettings(), Secrets(), chains=["ethereum"])
        async with WsRpcProxy(chain.rpc_ws) as first, WsRpcProxy(chain.rpc_ws) as second:
            settings = Settings.model_validate(
                {
                    "chains": {
                        "ethereum": {
                            "rpc_http": chain.rpc_http,
                            "rpc_ws": [first.url, second.url],
                        }
                    }
                }
            )
            async with (
                RpcClient(chain.rpc_http) as rpc,
                bot_on(
                    net, tmp_path / "h.sqlite", settings, telemetry=Telemetry(monitor=monitor)
                ) as bot,
            ):
                seen = bot.stats[0].blocks_seen
                await bot.wait_for(lambda stats: stats[0].blocks_seen >= seen + 2, timeout_s=30)
                # Heads so far came through the preferred endpoint only; now it dies for good.
                assert first.notifications > 0
                assert second.notifications == 0
                first.refusing = True
                first.drop()

                async def on_second() -> bool:
                    return second.notifications >= 4

                await eventually(on_second, what="heads through the second endpoint", timeout_s=30)
                seen = bot.stats[0].blocks_seen
                await bot.wait_for(lambda stats: stats[0].blocks_seen >= seen + 4, timeout_s=30)
                # Sell 600 WETH into one DEX's WETH/USDC pair: a gap the bot closes.
                await swap_v2(
                    rpc, chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * 10**18
                )
                await bot.wait_for(lambda stats: stats[0].succeeded >= 1, timeout_s=30)
                trade = bot.stats[0].trades[0]
                assert trade.realized_profit_wei == trade.predicted_profit_wei > 0

    def sample(name: str, **labels: str) -> float | None:
        return monitor.metrics.registry.get_sample_value(name, {"chain": "ethereum", **labels})

    assert first.refused >= 1  # it was asked again (probes), and refused
    assert sample("omniarb_rpc_endpoint_up", endpoint=first.url) == 0
    assert sample("omniarb_rpc_endpoint_up", endpoint=second.url) == 1
    health = sample("omniarb_rpc_endpoint_health", endpoint=first.url)
    assert health is not None
    assert health < 1.0
