"""Market activity on the devnet: simulated traders whose signed swaps move every pool.

Each step, on every chain, the market reads all pools in one batch, decides a few swaps that
lean toward one shared random-walk reference price (plus the occasional whale), sends them as
real signed transactions through the DEX routers (a seeded share through Uniswap's SwapRouter02
and UniversalRouter, `routes`), and waits until they are mined. The same seed
on the same saved deployment replays the same swaps, which makes the market a test fixture as
well as the demo's background noise; the price gaps it opens are what the bot is there to close.
"""

from omniarb.devnet.market.activity import MarketActivity
from omniarb.devnet.market.flow import FlowModel, SwapIntent, decide_swaps, deviation_bps
from omniarb.devnet.market.params import MarketParams
from omniarb.devnet.market.reference import REFERENCE_STEP_S, ReferenceWalk, reference_step
from omniarb.devnet.market.routes import (
    ROUTED_SWAP_EXTRA_GAS,
    RoutedCall,
    SwapRoutes,
    swap_router02_call,
    universal_router_call,
)
from omniarb.devnet.market.state import ChainState, PoolState
from omniarb.monitor.market_view import (
    ChainStats,
    MarketSnapshot,
    PoolPrice,
    SwapRecord,
    SwapStatus,
)

__all__ = [
    "REFERENCE_STEP_S",
    "ROUTED_SWAP_EXTRA_GAS",
    "ChainState",
    "ChainStats",
    "FlowModel",
    "MarketActivity",
    "MarketParams",
    "MarketSnapshot",
    "PoolPrice",
    "PoolState",
    "ReferenceWalk",
    "RoutedCall",
    "SwapIntent",
    "SwapRecord",
    "SwapRoutes",
    "SwapStatus",
    "decide_swaps",
    "deviation_bps",
    "reference_step",
    "swap_router02_call",
    "universal_router_call",
]
