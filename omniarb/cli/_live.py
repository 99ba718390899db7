"""The terminal view of a running demo or bot: one row per chain, refreshed in place.

On a terminal it is a rich `Live` table; elsewhere (CI logs, pipes) one plain line per chain
every few seconds, so the output stays readable as a log. The wrapped native coin's price is
shown per protocol (the pool kind the manifest names), each pool by its DEX, with its fee tier
where the kind's adapter says each pool has its own fee: no kind is named in this module.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Self

from rich.console import Console
from rich.live import Live
from rich.table import Table

from omniarb.dex.registry import adapter, is_traded
from omniarb.monitor.market_view import ChainStats, MarketSnapshot, PoolPrice
from omniarb.network import Manifest
from omniarb.track import ChainBotStats

__all__ = ["LiveView", "pool_kinds", "prices_by_protocol"]

_PLAIN_EVERY_S = 5.0
# rich renders the table in its refresh thread, 30-60 ms a time on this machine (measured by
# `benchmarks/loop_audit.py`), holding the GIL the bot's loop needs: once a second is enough for
# a human and costs a quarter of the 4 renders a second rich defaults to.
_RENDERS_PER_S = 1


def _usd(price_usd: float) -> str:
    return f"{price_usd:,.2f}" if price_usd >= 100 else f"{price_usd:.4f}"


_UNKNOWN_KIND = "?"


def pool_kinds(manifest: Manifest) -> dict[str, str]:
    """Each pool's kind by lower-case address, from the manifest."""
    return {p.address.lower(): p.kind for c in manifest.chains for p in c.pools}


def _fee_per_pool(kind: str, prices: Sequence[PoolPrice]) -> bool:
    """Whether a pool of `kind` is told apart by its fee tier: the registry knows for a traded
    kind; for another, only when one of its DEXes shows several pools."""
    if is_traded(kind):
        return adapter(kind).fee_per_pool
    dexes = [p.dex for p in prices]
    return len(set(dexes)) < len(dexes)


def _fee(fee_pips: int) -> str:
    """A fee tier as a percentage: 500 pips is 0.05%."""
    return f"{fee_pips / 10_000:g}%"


def prices_by_protocol(prices: Sequence[PoolPrice], kinds: Mapping[str, str]) -> str:
    """`protocol: dex[ fee] price, …` for each protocol, in the order they first appear."""
    if not prices:
        return "-"
    grouped: dict[str, list[PoolPrice]] = defaultdict(list)
    for price in prices:
        grouped[kinds.get(price.pool.lower(), _UNKNOWN_KIND)].append(price)
    parts = []
    for kind, pools in grouped.items():
        with_fee = _fee_per_pool(kind, pools)
        quotes = ", ".join(
            f"{p.dex}{f' {_fee(p.fee_pips)}' if with_fee else ''} {_usd(p.price_usd)}"
            for p in pools
        )
        parts.append(f"{kind}: {quotes}")
    return " | ".join(parts)


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


def _node(bot: ChainBotStats) -> str:
    """The chain's node as the liveness probe last saw it, with the pipeline's lag behind it."""
    if bot.node_up is None:
        return "-"
    if not bot.node_up:
        return "DOWN"
    lag = bot.block_lag
    return "up" if lag is None else f"up, lag {lag}"


class LiveView:
    """`with LiveView(console, title, kinds) as view: view.update(market=…, bots=…)`;
    `kinds` maps lower-case pool addresses to their kind (`pool_kinds(manifest)`)."""

    def __init__(
        self, console: Console, title: str, kinds: Mapping[str, str] | None = None
    ) -> None:
        self._console = console
        self._title = title
        self._kinds: Mapping[str, str] = kinds or {}
        self._live: Live | None = None
        self._last_plain_s = 0.0

    def __enter__(self) -> Self:
        if self._console.is_terminal:
            self._live = Live(
                console=self._console, refresh_per_second=_RENDERS_PER_S, transient=False
            )
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
            columns += ["swaps", "swaps/s", "wrapped native in USDC, per protocol", "largest gap"]
        if bots:
            columns += [
                "node",
                "pools",
                "opps",
                "executed",
                "success",
                "realized PnL",
                "latency d/s/c",
            ]
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
                        prices_by_protocol(stats.prices, self._kinds),
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
                        _node(bot),
                        str(bot.pools),
                        str(bot.opportunities),
                        str(bot.submitted + bot.simulated),
                        _rate(bot),
                        _pnl(bot),
                        _latency(bot),
                    ]
                    if bot
                    else ["-"] * 7
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
                    f"  failed {stats.swaps_failed}"
                    f"  prices {prices_by_protocol(stats.prices, self._kinds)}  gap {gap}"
                )
            if bot:
                line += (
                    f"  | node {_node(bot)}"
                    f"  opps {bot.opportunities} executed {bot.submitted + bot.simulated}"
                    f" success {_rate(bot)} pnl {_pnl(bot)} latency {_latency(bot)}"
                )
            lines.append(line)
        return lines
