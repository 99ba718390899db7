"""Cross-chain detection: one executable-price view over every chain, and the trades it shows.

`view.CrossChainView` keeps, per (asset identity, chain), the sell and buy legs against the
quote asset along the best path of one DEX (`path.LegPath`, with the pool states) and a
curve over each (`curve.LegCurve`: closed form for constant-product paths, exact samples
otherwise); `risk_price` estimates each asset's volatility from the view's mid prices and
prices the risk over the legs' latency; `sizing` finds the size that maximizes the
risk-adjusted value within inventory and bands (`costs`: rebalancing, risk and room per
pair); `remote` pairs a chain another worker mirrors at its curve's exact sample points;
`opportunity` values two exact legs; `detector.CrossChainDetector` is what the coordinator
calls per block per chain and returns `CrossChainOpportunity` values with both legs priced
exactly. It imports no other stage.
"""

from omniarb.detect.cross_chain.costs import (
    Bands,
    ExactLegs,
    Inventory,
    PairCosts,
    RebalanceBps,
    Side,
    pair_costs,
    room_between,
)
from omniarb.detect.cross_chain.curve import SAMPLES, LegCurve
from omniarb.detect.cross_chain.detector import CrossChainCounters, CrossChainDetector
from omniarb.detect.cross_chain.opportunity import LegSite, make_opportunity
from omniarb.detect.cross_chain.path import LegPath, hop_of
from omniarb.detect.cross_chain.risk_price import Volatility, risk_charge_usd
from omniarb.detect.cross_chain.sizing import Room, SizedTrade, size_trade
from omniarb.detect.cross_chain.view import AssetQuote, CrossChainView

__all__ = [
    "SAMPLES",
    "AssetQuote",
    "Bands",
    "CrossChainCounters",
    "CrossChainDetector",
    "CrossChainView",
    "ExactLegs",
    "Inventory",
    "LegCurve",
    "LegPath",
    "LegSite",
    "PairCosts",
    "RebalanceBps",
    "Room",
    "Side",
    "SizedTrade",
    "Volatility",
    "hop_of",
    "make_opportunity",
    "pair_costs",
    "risk_charge_usd",
    "room_between",
    "size_trade",
]
