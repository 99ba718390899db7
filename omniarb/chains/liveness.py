"""Is a chain's node up? One bounded `eth_blockNumber` a second answers it for the operator.

    probe = NodeProbe(rpc, chain="polygon")
    async for status in probe.statuses():   # one `NodeStatus` per check, forever
        ...

The pipeline alone cannot tell: a frozen node (SIGSTOP, a hung process) closes nothing and raises
nothing, it just stops sending heads, which looks like a quiet chain. The probe's request has a
deadline of its own, so a node that never answers is down after `timeout_s`, and the head it
reports when up gives the block lag against what the pipeline has processed. Going down, staying
down (once a minute) and coming back are each logged once (`omniarb.outage`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

from omniarb.chains.rpc import EndpointHealth, RpcClient
from omniarb.errors import OmniarbError
from omniarb.outage import OutageLog

__all__ = ["NodeProbe", "NodeStatus"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class NodeStatus:
    """One check of a chain's node: `up` with its `head_block` and the round trip `latency_ms`,
    or down since `down_for_s`; `endpoints` is each RPC endpoint's health at that moment."""

    chain: str
    up: bool
    head_block: int | None
    latency_ms: float | None
    down_for_s: float
    error: str | None
    changed: bool
    endpoints: tuple[EndpointHealth, ...]


class NodeProbe:
    """Checks `rpc`'s node every `interval_s`; a check not answered within `timeout_s` is down."""

    def __init__(
        self,
        rpc: RpcClient,
        *,
        chain: str,
        interval_s: float = 1.0,
        timeout_s: float = 2.0,
    ) -> None:
        self._rpc = rpc
        self.chain = chain
        self._interval_s = interval_s
        self._timeout_s = timeout_s
        self._outage = OutageLog(log, f"chain {chain}: node {rpc.url}")
        self._was_up: bool | None = None

    async def check(self) -> NodeStatus:
        """Ask once; never raises a node's error (it is the answer: down)."""
        error: str | None = None
        head: int | None = None
        started = time.monotonic()
        try:
            async with asyncio.timeout(self._timeout_s):
                head = int(await self._rpc.call("eth_blockNumber"), 16)
        except TimeoutError:
            error = f"no answer within {self._timeout_s:g} s"
        except (OmniarbError, ValueError, TypeError) as exc:
            error = str(exc) or type(exc).__name__
        latency_ms = (time.monotonic() - started) * 1000
        up = error is None
        if up:
            self._outage.recovered()
        else:
            self._outage.failed(error or "")
        changed = self._was_up is not up
        self._was_up = up
        since = self._outage.down_since
        return NodeStatus(
            chain=self.chain,
            up=up,
            head_block=head,
            latency_ms=latency_ms if up else None,
            down_for_s=0.0 if since is None else time.monotonic() - since,
            error=error,
            changed=changed,
            endpoints=self._rpc.health(),
        )

    async def statuses(self) -> AsyncIterator[NodeStatus]:
        """A status per check, forever (cancel to stop); checks start `interval_s` apart."""
        while True:
            started = time.monotonic()
            yield await self.check()
            await asyncio.sleep(max(0.0, self._interval_s - (time.monotonic() - started)))
