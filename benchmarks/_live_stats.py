"""The figures of `benchmarks/live.py` from a demo's `--summary` document and the floors
measured beside it: pure functions, so a test can feed them constructed values.

A trade's `stage_offsets_ns` holds each stamp of `STAMPS` as ns since the block's notification;
segment i of `SEGMENTS` lies between stamps i and i+1, and the total (notification ->
acknowledged) is the `acked` offset. Percentiles are nearest-rank, as in the other benchmarks,
so with few trades the p99 is the slowest one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from omniarb.stage_times import SEGMENTS, STAMPS

TARGET_P50_MS = 3.0
TARGET_P99_MS = 15.0
# The floors `_live_floor` measures, as the table names them.
FLOOR_LABELS = {
    "block_number": "floor eth_blockNumber",
    "send_raw_transaction": "floor eth_sendRawTx",
    "send_on_head": "floor head -> sendRawTx",
}


def percentile_ms(samples_ns: Sequence[int], q: float) -> float:
    """The nearest-rank `q` quantile of `samples_ns`, in ms (`samples_ns` must not be empty)."""
    ordered = sorted(samples_ns)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] / 1e6


def _figures(samples_ns: Sequence[int]) -> dict[str, Any]:
    return {
        "p50_ms": round(percentile_ms(samples_ns, 0.5), 3),
        "p99_ms": round(percentile_ms(samples_ns, 0.99), 3),
        "mean_ms": round(sum(samples_ns) / len(samples_ns) / 1e6, 3),
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class StampedTrade:
    """A trade's block and its stamps (ns since the notification, in `STAMPS` order)."""

    block_number: int
    stamps: tuple[int, ...]


def stamped_trades(summary: Mapping[str, Any]) -> dict[str, list[StampedTrade]]:
    """Per chain, every trade of the summary stamped at every boundary (a sent trade always
    is), in the summary's order."""
    found: dict[str, list[StampedTrade]] = {c["chain"]: [] for c in summary.get("chains", [])}
    for trade in summary["trades"]:
        offsets = trade.get("stage_offsets_ns") or {}
        stamps = [offsets.get(name) for name in STAMPS]
        stamped = tuple(ns for ns in stamps if isinstance(ns, int) and not isinstance(ns, bool))
        if len(stamped) == len(STAMPS):
            found.setdefault(trade["chain"], []).append(
                StampedTrade(block_number=int(trade["block_number"]), stamps=stamped)
            )
    return found


def _first_in_block(trades: Sequence[StampedTrade]) -> list[bool]:
    """Whether each trade was the first acknowledged of the trades mined in its block. One
    block's gaps are decided one opportunity after another, so a later trade's clock includes
    the earlier ones' whole path (it shows in `risk`, the first stamp after that wait)."""
    first: dict[int, int] = {}
    for index, trade in enumerate(trades):
        best = first.get(trade.block_number)
        if best is None or trade.stamps[-1] < trades[best].stamps[-1]:
            first[trade.block_number] = index
    chosen = set(first.values())
    return [index in chosen for index in range(len(trades))]


def _group(rows: Sequence[Sequence[int]]) -> dict[str, Any]:
    if not rows:
        return {"trades": 0, "total": None, "risk": None}
    risk = SEGMENTS.index("risk")
    return {
        "trades": len(rows),
        "total": _figures([row[-1] for row in rows]),
        "risk": _figures([row[risk + 1] - row[risk] for row in rows]),
    }


def chain_figures(
    trades: Sequence[StampedTrade], floors: Mapping[str, Sequence[int]]
) -> dict[str, Any]:
    """One chain's trades, segments, total, floors, ratio, dominant segments and targets, and
    the total of the trades first in their block apart from the later ones.

    `floors` maps a floor's name (`FLOOR_LABELS`) to its round trips in ns; an empty list
    gives `None` figures.
    """
    stamps = [trade.stamps for trade in trades]
    firsts = _first_in_block(trades)
    floor_figures = {
        name: ({"calls": len(taken), **_figures(taken)} if taken else None)
        for name, taken in floors.items()
    }
    result: dict[str, Any] = {
        "trades": len(stamps),
        "segments": {},
        "total": None,
        "floors": floor_figures,
        "total_over_send_floor_p50": None,
        "gap_to_send_floor_p50_ms": None,
        "gap_to_send_on_head_p50_ms": None,
        "dominant_p50": None,
        "dominant_p99": None,
        "first_in_block": _group([row for row, f in zip(stamps, firsts, strict=True) if f]),
        "later_in_block": _group([row for row, f in zip(stamps, firsts, strict=True) if not f]),
        "target_p50_met": None,
        "target_p99_met": None,
    }
    if not stamps:
        return result
    durations_ns = {
        name: [row[i + 1] - row[i] for row in stamps] for i, name in enumerate(SEGMENTS)
    }
    total_ns = sum(row[-1] for row in stamps)
    segments = {}
    for name, taken in durations_ns.items():
        # Means add up where percentiles do not: each segment's share of the mean total.
        share = round(sum(taken) / total_ns, 4) if total_ns else None
        segments[name] = {**_figures(taken), "share_of_mean": share}
    total = _figures([row[-1] for row in stamps])
    result["segments"] = segments
    result["total"] = total
    result["dominant_p50"] = max(segments, key=lambda s: segments[s]["p50_ms"])
    result["dominant_p99"] = max(segments, key=lambda s: segments[s]["p99_ms"])
    result["target_p50_met"] = total["p50_ms"] <= TARGET_P50_MS
    result["target_p99_met"] = total["p99_ms"] <= TARGET_P99_MS
    on_head = floor_figures.get("send_on_head")
    if on_head is not None:
        result["gap_to_send_on_head_p50_ms"] = round(total["p50_ms"] - on_head["p50_ms"], 3)
    send = floor_figures.get("send_raw_transaction")
    if send is not None:
        result["gap_to_send_floor_p50_ms"] = round(total["p50_ms"] - send["p50_ms"], 3)
        if send["p50_ms"] > 0:
            result["total_over_send_floor_p50"] = round(total["p50_ms"] / send["p50_ms"], 2)
    return result


def live_report(
    summary: Mapping[str, Any],
    floors: Mapping[str, Mapping[str, Sequence[int]]],
    *,
    run: Mapping[str, Any],
) -> dict[str, Any]:
    """The whole document `live.py --json` prints: `run` (what was run), the targets, every
    chain's figures (`chain_figures`), and every chain's trades pooled under `all`."""
    per_chain = stamped_trades(summary)
    names = list(dict.fromkeys([*per_chain, *floors]))
    chains = {name: chain_figures(per_chain.get(name, []), floors.get(name, {})) for name in names}
    pooled_floors: dict[str, list[int]] = {}
    for chain_floors in floors.values():
        for floor, taken in chain_floors.items():
            pooled_floors.setdefault(floor, []).extend(taken)
    # Block numbers are per chain: pooled, the chain keeps them apart.
    pooled_trades = [
        StampedTrade(block_number=hash((chain, t.block_number)), stamps=t.stamps)
        for chain, trades in per_chain.items()
        for t in trades
    ]
    pooled = chain_figures(pooled_trades, pooled_floors)
    with_trades = [c for c in chains.values() if c["trades"]]
    return {
        **run,
        "target_p50_ms": TARGET_P50_MS,
        "target_p99_ms": TARGET_P99_MS,
        "segments": list(SEGMENTS),
        "chains": chains,
        "all": pooled,
        "targets_met": bool(with_trades)
        and all(c["target_p50_met"] and c["target_p99_met"] for c in with_trades),
    }


def _ms(figures: Mapping[str, Any] | None, key: str) -> str:
    return "-" if figures is None else f"{figures[key]:.2f}"


def table_lines(report: Mapping[str, Any]) -> Iterable[str]:
    """The printed table: one column per chain (and `all`), one row per segment, the total,
    the two floors, the ratio, the dominant segments and the targets."""
    columns = {**report["chains"], "all": report["all"]}
    width = max(17, *(len(name) + 2 for name in columns))
    head = "".join(f"{name:>{width}}" for name in columns)
    yield f"{'p50 / p99 ms':24}{head}"
    yield f"{'trades':24}" + "".join(f"{c['trades']:>{width}}" for c in columns.values())

    def row(label: str, pick: Any) -> str:
        cells = []
        for figures in columns.values():
            chosen = pick(figures)
            text = "-" if chosen is None else f"{_ms(chosen, 'p50_ms')}/{_ms(chosen, 'p99_ms')}"
            cells.append(f"{text:>{width}}")
        return f"{label:24}" + "".join(cells)

    for segment in report["segments"]:
        yield row(f"  {segment}", lambda c, s=segment: c["segments"].get(s))
    yield row("notified -> acked", lambda c: c["total"])
    yield row("  first in its block", lambda c: c["first_in_block"]["total"])
    yield row("  later in its block", lambda c: c["later_in_block"]["total"])
    yield row("  later: risk", lambda c: c["later_in_block"]["risk"])
    for floor, label in FLOOR_LABELS.items():
        yield row(label, lambda c, f=floor: c["floors"].get(f))

    def calls(figures: Mapping[str, Any]) -> str:
        found = figures["floors"]
        return "/".join(str((found.get(name) or {}).get("calls", 0)) for name in FLOOR_LABELS)

    yield f"{'floor calls':24}" + "".join(f"{calls(c):>{width}}" for c in columns.values())

    def plain(label: str, key: str) -> str:
        cells = []
        for figures in columns.values():
            value = figures[key]
            text = "-" if value is None else str(value)
            cells.append(f"{text:>{width}}")
        return f"{label:24}" + "".join(cells)

    yield plain("total/send floor, p50", "total_over_send_floor_p50")
    yield plain("gap to send floor p50", "gap_to_send_floor_p50_ms")
    yield plain("gap to head->send p50", "gap_to_send_on_head_p50_ms")
    yield plain("dominant segment p50", "dominant_p50")
    yield plain("dominant segment p99", "dominant_p99")
    yield plain(f"p50 <= {report['target_p50_ms']:g} ms", "target_p50_met")
    yield plain(f"p99 <= {report['target_p99_ms']:g} ms", "target_p99_met")
    segments = report["all"]["segments"]
    if segments:
        # Means add up, percentiles do not: where the time of all chains' trades went.
        shares = sorted(segments.items(), key=lambda item: -(item[1]["share_of_mean"] or 0))
        yield "share of the mean total, all chains: " + ", ".join(
            f"{name} {figures['share_of_mean']:.0%}" for name, figures in shares
        )
