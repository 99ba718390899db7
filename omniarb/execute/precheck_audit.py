"""The sampled audit of the local simulation: the node's `eth_call`, after the send.

A trade sent on the local simulation alone may be picked (`PrecheckPolicy.audit_due`) for an
audit: its exact call is run with `eth_call` against the block whose states the local
simulation read (the node's state after that block: what the simulation saw), else, on a
node that no longer serves that block, against `latest`, and the profit the executor returns
is compared with the local prediction. The audit runs in its own task, fed by a bounded queue,
never on the hot path; a full queue drops the audit with a counter. A disagreement (another
profit, or a revert) flags every token of the route, so its next trades get the remote
pre-check again, is logged as a warning and reported to `on_result` (the monitor's counter).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from omniarb.errors import RevertError, RpcError
from omniarb.execute.precheck_policy import PrecheckPolicy
from omniarb.execute.submit import TxRequest
from omniarb.types import Route

__all__ = ["AuditJob", "AuditResult", "PrecheckAuditor", "RemoteCall"]

log = logging.getLogger(__name__)

# `submitter.precheck(request, block=...)`: the call's return data, or a RevertError.
RemoteCall = Callable[..., Awaitable[bytes]]


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


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditResult:
    """The node's verdict on an audited trade: the profit its `eth_call` returned (None: it
    reverted, `error` says why), at `block` (a number in hex, or "latest")."""

    job: AuditJob
    remote_profit: int | None
    block: str
    error: str | None = None

    @property
    def matched(self) -> bool:
        return self.remote_profit == self.job.predicted_profit


class PrecheckAuditor:
    """Runs the audits of one chain (`run`, the engine's task); see the module docstring."""

    def __init__(
        self,
        *,
        call: RemoteCall,
        policy: PrecheckPolicy,
        capacity: int = 64,
        on_result: Callable[[AuditResult], None] | None = None,
    ) -> None:
        self._call = call
        self._policy = policy
        self._queue: asyncio.Queue[AuditJob] = asyncio.Queue(maxsize=capacity)
        self.on_result = on_result
        self.dropped = 0
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
        """The node's verdict on `job` (a node that fails both blocks raises its error)."""
        block = hex(job.block_number)
        try:
            try:
                answer = await self._call(job.request, block=block)
            except RpcError as exc:
                # The node refuses the historical block (pruned state): the latest is all.
                log.info("audit of %s at %s refused (%s)", job.opportunity_id, block, exc)
                block = "latest"
                answer = await self._call(job.request, block=block)
        except RevertError as exc:
            return AuditResult(job=job, remote_profit=None, block=block, error=str(exc))
        profit = int.from_bytes(answer[:32], "big") if len(answer) >= 32 else None
        error = None if profit is not None else f"unexpected return data 0x{answer.hex()}"
        return AuditResult(job=job, remote_profit=profit, block=block, error=error)

    def _report(self, result: AuditResult) -> None:
        self.results.append(result)
        job = result.job
        if not result.matched:
            self._policy.audit_disagreed(job.route)
            log.warning(
                "precheck audit of %s at block %s: node %s, local simulation predicted %d; "
                "the route's tokens get the remote pre-check from now on",
                job.opportunity_id,
                result.block,
                result.error or f"returned profit {result.remote_profit}",
                job.predicted_profit,
            )
        if self.on_result is not None:
            self.on_result(result)
