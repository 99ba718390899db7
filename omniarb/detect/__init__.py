"""Detect: from pool updates to sized, priced arbitrage opportunities (state → detect → risk).

`graph` enumerates the 2- and 3-hop cycles through base tokens as pools appear and indexes them
by pool; `screen` checks every cycle at once in NumPy float64; `sizing` finds the exact integer
optimum of the candidates; `pricing` turns gas into the start token and profit into USD;
`detector.CycleDetector` is the stage that ties them together.
"""

from omniarb.detect.detector import CycleDetector, DetectorCounters, opportunity_id
from omniarb.detect.gas import GasModel
from omniarb.detect.graph import Cycle, CycleGraph, GraphPool
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

__all__ = [
    "Cycle",
    "CycleDetector",
    "CycleGraph",
    "CycleScreen",
    "DetectorCounters",
    "GasModel",
    "GraphPool",
    "HopReserves",
    "Mobius",
    "PairBook",
    "ScreenResult",
    "Sizing",
    "TokenPricer",
    "opportunity_id",
    "route_amount_out",
    "route_amounts",
    "route_map",
    "size_at_optimum",
    "size_route",
]
