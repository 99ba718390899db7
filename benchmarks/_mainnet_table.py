"""The side-by-side table `benchmarks/detect.py` prints: the 10k and mainnet graphs' figures
in one column each, then every target with its verdict (the JSON has every figure)."""

from __future__ import annotations

Figures = dict[str, float]


def _row(label: str, key: str, spec: str, results: list[Figures], unit: str = "") -> str:
    """One figure per graph; `key` may join several with " / " ("a / b")."""
    keys = key.split(" / ")
    cells = [
        " / ".join(format(r[k], spec) for k in keys) + unit if keys[0] in r else "—"
        for r in results
    ]
    return f"{label:<22}" + "".join(f"{cell:>20}" for cell in cells)


def _target(label: str, key: str, results: list[tuple[str, Figures]], unit: str) -> str:
    parts = []
    for name, r in results:
        value, target = r[key.replace("target_", "")], r[key]
        verdict = "pass" if value <= target else "FAIL"
        parts.append(f"{name} {value:g} ≤ {target:g} {unit}: {verdict}")
    return f"{label:<22}" + "   ".join(parts)


def print_table(results: list[tuple[str, Figures]]) -> None:
    """The graphs' figures side by side, then each target with pass/fail."""
    columns = [r for _, r in results]
    print(f"{'':<22}" + "".join(f"{name:>20}" for name, _ in results))
    for label, key, spec, unit in (
        ("pools", "pools", ",d", ""),
        ("tokens", "tokens", ",d", ""),
        ("cycles indexed", "cycles", ",d", ""),
        ("  2-hop / 3-hop", "cycles_2_hop / cycles_3_hop", ",d", ""),
        ("build (pools→cycles)", "graph_build_s", ".2f", " s"),
        ("full scan (median)", "full_scan_ms", ".2f", " ms"),
        ("  NumPy screen", "screen_ms", ".2f", " ms"),
        ("  candidates", "candidates", ",d", ""),
        ("  opportunities", "opportunities", ",d", ""),
        ("  pure-Python exact", "baseline_pure_python_ms", ".0f", " ms"),
        ("update p50", "update_p50_ms", ".4f", " ms"),
        ("update p99", "update_p99_ms", ".4f", " ms"),
        ("update max", "update_max_ms", ".2f", " ms"),
        ("  cycles/update mean", "cycles_per_update_mean", ".1f", ""),
        ("  cycles/update max", "cycles_per_update_max", ",d", ""),
        ("  opportunities found", "opportunities_after_updates", ",d", ""),
        ("hub-pool update p50", "hub_update_p50_ms", ".3f", " ms"),
        ("hub-pool update max", "hub_update_max_ms", ".2f", " ms"),
        ("  cycles/hub update", "hub_cycles_per_update_mean", ",.0f", ""),
        ("  most opportunities", "hub_opportunities_max", ",d", ""),
        ("RSS at start", "rss_at_start_mib", ",.0f", " MiB"),
        ("RSS after states", "rss_after_states_mib", ",.0f", " MiB"),
        ("RSS after build", "rss_after_build_mib", ",.0f", " MiB"),
        ("peak RSS", "peak_rss_mib", ",.0f", " MiB"),
        ("targets met", "targets_met", "", ""),
        ("sum(range(1000))", "python_sum_range_1000_us", ".1f", " µs"),
    ):
        print(_row(label, key, spec, columns, unit))
    print(_target("full scan", "full_scan_target_ms", results, "ms"))
    print(_target("update p50", "update_p50_target_ms", results, "ms"))
    print(_target("update p99", "update_p99_target_ms", results, "ms"))
    rss = [(name, r) for name, r in results if "peak_rss_target_mib" in r]
    if rss:
        print(_target("peak RSS", "peak_rss_target_mib", rss, "MiB"))
    print("(sum(range(1000)) is a yardstick of this machine's speed: a quiet modern core ~8-10 µs)")
