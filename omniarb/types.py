"""The values that flow between pipeline stages (DESIGN.md: Event → PoolUpdate → Opportunity →
Decision → Execution → Outcome). All are frozen, slotted, keyword-only dataclasses; a stage never
mutates one, it makes a new one with `dataclasses.replace`. What a sent transaction comes back
as (receipt, logs, replacements, `Landing`) is in `omniarb.tx_values`, re-exported here.

Money is `int` in base units (wei of the token or the native coin); floats appear only for display
and ML, with a `_usd` suffix. Addresses are checksummed hex strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from omniarb.stage_times import UNSTAMPED, StageTimes
from omniarb.tx_values import Landing, ReceiptLog, Replacement, ReplacementReason, TxReceipt

if TYPE_CHECKING:
    from omniarb.dex.base import PoolState

__all__ = [
    "Decision",
    "Execution",
    "ExecutionStatus",
    "FlashLoan",
    "FlashPool",
    "Hop",
    "Landing",
    "Opportunity",
    "OpportunitySource",
    "Outcome",
    "PoolUpdate",
    "ReceiptLog",
    "Replacement",
    "ReplacementReason",
    "Route",
    "StageTimes",
    "SubmitChannel",
    "Token",
    "TxReceipt",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Token:
    chain_id: int
    address: str
    symbol: str
    decimals: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolUpdate:
    """The pools whose state changed in `block_number`, with their new states.

    `base_fee_wei` is that block's base fee (0 on legacy chains), so the detector prices gas
    without another RPC call. `pools` holds only the changed pools, V2 pairs and V3 pools alike;
    `new_pools` marks pools seen for the first time (the detector enumerates cycles for them).
    """

    chain_id: int
    block_number: int
    block_hash: str
    base_fee_wei: int
    pools: tuple[PoolState, ...]
    new_pools: tuple[str, ...] = ()
    received_ns: int = 0
    # The live path's clock so far: notified, logs in hand, state applied.
    times: StageTimes = UNSTAMPED


@dataclass(frozen=True, slots=True, kw_only=True)
class Hop:
    """One swap of a route: through `pool`, `token_in` → `token_out`.

    `zero_for_one` is true when `token_in` is the pool's token0. `fee_pips` is the pool's fee in
    hundredths of a basis point (a V2 pool's 0.3% is 3000). `tick_spacing` is the pool's where
    it has ticks (None for a V2 pair): a Uniswap V4 pool has no address of its own, and the
    executor builds its key from the hop, spacing included.

    `currency_in` / `currency_out` are the pool's own currency on that side where it is not the
    token the route carries (`PoolState.currency`): a pool of the chain's native coin (address
    0) is traded as the wrapped native token, which the executor unwraps into it or wraps out
    of it. None on a side where the pool trades the route's token itself.
    """

    pool: str
    dex: str
    kind: str
    token_in: str
    token_out: str
    zero_for_one: bool
    fee_pips: int
    tick_spacing: int | None = None
    currency_in: str | None = None
    currency_out: str | None = None

    @property
    def wraps(self) -> bool:
        """Whether the executor wraps or unwraps a side of this hop (gas of its own)."""
        return self.currency_in is not None or self.currency_out is not None


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """Hops, each `token_out` the next one's `token_in`; a cycle ends where it began."""

    chain_id: int
    hops: tuple[Hop, ...]

    @property
    def token_in(self) -> str:
        return self.hops[0].token_in

    @property
    def token_out(self) -> str:
        return self.hops[-1].token_out

    @property
    def is_cycle(self) -> bool:
        return self.token_in == self.token_out

    @property
    def pools(self) -> tuple[str, ...]:
        return tuple(h.pool for h in self.hops)


@dataclass(frozen=True, slots=True, kw_only=True)
class FlashPool:
    """A pool outside a route to borrow its start token from: a Uniswap V3 pool (its `flash`,
    fee = ceil(amount · fee_pips / 10^6)), an Algebra Integral pool (its `flash`, at its fixed
    flash fee, not `fee_pips`) or a Uniswap V2 pair (a flash swap repaid with
    ceil(amount · 10^6 / (10^6 − fee_pips)), what the pair's K check asks). `kind` is the pool's
    DEX kind (`uniswap-v2` / `uniswap-v3`), as in the manifest."""

    pool: str
    dex: str
    kind: str
    token0: str
    token1: str
    fee_pips: int


class FlashLoan(StrEnum):
    """Where a trade borrows its start token. The values are the names decisions, the history
    and the summary record; how each is encoded for the executor is `execute.route_codec`'s,
    what it charges is `allocate.lenders.flash_fee`."""

    OWN_PAIR = "uniswap-v2-flash-swap"  # the route's opening V2 pair: the hop is the loan
    V2_PAIR = "uniswap-v2-pair-loan"  # a V2 pair outside the route, by flash swap
    V3_POOL = "uniswap-v3-flash"  # a V3 pool's `flash`
    ALGEBRA_POOL = "algebra-flash"  # an Algebra Integral pool's `flash` (a fixed 0.01% fee)
    BALANCER_V2 = "balancer-v2"  # the Balancer V2 Vault's `flashLoan`
    AAVE_V3 = "aave-v3"  # the Aave V3 Pool's `flashLoanSimple`
    V4_POOL_MANAGER = "uniswap-v4-flash"  # a Uniswap V4 PoolManager's `take` inside `unlock`
    INVENTORY = "inventory"  # no loan: the executor contract's own balance of the start token


class OpportunitySource(StrEnum):
    BLOCK = "block"
    MEMPOOL = "mempool"
    CROSS_CHAIN = "cross-chain"


@dataclass(frozen=True, slots=True, kw_only=True)
class Opportunity:
    """A sized, priced arbitrage found on the state of `block_number`.

    `gross_profit` is in base units of the route's start token (amount out − amount in);
    `gas_cost_wei` (L2 execution gas) and `l1_fee_wei` (the L1 data fee estimated for the
    route's transaction, 0 on an L1) are in the native coin; `l1_fee_in_token` is that fee in
    the start token, and `net_profit` is the gross profit minus both costs in the start token.
    """

    id: str
    chain_id: int
    block_number: int
    route: Route
    amount_in: int
    amount_out: int
    gross_profit: int
    gas_estimate: int
    gas_price_wei: int
    gas_cost_wei: int
    net_profit: int
    net_profit_usd: float
    source: OpportunitySource
    detected_ns: int
    trigger_tx: str | None = None
    l1_fee_wei: int = 0
    l1_fee_in_token: int = 0
    # The live path's clock up to `detected` (the block's stamps, then this opportunity's).
    times: StageTimes = UNSTAMPED
    # The route's shallowest pool at the states it was priced on, in start-token base units
    # (`omniarb.detect.depth`): a feature of the profit predictor; 0 when unknown.
    min_pool_depth: int = 0

    @property
    def gas_in_token(self) -> int:
        """The L2 gas cost in the start token (rounded up when it was converted)."""
        return self.gross_profit - self.net_profit - self.l1_fee_in_token

    def native_in_token(self, amount_wei: int) -> int:
        """`amount_wei` of the native coin in the start token, rounded up (it is a cost), at
        the rate this opportunity was priced with."""
        if self.gas_cost_wei > 0:
            return -(-amount_wei * self.gas_in_token // self.gas_cost_wei)
        if self.l1_fee_wei > 0:
            return -(-amount_wei * self.l1_fee_in_token // self.l1_fee_wei)
        return 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Decision:
    """What the risk, score and allocate stages made of an opportunity."""

    opportunity: Opportunity
    approved: bool
    reasons: tuple[str, ...]
    amount_in: int
    min_profit: int
    p_success: float
    expected_value_usd: float
    # Paid to the block's coinbase out of the profit (`omniarb.execute.bribe`); 0: no bribe.
    bribe_wei: int
    # None until the allocator chose a loan (and for a declined opportunity).
    flash_source: FlashLoan | None
    decided_ns: int
    # The loan the allocator chose: a pool outside the route it borrows from (None for the
    # Balancer Vault, Aave or the route's own pair), the lender's fee in the start token, and
    # the trade's gas with that loan (0 before allocation: the opportunity's estimate).
    flash_pool: FlashPool | None = None
    flash_fee: int = 0
    gas_estimate: int = 0
    # The live path's clock up to `allocated` (stamped by the engine as each stage returns).
    times: StageTimes = UNSTAMPED
    # What the score stage saw (`omniarb.score.features`), stored with the decision so training
    # uses exactly the inputs inference had; () and 0 before the score stage ran.
    features: tuple[float, ...] = ()
    feature_version: int = 0

    @property
    def profit_before_bribe(self) -> int:
        """The profit the executor's call returns, in the start token: the route's gross
        profit minus the lender's fee; the bribe (if any) is a share of it."""
        return self.opportunity.gross_profit - self.flash_fee

    @property
    def expected_profit(self) -> int:
        """What the trade should leave in the executor, in the start token: the route's gross
        profit minus the lender's fee and the bribe paid to the block's coinbase (which only a
        route starting in the wrapped native token pays, so its wei are the token's units);
        gas is paid in the native coin by the sender."""
        return self.profit_before_bribe - self.bribe_wei

    @property
    def trade_gas_estimate(self) -> int:
        """The gas this decision's trade is expected to use."""
        return self.gas_estimate or self.opportunity.gas_estimate


class ExecutionStatus(StrEnum):
    SIMULATED = "simulated"  # dry run: eth_call only
    SUBMITTED = "submitted"
    REJECTED = "rejected"  # refused before the send (local check or pre-check); nothing sent
    FAILED = "failed"  # could not be sent


class SubmitChannel(StrEnum):
    """The way a trade went to its chain (the values are what the history stores)."""

    PUBLIC = "public"  # a transaction to the node's public mempool
    BUNDLE = "bundle"  # a bundle to a relay (`eth_sendBundle`), for a builder to include
    SEQUENCER = "sequencer"  # a transaction to an L2's sequencer, first come first served


@dataclass(frozen=True, slots=True, kw_only=True)
class Execution:
    """A decision as sent (or simulated, refused, failed): its transaction, its fees, the
    channel it went through, and the relay's bundle hash when it went as a bundle."""

    decision: Decision
    status: ExecutionStatus
    tx_hash: str | None
    nonce: int | None
    max_fee_per_gas_wei: int
    priority_fee_wei: int
    submitted_ns: int
    error: str | None = None
    # The L1 data fee of the transaction as sent, priced just before sending (0 on an L1).
    l1_fee_wei: int = 0
    # The live path's clock, complete up to `acked` for a sent trade.
    times: StageTimes = UNSTAMPED
    channel: SubmitChannel = SubmitChannel.PUBLIC
    bundle_hash: str | None = None
    # The history row this execution was read back from (a restart's reconciliation), so its
    # outcome lands on that row whichever id scheme named it; None for a live execution.
    record_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """The chain's verdict on an execution, read from its receipt and logs.

    A reorg can change the verdict until the trade is `final` (its block `confirmation_depth`
    deep, `omniarb.track.finality`): a trade no longer included is `pending` (back in the
    node's pool), `replaced` (another transaction took its nonce) or else dropped.
    """

    execution: Execution
    included: bool
    success: bool
    block_number: int | None
    gas_used: int
    effective_gas_price_wei: int
    gas_cost_wei: int
    realized_profit: int
    touched_earlier_in_block: bool
    confirmed_ns: int
    block_hash: str | None = None
    final: bool = False
    pending: bool = False
    replaced: bool = False
    # The L1 data fee paid (an L2's; 0 on an L1), on top of `gas_cost_wei` (L2 gas only).
    l1_fee_wei: int = 0
    # The hash that was mined when it is not the execution's own (a replacement of it), and
    # whether that was a cancel: the trade did not run, its gas is the loss.
    mined_tx_hash: str | None = None
    cancelled: bool = False
    # The transactions sent while it waited: re-prices, a cancel, gap fills.
    replacements: tuple[Replacement, ...] = ()
    # Paid to the block's coinbase out of the profit, from the executor's `BribePaid` log
    # (`realized_profit` is already net of it).
    bribe_paid_wei: int = 0
    # Reverted (or, a bundle, never included) after another searcher's arbitrage took the gap
    # first (`omniarb.track.rival_loss`), and that transaction's hash.
    lost_to_rival: bool = False
    rival_tx_hash: str | None = None

    @property
    def status(self) -> str:
        """`succeeded`, `reverted`, `cancelled`, `pending`, `replaced` or `dropped` (as
        stored)."""
        if self.included:
            if self.cancelled:
                return "cancelled"
            return "succeeded" if self.success else "reverted"
        if self.pending:
            return "pending"
        return "replaced" if self.replaced else "dropped"

    @property
    def total_fee_wei(self) -> int:
        """Everything the transaction cost in the native coin: L2 gas and L1 data."""
        return self.gas_cost_wei + self.l1_fee_wei

    @property
    def tx_hash(self) -> str | None:
        """The transaction of this execution that the chain holds (or the one sent)."""
        return self.mined_tx_hash or self.execution.tx_hash

    def realized_net_usd(self) -> float:
        """Realized profit minus the gas and L1 fee actually paid, in USD, at the detection-time
        prices.

        The opportunity carries the conversion rates it was priced with: start-token units per
        native wei (its gas cost in token over its gas cost in wei) and USD per start-token unit.
        """
        opportunity = self.execution.decision.opportunity
        token_per_wei = (
            opportunity.gas_in_token / opportunity.gas_cost_wei if opportunity.gas_cost_wei else 0.0
        )
        usd_per_unit = (
            opportunity.net_profit_usd / opportunity.net_profit if opportunity.net_profit else 0.0
        )
        net_in_token = self.realized_profit - self.total_fee_wei * token_per_wei
        return net_in_token * usd_per_unit
