"""The terminal view of a running demo: one row per chain, refreshed in place.

On a terminal it is a rich `Live` table; elsewhere (CI logs, pipes) one plain line per chain
every few seconds, so the output stays readable as a log.
"""

from __future__ import annotations

import time
from types import TracebackType
from typing import Self

from rich.console import Console
from rich.live import Live
from rich.table import Table

from omniarb.devnet.market import ChainStats, MarketSnapshot

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


def _table(snapshot: MarketSnapshot, title: str) -> Table:
    table = Table(title=title, expand=True)
    for column, justify in (
        ("chain", "left"),
        ("block", "right"),
        ("swaps", "right"),
        ("swaps/s", "right"),
        ("failed", "right"),
        ("wrapped native in USDC, per pool", "left"),
        ("largest gap", "right"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for stats in snapshot.chains:
        table.add_row(
            stats.chain,
            str(stats.block_number),
            str(stats.swaps_mined),
            f"{stats.swaps_per_s:.1f}",
            str(stats.swaps_failed),
            _prices(stats),
            f"{stats.max_gap_bps:.1f} bp {stats.max_gap_pair}" if stats.max_gap_pair else "-",
        )
    return table


class LiveView:
    """`with LiveView(console, title) as view: view.update(snapshot)`."""

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

    def update(self, snapshot: MarketSnapshot, *, final: bool = False) -> None:
        if self._live is not None:
            self._live.update(_table(snapshot, self._title))
            return
        now = time.monotonic()
        if not final and now - self._last_plain_s < _PLAIN_EVERY_S:
            return
        self._last_plain_s = now
        for stats in snapshot.chains:
            gap = f"{stats.max_gap_bps:.1f}bp {stats.max_gap_pair}" if stats.max_gap_pair else "-"
            self._console.print(
                f"{stats.chain:<9} block {stats.block_number:>6}  swaps {stats.swaps_mined:>5}"
                f"  {stats.swaps_per_s:5.1f}/s  failed {stats.swaps_failed}"
                f"  prices {_prices(stats)}  gap {gap}",
                soft_wrap=True,
            )
