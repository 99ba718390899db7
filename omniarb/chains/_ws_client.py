"""One WebSocket connection to a node (`WsClient`) and the values of a subscription stream.
Part of `omniarb.chains.ws`, which re-exports every name here."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidURI, WebSocketException

from omniarb.async_resource import AsyncResource
from omniarb.backoff import Backoff
from omniarb.chains import json_codec
from omniarb.chains.rpc import FailoverPolicy, rpc_error_of, translate_node_error
from omniarb.errors import ConfigError, MalformedAnswerError, RpcTransportError, endpoint_label

__all__ = [
    "ReconnectPolicy",
    "SubscriptionSpec",
    "WsClient",
    "WsNotification",
    "WsReconnected",
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
    """The stream was down for `down_s` and is subscribed again, on `endpoint` (its label);
    anything sent meanwhile is lost. `failover` tells that it is now on another endpoint than
    the one it lost (dropped, refused or stale) or back on a preferred one."""

    attempts: int
    down_s: float
    error: str
    endpoint: str = ""
    failover: bool = False


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

    With several endpoints, `failover` says when one is set aside (the HTTP client's policy:
    `max_lag_blocks` behind the best head, a cooldown after each failure) and how often the
    others' heads are probed (`head_check_interval_s`, `probe_timeout_s`).
    """

    initial_s: float = 0.05
    max_s: float = 5.0
    idle_timeout_s: float | None = None
    call_timeout_s: float = 10.0
    jitter: float = 0.5
    failover: FailoverPolicy = field(default_factory=FailoverPolicy)

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

    def abort(self) -> None:
        """Drop the connection at once, without the closing handshake: for a peer that is gone
        or stuck, where `close` would wait for it up to its close timeout."""
        socket, self._socket = self._socket, None
        self._pending.clear()
        self._subscriptions.clear()
        if socket is not None:
            socket.transport.abort()

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
            message = json_codec.loads(frame)
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
            await self._socket.send(json_codec.dumps_text(payload))
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
