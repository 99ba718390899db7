"""Pipeline values for the monitor tests: a WETH → USDC → WETH trade at each stage, a pool
update, and a clock the tests move by hand.

Lives at the root of tests/ (on sys.path through tests/conftest.py) because the unit and the
integration tests of the monitor both use it.
"""

from __future__ import annotations

from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.types import (
    Decision,
    Execution,
    ExecutionStatus,
    Hop,
    Opportunity,
    OpportunitySource,
    Outcome,
    PoolUpdate,
    Route,
)

WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
POOL_A = "0xB4e16d0168e52d35CaCD2c6185b44281Ec28C9Dc"
POOL_B = "0x397FF1542f962076d0BFE58eA045FfA2d347ACa0"
GWEI = 10**9
# Gas is priced in the start token (WETH), so 1 wei of gas costs 1 wei of WETH; 1 WETH = $3000.
USD_PER_WETH = 3000


class ManualClock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self, start_s: float = 1000.0) -> None:
        self.now_s = start_s

    def __call__(self) -> float:
        return self.now_s

    def advance(self, seconds: float) -> None:
        self.now_s += seconds


def opportunity(
    n: int = 0,
    *,
    chain_id: int = 1,
    amount_in: int = 10**18,
    gross_profit: int = 10**16,
    gas_price_wei: int = 20 * GWEI,
) -> Opportunity:
    gas_cost_wei = 150_000 * gas_price_wei
    net = gross_profit - gas_cost_wei
    return Opportunity(
        id=f"{chain_id}:{n}",
        chain_id=chain_id,
        block_number=1000 + n,
        route=Route(
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
        ),
        amount_in=amount_in,
        amount_out=amount_in + gross_profit,
        gross_profit=gross_profit,
        gas_estimate=150_000,
        gas_price_wei=gas_price_wei,
        gas_cost_wei=gas_cost_wei,
        net_profit=net,
        net_profit_usd=net * USD_PER_WETH / 10**18,
        source=OpportunitySource.BLOCK,
        detected_ns=1_000_000_000,
    )


def decision(opp: Opportunity, *, approved: bool = True) -> Decision:
    return Decision(
        opportunity=opp,
        approved=approved,
        reasons=("net profit clears gas and the floor",),
        amount_in=opp.amount_in,
        min_profit=0,
        p_success=1.0,
        expected_value_usd=opp.net_profit_usd,
        bribe_wei=0,
        flash_source="",
        decided_ns=opp.detected_ns + 1_000_000,
    )


def execution(
    dec: Decision, *, status: ExecutionStatus = ExecutionStatus.SUBMITTED, error: str | None = None
) -> Execution:
    sent = status is ExecutionStatus.SUBMITTED
    return Execution(
        decision=dec,
        status=status,
        tx_hash=f"0x{dec.opportunity.block_number:064x}" if sent else None,
        nonce=1 if sent else None,
        max_fee_per_gas_wei=40 * GWEI,
        priority_fee_wei=GWEI,
        submitted_ns=dec.decided_ns + 4_000_000,  # 5 ms after detection
        error=error,
    )


def trade(
    n: int = 0,
    *,
    chain_id: int = 1,
    success: bool = True,
    included: bool = True,
    realized_profit: int | None = None,
    gross_profit: int = 10**16,
) -> Outcome:
    """A settled trade: found, approved, sent, and mined 2 s after it was sent."""
    exe = execution(decision(opportunity(n, chain_id=chain_id, gross_profit=gross_profit)))
    opp = exe.decision.opportunity
    gas_used = 120_000 if included else 0
    realized = opp.gross_profit if realized_profit is None else realized_profit
    return Outcome(
        execution=exe,
        included=included,
        success=success and included,
        block_number=opp.block_number + 1 if included else None,
        gas_used=gas_used,
        effective_gas_price_wei=opp.gas_price_wei,
        gas_cost_wei=gas_used * opp.gas_price_wei,
        realized_profit=realized if success and included else 0,
        touched_earlier_in_block=False,
        confirmed_ns=exe.submitted_ns + 2_000_000_000,
    )


def pool_update(block: int, prices: dict[str, float], *, chain_id: int = 1) -> PoolUpdate:
    """An update where each pool's token0 trades at `price` token1 (reserve0 fixed at 1e24)."""
    reserve0 = 10**24
    return PoolUpdate(
        chain_id=chain_id,
        block_number=block,
        block_hash=f"0x{block:064x}",
        base_fee_wei=GWEI,
        pools=tuple(
            V2PoolState(
                chain_id=chain_id,
                address=pool,
                dex="uniswap-v2",
                factory="0x5C69bEe701ef814a2B6a3EDD4B1652CB9cc5aA6f",
                token0=USDC,
                token1=WETH,
                reserve0=reserve0,
                reserve1=round(reserve0 * price),
                fee_bps=30,
                block_number=block,
            )
            for pool, price in prices.items()
        ),
    )
