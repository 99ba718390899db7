"""The gas model's constants from a full `benchmarks/execute.py` result, and the V3 figures'
printout: each V3-hop route's gas over an all-V2 route of its length (less its loan's extra),
the tick-crossing series, and omniarb/gas.py `GasModel`'s fields rounded up to 1,000 gas
so that a net profit is never overstated.
"""

from __future__ import annotations

from typing import Any

from _execute_pools import V3_KIND

from omniarb.types import FlashLoan


def _round_up(gas: float) -> int:
    return -int(-gas // 1000) * 1000


def model_constants(result: dict[str, Any]) -> dict[str, Any]:
    """Derive each route's V3-hop gas and the GasModel constants (rounded up to 1,000 gas)
    from a full `execute.py` result; adds the per-route figures to `result["v3"]["routes"]`."""
    gas_2, gas_3 = result["hops_2"]["gas"], result["hops_3"]["gas"]
    per_v2_hop = gas_3 - gas_2
    base = gas_2 - 2 * per_v2_hop
    extras: dict[str, list[int]] = {}
    v3_first_extra: dict[str, int] = {}
    for flash in result["flash_sources"].values():
        for row in flash["sources"].values():
            extras.setdefault(row["source"], []).append(row["extra_gas"])
            if flash["kinds"][0] == V3_KIND:
                v3_first_extra[row["source"]] = row["extra_gas"]
    own_pair = FlashLoan.OWN_PAIR
    v3_hops, route_excess = [], []
    for row in result["v3"]["routes"].values():
        loan = 0 if row["flash_source"] == own_pair else v3_first_extra[row["flash_source"]]
        kinds = row["kinds"]
        all_v2 = base + per_v2_hop * len(kinds)
        over_v2 = (row["gas"] - loan - all_v2) / kinds.count(V3_KIND)
        row["loan_extra_gas"] = loan
        row["v3_hop_over_v2_hop_gas"] = round(over_v2)
        row["v3_hop_gas"] = round(per_v2_hop + over_v2)
        v3_hops.append(per_v2_hop + over_v2)
        route_excess.append(over_v2 * kinds.count(V3_KIND))
    ticks = result["v3"]["tick_crossings"]

    def per_crossing(series: dict[str, Any]) -> int:
        return _round_up(max(series["gas_per_crossing"], series["max_step_per_crossing_gas"]))

    def loan_gas(source: str) -> int:
        return _round_up(max(0, *extras[source]))

    return {
        "fit_base_gas": base,
        "fit_per_v2_hop_gas": per_v2_hop,
        "base_gas": _round_up(base),
        "per_hop_gas": _round_up(per_v2_hop),
        # A V3 hop costs what a V2 hop does, and a route with any V3 hop pays the rest once
        # (what its first V3 hop sets up): the tightest bound of the routes measured.
        "v3_hop_gas": _round_up(per_v2_hop),
        "v3_route_gas": _round_up(max(0, *route_excess)),
        # The looser reading, every V3 hop priced as the dearest one measured.
        "v3_hop_gas_each": _round_up(max(v3_hops)),
        "v3_tick_cross_gas": per_crossing(ticks["fresh"]),
        "v3_tick_cross_gas_crossed_before": per_crossing(ticks["crossed_before"]),
        "v3_step_gas": _round_up(result["v3"]["word_step"]["step_gas"]),
        "v2_pair_loan_gas": loan_gas(FlashLoan.V2_PAIR),
        "balancer_loan_gas": loan_gas(FlashLoan.BALANCER_V2),
        "aave_loan_gas": loan_gas(FlashLoan.AAVE_V3),
        "v3_flash_loan_gas": loan_gas(FlashLoan.V3_POOL),
    }


def _series_lines(label: str, series: dict[str, Any]) -> list[str]:
    points = "  ".join(f"{p['crossings']}: {p['gas']:,}" for p in series["points"])
    return [
        f"  {label}: gas by ticks crossed  {points}",
        f"    {series['gas_per_crossing']:,} gas per crossing (least squares),"
        f" largest step {series['max_step_per_crossing_gas']:,} per crossing",
    ]


def print_v3(result: dict[str, Any]) -> None:
    """The V3 figures and the model constants, for people."""
    v3 = result["v3"]
    model = result["gas_model"]
    print(
        "V3 hops, cycles from WETH crossing no initialized tick"
        f" (all-V2 fit: {model['fit_base_gas']:,} + {model['fit_per_v2_hop_gas']:,} per hop)"
    )
    for label, row in v3["routes"].items():
        fees = "/".join(
            f"{fee / 10_000:g}%"
            for kind, fee in zip(row["kinds"], row["fees_pips"], strict=True)
            if kind == V3_KIND
        )
        print(
            f"  {label:<9} V3 {fees:<12} {row['amount_in'] / 10**18:>4g} WETH"
            f"  {row['flash_source']:<22} gas {row['gas']:>8,}"
            f"  loan {row['loan_extra_gas']:>+6,}  V3 hop {row['v3_hop_gas']:>7,}"
            f" ({row['v3_hop_over_v2_hop_gas']:>+6,} over a V2 hop)"
        )
    worst = max(v3["routes"].values(), key=lambda row: row["v3_hop_gas"])
    print(
        f"  max: V3 hop {worst['v3_hop_gas']:,} gas"
        f" ({worst['v3_hop_over_v2_hop_gas']:+,} over a V2 hop)"
    )
    ticks = v3["tick_crossings"]
    print(
        f"initialized ticks crossed (V2 → V3 cycle; {ticks['fee_pips'] / 10_000:g}% pool crashed to"
        f" tick {ticks['crash_tick']}, ladder of {len(ticks['ladder_ticks'])} ticks"
        f" {ticks['ladder_ticks'][0]}…{ticks['ladder_ticks'][-1]})"
    )
    for line in _series_lines("fresh ticks (first crossing)", ticks["fresh"]):
        print(line)
    for line in _series_lines("ticks crossed before", ticks["crossed_before"]):
        print(line)
    step = v3["word_step"]
    print(
        f"a step to a bitmap-word edge (tick {step['tick']} → edge {step['word_edge_tick']}, no"
        f" tick crossed): short of it {max(step['gas_short_of_edge']):,} gas, past it"
        f" {min(step['gas_past_edge']):,}: {step['step_gas']:,} gas per extra step"
    )
    print("gas model constants (rounded up to 1,000 gas; omniarb/gas.py GasModel)")
    print(f"  base_gas {model['base_gas']:,}  per_hop_gas {model['per_hop_gas']:,}")
    print(
        f"  v3_hop_gas {model['v3_hop_gas']:,}  v3_route_gas {model['v3_route_gas']:,} (once for a"
        f" route with any V3 hop; each V3 hop at the dearest: {model['v3_hop_gas_each']:,})"
    )
    print(
        f"  v3_tick_cross_gas {model['v3_tick_cross_gas']:,}"
        f" (a tick crossed before: {model['v3_tick_cross_gas_crossed_before']:,})"
        f"  v3_step_gas {model['v3_step_gas']:,}"
    )
    print(
        f"  v2_pair_loan_gas {model['v2_pair_loan_gas']:,}"
        f"  balancer_loan_gas {model['balancer_loan_gas']:,}"
        f"  aave_loan_gas {model['aave_loan_gas']:,}"
        f"  v3_flash_loan_gas {model['v3_flash_loan_gas']:,}"
    )
