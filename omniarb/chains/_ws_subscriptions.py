"""`WsSubscriptions`: a set of subscriptions kept alive across dropped connections and over
several endpoints. Part of `omniarb.chains.ws`, which re-exports it."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncGenerator, Mapping, Sequence
from dataclasses import dataclass, field

from omniarb.chains._ws_client import (
    ReconnectPolicy,
    SubscriptionSpec,
    WsClient,
    WsNotification,
    WsReconnected,
)
from omniarb.chains._ws_endpoints import WsEndpoint, WsEndpoints
from omniarb.chains.rpc import EndpointHealth, EndpointObserver
from omniarb.errors import RetryableError, RevertError, RpcError, RpcTransportError
from omniarb.outage import OutageLog

__all__ = ["WsSubscriptions"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class WsSubscriptions:
    """Subscriptions that survive dropped connections: `async for item in subs.stream():`.

    Yields `WsNotification`s and, after each reconnect or change of endpoint, one
    `WsReconnected`: notifications sent meanwhile are lost (or come twice), and the consumer
    back-fills. `urls` are the endpoints in order of preference (one URL is fine).

    It never gives up on a transport error (the delay between attempts is capped), so a node
    restart costs a gap, not the process. With one endpoint, a node that refuses the
    subscription itself (`RpcError`) is a configuration problem and raises; with several, it
    is one more reason to use another endpoint.

    With several endpoints the stream also fails over when the one in use is stale: every
    `policy.failover.head_check_interval_s` it probes the others' heads (`eth_blockNumber`
    over a short connection) and compares them with the last head the stream delivered; it
    goes back to a preferred endpoint as soon as that one answers and is not stale. Each
    endpoint's health goes to `observer` (the HTTP client's `EndpointHealth`).

    Counters: `connections` (times connected and subscribed, the first included), `drops`
    (connections lost), `reconnects` (gap notices sent), `failovers` (changes of endpoint).
    """

    urls: Sequence[str]
    specs: Sequence[SubscriptionSpec]
    policy: ReconnectPolicy = field(default_factory=ReconnectPolicy)
    observer: EndpointObserver | None = None
    connections: int = 0
    drops: int = 0
    reconnects: int = 0
    failovers: int = 0
    failed_attempts: int = 0
    rng: random.Random = field(default_factory=random.Random)
    endpoints: WsEndpoints = field(init=False)
    _active: WsEndpoint | None = field(init=False, default=None)
    _checks_due: float = field(init=False, default=0.0)
    _head_spec: int | None = field(init=False, default=None)
    _active_since: float = field(init=False, default=0.0)
    # Per endpoint: a node that stays unreachable is logged when it goes, once a minute after,
    # and when it is back, not on every attempt.
    _outages: dict[str, OutageLog] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        if isinstance(self.urls, str):
            self.urls = (self.urls,)
        self.endpoints = WsEndpoints(self.urls, self.policy.failover, observer=self.observer)
        self._head_spec = next(
            (i for i, spec in enumerate(self.specs) if spec.kind == "newHeads"), None
        )

    @property
    def url(self) -> str:
        """The endpoint in use (the preferred one before the first connection)."""
        return (self._active or self.endpoints.all[0]).url

    @property
    def label(self) -> str:
        return (self._active or self.endpoints.all[0]).label

    @property
    def active_index(self) -> int | None:
        """The position in `urls` of the endpoint in use (None while not connected)."""
        return None if self._active is None else self._active.index

    def health(self) -> tuple[EndpointHealth, ...]:
        """Every endpoint's state now, in order of preference."""
        return tuple(self.endpoints.health(e) for e in self.endpoints.all)

    @property
    def _several(self) -> bool:
        return len(self.endpoints.all) > 1

    async def _open(self, endpoint: WsEndpoint) -> WsClient:
        started = time.monotonic()
        client = WsClient(endpoint.url, timeout_s=self.policy.call_timeout_s)
        await client.connect()
        try:
            for index, spec in enumerate(self.specs):
                await client.subscribe(spec, index=index)
            if self._several:
                # The head it starts from, so a node frozen from the start is seen as stale.
                self.endpoints.saw_head(endpoint, int(await client.call("eth_blockNumber"), 16))
        except BaseException:
            await client.close()
            raise
        self.connections += 1
        self._active = endpoint
        self._active_since = time.monotonic()
        self.endpoints.answered(endpoint, time.monotonic() - started)
        return client

    async def _try(self, endpoint: WsEndpoint, attempt: int) -> WsClient | None:
        """`_open(endpoint)`, or None after a failure the endpoint is blamed for (`attempt` 0:
        the first connect of the stream)."""
        outage = self._outages.get(endpoint.label)
        if outage is None:
            outage = self._outages[endpoint.label] = OutageLog(
                log, f"ws {endpoint.label}: reconnect"
            )
        try:
            client = await self._open(endpoint)
        except RpcError as exc:
            if not self._several:
                raise
            log.warning("ws %s: refused the subscription: %s", endpoint.label, exc)
            self.endpoints.failed(endpoint, f"{type(exc).__name__}: {exc}")
        except (RetryableError, ValueError, TypeError) as exc:  # a head that is not a number
            self.failed_attempts += 1
            what = f"attempt {attempt}" if attempt else "first connect"
            outage.failed(f"{what}: {exc}")
            self.endpoints.failed(endpoint, f"{type(exc).__name__}: {exc}")
        else:
            outage.recovered()
            return client
        return None

    async def _connect(self, *, wait_first: bool) -> tuple[WsClient, int]:
        """Connected and subscribed to the best endpoint that takes us; the number of attempts.
        Rounds over the candidates are spaced by the backoff (the first one too, if asked)."""
        attempts = 0
        for round_number, delay_s in enumerate(self.policy.backoff().waits(self.rng)):
            if round_number or wait_first:
                await asyncio.sleep(delay_s)
            for endpoint in self.endpoints.candidates():
                attempts += 1
                client = await self._try(endpoint, attempts)
                if client is not None:
                    return client, attempts
        raise AssertionError("unreachable: the waits never run out")

    async def _reopen(self, error: str, lost: WsEndpoint) -> tuple[WsClient, WsReconnected]:
        down_since = time.monotonic()
        # With another endpoint to go to, do not wait before trying it.
        client, attempts = await self._connect(wait_first=not self._several)
        assert self._active is not None
        down_s = time.monotonic() - down_since
        failover = self._active is not lost
        self.failovers += failover
        log.info(
            "ws %s: subscribed again after %.2f s (%d attempts)%s",
            self._active.label,
            down_s,
            attempts,
            f", failed over from {lost.label}" if failover else "",
        )
        reconnected = WsReconnected(
            attempts=attempts,
            down_s=down_s,
            error=error,
            endpoint=self._active.label,
            failover=failover,
        )
        return client, reconnected

    def _saw(self, notification: WsNotification) -> None:
        """The stream's own head, from its `newHeads` notifications."""
        if self._active is None or notification.index != self._head_spec:
            return
        result = notification.result
        number = result.get("number") if isinstance(result, Mapping) else None
        if isinstance(number, str):
            try:
                self.endpoints.saw_head(self._active, int(number, 16))
            except ValueError:
                return  # the collector reports a malformed head

    def _until_check_s(self) -> float | None:
        """How long to wait for a notification before the next head check (None: no checks)."""
        return max(self._checks_due - time.monotonic(), 0.0) if self._several else None

    async def _probe(self, endpoint: WsEndpoint) -> None:
        timeout_s = self.policy.failover.probe_timeout_s
        started = time.monotonic()
        try:
            async with (
                asyncio.timeout(timeout_s),
                WsClient(endpoint.url, timeout_s=timeout_s) as ws,
            ):
                head = int(await ws.call("eth_blockNumber"), 16)
        except TimeoutError:
            why = f"RpcTimeoutError: head probe took over {timeout_s:g} s"
            self.endpoints.failed(endpoint, why)
            return
        except (RetryableError, ValueError, TypeError) as exc:
            self.endpoints.failed(endpoint, f"{type(exc).__name__}: {exc}")
            return
        except (RevertError, RpcError) as exc:
            log.warning("ws endpoint %s refused eth_blockNumber: %s", endpoint.label, exc)
            return
        self.endpoints.saw_head(endpoint, head)
        self.endpoints.answered(endpoint, time.monotonic() - started)

    async def _better(self) -> tuple[WsEndpoint, str] | None:
        """Probe the other endpoints; the one to move to (and why), if the one in use is stale
        or a preferred one is healthy again."""
        active = self._active
        assert active is not None
        self._checks_due = time.monotonic() + self.policy.failover.head_check_interval_s
        others = [e for e in self.endpoints.all if e is not active and self.endpoints.ready(e)]
        await asyncio.gather(*(self._probe(e) for e in others))
        if self.endpoints.stale(active):
            why = (
                f"stale: head {active.head} is {self.endpoints.lag(active)} blocks behind "
                f"block {self.endpoints.best_head()}"
            )
            log.warning("ws %s: %s; failing over", active.label, why)
            self.endpoints.left_behind(active, why)
            fresh = [
                e
                for e in self.endpoints.candidates()
                if e is not active and not self.endpoints.stale(e)
            ]
            return (fresh[0], why) if fresh else None
        self.endpoints.notify(active)
        if time.monotonic() - self._active_since > self.policy.failover.score_half_life_s:
            self.endpoints.kept_up(active)
        preferred = self.endpoints.preferred_over(active)
        if preferred is None:
            return None
        log.warning("ws %s: preferred endpoint is healthy again; switching back", preferred.label)
        return preferred, f"{preferred.label} preferred to {active.label}"

    async def _switch(self, client: WsClient) -> tuple[WsClient, WsReconnected] | None:
        """A new connection to a better endpoint, if there is one and it takes us."""
        lost = self._active
        better = await self._better()
        if better is None:
            return None
        target, why = better
        started = time.monotonic()
        opened = await self._try(target, 1)
        if opened is None:
            return None
        if lost is not None and self.endpoints.stale(lost):
            client.abort()  # a stuck node would hold a polite close for its whole timeout
        else:
            await client.close()
        self.failovers += 1
        down_s = time.monotonic() - started
        log.info(
            "ws %s: subscribed in %.2f s instead of %s",
            target.label,
            down_s,
            lost.label if lost is not None else "-",
        )
        return opened, WsReconnected(
            attempts=1, down_s=down_s, error=why, endpoint=target.label, failover=True
        )

    async def stream(self) -> AsyncGenerator[WsNotification | WsReconnected, None]:
        """Notifications forever; cancel the consuming task to stop."""
        opened = await self._try(self.endpoints.candidates()[0], 0)
        # A late start is no gap: nothing was missed that the consumer had not yet asked for.
        client = opened or (await self._connect(wait_first=not self._several))[0]
        self._checks_due = time.monotonic() + self.policy.failover.head_check_interval_s
        try:
            while True:
                notification: WsNotification | None = None
                try:
                    async with asyncio.timeout(self._until_check_s()):
                        notification = await client.next_notification(self.policy.idle_timeout_s)
                except TimeoutError:
                    pass  # a head check is due
                except RpcTransportError as exc:
                    lost = self._active
                    assert lost is not None
                    self.drops += 1
                    log.warning("ws %s: connection lost: %s", lost.label, exc)
                    self.endpoints.failed(lost, f"{type(exc).__name__}: {exc}")
                    client.abort()  # the socket is dead or silent: no closing handshake
                    client, reconnected = await self._reopen(str(exc), lost)
                    self.reconnects += 1
                    yield reconnected
                    continue
                if notification is not None:
                    self._saw(notification)
                    yield notification
                if self._several and time.monotonic() >= self._checks_due:
                    switched = await self._switch(client)
                    if switched is not None:
                        client, reconnected = switched
                        self.reconnects += 1
                        yield reconnected
        finally:
            await client.close()
