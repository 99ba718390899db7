"""Restart reconciliation against a real anvil: a previous run's sent trades without an outcome
are settled from the chain — one mined while the bot was down (its outcome built from the
receipt), one mined that only its claim and decision name (the run died before writing its
execution), one still pending (followed until mined), one the node never got (dropped) — and
none is sent again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from _receipts import mined_receipt
from _waits import eventually

from omniarb.chains.fees import read_fees
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel
from omniarb.config import load_secrets
from omniarb.devnet.accounts import dev_account
from omniarb.devnet.anvil import AnvilNode, AnvilOptions
from omniarb.execute.nonces import NonceManager
from omniarb.execute.replace import ReplacementPolicy
from omniarb.execute.signer import Signer
from omniarb.execute.submit import MemorySubmissionGuard, Submitter
from omniarb.reconcile import reconcile_unsettled
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

pytestmark = pytest.mark.integration

CHAIN_ID = 31337
GWEI = 10**9
WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
POOLS = ("0xB4e16d0168e52d35CaCD2c6185b44281Ec28C9Dc", "0x397FF1542f962076d0BFE58eA045FfA2d347ACa0")
SINK = "0x000000000000000000000000000000000000dEaD"


def _execution(n: int, *, tx_hash: str, nonce: int, fee_wei: int) -> Execution:
    """A previous run's sent trade, as the engine recorded it."""
    route = Route(
        chain_id=CHAIN_ID,
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
        id=f"{CHAIN_ID}:{n}",
        chain_id=CHAIN_ID,
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


async def test_a_restart_settles_mined_pending_and_lost_trades_from_the_chain(
    tmp_path: Path,
) -> None:
    node = await AnvilNode.start(AnvilOptions(chain_id=CHAIN_ID, accounts=2, block_time_s=1))
    try:
        async with (
            RpcClient(node.rpc_http) as rpc,
            HistoryStore.open(f"sqlite:///{tmp_path / 'h.sqlite'}") as store,
        ):
            signer = Signer.from_secrets(
                load_secrets({}), chain_id=CHAIN_ID, default_key=dev_account(0).private_key
            )
            fees = await read_fees(rpc, fee_model=FeeModel.EIP1559, tip_wei=GWEI)
            first = int(await rpc.call("eth_getTransactionCount", signer.address, "latest"), 16)

            def sign(nonce: int) -> tuple[str, str]:
                signed = signer.sign(nonce=nonce, to=SINK, data=b"", gas=21_000, fees=fees, value=1)
                return signed.tx_hash, signed.raw_hex

            # The previous run: one trade mined while it was down, one still in the pool, and
            # one whose send never reached the node (its nonce comes after the others).
            await rpc.call("evm_setIntervalMining", 0)
            mined_hash, raw = sign(first)
            await rpc.call("eth_sendRawTransaction", raw)
            await rpc.call("evm_mine")
            await mined_receipt(rpc, mined_hash, timeout_s=10)
            # Killed right after this send: its claim (with the hash) and its decision were
            # written, its execution row never was.
            orphan_hash, raw = sign(first + 1)
            await rpc.call("eth_sendRawTransaction", raw)
            await rpc.call("evm_mine")
            await mined_receipt(rpc, orphan_hash, timeout_s=10)
            pending_hash, raw = sign(first + 2)
            await rpc.call("eth_sendRawTransaction", raw)
            lost_hash, _ = sign(first + 3)
            previous = [
                _execution(0, tx_hash=mined_hash, nonce=first, fee_wei=fees.fee_cap_wei),
                _execution(2, tx_hash=pending_hash, nonce=first + 2, fee_wei=fees.fee_cap_wei),
                _execution(3, tx_hash=lost_hash, nonce=first + 3, fee_wei=fees.fee_cap_wei),
            ]
            for execution in previous:
                await store.record(execution)
            orphan = _execution(1, tx_hash=orphan_hash, nonce=first + 1, fee_wei=fees.fee_cap_wei)
            await store.record(orphan.decision)
            assert await store.submissions.claim(
                orphan.decision.opportunity.id,
                chain_id=CHAIN_ID,
                tx_hash=orphan_hash,
                nonce=first + 1,
            )
            await store.flush()
            assert len(await asyncio.to_thread(store.unsettled, chain_id=CHAIN_ID)) == 3

            # The restart.
            submitter = Submitter(
                rpc=rpc,
                signer=signer,
                nonces=NonceManager(rpc=rpc, address=signer.address),
                guard=MemorySubmissionGuard(),
                receipt_timeout_s=30.0,
                replacement=ReplacementPolicy(replace_after_blocks=3),
                fee_model=FeeModel.EIP1559,
                tip_wei=GWEI,
                on_replacement=store.record,
            )
            tracker = Tracker(rpc=rpc, submitter=submitter, holder=SINK)
            reconciling = asyncio.create_task(
                reconcile_unsettled(
                    chain="devnet",
                    chain_id=CHAIN_ID,
                    rpc=rpc,
                    store=store,
                    submitter=submitter,
                    tracker=tracker,
                )
            )
            # It waits for the pending one, which the chain mines once blocks come again.
            await eventually(
                lambda: _following(submitter), what="the pending trade followed", timeout_s=10
            )
            assert not reconciling.done()
            await rpc.call("evm_setIntervalMining", 1)
            summary = await asyncio.wait_for(reconciling, timeout=30)

            assert (summary.mined, summary.pending, summary.dropped) == (2, 1, 1)
            assert summary.recovered == 1
            assert await asyncio.to_thread(store.unsettled, chain_id=CHAIN_ID) == []
            assert await asyncio.to_thread(store.unrecorded_sends, chain_id=CHAIN_ID) == ([], [])
            trades = {t.tx_hash: t for t in await asyncio.to_thread(store.trades, limit=10)}
            assert trades[mined_hash].status == "succeeded"
            assert trades[orphan_hash].status == "succeeded"
            assert trades[orphan_hash].nonce == first + 1
            assert trades[pending_hash].status == "succeeded"
            assert trades[lost_hash].status == "dropped"
            receipt = await mined_receipt(rpc, pending_hash, timeout_s=1)
            assert trades[pending_hash].gas_used == int(receipt["gasUsed"], 16)
            # Nothing was sent again: the account spent exactly the two nonces the node got.
            assert await rpc.call("eth_getTransactionByHash", lost_hash) is None
            latest = int(await rpc.call("eth_getTransactionCount", signer.address, "latest"), 16)
            assert latest == first + 3
    finally:
        await node.stop()


async def _following(submitter: Submitter) -> bool:
    return bool(submitter.in_flight_nonces())
