"""A real HTTP server in front of a node for fault tests: it forwards JSON-RPC requests, and a
subclass decides per request what the client gets (a refusal, a lost answer, a block mined
behind the client's back). `FaultyRpcProxy` injects the faults of the chaos suite (a frozen
node, HTTP statuses, malformed answers, dropped connections, lost answers, slow or held
requests) and counts requests."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass
from typing import Literal

import aiohttp
from aiohttp import web

from omniarb.async_resource import AsyncResource


class RpcProxy(AsyncResource):
    """Forwards every request to `upstream` unchanged; `url` is where clients connect once the
    proxy is entered. Subclasses override `respond`."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def forward(self, body: bytes) -> bytes:
        """`body` sent to the node; its answer's bytes."""
        assert self._session is not None
        headers = {"Content-Type": "application/json"}
        async with self._session.post(self.upstream, data=body, headers=headers) as answer:
            return await answer.read()

    async def respond(self, body: bytes) -> web.Response:
        """What the client gets for the request `body` (here: the node's answer)."""
        return web.Response(body=await self.forward(body), content_type="application/json")

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        return await self.respond(await request.read())

    async def _open(self) -> None:
        app = web.Application()
        app.router.add_post("/", self._handle)
        self._session = aiohttp.ClientSession()
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def _close(self) -> None:
        await self.stop()

    async def stop(self) -> None:
        """Close the port (clients are refused from now on) and the session to the node."""
        runner, self._runner = self._runner, None
        session, self._session = self._session, None
        if runner is not None:
            await runner.cleanup()
        if session is not None:
            await session.close()


FaultKind = Literal["hang", "status", "malformed", "drop", "lose_answer", "delay", "hold"]


@dataclass(slots=True, kw_only=True)
class Fault:
    """What the proxy does instead of answering, for the next `times` requests (None: until
    cleared) whose method is in `methods` (None: any; a batch's method is "batch").

    - hang: keep the request open, never answer (a frozen node; the client times out);
    - status: answer HTTP `status` without forwarding (429 carries `retry_after_s`);
    - malformed: answer 200 with `body` (not JSON-RPC) without forwarding;
    - drop: close the connection without an answer, without forwarding;
    - lose_answer: forward to the node, then answer HTTP `status` (the node acted on it);
    - delay: forward after `delay_s` seconds, then answer as the node did (a slow endpoint);
    - hold: forward once the test calls `release()`, then answer as the node did (`held`
      counts the requests waiting, so a test can wait until one is).
    """

    kind: FaultKind
    status: int = 503
    retry_after_s: float | None = None
    delay_s: float = 0.0
    body: bytes = b'{"jsonrpc": "2.0", "id": 1, "res'
    methods: frozenset[str] | None = None
    times: int | None = None


def method_of(body: bytes) -> str:
    """The JSON-RPC method of a request body ("batch" for an array, "?" if unreadable)."""
    try:
        payload = json.loads(body)
    except ValueError:
        return "?"
    if isinstance(payload, list):
        return "batch"
    return str(payload.get("method", "?")) if isinstance(payload, dict) else "?"


class FaultyRpcProxy(RpcProxy):
    """A proxy that injects `Fault`s; it counts what it received (`received`, by method),
    passed on (`forwarded`) and broke (`faulted`), and when requests arrived (`arrivals_s`,
    loop time), so a test can tell exactly how often a client tried."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.faults: list[Fault] = []
        self.received: Counter[str] = Counter()
        self.forwarded: Counter[str] = Counter()
        self.faulted: Counter[str] = Counter()
        self.arrivals_s: list[float] = []
        self.held = 0
        self._released = asyncio.Event()
        self._let_go = asyncio.Event()

    def inject(self, fault: Fault) -> None:
        self.faults.append(fault)

    def clear(self) -> None:
        self.faults.clear()

    def release(self) -> None:
        """Forward every request held so far (and any held later)."""
        self._let_go.set()

    def _take_fault(self, method: str) -> Fault | None:
        for fault in self.faults:
            if fault.methods is None or method in fault.methods:
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times == 0:
                        self.faults.remove(fault)
                return fault
        return None

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()
        method = method_of(body)
        self.received[method] += 1
        self.arrivals_s.append(asyncio.get_running_loop().time())
        fault = self._take_fault(method)
        if fault is None:
            self.forwarded[method] += 1
            return await self.respond(body)
        self.faulted[method] += 1
        if fault.kind == "hang":
            await self._released.wait()
            return web.Response(status=503)
        if fault.kind == "drop":
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=503)  # never sent: the connection is gone
        if fault.kind == "malformed":
            return web.Response(body=fault.body, content_type="application/json")
        if fault.kind in ("delay", "hold"):
            if fault.kind == "delay":
                await asyncio.sleep(fault.delay_s)
            else:
                self.held += 1
                await self._let_go.wait()
                self.held -= 1
            self.forwarded[method] += 1
            return await self.respond(body)
        if fault.kind == "lose_answer":
            self.forwarded[method] += 1
            await self.forward(body)
        headers = {}
        if fault.retry_after_s is not None:
            headers["Retry-After"] = f"{fault.retry_after_s:g}"
        return web.Response(status=fault.status, headers=headers)

    async def stop(self) -> None:
        self._released.set()  # hung requests end, so the server can stop
        self._let_go.set()
        await super().stop()
