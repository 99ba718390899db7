"""The execute stage: an approved decision in, a sent (or, in a dry run, simulated) transaction
out. Before anything is signed the trade is simulated locally on the synced pool states
(`local_check`), and the node's `eth_call` pre-check runs as the `PrecheckPolicy` says (always
in a dry run)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from omniarb.chains.fee_models import FeeOracle
from omniarb.chains.fees import fees_for
from omniarb.chains.spec import FeeModel
from omniarb.errors import RejectedError, RetryableError, RevertError, RpcError
from omniarb.execute.bribe import BribePolicy
from omniarb.execute.key_pool import KeyPool
from omniarb.execute.l1_fee import L1FeeError, cover_l1_fee
from omniarb.execute.local_check import LocalPrediction, LocalSimulation
from omniarb.execute.precheck_audit import AuditJob, PrecheckAuditor
from omniarb.execute.precheck_policy import PrecheckPolicy
from omniarb.execute.route_codec import RouteCodec, plan_source
from omniarb.execute.submit import Submitter, TxRequest
from omniarb.types import Decision, Execution, ExecutionStatus, Outcome, SubmitChannel

__all__ = ["ExecuteStage"]

log = logging.getLogger(__name__)

# The gas model is an estimate; a limit with headroom costs nothing (unused gas is not paid).
_GAS_LIMIT_HEADROOM = 1.5


def _require_positive_min_profit(decision: Decision) -> None:
    """The allocator sets the minimum to the trade's gas (and L1 fee) in the start token, at
    least 1: a plan that may break even or lose is never signed."""
    if decision.min_profit < 1:
        raise RejectedError(f"minimum profit {decision.min_profit} is not positive")


class ExecuteStage:
    """Encodes the route for `executor` with the loan the allocator chose, prices the gas,
    pre-checks and sends (or only simulates).

    The bid is the block's base fee plus the tip the detector assumed: the chain's current
    quote's (`fees`), else `tip_wei`. On an L2, the transaction's exact L1 data fee is priced
    before it is sent and the on-chain minimum profit made to cover it (`l1_fee.cover_l1_fee`);
    a trade it leaves unprofitable is rejected with the L1 fee named.

    With `local`, every trade is first checked on the synced pool states; one it rejects is
    never sent. `policy` then says whether the node's pre-check also runs before the send
    (without one, it always does), and picks the trades sent without it that `auditor`
    checks after the send.

    `channel` is what every execution records as the way it went (`public`, or `sequencer` on
    an L2 whose node is the sequencer's).

    `bribe` is the chain's bribe to the block's coinbase (`execute.bribe`): a share of each
    trade's predicted profit, set in `Decision.bribe_wei` (which the expected profit is net
    of) and paid by the executor's bribed entry. The default, a share of 0, sends `execute`
    as before.

    `bribe_share_bps` and `min_tip_wei`, when given, are read on every trade (the optimizer's
    live parameters, `omniarb.optimize`): the bribe's share, and the least tip bid.

    Every plan expires on chain (`deadline_block`): it may run in the block after the one the
    trade was priced on (or, with `local`, last re-checked on) and `deadline_blocks` more; sent
    in bundles, at least through the last block they target. The sender never aims past it
    (`TxRequest.deadline_block`).
    """

    def __init__(
        self,
        *,
        submitter: Submitter | KeyPool,
        codec: RouteCodec,
        executor: str,
        fee_model: FeeModel,
        tip_wei: int,
        dry_run: bool,
        deadline_blocks: int = 2,
        fees: FeeOracle | None = None,
        local: LocalSimulation | None = None,
        policy: PrecheckPolicy | None = None,
        auditor: PrecheckAuditor | None = None,
        channel: SubmitChannel = SubmitChannel.PUBLIC,
        bribe: BribePolicy | None = None,
        bribe_share_bps: Callable[[], int] | None = None,
        min_tip_wei: Callable[[], int] | None = None,
    ) -> None:
        self._submitter = submitter
        self._codec = codec
        self._executor = executor
        self._fee_model = fee_model
        self._tip_wei = tip_wei
        self._dry_run = dry_run
        if deadline_blocks < 0:
            raise ValueError(f"deadline_blocks must be >= 0, got {deadline_blocks}")
        self._deadline_blocks = deadline_blocks
        self._fees = fees
        self._local = local
        self.policy = policy
        self.auditor = auditor
        self._channel = channel
        self._bribe = bribe or BribePolicy()
        self._bribe_share_bps = bribe_share_bps
        self._min_tip_wei = min_tip_wei
        self._rewrites_seen = local.rewrites if local is not None else 0

    @property
    def executor(self) -> str:
        """The executor contract the trades go through."""
        return self._executor

    @property
    def submitter(self) -> Submitter | KeyPool:
        return self._submitter

    def deadline_block(self, decision: Decision, *, checked_block: int | None = None) -> int:
        """The last block `decision`'s plan may run in (see the class docstring):
        `checked_block` is the block of the states the local simulation re-checks the trade on
        just before the send, when it does (later than the decision's when the bot runs late:
        the trade targets the block after the latest state it was proven on)."""
        priced = decision.opportunity.block_number
        if checked_block is not None:
            priced = max(priced, checked_block)
        deadline = priced + 1 + self._deadline_blocks
        bundles = self._submitter.bundles
        last_target = None if bundles is None else bundles.last_target_block()
        return deadline if last_target is None else max(deadline, last_target)

    def on_outcome(self, outcome: Outcome) -> None:
        """A settled trade of this stage's: the pre-check policy learns its tokens from it."""
        if self.policy is not None:
            self.policy.on_outcome(outcome)

    async def process(self, decision: Decision, *, lead: Sequence[str] = ()) -> Execution:
        """Send `decision`'s trade; behind `lead` (the signed pending transactions it backruns,
        0x hex) in a bundle when there are any. Such a trade is priced on the state after them,
        so neither the local simulation nor the node's pre-check (both on the state before) can
        judge it: the relay simulates the bundle, and one that would revert is dropped unpaid."""
        opportunity = decision.opportunity
        if self._fees is None:
            tip_wei = self._tip_wei
            base_fee_wei = max(opportunity.gas_price_wei - tip_wei, 0)
        else:
            quote = self._fees.quote
            tip_wei = quote.tip_wei
            # The tip may have moved since the detector priced the trade: the base fee is then
            # no longer its gas price less today's tip, so never bid below the latest block's.
            base_fee_wei = max(opportunity.gas_price_wei - tip_wei, quote.base_fee_wei, 0)
        if self._min_tip_wei is not None:
            tip_wei = max(tip_wei, self._min_tip_wei())
        fees = fees_for(self._fee_model, base_fee_wei=base_fee_wei, tip_wei=tip_wei)
        bribe = (
            self._bribe
            if self._bribe_share_bps is None
            else replace(self._bribe, share_bps=self._bribe_share_bps())
        )
        unsent = Execution(
            decision=decision,
            status=ExecutionStatus.SIMULATED,
            tx_hash=None,
            nonce=None,
            max_fee_per_gas_wei=fees.fee_cap_wei,
            priority_fee_wei=fees.tip_wei,
            submitted_ns=time.monotonic_ns(),
            times=decision.times,
            channel=self._channel,
        )
        try:
            # Inside the try: a route or loan the plan cannot express is a rejected trade, not
            # a crash of the chain's pipeline.
            source = plan_source(decision.flash_source)
            decision = bribe.applied(decision)
            unsent = replace(unsent, decision=decision)
            _require_positive_min_profit(decision)
            checked = None if self._local is None or lead else self._local.head_block
            deadline = self.deadline_block(decision, checked_block=checked)

            def calldata(min_profit: int) -> bytes:
                plan = self._codec.plan(
                    opportunity.route,
                    decision.amount_in,
                    min_profit,
                    source,
                    flash_pool=decision.flash_pool,
                    deadline_block=deadline,
                )
                return bribe.calldata(decision, plan)

            gas = int(decision.trade_gas_estimate * _GAS_LIMIT_HEADROOM)
            if self._fees is not None and self._fees.has_l1_fee:
                priced = await cover_l1_fee(
                    self._fees, decision, to=self._executor, gas=gas, fees=fees, calldata=calldata
                )
                data = priced.data
                # Arbitrum charges the L1 fee as L2 gas: the limit must hold it too (within
                # the block's gas limit, which a devnet's anvil enforces).
                gas = self._fees.quote.gas_limit_with_l1(gas, priced.cost.l1_gas)
                unsent = replace(
                    unsent,
                    decision=replace(decision, min_profit=priced.min_profit),
                    l1_fee_wei=priced.cost.fee_wei,
                )
            else:
                data = calldata(decision.min_profit)
            request = TxRequest(
                to=self._executor, data=data, gas=gas, fees=fees, deadline_block=deadline
            )
            if self._dry_run:
                if not lead:
                    await self._submitter.precheck(request)
                return unsent
            prediction: LocalPrediction | None = None
            if self._local is not None and not lead:
                prediction = self._local.check(
                    decision, min_profit=unsent.decision.min_profit, deadline_block=deadline
                )
                if self._local.rewrites != self._rewrites_seen:
                    # Without the node's pre-check the send can come before the finality
                    # watch frees the nonces a reorg dropped: re-read the count instead.
                    self._rewrites_seen = self._local.rewrites
                    self._submitter.chain_rewritten()
            remote = not lead and (
                self.policy is None or self.policy.remote_needed(opportunity.route)
            )
            sent = await self._submitter.submit(opportunity.id, request, precheck=remote, lead=lead)
            if not remote and prediction is not None:
                self._maybe_audit(decision, request, prediction)
        except L1FeeError as exc:
            log.info("opportunity %s not sent: %s", opportunity.id, exc)
            return replace(
                unsent, status=ExecutionStatus.REJECTED, error=str(exc), l1_fee_wei=exc.l1_fee_wei
            )
        except (RevertError, RejectedError) as exc:
            log.info("opportunity %s not sent: %s", opportunity.id, exc)
            return replace(unsent, status=ExecutionStatus.REJECTED, error=str(exc))
        except (RetryableError, RpcError) as exc:
            # A node that failed or refused the request: a system problem, not this trade's.
            log.warning("opportunity %s could not be sent: %s", opportunity.id, exc)
            return replace(unsent, status=ExecutionStatus.FAILED, error=str(exc))
        return replace(
            unsent,
            status=ExecutionStatus.SUBMITTED,
            tx_hash=sent.tx_hash,
            nonce=sent.nonce,
            submitted_ns=sent.submitted_ns,
            bundle_hash=None if sent.bundle is None else sent.bundle.bundle_hash,
            times=decision.times.at(
                checked_ns=sent.checked_ns,
                signed_ns=sent.signed_ns,
                sent_ns=sent.sent_ns,
                acked_ns=sent.submitted_ns,
            ),
        )

    def _maybe_audit(
        self, decision: Decision, request: TxRequest, prediction: LocalPrediction
    ) -> None:
        """Queue the audit of a trade sent without the remote pre-check, when one is due."""
        if self.auditor is None or self.policy is None or not self.policy.audit_due():
            return
        opportunity = decision.opportunity
        self.auditor.enqueue(
            AuditJob(
                chain_id=opportunity.chain_id,
                opportunity_id=opportunity.id,
                route=opportunity.route,
                request=request,
                predicted_profit=prediction.profit,
                block_number=prediction.head_block,
                block_hash=prediction.head_hash,
            )
        )
