"""The local simulation on constructed pool states: the executor's settle rule to the wei, the
lender's fee, and every way a state cannot vouch for a trade (moved, behind, missing)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from omniarb.chain_events import NewHead
from omniarb.dex.base import PoolState
from omniarb.dex.uniswap_v2.math import get_amount_out
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.execute.local_check import LocalPrediction, LocalSimulation, LocalSimulationError
from omniarb.types import Decision, FlashLoan, Hop, Opportunity, OpportunitySource, Route

CHAIN = 1
WETH = "0x" + "a1" * 20
USDC = "0x" + "b2" * 20
POOL_A = "0x" + "0a" * 20
POOL_B = "0x" + "0b" * 20
BLOCK = 100
AMOUNT_IN = 10**18


def head_at(block: int) -> NewHead:
    return NewHead(
        chain_id=CHAIN,
        number=block,
        hash=f"0x{block:064x}",
        parent_hash=f"0x{block - 1:064x}",
        timestamp=0,
        base_fee_wei=0,
        logs_bloom=b"",
        received_ns=0,
    )


class SyncedStates:
    """What the local simulation reads of a state sync, over a dict of states: every pool of
    one kind at the sync's head, unless `ahead` puts a pool's kind at a later block (as the
    kinds' side-by-side steps do, for a moment, when one finished a head before another)."""

    def __init__(
        self, states: list[PoolState], head_block: int | None, ahead: dict[str, int] | None = None
    ) -> None:
        self.states = {s.address.lower(): s for s in states}
        self.head_block = head_block
        self.ahead = {pool.lower(): block for pool, block in (ahead or {}).items()}
        self.rewrites = 0

    @property
    def head(self) -> NewHead | None:
        return None if self.head_block is None else head_at(self.head_block)

    def hop_view(
        self, pool: str, token_a: str, token_b: str
    ) -> tuple[PoolState, NewHead | None] | None:
        state = self.states.get(pool.lower())
        if state is None:
            return None
        block = self.ahead.get(pool.lower(), self.head_block)
        return state, None if block is None else head_at(block)


def pair(address: str, reserve_weth: int, reserve_usdc: int, block: int = BLOCK) -> V2PoolState:
    # WETH (0xa1...) sorts below USDC (0xb2...): token0 is WETH.
    return V2PoolState(
        chain_id=CHAIN,
        address=address,
        dex="uniswap-v2",
        factory="0x" + "fa" * 20,
        token0=WETH,
        token1=USDC,
        reserve0=reserve_weth,
        reserve1=reserve_usdc,
        fee_bps=30,
        block_number=block,
    )


# USDC is cheap on A (3100 per WETH) and dear on B (2900): WETH -> USDC on A -> WETH on B.
CHEAP = pair(POOL_A, 1_000 * 10**18, 3_100_000 * 10**6)
DEAR = pair(POOL_B, 1_000 * 10**18, 2_900_000 * 10**6)


def route() -> Route:
    return Route(
        chain_id=CHAIN,
        hops=(
            Hop(
                pool=POOL_A,
                dex="uniswap-v2",
                kind="uniswap-v2",
                token_in=WETH,
                token_out=USDC,
                zero_for_one=True,
                fee_pips=3000,
            ),
            Hop(
                pool=POOL_B,
                dex="uniswap-v2",
                kind="uniswap-v2",
                token_in=USDC,
                token_out=WETH,
                zero_for_one=False,
                fee_pips=3000,
            ),
        ),
    )


def expected_out(amount_in: int, first: V2PoolState = CHEAP, second: V2PoolState = DEAR) -> int:
    usdc = get_amount_out(amount_in, first.reserve0, first.reserve1, 30)
    return get_amount_out(usdc, second.reserve1, second.reserve0, 30)


def decision(*, min_profit: int = 0, flash_fee: int = 0, block: int = BLOCK) -> Decision:
    out = expected_out(AMOUNT_IN)
    opportunity = Opportunity(
        id="opp",
        chain_id=CHAIN,
        block_number=block,
        route=route(),
        amount_in=AMOUNT_IN,
        amount_out=out,
        gross_profit=out - AMOUNT_IN,
        gas_estimate=150_000,
        gas_price_wei=10**9,
        gas_cost_wei=150_000 * 10**9,
        net_profit=out - AMOUNT_IN - 150_000 * 10**9,
        net_profit_usd=1.0,
        source=OpportunitySource.BLOCK,
        detected_ns=1,
    )
    return Decision(
        opportunity=opportunity,
        approved=True,
        reasons=(),
        amount_in=AMOUNT_IN,
        min_profit=min_profit,
        p_success=1.0,
        expected_value_usd=1.0,
        bribe_wei=0,
        flash_source=FlashLoan.OWN_PAIR if flash_fee == 0 else FlashLoan.BALANCER_V2,
        decided_ns=2,
        flash_fee=flash_fee,
    )


def check(states: list[PoolState], d: Decision, head_block: int | None = BLOCK) -> LocalPrediction:
    return LocalSimulation(states=SyncedStates(states, head_block)).check(d)


def test_predicts_the_cycle_to_the_wei() -> None:
    prediction = check([CHEAP, DEAR], decision())
    out = expected_out(AMOUNT_IN)
    assert out > AMOUNT_IN  # the planted gap pays
    assert prediction.amount_out == out
    assert prediction.owed == AMOUNT_IN
    assert prediction.profit == out - AMOUNT_IN
    assert prediction.head_block == BLOCK


def test_min_profit_is_the_executors_settle_rule_to_the_wei() -> None:
    profit = expected_out(AMOUNT_IN) - AMOUNT_IN
    assert check([CHEAP, DEAR], decision(min_profit=profit)).profit == profit
    with pytest.raises(LocalSimulationError) as caught:
        check([CHEAP, DEAR], decision(min_profit=profit + 1))
    assert str(caught.value).startswith("local simulation: insufficient profit")
    assert caught.value.profit == profit
    assert caught.value.min_profit == profit + 1


def test_the_plan_min_profit_overrides_the_decisions() -> None:
    # An L2's L1 fee raises the minimum encoded in the plan above the decision's.
    profit = expected_out(AMOUNT_IN) - AMOUNT_IN
    simulation = LocalSimulation(states=SyncedStates([CHEAP, DEAR], BLOCK))
    with pytest.raises(LocalSimulationError):
        simulation.check(decision(min_profit=0), min_profit=profit + 1)


def test_the_lenders_fee_is_owed_before_the_profit() -> None:
    profit = expected_out(AMOUNT_IN) - AMOUNT_IN
    prediction = check([CHEAP, DEAR], decision(flash_fee=profit))
    assert prediction.owed == AMOUNT_IN + profit
    assert prediction.profit == 0
    with pytest.raises(LocalSimulationError, match="insufficient profit 0 < min profit 0"):
        check([CHEAP, DEAR], decision(flash_fee=profit + 1))


def test_a_pool_moved_since_the_decision_is_priced_as_it_is_now() -> None:
    # Someone closed the gap in the next block: the decision's prediction is stale.
    closed = replace(CHEAP, reserve1=2_900_000 * 10**6, block_number=BLOCK + 1)
    with pytest.raises(LocalSimulationError, match=r"insufficient profit 0 .* at block 101"):
        check([closed, DEAR], decision(), head_block=BLOCK + 1)
    # Moved the other way, the trade pays more than predicted: the executor's outcome is what
    # the simulation returns.
    wider = replace(CHEAP, reserve1=3_200_000 * 10**6, block_number=BLOCK + 1)
    prediction = check([wider, DEAR], decision(), head_block=BLOCK + 1)
    assert prediction.profit == expected_out(AMOUNT_IN, wider) - AMOUNT_IN
    assert prediction.profit > decision().expected_profit


def test_states_behind_the_decisions_block_are_rejected() -> None:
    with pytest.raises(LocalSimulationError, match="block 99, behind block 100"):
        check([CHEAP, DEAR], decision(), head_block=BLOCK - 1)
    with pytest.raises(LocalSimulationError, match="not synced yet"):
        check([CHEAP, DEAR], decision(), head_block=None)


def test_a_pool_not_synced_is_rejected() -> None:
    with pytest.raises(LocalSimulationError, match=f"hop 1: pool {POOL_B} is not synced"):
        check([CHEAP], decision())


def test_a_hop_its_pool_would_revert_on_is_rejected() -> None:
    # An empty pair: UniswapV2Library.getAmountOut reverts INSUFFICIENT_LIQUIDITY.
    empty = replace(DEAR, reserve0=0, reserve1=0)
    with pytest.raises(LocalSimulationError, match=r"hop 1 through .* reverts"):
        check([CHEAP, empty], decision())


def test_a_hop_its_custodian_cannot_pay_is_rejected() -> None:
    """The pool's math may promise what its custodian no longer holds (a V4 PoolManager or the
    Balancer Vault drained): the token's transfer would revert, so the trade is not sent."""
    d = decision()
    first_out = CHEAP.amount_out(d.opportunity.route.hops[0].token_in, d.amount_in)
    states = SyncedStates([CHEAP, DEAR], BLOCK)

    def holdings(short: str) -> Callable[[str, str], int | None]:
        def held(pool: str, token: str) -> int | None:
            return first_out - 1 if pool == short else None  # unknown elsewhere: not checked

        return held

    with pytest.raises(LocalSimulationError, match="custodian holds"):
        LocalSimulation(states=states, holdings=holdings(CHEAP.address)).check(d)
    # Enough held, or nothing known of the custodian: the trade goes as before.
    enough = LocalSimulation(states=states, holdings=lambda pool, token: 10**40).check(d)
    assert enough == check([CHEAP, DEAR], d)
    assert LocalSimulation(states=states, holdings=holdings("0x" + "00" * 20)).check(d) == enough


def test_a_deadline_at_or_before_the_head_is_expired_as_the_contract_would_revert() -> None:
    simulation = LocalSimulation(states=SyncedStates([CHEAP, DEAR], BLOCK))
    assert simulation.head_block == BLOCK
    # The trade lands in BLOCK + 1 at the earliest: a deadline there still runs, the head's not.
    assert simulation.check(decision(), deadline_block=BLOCK + 1) == check(
        [CHEAP, DEAR], decision()
    )
    for deadline in (BLOCK, BLOCK - 1, 0):
        with pytest.raises(LocalSimulationError, match="expired"):
            simulation.check(decision(), deadline_block=deadline)


def test_the_prediction_names_the_block_its_states_are_of_not_the_lowest_kinds() -> None:
    """The kinds step through a head side by side: a route's kind that finished block 101
    while another kind is still at 100 (the sync's head) was priced on 101's states, and the
    audit's `eth_call` must run there (at 100 the pool had not moved yet)."""
    moved = replace(CHEAP, reserve1=3_200_000 * 10**6, block_number=BLOCK + 1)
    ahead = {POOL_A: BLOCK + 1, POOL_B: BLOCK + 1}
    states = SyncedStates([moved, DEAR], BLOCK, ahead=ahead)
    prediction = LocalSimulation(states=states).check(decision())
    assert prediction.profit == expected_out(AMOUNT_IN, moved) - AMOUNT_IN
    assert (prediction.head_block, prediction.head_hash) == (BLOCK + 1, head_at(BLOCK + 1).hash)


def test_a_route_over_states_of_two_blocks_is_rejected() -> None:
    # One hop's kind at 101, the other's still at 100: no block of the chain had both states.
    states = SyncedStates([CHEAP, DEAR], BLOCK, ahead={POOL_A: BLOCK + 1})
    with pytest.raises(LocalSimulationError, match="hop 1: the route's pool states are of blocks"):
        LocalSimulation(states=states).check(decision())
