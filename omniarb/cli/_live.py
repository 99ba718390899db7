"""The terminal view of a running demo or bot: one row per chain, refreshed in place.

On a terminal it is a rich `Live` table; elsewhere (CI logs, pipes) one plain line per chain
every few seconds, so the output stays readable as a log.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from rich.console import Console
from rich.live import Live
from rich.table import Table

from omniarb.monitor.market_view import ChainStats, MarketSnapshot
from omniarb.track import ChainBotStats

__all__ = ["LiveView"]

_PLAIN_EVERY_S = 5.0


def _usd(price_usd: float) -> str:
    return f"{price_usd:,.2f}" if price_usd >= 100 else f"{price_usd:.4f}"


def _prices(stats: ChainStats) -> str:
    if not stats.prices:
        return "-"
    return "  ".join(
        f"{p.dex}{f'/{p.fee_pips // 100}bp' if 'v3' in p.dex else ''} {_usd(p.price_usd)}"
        for p in stats.prices
    )


def _amount(amount: int, decimals: int | None) -> str:
    """Base units as whole tokens, for display only."""
    return str(amount) if decimals is None else f"{amount / 10**decimals:.6g}"


def _pnl(bot: ChainBotStats) -> str:
    tokens = ", ".join(
        f"{_amount(amount, bot.decimals.get(token.lower()))} "
        f"{bot.symbols.get(token.lower(), token[:8])}"
        for token, amount in bot.realized_profit.items()
    )
    return f"${bot.net_profit_usd:,.2f}" + (f" ({tokens})" if tokens else "")


def _rate(bot: ChainBotStats) -> str:
    rate = bot.success_rate
    return "-" if rate is None else f"{rate:.0%}"


def _latency(bot: ChainBotStats) -> str:
    return (
        f"{bot.last_detect_ms:.1f}/{bot.last_submit_ms:.1f}/{bot.last_confirm_ms:.0f} ms"
        if bot.submitted
        else "-"
    )


class LiveView:
    """`with LiveView(console, title) as view: view.update(market=…, bots=…)`."""

    def __init__(self, console: Console, title: str) -> None:
        self._console = console
        self._title = title
        self._live: Live | None = None
        self._last_plain_s = 0.0

    def __enter__(self) -> Self:
        if self._console.is_terminal:
            self._live = Live(console=self._console, refresh_per_second=4, transient=False)
            self._live.__enter__()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._live is not None:
            self._live.__exit__(exc_type, exc, tb)

    def update(
        self,
        *,
        market: MarketSnapshot | None = None,
        bots: Sequence[ChainBotStats] = (),
        final: bool = False,
    ) -> None:
        if self._live is not None:
            self._live.update(self._table(market, bots))
            return
        now = time.monotonic()
        if not final and now - self._last_plain_s < _PLAIN_EVERY_S:
            return
        self._last_plain_s = now
        for line in self._lines(market, bots):
            self._console.print(line, soft_wrap=True)

    @staticmethod
    def _rows(
        market: MarketSnapshot | None, bots: Sequence[ChainBotStats]
    ) -> list[tuple[str, ChainStats | None, ChainBotStats | None]]:
        by_bot = {b.chain: b for b in bots}
        names = [c.chain for c in market.chains] if market else list(by_bot)
        by_market = {c.chain: c for c in market.chains} if market else {}
        return [(name, by_market.get(name), by_bot.get(name)) for name in names]

    def _table(self, market: MarketSnapshot | None, bots: Sequence[ChainBotStats]) -> Table:
        table = Table(title=self._title, expand=True)
        columns = ["chain", "block"]
        if market:
            columns += ["swaps", "swaps/s", "wrapped native in USDC", "largest gap"]
        if bots:
            columns += ["pools", "opps", "executed", "success", "realized PnL", "latency d/s/c"]
        for column in columns:
            table.add_column(column)
        for name, stats, bot in self._rows(market, bots):
            block = bot.block_number if bot else stats.block_number if stats else 0
            cells = [name, str(block)]
            if market:
                cells += (
                    [
                        str(stats.swaps_mined),
                        f"{stats.swaps_per_s:.1f}",
                        _prices(stats),
                        f"{stats.max_gap_bps:.1f} bp {stats.max_gap_pair}"
                        if stats.max_gap_pair
                        else "-",
                    ]
                    if stats
                    else ["-"] * 4
                )
            if bots:
                cells += (
                    [
                        str(bot.pools),
                        str(bot.opportunities),
                        str(bot.submitted + bot.simulated),
                        _rate(bot),
                        _pnl(bot),
                        _latency(bot),
                    ]
                    if bot
                    else ["-"] * 6
                )
            table.add_row(*cells)
        return table

    def _lines(self, market: MarketSnapshot | None, bots: Sequence[ChainBotStats]) -> list[str]:
        lines = []
        for name, stats, bot in self._rows(market, bots):
            block = bot.block_number if bot else stats.block_number if stats else 0
            line = f"{name:<9} block {block:>6}"
            if stats:
                gap = (
                    f"{stats.max_gap_bps:.1f}bp {stats.max_gap_pair}" if stats.max_gap_pair else "-"
                )
                line += (
                    f"  swaps {stats.swaps_mined:>5}  {stats.swaps_per_s:5.1f}/s"
                    f"  failed {stats.swaps_failed}  prices {_prices(stats)}  gap {gap}"
                )
            if bot:
                line += (
                    f"  | opps {bot.opportunities} executed {bot.submitted + bot.simulated}"
                    f" success {_rate(bot)} pnl {_pnl(bot)} latency {_latency(bot)}"
                )
            lines.append(line)
        return lines
