"""The sampled audit of the local simulation: the node's `eth_call`, after the send.

A trade sent on the local simulation alone may be picked (`PrecheckPolicy.audit_due`) for an
audit: its exact call is run with `eth_call` against the block whose states the local
simulation read, named by its hash (EIP-1898: the node's state after that block, what the
simulation saw), and the profit the executor returns is compared with the local prediction.
A node that no longer serves that block (a reorg orphaned it, or it pruned the state) leaves
the audit inconclusive: `latest` is no fair stand-in, since the audited trade has usually
closed its own gap by then.

The call waits until the chain has a block after the audited one (`head_block`, the state
sync's head, past the job's block). A node asked about its latest block by hash may not answer
with that block's state: anvil serves a call pinned to its latest block from its live state,
so a block mined during the call (as a rule the one holding the audited trade, sent just
before) is seen in the answer, and the audit compares the trade's profit after the trade with
the prediction before it. Once a later block exists, the pinned block's own stored state is
read. A chain that makes no new block within `wait_s` (nothing to race with) is audited
anyway. The audit runs in its own task, fed by a bounded queue, never on the hot path; a full
queue drops the audit with a counter. A disagreement (another profit, or
a revert) flags every token of the route, so its next trades get the remote pre-check again,
is logged as a warning and reported to `on_result` (the monitor's counter).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from omniarb.errors import RetryableError, RevertError, RpcError
from omniarb.execute.precheck_policy import PrecheckPolicy
from omniarb.execute.submit import TxRequest
from omniarb.types import Route

__all__ = ["AuditJob", "AuditResult", "PrecheckAuditor", "RemoteCall"]

log = logging.getLogger(__name__)

# `submitter.precheck(request, block=...)`: the call's return data, or a RevertError.
RemoteCall = Callable[..., Awaitable[bytes]]
# How often the audit looks whether the chain has moved past the audited block (memory only).
_HEAD_POLL_S = 0.05


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditJob:
    """A sent trade to audit: its call, the local prediction of its profit (start token base
    units) and the block whose states the prediction was made on."""

    chain_id: int
    opportunity_id: str
    route: Route
    request: TxRequest
    predicted_profit: int
    block_number: int
    block_hash: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditResult:
    """The node's verdict on an audited trade at the job's block: the profit its `eth_call`
    returned (None: it reverted, `error` says why), or `inconclusive` when the node no longer
    serves that block."""

    job: AuditJob
    remote_profit: int | None
    error: str | None = None
    inconclusive: bool = False

    @property
    def matched(self) -> bool:
        return self.remote_profit == self.job.predicted_profit

    @property
    def disagreed(self) -> bool:
        return not self.inconclusive and not self.matched

    @property
    def label(self) -> str:
        """`match`, `mismatch` or `inconclusive` (the monitor's label)."""
        if self.inconclusive:
            return "inconclusive"
        return "match" if self.matched else "mismatch"


class PrecheckAuditor:
    """Runs the audits of one chain (`run`, the engine's task); see the module docstring."""

    def __init__(
        self,
        *,
        call: RemoteCall,
        policy: PrecheckPolicy,
        head_block: Callable[[], int | None],
        wait_s: float = 60.0,
        capacity: int = 64,
        on_result: Callable[[AuditResult], None] | None = None,
    ) -> None:
        self._call = call
        self._policy = policy
        self._head_block = head_block
        self._wait_s = wait_s
        self._queue: asyncio.Queue[AuditJob] = asyncio.Queue(maxsize=capacity)
        self.on_result = on_result
        self.dropped = 0
        self.inconclusive = 0
        # The latest results, for reports and tests (bounded: the bot runs for days).
        self.results: deque[AuditResult] = deque(maxlen=256)

    def enqueue(self, job: AuditJob) -> bool:
        """Queue `job` without waiting; False (counted in `dropped`) when the queue is full."""
        try:
            self._queue.put_nowait(job)
        except asyncio.QueueFull:
            self.dropped += 1
            log.warning("precheck audit of %s dropped: the queue is full", job.opportunity_id)
            return False
        return True

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    async def run(self) -> None:
        """Audit queued trades one at a time, forever."""
        while True:
            job = await self._queue.get()
            try:
                result = await self.audit(job)
            finally:
                self._queue.task_done()
            self._report(result)

    async def audit(self, job: AuditJob) -> AuditResult:
        """The node's verdict on `job` at the block the local simulation read, once the chain
        has a block after it (module docstring)."""
        await self._past(job)
        try:
            answer = await self._call(job.request, block={"blockHash": job.block_hash})
        except RevertError as exc:
            return AuditResult(job=job, remote_profit=None, error=str(exc))
        except (RpcError, RetryableError) as exc:
            self.inconclusive += 1
            log.info(
                "audit of %s inconclusive: block %d (%s) not served: %s",
                job.opportunity_id,
                job.block_number,
                job.block_hash,
                exc,
            )
            return AuditResult(job=job, remote_profit=None, error=str(exc), inconclusive=True)
        profit = int.from_bytes(answer[:32], "big") if len(answer) >= 32 else None
        error = None if profit is not None else f"unexpected return data 0x{answer.hex()}"
        return AuditResult(job=job, remote_profit=profit, error=error)

    async def _past(self, job: AuditJob) -> None:
        """Until the chain's head is past `job`'s block, or `wait_s` went by without it."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self._wait_s
        while (head := self._head_block()) is None or head <= job.block_number:
            if loop.time() >= give_up:
                log.info(
                    "audit of %s: no block after %d in %.0f s; audited at it anyway",
                    job.opportunity_id,
                    job.block_number,
                    self._wait_s,
                )
                return
            await asyncio.sleep(_HEAD_POLL_S)

    def _report(self, result: AuditResult) -> None:
        self.results.append(result)
        job = result.job
        if result.disagreed:
            self._policy.audit_disagreed(job.route)
            log.warning(
                "precheck audit of %s at block %d: node %s, local simulation predicted %d; "
                "the route's tokens get the remote pre-check from now on",
                job.opportunity_id,
                job.block_number,
                result.error or f"returned profit {result.remote_profit}",
                job.predicted_profit,
            )
        if self.on_result is not None:
            self.on_result(result)
