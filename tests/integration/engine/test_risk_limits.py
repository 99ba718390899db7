"""The risk manager's limits on a real devnet: a planted gap the bot would trade (its net profit
well above the floor) is declined by the trade size limit of its start token, nothing is sent,
and its decision row in the history carries the rule's reason, in the token's own units."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from _bot_helpers import bot_on, swap_v2

from omniarb.chains.rpc import RpcClient
from omniarb.config import Settings
from omniarb.risk.limits import format_units

_ONE_BLOCK_S = 0.5
# Whole tokens: far below what a 600 WETH gap is traded with, whichever token the cycle opens.
_CAPS = {"WETH": 1, "USDC": 1000}


async def test_a_real_gap_above_the_trade_size_limit_is_declined_with_the_rules_reason(
    devnet_factory, tmp_path: Path
) -> None:
    settings = Settings.model_validate(
        {
            "risk": {
                "chains": {
                    "ethereum": {
                        "tokens": {sym: {"max_amount_in": cap} for sym, cap in _CAPS.items()}
                    }
                }
            }
        }
    )
    db = tmp_path / "h.sqlite"
    async with devnet_factory({"ethereum": _ONE_BLOCK_S}) as net:
        chain = net.manifest.chain("ethereum")
        tokens = {t.address.lower(): t for t in chain.tokens}
        async with RpcClient(chain.rpc_http) as rpc, bot_on(net, db, settings) as bot:
            await swap_v2(
                rpc, chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * 10**18
            )
            await bot.wait_for(lambda stats: stats[0].declined >= 1, timeout_s=30)
            await bot.wait_for(lambda stats: stats[0].blocks_seen >= 3, timeout_s=30)
            stats = bot.stats[0]
            assert stats.approved == 0
            assert stats.submitted == 0
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT d.approved, d.reasons, o.profit_token, o.amount_in, o.net_profit_usd "
            "FROM decisions d JOIN opportunities o ON o.id = d.opportunity_id"
        ).fetchall()
        sent = connection.execute("SELECT COUNT(*) FROM executions").fetchone()[0]
    assert rows
    assert sent == 0
    for approved, reasons, profit_token, amount_in, net_profit_usd in rows:
        token = tokens[profit_token.lower()]
        cap = _CAPS[token.symbol]
        assert not approved
        # A trade the floor alone would have taken: only the size limit stands in its way.
        assert net_profit_usd > Settings().bot.min_net_profit_usd
        assert json.loads(reasons) == [
            f"amount in {format_units(int(amount_in), token.decimals)} {token.symbol} above the "
            f"{cap} {token.symbol} trade size limit"
        ]


async def test_a_settled_trade_leaves_no_open_exposure_and_its_net_in_the_daily_window(
    devnet_factory, tmp_path: Path
) -> None:
    # Limits far from this trade: it is taken; what the risk stage tallied is checked after.
    settings = Settings.model_validate(
        {"risk": {"max_open_exposure_usd": 1e12, "max_daily_loss_usd": 1e9}}
    )
    async with devnet_factory({"ethereum": _ONE_BLOCK_S}) as net:
        chain = net.manifest.chain("ethereum")
        async with (
            RpcClient(chain.rpc_http) as rpc,
            bot_on(net, tmp_path / "h.sqlite", settings) as bot,
        ):
            risk = bot.engine[0].pipelines[0].risk
            await swap_v2(
                rpc, chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=600 * 10**18
            )
            await bot.wait_for(lambda stats: stats[0].succeeded >= 1, timeout_s=30)
            await bot.wait_for(lambda s: s[0].submitted == s[0].succeeded + s[0].reverted, 30)
            stats = bot.stats[0]
            # Each trade sent was counted open, and each settled one closed again.
            assert risk.exposure.sent == stats.submitted >= 1
            assert risk.exposure.trades == 0
            assert risk.exposure.total_usd == 0.0
            assert risk.realized.net_usd == pytest.approx(stats.net_profit_usd)
            assert risk.realized.net_usd > 0
