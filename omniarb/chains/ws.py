"""JSON-RPC over WebSocket with `eth_subscribe`: the one place that knows `websockets`.

Two layers. `WsClient` is one connection: `call`, `subscribe` and `next_notification`, read by a
single consumer (no background task: a call reads the socket until its answer arrives and keeps
any notification it passes for later). `WsSubscriptions` keeps a set of subscriptions alive
across dropped connections: it reconnects with capped exponential backoff and jitter (the shared
`omniarb.backoff.Backoff`), subscribes again, and
tells its consumer about the gap with a `WsReconnected` item, because notifications sent while it
was away are lost and the consumer has to back-fill them.

Everything above this module sees `RpcTransportError` (connect failed, socket dropped, timeout;
`MalformedAnswerError` for a frame that is not JSON-RPC) or a node's error object translated the
way the HTTP stack translates it (`omniarb.chains.rpc.translate_node_error`: a revert, a rate
limit or an `RpcError`), never a `websockets` exception.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
import random
import time
from collections import deque
from collections.abc import AsyncGenerator, Sequence
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidURI, WebSocketException

from omniarb.async_resource import AsyncResource
from omniarb.backoff import Backoff
from omniarb.chains.rpc import rpc_error_of, translate_node_error
from omniarb.errors import ConfigError, MalformedAnswerError, RpcTransportError, endpoint_label
from omniarb.outage import OutageLog

__all__ = [
    "ReconnectPolicy",
    "SubscriptionSpec",
    "WsClient",
    "WsNotification",
    "WsReconnected",
    "WsSubscriptions",
]

log = logging.getLogger(__name__)

_MAX_MESSAGE_BYTES = 64 * 1024 * 1024
_MAX_QUEUED_FRAMES = 4096


@dataclass(frozen=True, slots=True, kw_only=True)
class WsNotification:
    """One `eth_subscription` message: `index` is the position of its spec in the list the
    stream was built with (node subscription ids change on every reconnect), `result` the JSON
    payload as the node sent it."""

    index: int
    subscription: str
    result: Any


@dataclass(frozen=True, slots=True, kw_only=True)
class WsReconnected:
    """The stream was down for `down_s` and is subscribed again; anything sent meanwhile is lost."""

    attempts: int
    down_s: float
    error: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SubscriptionSpec:
    """The parameters of one `eth_subscribe`: `("newHeads",)` or `("logs", {filter})`."""

    kind: str
    params: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconnectPolicy:
    """How `WsSubscriptions` retries: delays double from `initial_s` up to `max_s`, each one
    shortened by up to `jitter` of itself (so clients dropped together do not return together).

    `idle_timeout_s` treats a connection that delivered nothing for that long as dead (a half-open
    TCP connection never raises by itself); leave it `None` on chains that may sit idle, such as
    an automine devnet.
    """

    initial_s: float = 0.05
    max_s: float = 5.0
    idle_timeout_s: float | None = None
    call_timeout_s: float = 10.0
    jitter: float = 0.5

    def backoff(self) -> Backoff:
        return Backoff(initial_s=self.initial_s, max_s=self.max_s, jitter=self.jitter)


class WsClient(AsyncResource):
    """One WebSocket connection to a node. `async with WsClient(url) as ws: await ws.call(...)`.

    Not safe for concurrent readers: one task calls `call`/`subscribe`/`next_notification`.
    """

    def __init__(self, url: str, *, timeout_s: float = 10.0, ping_interval_s: float = 10.0):
        self.url = url
        self.label = endpoint_label(url)  # the URL may carry a key: logs show this instead
        self._timeout_s = timeout_s
        self._ping_interval_s = ping_interval_s
        self._socket: ClientConnection | None = None
        self._ids = itertools.count(1)
        self._pending: deque[dict[str, Any]] = deque()
        self._subscriptions: dict[str, int] = {}

    async def _open(self) -> None:
        await self.connect()

    async def _close(self) -> None:
        await self.close()

    @property
    def pending_notifications(self) -> int:
        """Notifications that arrived while a call waited for its answer, kept for
        `next_notification` (which returns them first, without reading the socket)."""
        return len(self._pending)

    async def connect(self) -> None:
        try:
            self._socket = await connect(
                self.url,
                open_timeout=self._timeout_s,
                ping_interval=self._ping_interval_s,
                ping_timeout=self._timeout_s,
                close_timeout=1.0,
                max_size=_MAX_MESSAGE_BYTES,
                # A busy block is hundreds of log notifications; buffer them rather than stall
                # the node's sender while the consumer is busy with one of them.
                max_queue=_MAX_QUEUED_FRAMES,
                # Nodes rarely negotiate permessage-deflate, and locally it only costs CPU.
                compression=None,
                proxy=None,
            )
        except InvalidURI as exc:
            raise ConfigError(f"invalid WebSocket URL {self.url!r}: {exc}") from exc
        except (WebSocketException, OSError, TimeoutError) as exc:
            raise RpcTransportError(f"connect: {type(exc).__name__}: {exc}", url=self.url) from exc

    async def close(self) -> None:
        socket, self._socket = self._socket, None
        self._pending.clear()
        self._subscriptions.clear()
        if socket is not None:
            try:
                await socket.close()
            except (WebSocketException, OSError):
                log.debug("closing %s failed; the socket is gone anyway", self.label)

    async def _receive(self, timeout_s: float | None) -> dict[str, Any]:
        if self._socket is None:
            raise RpcTransportError("not connected", url=self.url)
        try:
            async with asyncio.timeout(timeout_s):
                frame = await self._socket.recv()
        except TimeoutError as exc:
            raise RpcTransportError(f"nothing received for {timeout_s:g} s", url=self.url) from exc
        except (WebSocketException, OSError) as exc:
            raise RpcTransportError(f"{type(exc).__name__}: {exc}", url=self.url) from exc
        try:
            message = json.loads(frame)
        except ValueError as exc:
            raise MalformedAnswerError("frame is not JSON", url=self.url) from exc
        if not isinstance(message, dict):
            raise MalformedAnswerError("frame is not a JSON-RPC object", url=self.url)
        return message

    async def call(self, method: str, *params: Any) -> Any:
        """One request; returns `result`, or raises a transport error or the node's (translated).

        Notifications that arrive before the answer are kept for `next_notification`.
        """
        if self._socket is None:
            raise RpcTransportError("not connected", url=self.url)
        request_id = next(self._ids)
        payload = {"jsonrpc": "2.0", "id": request_id, "method": method, "params": list(params)}
        try:
            await self._socket.send(json.dumps(payload))
        except (WebSocketException, OSError) as exc:
            raise RpcTransportError(f"{type(exc).__name__}: {exc}", url=self.url) from exc
        deadline = time.monotonic() + self._timeout_s
        while True:
            message = await self._receive(max(deadline - time.monotonic(), 0.0))
            if message.get("method") == "eth_subscription":
                self._pending.append(message)
                continue
            if message.get("id") != request_id:
                continue  # an answer to a request whose caller gave up
            error = message.get("error")
            if error is not None:
                node_error = rpc_error_of(method, error, url=self.url)
                raise translate_node_error(node_error, url=self.url)
            if "result" not in message:
                raise MalformedAnswerError(f"{method}: answer has no result", url=self.url)
            return message["result"]

    async def subscribe(self, spec: SubscriptionSpec, *, index: int = 0) -> str:
        """`eth_subscribe`; notifications of this subscription carry `index`."""
        subscription = str(await self.call("eth_subscribe", spec.kind, *spec.params))
        self._subscriptions[subscription] = index
        return subscription

    async def next_notification(self, timeout_s: float | None = None) -> WsNotification:
        """The next `eth_subscription` message (kept ones first); `timeout_s=None` waits forever."""
        while True:
            message = self._pending.popleft() if self._pending else await self._receive(timeout_s)
            if message.get("method") != "eth_subscription":
                continue
            params = message.get("params")
            if not isinstance(params, dict):
                raise MalformedAnswerError("notification without params", url=self.url)
            subscription = str(params.get("subscription"))
            index = self._subscriptions.get(subscription)
            if index is None:
                continue  # from a subscription of an earlier connection
            return WsNotification(
                index=index, subscription=subscription, result=params.get("result")
            )


@dataclass(slots=True)
class WsSubscriptions:
    """Subscriptions that survive dropped connections: `async for item in subs.stream():`.

    Yields `WsNotification`s and, after each reconnect, one `WsReconnected`. `connections` counts
    the times it was connected and subscribed (the first one included), `failed_attempts` the
    connection attempts that failed. It never gives up on
    a transport error (the delay between attempts is capped), so a node restart costs a gap, not
    the process; a node that refuses the subscription itself (`RpcError`) is a configuration
    problem and raises. Its waits come from `policy.backoff()`, drawn with `rng`.
    """

    url: str
    specs: Sequence[SubscriptionSpec]
    policy: ReconnectPolicy = field(default_factory=ReconnectPolicy)
    connections: int = 0
    drops: int = 0
    reconnects: int = 0
    failed_attempts: int = 0
    rng: random.Random = field(default_factory=random.Random)

    @property
    def label(self) -> str:
        return endpoint_label(self.url)

    async def _open(self) -> WsClient:
        client = WsClient(self.url, timeout_s=self.policy.call_timeout_s)
        await client.connect()
        try:
            for index, spec in enumerate(self.specs):
                await client.subscribe(spec, index=index)
        except BaseException:
            await client.close()
            raise
        self.connections += 1
        return client

    async def _reopen(self, error: str) -> tuple[WsClient, WsReconnected]:
        down_since = time.monotonic()
        attempts = 0
        # A node that stays down is logged when it goes, once a minute after, not per attempt.
        outage = OutageLog(log, f"ws {self.label}: reconnect")
        for delay_s in self.policy.backoff().waits(self.rng):
            attempts += 1
            await asyncio.sleep(delay_s)
            try:
                client = await self._open()
            except RpcTransportError as exc:
                self.failed_attempts += 1
                outage.failed(f"attempt {attempts}: {exc}")
                continue
            down_s = time.monotonic() - down_since
            log.info(
                "ws %s: subscribed again after %.2f s (%d attempts)", self.label, down_s, attempts
            )
            return client, WsReconnected(attempts=attempts, down_s=down_s, error=error)
        raise AssertionError("unreachable: the waits never run out")

    async def stream(self) -> AsyncGenerator[WsNotification | WsReconnected, None]:
        """Notifications forever; cancel the consuming task to stop."""
        try:
            client = await self._open()
        except RpcTransportError as exc:
            log.warning("ws %s: first connect failed: %s", self.label, exc)
            client, _ = await self._reopen(str(exc))
        try:
            while True:
                try:
                    notification = await client.next_notification(self.policy.idle_timeout_s)
                except RpcTransportError as exc:
                    self.drops += 1
                    log.warning("ws %s: connection lost: %s", self.label, exc)
                    await client.close()
                    client, reconnected = await self._reopen(str(exc))
                    self.reconnects += 1
                    yield reconnected
                    continue
                yield notification
        finally:
            await client.close()
