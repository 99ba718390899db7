"""New heads and logs of one chain, as typed events, from `newHeads` + `logs` subscriptions.

`HeadCollector.events()` turns the WebSocket notifications into `NewHead` and `ChainLog` values
(`omniarb.chain_events`) and a reconnect into `StreamResumed`, the consumer's cue that blocks
may have gone by unseen. A head announced before its logs is held for a moment until they come
(`omniarb.collect.head_hold`), so the state stage need not fetch them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing

from omniarb.chain_events import (
    ChainEvent,
    ChainLog,
    LogFilter,
    NewHead,
    StreamResumed,
    parse_head,
    parse_log,
)
from omniarb.chains.rpc import EndpointObserver
from omniarb.chains.ws import (
    ReconnectPolicy,
    SubscriptionSpec,
    WsNotification,
    WsReconnected,
    WsSubscriptions,
)
from omniarb.collect.head_hold import HeadHold, HoldSettings, Lookahead
from omniarb.errors import RpcTransportError

__all__ = ["HeadCollector"]

log = logging.getLogger(__name__)


class HeadCollector:
    """The collector of one chain: `async for event in collector.events(): ...`.

    Subscribes to `newHeads` and to one `logs` subscription per filter, over one WebSocket that
    is re-opened whenever it drops, on `ws_url` or, given several URLs, on the best of them in
    order of preference (see `WsSubscriptions`); their health goes to `observer`. Stop it by
    cancelling the task that iterates. `hold` bounds how long a head waits for its logs
    (`HoldSettings`; `hold.counters` says how often).
    """

    def __init__(
        self,
        *,
        chain_id: int,
        ws_url: str | Sequence[str],
        log_filters: Sequence[LogFilter],
        policy: ReconnectPolicy | None = None,
        observer: EndpointObserver | None = None,
        hold: HoldSettings | None = None,
    ) -> None:
        self.chain_id = chain_id
        self.malformed = 0
        self.hold = HeadHold(log_filters, hold or HoldSettings())
        specs = [SubscriptionSpec(kind="newHeads")] + [
            SubscriptionSpec(kind="logs", params=(f.to_params(),)) for f in log_filters
        ]
        self.subscriptions = WsSubscriptions(
            urls=(ws_url,) if isinstance(ws_url, str) else tuple(ws_url),
            specs=specs,
            policy=policy or ReconnectPolicy(),
            observer=observer,
        )

    def _event(self, item: WsNotification | WsReconnected) -> ChainEvent:
        received_ns = time.monotonic_ns()
        if isinstance(item, WsReconnected):
            return StreamResumed(
                chain_id=self.chain_id,
                down_s=item.down_s,
                attempts=item.attempts,
                received_ns=received_ns,
                endpoint=item.endpoint,
                failover=item.failover,
            )
        if not isinstance(item.result, Mapping):
            raise RpcTransportError("subscription sent a non-object", url=self.subscriptions.url)
        if item.index == 0:
            return parse_head(self.chain_id, item.result, received_ns)
        return parse_log(self.chain_id, item.result, received_ns)

    def _parsed(self, item: WsNotification | WsReconnected) -> ChainEvent | None:
        try:
            return self._event(item)
        except (KeyError, ValueError, TypeError, RpcTransportError) as exc:
            # One malformed notification must not take the chain down: a lost head is a gap
            # the state stage back-fills at the next one.
            self.malformed += 1
            log.warning("chain %d: dropped a malformed notification: %s", self.chain_id, exc)
            return None

    async def events(self) -> AsyncGenerator[ChainEvent, None]:
        hold = self.hold
        settings = hold.settings
        loop = asyncio.get_running_loop()
        async with aclosing(self.subscriptions.stream()) as stream:
            items = Lookahead(stream)
            held: NewHead | None = None
            waiting: set[int] = set()  # the logs subscriptions the held head waits for
            deadline = 0.0
            try:
                while True:
                    timeout_s = None if held is None else max(0.0, deadline - loop.time())
                    try:
                        item = await items.next(timeout_s)
                    except StopAsyncIteration:
                        break
                    if item is None:  # the wait (or the pause after its logs) is over
                        assert held is not None
                        hold.counters.expired += bool(waiting)
                        hold.counters.released(time.monotonic_ns() - held.received_ns)
                        yield held
                        held = None
                        continue
                    event = self._parsed(item)
                    if event is None:
                        continue
                    if isinstance(event, ChainLog) and isinstance(item, WsNotification):
                        hold.saw_log(event.block_hash, item.index - 1)
                        yield event
                        if held is not None and event.block_hash == held.hash and waiting:
                            waiting.discard(item.index - 1)
                            if not waiting:
                                hold.counters.logs_came += 1
                                deadline = loop.time() + settings.settle_s
                        elif held is not None and event.block_hash == held.hash:
                            deadline = loop.time() + settings.settle_s
                        continue
                    if held is not None:  # released early by a head or a reconnect
                        hold.counters.expired += bool(waiting)
                        hold.counters.released(time.monotonic_ns() - held.received_ns)
                        yield held
                        held = None
                    if isinstance(event, NewHead):
                        waiting = hold.outstanding(event)
                        if waiting:
                            hold.counters.held += 1
                            held = event
                            deadline = loop.time() + settings.wait_s
                            continue
                    yield event
                if held is not None:
                    yield held
            finally:
                await items.aclose()
