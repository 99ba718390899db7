"""Pipeline values for the API tests: cycles on two chains and their records down the pipeline.

Amounts are chosen past 2**53 so a route that serialized them as JSON numbers would lose them.
"""

from __future__ import annotations

from dataclasses import replace

from omniarb.types import (
    Decision,
    Execution,
    ExecutionStatus,
    Hop,
    Opportunity,
    OpportunitySource,
    Outcome,
    Route,
    SubmitChannel,
    Token,
)

WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
POOL_A = "0xB4e16d0168e52d35CaCD2c6185b44281Ec28C9Dc"
POOL_B = "0x397FF1542f962076d0BFE58eA045FfA2d347ACa0"

TOKENS = (
    Token(chain_id=1, address=WETH, symbol="WETH", decimals=18),
    Token(chain_id=1, address=USDC, symbol="USDC", decimals=6),
    Token(chain_id=137, address=WETH, symbol="WETH", decimals=18),
    Token(chain_id=137, address=USDC, symbol="USDC", decimals=6),
)

# Past 2**53 (9.007e15): exact only as strings.
AMOUNT_IN = 12_345_678_901_234_567_891
GROSS_PROFIT = 98_765_432_109_876_543
GAS_COST_WEI = 5_000_000_000_000_001


def route(chain_id: int) -> Route:
    """WETH → USDC → WETH through two pools of two DEXes."""
    return Route(
        chain_id=chain_id,
        hops=(
            Hop(
                pool=POOL_A,
                dex="uniswap-v2",
                kind="uniswap-v2",
                token_in=WETH,
                token_out=USDC,
                zero_for_one=False,
                fee_pips=3000,
            ),
            Hop(
                pool=POOL_B,
                dex="sushiswap",
                kind="uniswap-v2",
                token_in=USDC,
                token_out=WETH,
                zero_for_one=True,
                fee_pips=3000,
            ),
        ),
    )


def opportunity(n: int, *, chain_id: int = 1) -> Opportunity:
    return Opportunity(
        id=f"{chain_id}-{100 + n}-{n:04d}",
        chain_id=chain_id,
        block_number=100 + n,
        route=route(chain_id),
        amount_in=AMOUNT_IN + n,
        amount_out=AMOUNT_IN + n + GROSS_PROFIT,
        gross_profit=GROSS_PROFIT,
        gas_estimate=180_000,
        gas_price_wei=30_000_000_000,
        gas_cost_wei=GAS_COST_WEI,
        net_profit=GROSS_PROFIT - 2 * 10**15,
        net_profit_usd=250.5,
        source=OpportunitySource.BLOCK,
        detected_ns=1_000_000_000 + n * 10_000_000,
    )


def decision(opp: Opportunity, *, approved: bool = True) -> Decision:
    return Decision(
        opportunity=opp,
        approved=approved,
        reasons=() if approved else ("does not pay for gas",),
        amount_in=opp.amount_in,
        min_profit=GAS_COST_WEI,
        p_success=1.0,
        expected_value_usd=opp.net_profit_usd,
        bribe_wei=0,
        flash_source="v2-flash-swap",
        decided_ns=opp.detected_ns + 1_000,
    )


def execution(opp: Opportunity, *, n: int) -> Execution:
    return Execution(
        decision=decision(opp),
        status=ExecutionStatus.SUBMITTED,
        tx_hash="0x" + f"{n:064x}",
        nonce=n,
        max_fee_per_gas_wei=40_000_000_000,
        priority_fee_wei=3_000_000_000,
        submitted_ns=opp.detected_ns + 2_000_000,
    )


def outcome(opp: Opportunity, *, n: int, success: bool = True) -> Outcome:
    return Outcome(
        execution=execution(opp, n=n),
        included=True,
        success=success,
        block_number=opp.block_number + 1,
        gas_used=170_000,
        effective_gas_price_wei=29_411_764_705,
        gas_cost_wei=GAS_COST_WEI,
        realized_profit=GROSS_PROFIT if success else 0,
        touched_earlier_in_block=False,
        confirmed_ns=opp.detected_ns + 502_000_000,
    )


TRIGGER_TX = "0x" + "7a" * 32
BUNDLE_HASH = "0x" + "b5" * 32


def sent_via(
    opp: Opportunity,
    *,
    n: int,
    channel: SubmitChannel,
    backrun_of: str | None = None,
    bribe_offered_wei: int = 0,
    bribe_paid_wei: int = 0,
) -> Outcome:
    """A settled trade of `opp` sent through `channel` (a bundle gets BUNDLE_HASH), found by
    its block or, with `backrun_of`, as a backrun of that pending transaction; the decision
    offered `bribe_offered_wei` and the receipt shows `bribe_paid_wei` paid."""
    if backrun_of is not None:
        opp = replace(opp, source=OpportunitySource.MEMPOOL, trigger_tx=backrun_of)
    settled = outcome(opp, n=n)
    sent = replace(
        settled.execution,
        decision=replace(settled.execution.decision, opportunity=opp, bribe_wei=bribe_offered_wei),
        channel=channel,
        bundle_hash=BUNDLE_HASH if channel is SubmitChannel.BUNDLE else None,
    )
    return replace(settled, execution=sent, bribe_paid_wei=bribe_paid_wei)
