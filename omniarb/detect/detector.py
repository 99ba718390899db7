"""The detect stage: pool updates in, sized and priced cycle opportunities out.

    detector = CycleDetector(chain_id=1, base_tokens=[weth, usdc, usdt, dai], ...)
    opportunities = await detector.process(update)

It keeps the latest state of every pool (`state_book.StateBook`, which enumerates cycles when
pools first appear) and on each update re-evaluates only the cycles through a changed pool
(`evaluator.CycleEvaluator`): a NumPy screen of all of them, then exact integer sizing of the
candidates, then gas and USD pricing. It returns every cycle with a positive gross profit, best
net profit (USD) first, so the caller can also record the ones too small to pay for gas;
`shortfall(opportunity)` says why one is not worth sending.

Pools are of every traded kind, and cycles may mix them. The screen sees each pool as the
constant-product pool its state names (`screen_reserves`: for a V3 pool, its current price with
its deepest range's liquidity, never less profitable than the pool, so the screen only drops
cycles that cannot earn); a cycle through a pool that offers no closed form at all (neither
one constant-product curve nor pieces: a Balancer pool) is sized by `bracket_sizing`, a
bracketed search on the pools' exact swaps; any other cycle through a pool without one
constant-product curve (a V3 pool) by `mixed_sizing`, which walks the tick ranges; the others
take the closed-form path.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Protocol

from omniarb.detect.evaluator import CycleEvaluator, DetectorCounters, QuoteSource
from omniarb.detect.graph import CycleGraph
from omniarb.detect.pricing import TokenPricer
from omniarb.detect.screen import CycleScreen, IntArray
from omniarb.detect.state_book import StateBook
from omniarb.dex.base import PoolState
from omniarb.gas import GasModel
from omniarb.types import Opportunity

__all__ = ["CycleDetector", "PoolStates"]

log = logging.getLogger(__name__)


class PoolStates(Protocol):
    """What the detector reads from a state update: `omniarb.types.PoolUpdate`, whose `pools`
    mixes V2 and V3 states, fits; so does any value with these fields."""

    @property
    def chain_id(self) -> int: ...
    @property
    def block_number(self) -> int: ...
    @property
    def base_fee_wei(self) -> int: ...
    @property
    def pools(self) -> Sequence[PoolState]: ...


class CycleDetector:
    """Finds 2- and 3-hop cycles of pools of every traded kind through base tokens on one
    chain.

    `stablecoin_decimals` maps each USD stablecoin to its decimals ($1 per whole token).
    `certify_budget` and `certify_top` bound the full integer searches of an evaluation (see
    `CycleEvaluator`). `max_amount_in` and `min_net_profit` are per start token, in its base
    units; the gas price assumed is the block's base fee plus the tip: the current quote's of
    `fees` (with the L1 data fee of an L2), else `priority_fee_wei` (on legacy-fee chains, where
    the base fee is 0, the tip is the gas price).
    """

    def __init__(
        self,
        *,
        chain_id: int,
        base_tokens: Sequence[str],
        wrapped_native: str,
        stablecoin_decimals: Mapping[str, int],
        gas_model: GasModel,
        priority_fee_wei: int,
        min_net_profit: Mapping[str, int] | None = None,
        max_amount_in: Mapping[str, int] | None = None,
        epsilon: float = 1e-9,
        certify_budget: int = 256,
        certify_top: int = 16,
        fees: QuoteSource | None = None,
        first_start: str | None = None,
    ) -> None:
        self.chain_id = chain_id
        self.book = StateBook(
            chain_id=chain_id, base_tokens=base_tokens, epsilon=epsilon, first_start=first_start
        )
        self.evaluator = CycleEvaluator(
            book=self.book,
            pricer=TokenPricer(
                wrapped_native=wrapped_native, stablecoin_decimals=stablecoin_decimals
            ),
            gas_model=gas_model,
            priority_fee_wei=priority_fee_wei,
            max_amount_in=max_amount_in,
            certify_budget=certify_budget,
            certify_top=certify_top,
            fees=fees,
        )
        self._min_net_profit = {t.lower(): v for t, v in (min_net_profit or {}).items()}
        # The block of the latest update: `scan` and `evaluate` price at it.
        self.block_number = 0
        self.base_fee_wei = 0

    @property
    def graph(self) -> CycleGraph:
        return self.book.graph

    @property
    def screen(self) -> CycleScreen:
        return self.book.screen

    @property
    def counters(self) -> DetectorCounters:
        return self.evaluator.counters

    @property
    def cycle_count(self) -> int:
        return self.book.cycle_count

    def pool_state(self, key: str) -> PoolState:
        """The current state of a pool of any kind, by state key (or a one-state pool's
        address)."""
        return self.book.pool_state(key)

    def pair_states(self, token_a: str, token_b: str) -> list[PoolState]:
        """The current states of the constant-product pools between two tokens."""
        return self.book.pair_states(token_a, token_b)

    def apply(self, states: Iterable[PoolState]) -> list[int]:
        """Store new pool states without evaluating them (`StateBook.apply`); their pool ids."""
        return self.book.apply(states)

    def detect(self, update: PoolStates) -> list[Opportunity]:
        """`process` without the coroutine: apply the update, evaluate the affected cycles."""
        if update.chain_id != self.chain_id:
            raise ValueError(f"update for chain {update.chain_id} sent to chain {self.chain_id}")
        return self.detect_states(
            update.pools, block_number=update.block_number, base_fee_wei=update.base_fee_wei
        )

    def detect_states(
        self,
        states: Sequence[PoolState],
        *,
        block_number: int,
        base_fee_wei: int,
    ) -> list[Opportunity]:
        """`detect` on plain values: apply the states of `block_number` (pools of either kind),
        evaluate the cycles through them."""
        self.block_number = block_number
        self.base_fee_wei = base_fee_wei
        changed = self.book.apply(states)
        found = self.evaluate(self.book.cycles_through(changed))
        log.debug(
            "detect chain=%d block=%d pools=%d opportunities=%d",
            self.chain_id,
            block_number,
            len(changed),
            len(found),
        )
        return found

    async def process(self, update: PoolStates) -> list[Opportunity]:
        """The stage: opportunities in the cycles through the pools `update` changed."""
        return self.detect(update)

    def steps(self, update: PoolStates) -> Iterator[Opportunity | None]:
        """The stage on the live path: `process`'s opportunities one at a time, as each is
        sized (`CycleEvaluator.steps`: the fully searched, pool-disjoint best first), with
        None for each cycle sized to nothing. The engine sends the first while the others are
        still being sized, and may let the loop run between two steps."""
        if update.chain_id != self.chain_id:
            raise ValueError(f"update for chain {update.chain_id} sent to chain {self.chain_id}")
        self.block_number = update.block_number
        self.base_fee_wei = update.base_fee_wei
        changed = self.book.apply(update.pools)
        return self.evaluator.steps(
            self.book.cycles_through(changed),
            block_number=update.block_number,
            base_fee_wei=update.base_fee_wei,
        )

    def scan(self) -> list[Opportunity]:
        """Evaluate every cycle at the stored states (the first block, benchmarks)."""
        return self.evaluate(None)

    def evaluate(self, cycle_ids: IntArray | None) -> list[Opportunity]:
        """Screen the given cycles (all when None), size and price the candidates."""
        return self.evaluator.evaluate(
            cycle_ids, block_number=self.block_number, base_fee_wei=self.base_fee_wei
        )

    def resize_for_loan(
        self, opportunity: Opportunity, loan_fee: Callable[[int], int]
    ) -> Opportunity | None:
        """`opportunity` re-sized for a loan charging `loan_fee`(amount), on the states it was
        priced on (`CycleEvaluator.resize_for_loan`); None when those have moved on or nothing
        is left after the fee."""
        return self.evaluator.resize_for_loan(opportunity, loan_fee)

    def shortfall(self, opportunity: Opportunity) -> str | None:
        """Why an opportunity is not worth sending (None when it is)."""
        minimum = max(self._min_net_profit.get(opportunity.route.token_in.lower(), 0), 1)
        if opportunity.net_profit >= minimum:
            return None
        if opportunity.l1_fee_wei:
            return (
                f"net profit {opportunity.net_profit} < minimum {minimum} "
                f"(gross {opportunity.gross_profit}, gas {opportunity.gas_cost_wei} wei, "
                f"L1 fee {opportunity.l1_fee_wei} wei = {opportunity.l1_fee_in_token} in the "
                "start token): too small to pay for gas and the L1 fee"
            )
        return (
            f"net profit {opportunity.net_profit} < minimum {minimum} "
            f"(gross {opportunity.gross_profit}, gas {opportunity.gas_cost_wei} wei): "
            "too small to pay for gas"
        )
