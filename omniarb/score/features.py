"""The predictor's inputs: a versioned list of named features, read from a decision at the
moment the score stage sees it.

The vector is stored with each decision (`Decision.features`, the `decisions.features` column),
so `omniarb train` learns from exactly what inference saw. Changing a feature's meaning, order or
the list itself bumps `FEATURE_VERSION`: a model trained on another version is not used.
Version 2 added the depth of the route's shallowest pool (in USD, and the share of it the trade
puts in), the tip the trade would pay, and the mempool's recent swaps (through the route's
pools, and in all).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from omniarb.chains.spec import CHAINS
from omniarb.types import Decision, OpportunitySource

__all__ = ["FEATURES", "FEATURE_VERSION", "FeatureContext", "extract"]

FEATURE_VERSION = 2

# One indicator per supported chain, in chain-id order: a chain's competition, block time and fee
# market differ more than any single number says.
_CHAIN_IDS = tuple(sorted(spec.chain_id for spec in CHAINS))

FEATURES: tuple[str, ...] = (
    "hops",
    "concentrated_hop_share",
    "signed_log_net_profit_usd",
    "signed_log_gross_profit_usd",
    "margin_bps",
    "cost_share",
    "log_gas_price_gwei",
    "l1_fee_share",
    "source_mempool",
    "source_cross_chain",
    "since_block_ms",
    "detect_ms",
    "route_success_rate",
    "log_route_attempts",
    "pool_success_rate",
    "log_min_depth_usd",
    "depth_share",
    "log_tip_gwei",
    "log_pending_route_swaps",
    "log_pending_swaps",
    *(f"chain_{chain_id}" for chain_id in _CHAIN_IDS),
)

_NS_PER_MS = 1_000_000
_WEI_PER_GWEI = 10**9
# A margin or share past these is a pricing artefact, not a signal; clipped so one wild row
# cannot dominate the standardization.
_MAX_MARGIN_BPS = 10_000.0
_MAX_MS = 60_000.0


@dataclass(frozen=True, slots=True, kw_only=True)
class FeatureContext:
    """What the decision itself does not carry: the clock, the route's recent record, the tip
    the trade would pay and the mempool's recent swaps.

    Rates are (successes + 1) / (attempts + 2): 0.5 for a route never tried. `tip_wei` is the
    priority fee the execute stage would bid now; `pending_route_swaps` the decoded pending
    swaps of the last window through any pool of the route, `pending_swaps` all of them (0 on
    a chain that does not watch its mempool).
    """

    now_ns: int
    route_success_rate: float = 0.5
    route_attempts: int = 0
    pool_success_rate: float = 0.5
    tip_wei: int = 0
    pending_route_swaps: int = 0
    pending_swaps: int = 0


def _signed_log(value: float) -> float:
    return math.copysign(math.log1p(abs(value)), value)


def _ms(later_ns: int, earlier_ns: int) -> float:
    """Milliseconds between two monotonic stamps; 0 when either was not stamped."""
    if later_ns <= 0 or earlier_ns <= 0:
        return 0.0
    return min(max((later_ns - earlier_ns) / _NS_PER_MS, 0.0), _MAX_MS)


def extract(decision: Decision, context: FeatureContext) -> tuple[float, ...]:
    """The `FEATURES` of `decision` (the risk stage's verdict) at `context.now_ns`.

    Pure: the same decision and context give the same vector, bit for bit.
    """
    opp = decision.opportunity
    hops = opp.route.hops
    gross = opp.gross_profit
    net = opp.net_profit
    # USD per start-token unit, from the detector's own pricing of this opportunity.
    usd_per_unit = opp.net_profit_usd / net if net != 0 else 0.0
    gross_usd = gross * usd_per_unit
    margin_bps = gross * 10_000 / opp.amount_in if opp.amount_in > 0 else 0.0
    cost_share = (gross - net) / gross if gross > 0 else 1.0
    l1_share = opp.l1_fee_in_token / gross if gross > 0 else 0.0
    times = opp.times
    block_ns = times.notified_ns or opp.detected_ns
    depth = opp.min_pool_depth
    # The share of the shallowest pool the trade puts in: 0 when the depth is unknown.
    depth_share = opp.amount_in / depth if depth > 0 else 0.0
    values = [
        float(len(hops)),
        sum(1 for h in hops if h.tick_spacing is not None) / max(len(hops), 1),
        _signed_log(opp.net_profit_usd),
        _signed_log(gross_usd),
        min(max(margin_bps, -_MAX_MARGIN_BPS), _MAX_MARGIN_BPS),
        min(max(cost_share, -1.0), 1.0),
        math.log1p(opp.gas_price_wei / _WEI_PER_GWEI),
        min(max(l1_share, 0.0), 1.0),
        1.0 if opp.source is OpportunitySource.MEMPOOL else 0.0,
        1.0 if opp.source is OpportunitySource.CROSS_CHAIN else 0.0,
        _ms(context.now_ns, block_ns),
        _ms(times.detected_ns or opp.detected_ns, block_ns),
        context.route_success_rate,
        math.log1p(context.route_attempts),
        context.pool_success_rate,
        math.log1p(max(depth * usd_per_unit, 0.0)),
        min(max(depth_share, 0.0), 1.0),
        math.log1p(context.tip_wei / _WEI_PER_GWEI),
        math.log1p(context.pending_route_swaps),
        math.log1p(context.pending_swaps),
        *(1.0 if opp.chain_id == chain_id else 0.0 for chain_id in _CHAIN_IDS),
    ]
    return tuple(values)
