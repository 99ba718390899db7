"""New heads and logs of one chain, as typed events, from `newHeads` + `logs` subscriptions.

`HeadCollector.events()` turns the WebSocket notifications into `NewHead` and `ChainLog` values
(`omniarb.chain_events`) and a reconnect into `StreamResumed`, the consumer's cue that blocks
may have gone by unseen.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from contextlib import aclosing

from omniarb.chain_events import ChainEvent, LogFilter, StreamResumed, parse_head, parse_log
from omniarb.chains.rpc import EndpointObserver
from omniarb.chains.ws import (
    ReconnectPolicy,
    SubscriptionSpec,
    WsNotification,
    WsReconnected,
    WsSubscriptions,
)
from omniarb.errors import RpcTransportError

__all__ = ["HeadCollector"]

log = logging.getLogger(__name__)


class HeadCollector:
    """The collector of one chain: `async for event in collector.events(): ...`.

    Subscribes to `newHeads` and to one `logs` subscription per filter, over one WebSocket that
    is re-opened whenever it drops, on `ws_url` or, given several URLs, on the best of them in
    order of preference (see `WsSubscriptions`); their health goes to `observer`. Stop it by
    cancelling the task that iterates.
    """

    def __init__(
        self,
        *,
        chain_id: int,
        ws_url: str | Sequence[str],
        log_filters: Sequence[LogFilter],
        policy: ReconnectPolicy | None = None,
        observer: EndpointObserver | None = None,
    ) -> None:
        self.chain_id = chain_id
        self.malformed = 0
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

    async def events(self) -> AsyncGenerator[ChainEvent, None]:
        async with aclosing(self.subscriptions.stream()) as stream:
            async for item in stream:
                try:
                    event = self._event(item)
                except (KeyError, ValueError, TypeError, RpcTransportError) as exc:
                    # One malformed notification must not take the chain down: a lost head is a
                    # gap the state stage back-fills at the next one.
                    self.malformed += 1
                    log.warning(
                        "chain %d: dropped a malformed notification: %s", self.chain_id, exc
                    )
                    continue
                yield event
