"""The track stage: an execution in, its outcome out (receipt, realized profit, gas, ordering)."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any, Protocol

from omniarb.chains.fee_models import FeeOracle
from omniarb.chains.rpc import RpcClient
from omniarb.errors import OmniarbError
from omniarb.track.realized import bribe_paid, net_transfers
from omniarb.track.rival_loss import find_rival
from omniarb.track.touched import Touch, earlier_touches, touch_topics
from omniarb.types import Execution, Landing, Outcome, Route, SubmitChannel, TxReceipt

__all__ = ["ReceiptSource", "Tracker", "dropped"]

log = logging.getLogger(__name__)

# A bundle that never landed is checked for a rival over the blocks it could have landed in.
_BUNDLE_WINDOW_BLOCKS = 3


class ReceiptSource(Protocol):
    """Who waits for a sent transaction to land (the execute stage's `Submitter`, which knows
    how long a transaction it sent may take and replaces it when stuck)."""

    async def land(self, tx_hash: str) -> Landing: ...


def dropped(execution: Execution) -> Outcome:
    """The outcome of an execution whose nonce another transaction spent: never included."""
    return Outcome(
        execution=execution,
        included=False,
        success=False,
        block_number=None,
        gas_used=0,
        effective_gas_price_wei=0,
        gas_cost_wei=0,
        realized_profit=0,
        touched_earlier_in_block=False,
        confirmed_ns=time.monotonic_ns(),
    )


class Tracker:
    """Waits for an execution's receipt and says what it earned.

    `holder` is where profit accrues (the executor contract). `touched_earlier_in_block` is
    true when a transaction that ran before ours, after the block the prediction was made on,
    changed the state of one of the route's pools (`omniarb.track.touched`: a V2 `Sync`, a V3
    `Swap`, `Mint` or `Burn`): the state our prediction was made on did not hold, so realized
    may differ. That is usually a transaction earlier in the same block; when the trade lands a
    block or more late (a slow send, a busy node), the blocks in between count too, since their
    swaps changed the pools just the same. The pending swap a backrun was priced behind (its
    `trigger_tx`) is part of the prediction, not a touch.

    A bribed trade's outcome records the bribe paid to the block's coinbase, from the
    executor's `BribePaid` log; its realized profit is already net of it (the executor unwrapped
    it from the profit), as the decision's expected profit is.

    A trade that reverted after such a transaction, when that transaction was an arbitrage (it
    moved two or more pools of the route, or paid the coinbase), is `lost_to_rival`, with the
    rival's hash (`omniarb.track.rival_loss`); so is a bundle that never landed when such an
    arbitrage ran in the blocks it targeted.

    On an L2 (`fees` given), the outcome records the L1 data fee paid: the receipt's own figure
    where the node reports one, else the chain's L1 prices at the receipt's block applied to the
    transaction (`FeeOracle.paid_l1_fee_wei`); if that read fails, the fee priced before sending.
    """

    def __init__(
        self,
        *,
        rpc: RpcClient,
        submitter: ReceiptSource,
        holder: str,
        fees: FeeOracle | None = None,
    ) -> None:
        self._rpc = rpc
        self._submitter = submitter
        self._holder = holder
        self._fees = fees

    async def process(self, execution: Execution) -> Outcome:
        if execution.tx_hash is None:
            raise ValueError("only a submitted execution can be tracked")
        landing = await self._submitter.land(execution.tx_hash)
        if landing.receipt is None:
            outcome = replace(dropped(execution), replacements=landing.replacements)
            if execution.channel is not SubmitChannel.BUNDLE:
                return outcome
            rival = await self._bundle_rival(execution)
            return replace(outcome, lost_to_rival=rival is not None, rival_tx_hash=rival)
        outcome = await self.outcome(execution, landing.receipt, cancelled=landing.cancelled)
        return replace(outcome, replacements=landing.replacements)

    async def outcome(
        self, execution: Execution, receipt: TxReceipt, *, cancelled: bool = False
    ) -> Outcome:
        """The outcome of `execution` whose transaction (or a replacement of it) was mined
        with `receipt`; `cancelled` when that was a cancel (nothing traded, gas lost)."""
        route = execution.decision.opportunity.route
        realized = (
            net_transfers(receipt.logs, token=route.token_in, holder=self._holder)
            if receipt.success and not cancelled
            else 0
        )
        if cancelled:
            log.info("trade %s was cancelled by %s", execution.tx_hash, receipt.tx_hash)
            return Outcome(
                execution=execution,
                included=True,
                success=False,
                block_number=receipt.block_number,
                block_hash=receipt.block_hash,
                gas_used=receipt.gas_used,
                effective_gas_price_wei=receipt.effective_gas_price_wei,
                gas_cost_wei=receipt.gas_cost_wei,
                realized_profit=0,
                touched_earlier_in_block=False,
                confirmed_ns=time.monotonic_ns(),
                l1_fee_wei=await self._l1_fee_paid(execution, receipt),
                mined_tx_hash=receipt.tx_hash,
                cancelled=True,
            )
        opportunity = execution.decision.opportunity
        touches = await self._earlier_touches(
            receipt,
            route,
            priced_at=opportunity.block_number,
            premise=frozenset({opportunity.trigger_tx.lower()} if opportunity.trigger_tx else ()),
        )
        touched = bool(touches)
        if touches:
            log.info(
                "trade %s ran after %d transaction(s) that moved its pools, first %s in block %d",
                receipt.tx_hash,
                len({t.tx_hash for t in touches}),
                touches[0].tx_hash,
                touches[0].block_number,
            )
        rival = None if receipt.success else await find_rival(touches, self._receipt_of)
        if rival is not None:
            log.info("trade %s was lost to rival %s", receipt.tx_hash, rival)
        bribe = bribe_paid(receipt.logs, executor=self._holder) if receipt.success else 0
        if receipt.success and realized != execution.decision.expected_profit:
            log.info(
                "trade %s realized %d vs predicted %d (touched earlier in block: %s)",
                receipt.tx_hash,
                realized,
                execution.decision.expected_profit,
                touched,
            )
        return Outcome(
            execution=execution,
            included=True,
            success=receipt.success,
            block_number=receipt.block_number,
            block_hash=receipt.block_hash,
            gas_used=receipt.gas_used,
            effective_gas_price_wei=receipt.effective_gas_price_wei,
            gas_cost_wei=receipt.gas_cost_wei,
            realized_profit=realized,
            bribe_paid_wei=bribe,
            touched_earlier_in_block=touched,
            confirmed_ns=time.monotonic_ns(),
            l1_fee_wei=await self._l1_fee_paid(execution, receipt),
            mined_tx_hash=receipt.tx_hash if receipt.tx_hash != execution.tx_hash else None,
            lost_to_rival=rival is not None,
            rival_tx_hash=rival,
        )

    async def _receipt_of(self, tx_hash: str) -> dict[str, object] | None:
        answer = await self._rpc.call("eth_getTransactionReceipt", tx_hash)
        return dict(answer) if answer else None

    async def _bundle_rival(self, execution: Execution) -> str | None:
        """The rival arbitrage that ran in the blocks a bundle that never landed targeted (the
        few after the block it was priced on), if one did."""
        route = execution.decision.opportunity.route
        priced_at = execution.decision.opportunity.block_number
        try:
            head = int(await self._rpc.call("eth_blockNumber"), 16)
            last = min(head, priced_at + _BUNDLE_WINDOW_BLOCKS)
            if last <= priced_at:
                return None
            logs = await self._route_logs(
                route, {"fromBlock": hex(priced_at + 1), "toBlock": hex(last)}
            )
            touches = earlier_touches(
                logs,
                topics=touch_topics(route),
                block_number=last + 1,
                transaction_index=0,
                priced_at=priced_at,
            )
            return await find_rival(touches, self._receipt_of)
        except OmniarbError as exc:
            log.info("bundle %s: rivals not checked (%s)", execution.bundle_hash, exc)
            return None

    async def _l1_fee_paid(self, execution: Execution, receipt: TxReceipt) -> int:
        fees = self._fees
        if fees is None or not fees.has_l1_fee:
            return receipt.l1_fee_wei or 0
        try:
            return await fees.paid_l1_fee_wei(receipt)
        except OmniarbError as exc:
            log.warning(
                "trade %s: L1 fee paid not read (%s); recording the %d wei priced before sending",
                receipt.tx_hash,
                exc,
                execution.l1_fee_wei,
            )
            return execution.l1_fee_wei

    async def _earlier_touches(
        self, receipt: TxReceipt, route: Route, *, priced_at: int, premise: frozenset[str]
    ) -> tuple[Touch, ...]:
        """The state changes of `route`'s pools after block `priced_at` and before our trade,
        except those of `premise` (the pending swap a backrun was priced behind)."""
        in_next_block = receipt.block_number <= priced_at + 1
        if in_next_block and receipt.transaction_index == 0:
            return ()
        where: dict[str, object] = (
            {"blockHash": receipt.block_hash}
            if in_next_block
            else {"fromBlock": hex(priced_at + 1), "toBlock": hex(receipt.block_number)}
        )
        logs = await self._route_logs(route, where)
        return earlier_touches(
            logs,
            topics=touch_topics(route),
            block_number=receipt.block_number,
            transaction_index=receipt.transaction_index,
            priced_at=priced_at if not in_next_block else receipt.block_number - 1,
            premise=premise,
        )

    async def _route_logs(self, route: Route, where: dict[str, object]) -> list[dict[str, Any]]:
        """The logs in `where`'s blocks that may change a pool of `route`."""
        topics = touch_topics(route)
        known = [kind_topics for kind_topics in topics.values() if kind_topics is not None]
        if len(known) == len(topics):
            # By topic from any emitter: a singleton (Uniswap V4's PoolManager) logs for the
            # pools it holds, which `earlier_touches` matches by the id in topic 1.
            where = {**where, "topics": [sorted(frozenset().union(*known))]}
        else:  # every log of the pools is needed
            where = {**where, "address": sorted(topics)}
        return list(await self._rpc.call("eth_getLogs", where))
