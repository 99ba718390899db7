"""The integer search on a route's pivot amount, shared by `sizing` (V2 routes) and
`mixed_sizing` (routes through V3 pools).

Both search on the amount v entering the route's pivot hop, each input being the cheapest one
that reaches v: first a window of ±`window` around the continuous optimum, then a certificate.
The route's concave continuous profit q(v) bounds the integer profit from above, so every v that
could earn ≥ P (or > P) beyond the window's best P lies where q(v) ≥ P (or ≥ P + 1). Scanning the
first interval proves the smallest maximiser (`exact` and `smallest`); scanning the second proves
the maximum profit (`exact`), and is empty when the window already sits on a flat optimum. Each
sizing says how it solves q(v) ≥ T and when its interval is not a proof
(`PivotSearch.certified_interval`).
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

__all__ = ["PivotFound", "PivotSearch", "search_pivot"]


class PivotSearch(Protocol):
    """One route's integer search at one pivot position."""

    @property
    def evaluated(self) -> int:
        """Exact route evaluations so far (a cost figure)."""
        ...

    def pivot_amount(self, amount_in: int) -> int:
        """The amount that `amount_in` at the start brings to the pivot on the continuous
        maps, floored."""
        ...

    def profit_at(self, v: int) -> tuple[int, int] | None:
        """(profit, amount_in) of the cheapest input reaching `v` at the pivot; None when no
        input within the cap reaches it."""
        ...

    def certified_interval(
        self, threshold: int, *, window_best: int, best_v: int
    ) -> tuple[int, int] | None:
        """All v that could earn ≥ `threshold` (an empty interval when none), given the
        window's best profit `window_best` found at `best_v`; None when that set cannot be
        bounded."""
        ...


class PivotFound(NamedTuple):
    """The best input found: its profit as the search counted it (a lower bound of what the
    input earns), whether that is proven the maximum and the input the smallest earning it.

    A named tuple rather than a frozen dataclass: one is built per searched candidate, and it
    builds in a quarter of the time.
    """

    profit: int
    amount_in: int
    exact: bool
    smallest: bool
    evaluated: int


def search_pivot(
    search: PivotSearch, x_center: int, *, window: int, certify_budget: int
) -> PivotFound | None:
    """The best input of the window around the pivot amount of `x_center` (the continuous
    optimum's input, within the cap), then of the first certified interval that fits in
    `certify_budget` integers; None when no input earns > 0."""
    v_center = search.pivot_amount(x_center)
    profit_at = search.profit_at
    # The best is the most profit, then the smallest input; compared inline, as this loop runs
    # hundreds of times per searched candidate.
    best: tuple[int, int] | None = None
    best_v = 0
    for v in range(v_center - window, v_center + window + 1):
        found = profit_at(v)
        if found is not None and (best is None or (found[0], -found[1]) > (best[0], -best[1])):
            best, best_v = found, v
    window_best = best[0] if best is not None else 0
    exact = smallest = False
    # First try to prove the smallest maximiser (scan every v with q(v) ≥ best profit); if
    # that interval is too wide, just prove the maximum (scan every v with q(v) > best profit),
    # which is empty whenever the window already found the top of a flat optimum.
    for bump in (0, 1):
        if certify_budget <= 0:
            break
        interval = search.certified_interval(
            max(window_best + bump, 1), window_best=window_best, best_v=best_v
        )
        if interval is None or interval[1] - interval[0] + 1 > certify_budget:
            continue
        for v in range(interval[0], interval[1] + 1):
            if v_center - window <= v <= v_center + window:
                continue  # seen in the window
            found = profit_at(v)
            if found is not None and (best is None or (found[0], -found[1]) > (best[0], -best[1])):
                best = found
        exact = True
        # Every input earning more than the window's best lay in the scanned interval, so if
        # the scan found more, all its maximisers were scanned too.
        smallest = bump == 0 or (best is not None and best[0] > window_best)
        break
    if best is None or best[0] <= 0:
        return None  # when exact, proven: no integer input within the cap earns anything
    return PivotFound(
        profit=best[0],
        amount_in=best[1],
        exact=exact,
        smallest=smallest,
        evaluated=search.evaluated,
    )
