"""What the restart and takeover tests share: a trade a previous run (or a worker that lost its
chain) sent, as the engine records it, and the submitter and reconciliation of the run that
settles it (`omniarb.reconcile`)."""

from __future__ import annotations

from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel
from omniarb.execute.nonces import NonceManager
from omniarb.execute.replace import ReplacementPolicy
from omniarb.execute.signer import Signer
from omniarb.execute.submit import MemorySubmissionGuard, Submitter
from omniarb.execute.submit_values import SubmissionGuard
from omniarb.reconcile import ReconcileSummary, reconcile_unsettled
from omniarb.store import HistoryStore
from omniarb.track import Tracker
from omniarb.types import (
    Decision,
    Execution,
    ExecutionStatus,
    FlashLoan,
    Hop,
    Opportunity,
    OpportunitySource,
    Route,
)

CHAIN_ID = 31337
GWEI = 10**9
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
SINK = "0x000000000000000000000000000000000000dEaD"
POOLS = ("0xB4e16d0168e52d35CaCD2c6185b44281Ec28C9Dc", "0x397FF1542f962076d0BFE58eA045FfA2d347ACa0")


def sent_trade(
    n: int, *, tx_hash: str, nonce: int, fee_wei: int, chain_id: int = CHAIN_ID
) -> Execution:
    """The `n`th trade a previous run (or worker) sent: a two-hop WETH/USDC cycle on chain
    `chain_id`, as the engine records it."""
    route = Route(
        chain_id=chain_id,
        hops=tuple(
            Hop(
                pool=POOLS[i],
                dex="uniswap-v2",
                kind="uniswap-v2",
                token_in=(WETH, USDC)[i],
                token_out=(USDC, WETH)[i],
                zero_for_one=i == 0,
                fee_pips=3000,
            )
            for i in range(2)
        ),
    )
    opportunity = Opportunity(
        id=f"{chain_id}:{n}",
        chain_id=chain_id,
        block_number=1,
        route=route,
        amount_in=10**18,
        amount_out=10**18 + 5 * 10**15,
        gross_profit=5 * 10**15,
        gas_estimate=150_000,
        gas_price_wei=fee_wei,
        gas_cost_wei=150_000 * fee_wei,
        net_profit=5 * 10**15 - 150_000 * fee_wei,
        net_profit_usd=1.0,
        source=OpportunitySource.BLOCK,
        detected_ns=1_000 + n,
    )
    decision = Decision(
        opportunity=opportunity,
        approved=True,
        reasons=(),
        amount_in=10**18,
        min_profit=1,
        p_success=1.0,
        expected_value_usd=1.0,
        bribe_wei=0,
        flash_source=FlashLoan.OWN_PAIR,
        decided_ns=2_000 + n,
    )
    return Execution(
        decision=decision,
        status=ExecutionStatus.SUBMITTED,
        tx_hash=tx_hash,
        nonce=nonce,
        max_fee_per_gas_wei=fee_wei,
        priority_fee_wei=GWEI,
        submitted_ns=3_000 + n,
    )


def settling_submitter(
    rpc: RpcClient, signer: Signer, store: HistoryStore, guard: SubmissionGuard | None = None
) -> Submitter:
    """The submitter of the run that settles: it follows, re-prices and cancels (a window of 3
    blocks), and records every replacement in `store`."""
    return Submitter(
        rpc=rpc,
        signer=signer,
        nonces=NonceManager(rpc=rpc, address=signer.address),
        guard=guard or MemorySubmissionGuard(),
        receipt_timeout_s=30.0,
        replacement=ReplacementPolicy(replace_after_blocks=3),
        fee_model=FeeModel.EIP1559,
        tip_wei=GWEI,
        on_replacement=store.record,
    )


async def reconcile(rpc: RpcClient, store: HistoryStore, submitter: Submitter) -> ReconcileSummary:
    """The start-up reconciliation of chain `CHAIN_ID`, its outcomes tracked to `SINK`."""
    return await reconcile_unsettled(
        chain="devnet",
        chain_id=CHAIN_ID,
        rpc=rpc,
        store=store,
        submitter=submitter,
        tracker=Tracker(rpc=rpc, submitter=submitter, holder=SINK),
    )
