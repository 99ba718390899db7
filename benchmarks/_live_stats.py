"""The figures of `benchmarks/live.py` from a demo's `--summary` document and the floors
measured beside it: pure functions, so a test can feed them constructed values.

A trade's `stage_offsets_ns` holds each stamp of `STAMPS` as ns since the block's notification;
segment i of `SEGMENTS` lies between stamps i and i+1, and the total (notification ->
acknowledged) is the `acked` offset. Percentiles are nearest-rank, as in the other benchmarks,
so with few trades the p99 is the slowest one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from omniarb.stage_times import SEGMENTS, STAMPS

TARGET_P50_MS = 3.0
TARGET_P99_MS = 15.0


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


def stamped_trades(summary: Mapping[str, Any]) -> dict[str, list[list[int]]]:
    """Per chain, the stamps (ns since notification, `STAMPS` order) of every trade of the
    summary that was stamped at every boundary (a sent trade always is)."""
    found: dict[str, list[list[int]]] = {c["chain"]: [] for c in summary.get("chains", [])}
    for trade in summary["trades"]:
        offsets = trade.get("stage_offsets_ns") or {}
        stamps = [offsets.get(name) for name in STAMPS]
        stamped = [ns for ns in stamps if isinstance(ns, int) and not isinstance(ns, bool)]
        if len(stamped) == len(STAMPS):
            found.setdefault(trade["chain"], []).append(stamped)
    return found


def chain_figures(
    stamps: Sequence[Sequence[int]], floors: Mapping[str, Sequence[int]]
) -> dict[str, Any]:
    """One chain's trades, segments, total, floors, ratio, dominant segments and targets.

    `floors` maps a floor's name (`block_number`, `send_raw_transaction`) to its round trips in
    ns; an empty list gives `None` figures.
    """
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
        "dominant_p50": None,
        "dominant_p99": None,
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
    pooled = chain_figures([row for rows in per_chain.values() for row in rows], pooled_floors)
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
    yield row("floor eth_blockNumber", lambda c: c["floors"].get("block_number"))
    yield row("floor eth_sendRawTx", lambda c: c["floors"].get("send_raw_transaction"))

    def calls(figures: Mapping[str, Any]) -> str:
        counts = [(f or {}).get("calls", 0) for f in figures["floors"].values()]
        return "/".join(str(n) for n in counts)

    yield f"{'floor calls (bn/send)':24}" + "".join(
        f"{calls(c):>{width}}" for c in columns.values()
    )

    def plain(label: str, key: str) -> str:
        cells = []
        for figures in columns.values():
            value = figures[key]
            text = "-" if value is None else str(value)
            cells.append(f"{text:>{width}}")
        return f"{label:24}" + "".join(cells)

    yield plain("total/send floor, p50", "total_over_send_floor_p50")
    yield plain("gap to send floor p50", "gap_to_send_floor_p50_ms")
    yield plain("dominant segment p50", "dominant_p50")
    yield plain("dominant segment p99", "dominant_p99")
    yield plain(f"p50 <= {report['target_p50_ms']:g} ms", "target_p50_met")
    yield plain(f"p99 <= {report['target_p99_ms']:g} ms", "target_p99_met")
