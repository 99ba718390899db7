"""Realized profit equals prediction to the wei, bribe included: the execute stage with a
chain's bribe share sends a planted trade through the bot's signer and submitter, and the track
stage's outcome says what the executor kept (the decision's expected profit, net of the bribe)
and what it paid the block's coinbase (the decision's `bribe_wei`), which the coinbase's
balance shows along with the priority fee. A share of 0 sends `execute` as before."""

from __future__ import annotations

from typing import Any

import pytest
from _bribe_checks import COINBASE, native_balance, priority_fees, set_coinbase
from _executor_calls import BOT, CHAIN
from _flash_cases import case_for, planted
from _submit_bot import make_submitter

from omniarb.chains.abi import decode, selector
from omniarb.chains.spec import chain_by_name
from omniarb.config import load_secrets
from omniarb.devnet.accounts import BOT_INDEX, dev_account
from omniarb.execute.bribe import BRIBE_GAS, BribePolicy, bribe_wei, kept_floor
from omniarb.execute.nonces import NonceManager
from omniarb.execute.route_codec import EXECUTE_SIGNATURE, decode_plan
from omniarb.execute.signer import Signer
from omniarb.execute.stage import ExecuteStage
from omniarb.execute.submit import MemorySubmissionGuard
from omniarb.track.tracker import Tracker
from omniarb.types import Decision, ExecutionStatus, FlashLoan, Opportunity, OpportunitySource

pytestmark = pytest.mark.integration

GWEI = 10**9
TIP_WEI = 2 * GWEI
GAS_ESTIMATE = 400_000


@pytest.mark.parametrize("share_bps", [2_500, 0])
async def test_realized_profit_equals_prediction_to_the_wei_bribe_included(
    devnet_factory: Any, share_bps: int
) -> None:
    async with planted(devnet_factory) as s:
        await set_coinbase(s.rpc)
        case = await case_for(s.rpc, s.chain, "v2-v3")
        weth = s.chain.token("WETH").address
        block = int(await s.rpc.call("eth_blockNumber"), 16)
        gross = case.amount_out - case.amount_in
        opportunity = Opportunity(
            id="planted",
            chain_id=s.chain.chain_id,
            block_number=block,
            route=case.route,
            amount_in=case.amount_in,
            amount_out=case.amount_out,
            gross_profit=gross,
            gas_estimate=GAS_ESTIMATE,
            gas_price_wei=100 * GWEI,
            gas_cost_wei=GAS_ESTIMATE * 100 * GWEI,
            net_profit=gross - GAS_ESTIMATE * 100 * GWEI,
            net_profit_usd=1.0,
            source=OpportunitySource.BLOCK,
            detected_ns=1,
        )
        decision = Decision(
            opportunity=opportunity,
            approved=True,
            reasons=(),
            amount_in=case.amount_in,
            min_profit=10**15,
            p_success=1.0,
            expected_value_usd=1.0,
            bribe_wei=0,
            flash_source=FlashLoan.BALANCER_V2,
            decided_ns=2,
        )
        signer = Signer.from_secrets(
            load_secrets({}),
            chain_id=s.chain.chain_id,
            default_key=dev_account(BOT_INDEX).private_key,
        )
        assert signer.address == BOT
        submitter = make_submitter(
            s.rpc, signer, NonceManager(rpc=s.rpc, address=BOT), MemorySubmissionGuard()
        )
        stage = ExecuteStage(
            submitter=submitter,
            codec=s.codec,
            executor=s.executor.address,
            fee_model=chain_by_name(CHAIN).fee_model,
            tip_wei=TIP_WEI,
            dry_run=False,
            bribe=BribePolicy(share_bps=share_bps, wrapped_native=weth),
        )
        coinbase_before = await native_balance(s.rpc, COINBASE)
        execution = await stage.process(decision)
        assert execution.status is ExecutionStatus.SUBMITTED, execution.error
        sent = execution.decision
        assert sent.bribe_wei == bribe_wei(gross, share_bps)
        assert sent.expected_profit == gross - sent.bribe_wei
        assert sent.min_profit == kept_floor(decision.min_profit, share_bps)
        tx = await s.rpc.call("eth_getTransactionByHash", execution.tx_hash)
        entry = "executeAndPayCoinbase(bytes,uint256)" if share_bps else EXECUTE_SIGNATURE
        assert tx["input"][:10] == "0x" + selector(entry).hex()
        # The plan expires after the block it targets (the one after `block`) and the
        # default allowance of 2 more.
        types = ["bytes", "uint256"] if share_bps else ["bytes"]
        plan_bytes = decode(types, bytes.fromhex(tx["input"][10:]))[0]
        assert decode_plan(plan_bytes).deadline_block == block + 1 + 2
        # The limit holds the bribe's gas too (the stage's 1.5x headroom over the estimate).
        bribe_gas = BRIBE_GAS if share_bps else 0
        assert int(tx["gas"], 16) == int((GAS_ESTIMATE + bribe_gas) * 1.5)

        tracker = Tracker(rpc=s.rpc, submitter=submitter, holder=s.executor.address)
        outcome = await tracker.process(execution)
        assert outcome.success
        assert outcome.realized_profit == sent.expected_profit
        assert outcome.bribe_paid_wei == sent.bribe_wei
        receipt = await s.rpc.call("eth_getTransactionReceipt", execution.tx_hash)
        gained = await native_balance(s.rpc, COINBASE) - coinbase_before
        assert gained == sent.bribe_wei + await priority_fees(s.rpc, receipt, COINBASE)


async def test_a_decision_priced_blocks_ago_is_rejected_by_its_expired_plan(
    devnet_factory: Any,
) -> None:
    async with planted(devnet_factory) as s:
        case = await case_for(s.rpc, s.chain, "v2-v3")
        head = int(await s.rpc.call("eth_blockNumber"), 16)
        gross = case.amount_out - case.amount_in
        # Priced 4 blocks ago: its plan's last block (4 - 1 - 2 = 1 block ago) has passed, though
        # the pools still pay it.
        opportunity = Opportunity(
            id="stale",
            chain_id=s.chain.chain_id,
            block_number=head - 4,
            route=case.route,
            amount_in=case.amount_in,
            amount_out=case.amount_out,
            gross_profit=gross,
            gas_estimate=GAS_ESTIMATE,
            gas_price_wei=100 * GWEI,
            gas_cost_wei=GAS_ESTIMATE * 100 * GWEI,
            net_profit=gross - GAS_ESTIMATE * 100 * GWEI,
            net_profit_usd=1.0,
            source=OpportunitySource.BLOCK,
            detected_ns=1,
        )
        decision = Decision(
            opportunity=opportunity,
            approved=True,
            reasons=(),
            amount_in=case.amount_in,
            min_profit=10**15,
            p_success=1.0,
            expected_value_usd=1.0,
            bribe_wei=0,
            flash_source=FlashLoan.BALANCER_V2,
            decided_ns=2,
        )
        signer = Signer.from_secrets(
            load_secrets({}),
            chain_id=s.chain.chain_id,
            default_key=dev_account(BOT_INDEX).private_key,
        )
        nonces = NonceManager(rpc=s.rpc, address=BOT)
        submitter = make_submitter(s.rpc, signer, nonces, MemorySubmissionGuard())
        stage = ExecuteStage(
            submitter=submitter,
            codec=s.codec,
            executor=s.executor.address,
            fee_model=chain_by_name(CHAIN).fee_model,
            tip_wei=TIP_WEI,
            dry_run=False,
        )
        assert stage.deadline_block(decision) == head - 1
        # Re-checked on the head's states by the local simulation, it would target the next block.
        assert stage.deadline_block(decision, checked_block=head) == head + 1 + 2
        sent_before = await s.rpc.call("eth_getTransactionCount", BOT, "pending")
        execution = await stage.process(decision)
        assert execution.status is ExecutionStatus.REJECTED
        assert execution.error is not None
        # This bare submitter knows no error names: the selector is Expired(uint256,uint256)'s.
        assert selector("Expired(uint256,uint256)").hex() in execution.error, execution.error
        assert execution.tx_hash is None
        # Nothing was sent: the account's nonce is where it was.
        assert await s.rpc.call("eth_getTransactionCount", BOT, "pending") == sent_before
