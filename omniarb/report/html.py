"""The HTML report of a run: one self-contained file from the history.

    html = render_report(trades, chains, source="sqlite:///…", generated_at=now)

It holds the run's totals, the PnL curve (in total and per chain), the success rate over time,
histograms of net profit and of the pipeline's latencies, the per-chain table and the latest
trades — charts as inline SVG (`omniarb.report.svg`), styles inline, no script and no link to
anything outside the file, so it can be mailed, archived and opened offline.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from html import escape, unescape

from omniarb.report.svg import PALETTE, Series, histogram, line_chart
from omniarb.store import ChainSummary, TradeRecord

__all__ = ["render_report", "settled_trades"]

_SETTLED = frozenset({"succeeded", "reverted", "dropped", "cancelled"})
_NATIVE_DECIMALS = 18
_LATEST = 25
_STYLE = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;
max-width:1100px;color:#111827;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}
.meta{color:#6b7280;margin-bottom:16px}
.cards{display:flex;flex-wrap:wrap;gap:12px}
.card{border:1px solid #e5e7eb;border-radius:8px;padding:10px 14px;min-width:130px}
.card b{display:block;font-size:20px}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{border-bottom:1px solid #e5e7eb;padding:5px 8px;text-align:right;white-space:nowrap}
th{white-space:normal;vertical-align:bottom}
th:first-child,td:first-child{text-align:left}
.chart{max-width:100%;height:auto;font-size:11px;fill:#374151}
.chart .grid{stroke:#e5e7eb}.chart .axis{stroke:#9ca3af}.chart .caption{fill:#6b7280}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:16px}
figure{margin:0}figcaption{font-weight:600;margin-bottom:2px}
.neg{color:#b91c1c}.wide{overflow-x:auto}
"""


def settled_trades(trades: Sequence[TradeRecord]) -> list[TradeRecord]:
    """The trades the chain gave a verdict on, oldest first."""
    settled = [t for t in trades if t.status in _SETTLED and t.settled_at is not None]
    return sorted(settled, key=lambda t: (t.settled_at, t.execution_id))


def _units(amount: int, decimals: int | None, symbol: str | None) -> str:
    if decimals is None:
        return f"{amount} {symbol or ''}".strip()
    value = Decimal(amount).scaleb(-decimals)
    return f"{value:,.6f} {symbol or ''}".strip()


def _usd(value: float) -> str:
    if value < 0:
        return f'<span class="neg">-${-value:,.2f}</span>'
    return f"${value:,.2f}"


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{rate * 100:.1f}%"


def _pnl_chart(settled: Sequence[TradeRecord]) -> str:
    total: list[tuple[float, float]] = []
    per_chain: dict[str, list[tuple[float, float]]] = defaultdict(list)
    running = 0.0
    chain_running: dict[str, float] = defaultdict(float)
    for trade in settled:
        assert trade.settled_at is not None
        at = trade.settled_at.timestamp()
        net = trade.net_profit_usd or 0.0
        running += net
        chain_running[trade.chain] += net
        total.append((at, running))
        per_chain[trade.chain].append((at, chain_running[trade.chain]))
    series = [Series(name="total", points=total, color="#111827", width=2.5)]
    for index, (chain, points) in enumerate(sorted(per_chain.items())):
        series.append(
            Series(name=chain, points=points, color=PALETTE[index % len(PALETTE)], width=1.5)
        )
    return line_chart(
        "PnL (net USD, cumulative)", series, x_label="time (UTC)", y_format=lambda v: f"${v:,.0f}"
    )


def _success_chart(settled: Sequence[TradeRecord], buckets: int = 20) -> str:
    times = [t.settled_at.timestamp() for t in settled if t.settled_at is not None]
    if not times:
        return line_chart("Success rate", [], x_label="time (UTC)")
    start, end = times[0], times[-1]
    span = (end - start) or 1.0
    counts = [[0, 0] for _ in range(buckets)]
    for at, trade in zip(times, settled, strict=True):
        slot = min(buckets - 1, int((at - start) / span * buckets))
        counts[slot][0] += trade.status == "succeeded"
        counts[slot][1] += 1
    per_bucket = [
        (start + (i + 0.5) * span / buckets, ok / n * 100) for i, (ok, n) in enumerate(counts) if n
    ]
    cumulative, ok_so_far = [], 0
    for n, (at, trade) in enumerate(zip(times, settled, strict=True), start=1):
        ok_so_far += trade.status == "succeeded"
        cumulative.append((at, ok_so_far / n * 100))
    return line_chart(
        "Success rate over time",
        [
            Series(name=f"per interval ({buckets} intervals)", points=per_bucket),
            Series(name="cumulative", points=cumulative, color=PALETTE[1], width=1.5),
        ],
        x_label="time (UTC)",
        y_format=lambda v: f"{v:.0f}%",
        y_range=(0.0, 100.0),
    )


def _chain_table(chains: Sequence[ChainSummary], names: dict[str, tuple[str, int | None]]) -> str:
    head = (
        "<tr><th>chain</th><th>opportunities</th><th>approved</th><th>declined</th>"
        "<th>executions</th><th>succeeded</th><th>reverted</th><th>dropped</th>"
        "<th>success rate</th><th>realized profit (before gas)</th><th>gas paid</th>"
        "<th>L1 data fees</th><th>net USD</th></tr>"
    )
    rows = []
    for chain in chains:
        amounts = []
        for token, amount in sorted(chain.realized_profit.items()):
            symbol, decimals = names.get(token.lower(), (token[:10], None))
            amounts.append(escape(_units(amount, decimals, symbol)))
        profit = "<br>".join(amounts)
        rows.append(
            f"<tr><td>{escape(chain.chain)} ({chain.chain_id})</td>"
            f"<td>{chain.opportunities:,}</td><td>{chain.approved:,}</td>"
            f"<td>{chain.declined:,}</td><td>{sum(chain.executions.values()):,}</td>"
            f"<td>{chain.settled.get('succeeded', 0):,}</td>"
            f"<td>{chain.settled.get('reverted', 0):,}</td>"
            f"<td>{chain.settled.get('dropped', 0):,}</td>"
            f"<td>{_pct(chain.success_rate)}</td><td>{profit or '–'}</td>"
            f"<td>{escape(_units(chain.gas_cost_wei, _NATIVE_DECIMALS, 'native'))}</td>"
            f"<td>{escape(_units(chain.l1_fee_wei, _NATIVE_DECIMALS, 'native'))}</td>"
            f"<td>{_usd(chain.net_profit_usd)}</td></tr>"
        )
    return f'<div class="wide"><table id="chains">{head}{"".join(rows)}</table></div>'


def _trades_table(settled: Sequence[TradeRecord]) -> str:
    head = (
        "<tr><th>settled (UTC)</th><th>chain</th><th>tx</th><th>status</th><th>route</th>"
        "<th>predicted</th><th>realized</th><th>gas used</th><th>net USD</th></tr>"
    )
    rows = []
    for trade in reversed(settled[-_LATEST:]):
        assert trade.settled_at is not None
        units = (trade.profit_decimals, trade.profit_symbol)
        tx = trade.tx_hash or "–"
        rows.append(
            f"<tr><td>{trade.settled_at:%Y-%m-%d %H:%M:%S}</td><td>{escape(trade.chain)}</td>"
            f"<td>{escape(tx[:12])}…</td><td>{escape(trade.status)}</td>"
            f"<td>{escape('→'.join(trade.route_symbols))}</td>"
            f"<td>{escape(_units(trade.predicted_profit, *units))}</td>"
            f"<td>{escape(_units(trade.realized_profit or 0, *units))}</td>"
            f"<td>{trade.gas_used or 0:,}</td><td>{_usd(trade.net_profit_usd or 0.0)}</td></tr>"
        )
    return f'<div class="wide"><table id="trades">{head}{"".join(rows)}</table></div>'


def _chart_title(svg: str) -> str:
    start = svg.index("<title>") + len("<title>")
    return unescape(svg[start : svg.index("</title>", start)])


def render_report(
    trades: Sequence[TradeRecord],
    chains: Sequence[ChainSummary],
    *,
    source: str,
    generated_at: datetime,
) -> str:
    """The report as one HTML document (a string)."""
    settled = settled_trades(trades)
    names: dict[str, tuple[str, int | None]] = {
        t.profit_token.lower(): (t.profit_symbol or t.profit_token[:10], t.profit_decimals)
        for t in trades
    }
    succeeded = sum(t.status == "succeeded" for t in settled)
    net_usd = sum(c.net_profit_usd for c in chains)
    period = (
        f"{settled[0].settled_at:%Y-%m-%d %H:%M:%S} – {settled[-1].settled_at:%Y-%m-%d %H:%M:%S}"
        " UTC"
        if settled
        else "no settled trades"
    )
    cards = [
        ("chains", f"{len(chains)}"),
        ("opportunities", f"{sum(c.opportunities for c in chains):,}"),
        ("trades settled", f"{len(settled):,}"),
        ("success rate", _pct(succeeded / len(settled) if settled else None)),
        ("net profit", _usd(net_usd)),
    ]
    charts = [
        _pnl_chart(settled),
        _success_chart(settled),
        histogram(
            "Net profit per trade",
            [t.net_profit_usd for t in settled if t.net_profit_usd is not None],
            x_label="net USD",
        ),
        histogram(
            "Detect → submit latency",
            [t.detect_to_submit_ms for t in trades if t.detect_to_submit_ms is not None],
            x_label="milliseconds",
            color=PALETTE[3],
        ),
        histogram(
            "Submit → confirm latency",
            [t.submit_to_confirm_ms for t in settled if t.submit_to_confirm_ms is not None],
            x_label="milliseconds",
            color=PALETTE[4],
        ),
    ]
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>omni-arb report</title><style>{_STYLE}</style></head><body>"
        "<h1>omni-arb run report</h1>"
        f'<div class="meta">{escape(period)} · history {escape(source)} · generated '
        f"{generated_at:%Y-%m-%d %H:%M:%S} UTC</div>"
        '<div class="cards">'
        + "".join(f'<div class="card">{label}<b>{value}</b></div>' for label, value in cards)
        + "</div><h2>Charts</h2>"
        + '<div class="charts">'
        + "".join(
            f"<figure><figcaption>{escape(_chart_title(svg))}</figcaption>{svg}</figure>"
            for svg in charts
        )
        + "</div>"
        + "<h2>Per chain</h2>"
        + _chain_table(chains, names)
        + f"<h2>Latest trades (up to {_LATEST})</h2>"
        + _trades_table(settled)
        + "</body></html>\n"
    )
