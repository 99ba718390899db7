"""Detect: from pool updates to sized, priced arbitrage opportunities (state → detect → risk).

`graph` enumerates the 2- and 3-hop cycles through base tokens as pools appear and indexes them
by pool; `screen` checks every cycle at once in NumPy float64; `sizing` finds the exact integer
optimum of the candidates (`mixed_sizing` walks V3 tick ranges; `bracket_sizing` searches the
exact swaps of a route through a pool without a closed form, such as a Balancer pool);
`pricing` turns gas into the start token and profit into USD;
`state_book` keeps the pool states and `evaluator` turns the cycles a change touches into
opportunities; `detector.CycleDetector` is the stage that composes the two. Backruns:
`pending_swaps` runs a pending router swap on the states (exact post-swap states, or a counted
reason to skip it), `overlay.OverlayBook` lays them over the live book without writing to it,
and `backrun.BackrunSearch` prices the cycles through the moved pools on that view.
"""

from omniarb.detect.backrun import BackrunCounters, BackrunSearch, backrun_id
from omniarb.detect.detector import CycleDetector
from omniarb.detect.evaluator import CycleEvaluator, DetectorCounters, opportunity_id
from omniarb.detect.graph import Cycle, CycleGraph, GraphPool
from omniarb.detect.overlay import OverlayBook
from omniarb.detect.pending_swaps import (
    PoolMove,
    SkippedSwapError,
    SkipReason,
    SwapEffect,
    apply_swaps,
)
from omniarb.detect.pricing import PairBook, TokenPricer
from omniarb.detect.screen import CycleScreen, ScreenResult
from omniarb.detect.sizing import (
    HopReserves,
    Mobius,
    Sizing,
    route_amount_out,
    route_amounts,
    route_map,
    size_at_optimum,
    size_route,
)
from omniarb.detect.state_book import StateBook

__all__ = [
    "BackrunCounters",
    "BackrunSearch",
    "Cycle",
    "CycleDetector",
    "CycleEvaluator",
    "CycleGraph",
    "CycleScreen",
    "DetectorCounters",
    "GraphPool",
    "HopReserves",
    "Mobius",
    "OverlayBook",
    "PairBook",
    "PoolMove",
    "ScreenResult",
    "Sizing",
    "SkipReason",
    "SkippedSwapError",
    "StateBook",
    "SwapEffect",
    "TokenPricer",
    "apply_swaps",
    "backrun_id",
    "opportunity_id",
    "route_amount_out",
    "route_amounts",
    "route_map",
    "size_at_optimum",
    "size_route",
]
