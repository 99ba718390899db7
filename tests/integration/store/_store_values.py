"""Pipeline values for the store tests: a 2- or 3-hop cycle and its records down the pipeline."""

from __future__ import annotations

from omniarb.types import (
    Decision,
    Execution,
    ExecutionStatus,
    Hop,
    Opportunity,
    OpportunitySource,
    Outcome,
    Route,
    Token,
)

MAX_UINT256 = 2**256 - 1

WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
DAI = "0x6B175474E89094C44Da98b954EedeAC495271d0F"
POOL_A = "0xB4e16d0168e52d35CaCD2c6185b44281Ec28C9Dc"
POOL_B = "0x397FF1542f962076d0BFE58eA045FfA2d347ACa0"
POOL_C = "0xAE461cA67B15dc8dc81CE7615e0320dA1A9aB8D5"

TOKENS = (
    Token(chain_id=1, address=WETH, symbol="WETH", decimals=18),
    Token(chain_id=1, address=USDC, symbol="USDC", decimals=6),
    Token(chain_id=1, address=DAI, symbol="DAI", decimals=18),
)


def route(chain_id: int = 1, *, hops: int = 2) -> Route:
    """WETH → USDC → WETH on two DEXes, or WETH → USDC → DAI → WETH."""
    path = [WETH, USDC, WETH] if hops == 2 else [WETH, USDC, DAI, WETH]
    pools = [POOL_A, POOL_B, POOL_C]
    return Route(
        chain_id=chain_id,
        hops=tuple(
            Hop(
                pool=pools[i],
                dex="uniswap-v2" if i % 2 == 0 else "sushiswap",
                kind="uniswap-v2",
                token_in=path[i],
                token_out=path[i + 1],
                zero_for_one=path[i].lower() < path[i + 1].lower(),
                fee_pips=3000,
            )
            for i in range(hops)
        ),
    )


def opportunity(
    n: int = 0,
    *,
    chain_id: int = 1,
    amount_in: int = 10**18,
    gross_profit: int = 5 * 10**15,
    hops: int = 2,
) -> Opportunity:
    gas_cost_wei = 150_000 * 20 * 10**9
    return Opportunity(
        id=f"{chain_id}:{1000 + n}:{n:064x}",
        chain_id=chain_id,
        block_number=1000 + n,
        route=route(chain_id, hops=hops),
        amount_in=amount_in,
        amount_out=amount_in + gross_profit,
        gross_profit=gross_profit,
        gas_estimate=150_000,
        gas_price_wei=20 * 10**9,
        gas_cost_wei=gas_cost_wei,
        # Gas priced in the start token (WETH): 1 wei of gas = 1 wei of WETH.
        net_profit=gross_profit - gas_cost_wei,
        net_profit_usd=(gross_profit - gas_cost_wei) * 3000 / 10**18,
        source=OpportunitySource.BLOCK,
        detected_ns=1_000_000_000 + n,
        trigger_tx=None,
    )


def decision(opp: Opportunity, *, approved: bool = True, min_profit: int = 1) -> Decision:
    return Decision(
        opportunity=opp,
        approved=approved,
        reasons=() if approved else ("net profit below gas cost", "min_profit"),
        amount_in=opp.amount_in,
        min_profit=min_profit,
        p_success=0.9,
        expected_value_usd=12.5,
        bribe_wei=0,
        flash_source="uniswap-v2-flash-swap",
        decided_ns=opp.detected_ns + 100_000,
    )


def execution(
    dec: Decision,
    *,
    status: ExecutionStatus = ExecutionStatus.SUBMITTED,
    error: str | None = None,
    fee_wei: int = 30 * 10**9,
) -> Execution:
    n = dec.opportunity.block_number
    sent = status is ExecutionStatus.SUBMITTED
    return Execution(
        decision=dec,
        status=status,
        tx_hash=f"0x{n:064x}" if sent else None,
        nonce=n if sent else None,
        max_fee_per_gas_wei=fee_wei,
        priority_fee_wei=10**9,
        submitted_ns=dec.decided_ns + 400_000,
        error=error,
    )


def outcome(
    exe: Execution,
    *,
    success: bool = True,
    included: bool = True,
    realized_profit: int | None = None,
    gas_price_wei: int = 20 * 10**9,
    touched: bool = False,
) -> Outcome:
    opp = exe.decision.opportunity
    gas_used = 120_000 if included else 0
    realized = opp.gross_profit if realized_profit is None else realized_profit
    return Outcome(
        execution=exe,
        included=included,
        success=success and included,
        block_number=opp.block_number + 1 if included else None,
        gas_used=gas_used,
        effective_gas_price_wei=gas_price_wei,
        gas_cost_wei=gas_used * gas_price_wei,
        realized_profit=realized if success and included else 0,
        touched_earlier_in_block=touched,
        confirmed_ns=exe.submitted_ns + 2_000_000_000,
    )


def trade(n: int = 0, *, chain_id: int = 1, success: bool = True, hops: int = 2) -> Outcome:
    """A whole settled trade: opportunity, approved decision, submitted execution, outcome."""
    opp = opportunity(n, chain_id=chain_id, hops=hops)
    return outcome(execution(decision(opp)), success=success)
