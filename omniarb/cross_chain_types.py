"""The values of cross-chain arbitrage: a trade of two legs on two chains, each an atomic swap
along a path on its own chain (`omniarb.types.Route`, not a cycle), both against inventory.

The detector (`omniarb.detect.cross_chain`) makes a `CrossChainOpportunity`; the cross-chain
executor (`omniarb.crosschain`) sends its legs and records them (`omniarb.store`). Money is in
base units of the token named; the `_usd` figures are floats for ranking and display.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from omniarb.chains.fees import Fees, effective_gas_price_wei
from omniarb.types import Hop, Route

__all__ = ["CrossChainOpportunity", "CurveSnapshot", "LegFee", "LegPlan", "LegRole"]


class LegRole(StrEnum):
    SELL = "sell"  # sell the asset for the quote asset where the asset is dear
    BUY = "buy"  # buy the asset back with the quote asset where it is cheap
    UNWIND = "unwind"  # close what a failed leg left open


@dataclass(frozen=True, slots=True, kw_only=True)
class LegPlan:
    """Swap `amount_in` of `route.token_in` along `route` on `chain` for at least `min_out`
    of `route.token_out`, expected `predicted_out` on the state of `block_number`. `fee_wei`
    is the predicted gas (plus an L2's L1 data fee) in the native coin, `fee_usd` the same in
    USD."""

    role: LegRole
    chain: str
    chain_id: int
    block_number: int
    route: Route
    amount_in: int
    predicted_out: int
    min_out: int
    gas_estimate: int
    fee_wei: int
    fee_usd: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CrossChainOpportunity:
    """Sell `asset` on `sell.chain`, buy it back on `buy.chain`, both against `quote_asset`.

    expected_value_usd = gross_usd − fees_usd (both legs) − rebalance_cost_usd (the bridge
    cost of moving the inventory back, amortized) − risk_charge_usd (price risk over the legs'
    latency). Only a positive expected value is traded.
    """

    id: str
    asset: str
    quote_asset: str
    sell: LegPlan
    buy: LegPlan
    gross_usd: float
    fees_usd: float
    rebalance_cost_usd: float
    risk_charge_usd: float
    expected_value_usd: float
    detected_ns: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LegFee:
    """What one leg costs on its chain, as the coordinator knows it when a block arrives.

    `gas_price_wei` is the effective price a leg pays per gas (`omniarb.chains.fees.
    effective_gas_price_wei` of the chain's fee quote); `l1_data_fee_wei` the L1 data fee of
    one leg on an L2 (0 elsewhere); `leg_gas` the gas one leg's router call uses;
    `native_usd` the native coin's USD price (a float: ranking only).
    """

    gas_price_wei: int
    l1_data_fee_wei: int
    leg_gas: int
    native_usd: float

    @classmethod
    def from_quote(
        cls,
        fees: Fees,
        *,
        base_fee_wei: int,
        l1_data_fee_wei: int,
        leg_gas: int,
        native_usd: float,
    ) -> LegFee:
        """The leg's cost from the chain's fee quote (`omniarb.chains.fees`) in a block of
        `base_fee_wei`: what the leg's transaction will pay per gas."""
        return cls(
            gas_price_wei=effective_gas_price_wei(fees, base_fee_wei=base_fee_wei),
            l1_data_fee_wei=l1_data_fee_wei,
            leg_gas=leg_gas,
            native_usd=native_usd,
        )

    @property
    def fee_wei(self) -> int:
        return self.leg_gas * self.gas_price_wei + self.l1_data_fee_wei

    @property
    def fee_usd(self) -> float:
        return self.fee_wei / 10**18 * self.native_usd


@dataclass(frozen=True, slots=True, kw_only=True)
class CurveSnapshot:
    """One (asset identity, chain) executable price curve as a worker publishes it to the
    other workers (`omniarb.bus.curve_mirror`): exact sample points of the sell direction
    (asset in → quote out) and of the buy direction (quote in → asset out), in base units of
    that chain's tokens, priced on the pools of `block_number`; `mid_usd` the fee-neutral mid
    price of one whole asset unit; `sell_hops` / `buy_hops` the path of each direction, so a
    leg of another worker's chain can be planned at a sample point (exact on its states)."""

    chain: str
    chain_id: int
    identity: str
    block_number: int
    asset_decimals: int
    quote_decimals: int
    mid_usd: float
    sell_points: tuple[tuple[int, int], ...]
    buy_points: tuple[tuple[int, int], ...]
    sell_hops: tuple[Hop, ...]
    buy_hops: tuple[Hop, ...]
