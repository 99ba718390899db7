"""A real WebSocket JSON-RPC proxy in front of a node's WebSocket, written for the chaos tests:
every client connection gets its own connection to the node; requests go through unchanged, and
what the node sends back passes the faults a test switches on:

- `drop()` cuts every open connection at once (a crashed peer, a broken link); with
  `refusing` set, new connections are answered HTTP 503 (a node down or restarting);
- `duplicate`: every subscription notification is sent twice;
- `reorder_blocks = n`: notifications are held until they span `n + 1` blocks (or `hold_s`
  passes without a new one) and released in reverse order, so a block's logs come backwards,
  and a block's head and logs come after the next block's;
- `delay_s`: each notification waits that long before it is sent (a slow link);
- `refuse_full_pending`: `eth_subscribe ["newPendingTransactions", true]` (full objects) is
  answered with an invalid-params error, as nodes that only offer hashes answer it;
- `await freeze()`: the node looks stuck at its current head (stale): no notification is sent
  and `eth_blockNumber` answers that head, until `thaw()`.

Counters say what it did: `accepted`, `refused`, `notifications` (sent to clients),
`duplicated`, `reordered` (notifications released out of their order), `withheld` (swallowed
while frozen), `cuts`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import WebSocketException
from websockets.http11 import Request, Response

from omniarb.async_resource import AsyncResource


def _block_of(message: dict[str, Any]) -> int | None:
    """The block number of a `newHeads` or `logs` notification (None for anything else)."""
    result = message.get("params", {}).get("result")
    if not isinstance(result, dict):
        return None
    number = result.get("number", result.get("blockNumber"))
    return int(number, 16) if isinstance(number, str) else None


class WsRpcProxy(AsyncResource):
    """`async with WsRpcProxy(node_ws_url) as proxy:` then subscribe through `proxy.url`."""

    def __init__(self, upstream: str, *, hold_s: float = 1.0) -> None:
        self.upstream = upstream
        self.url = ""
        self.hold_s = hold_s
        self.refusing = False
        self.duplicate = False
        self.reorder_blocks = 0
        self.delay_s = 0.0
        self.frozen_head: int | None = None
        self.refuse_full_pending = False
        self.accepted = 0
        self.refused = 0
        self.notifications = 0
        self.duplicated = 0
        self.reordered = 0
        self.withheld = 0
        self.cuts = 0
        self._server: Server | None = None
        self._open_connections: set[ServerConnection | ClientConnection] = set()

    async def _open(self) -> None:
        self._server = await serve(
            self._serve,
            "127.0.0.1",
            0,
            process_request=self._admit,
            compression=None,
            max_size=None,
            max_queue=None,
        )
        host, port = next(iter(self._server.sockets)).getsockname()[:2]
        self.url = f"ws://{host}:{port}"

    async def _close(self) -> None:
        self._abort_all()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    def drop(self) -> None:
        """Abort every open connection, both sides, without a closing handshake."""
        self.cuts += 1
        self._abort_all()

    def _abort_all(self) -> None:
        for connection in list(self._open_connections):
            connection.transport.abort()
        self._open_connections.clear()

    async def freeze(self) -> int:
        """Look stuck at the node's current head from now on; returns that head."""
        async with connect(self.upstream, compression=None) as node:
            await node.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber"}))
            while "result" not in (answer := json.loads(await node.recv())):
                pass
        self.frozen_head = int(answer["result"], 16)
        return self.frozen_head

    def thaw(self) -> None:
        self.frozen_head = None

    def _admit(self, connection: ServerConnection, _request: Request) -> Response | None:
        if not self.refusing:
            return None
        self.refused += 1
        return Response(503, "Service Unavailable", Headers(), b"refusing\n")

    async def _serve(self, client: ServerConnection) -> None:
        self.accepted += 1
        try:
            node = await connect(self.upstream, compression=None, max_size=None, max_queue=None)
        except (OSError, WebSocketException):
            client.transport.abort()
            return
        self._open_connections |= {client, node}
        block_number_ids: set[Any] = set()
        try:
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(self._requests(client, node, block_number_ids))
                tasks.create_task(self._answers(node, client, block_number_ids))
        except* (OSError, WebSocketException):
            pass  # one side went away (a cut, a client closing): the other one goes too
        finally:
            self._open_connections -= {client, node}
            client.transport.abort()
            node.transport.abort()

    async def _requests(
        self, client: ServerConnection, node: ClientConnection, block_number_ids: set[Any]
    ) -> None:
        async for frame in client:
            with contextlib.suppress(ValueError, AttributeError):
                request = json.loads(frame)
                if request.get("method") == "eth_blockNumber":
                    block_number_ids.add(request.get("id"))
                if self.refuse_full_pending and request.get("params") == [
                    "newPendingTransactions",
                    True,
                ]:
                    error = {"code": -32602, "message": "invalid params"}
                    await client.send(
                        json.dumps({"jsonrpc": "2.0", "id": request.get("id"), "error": error})
                    )
                    continue
            await node.send(frame)
        raise WebSocketException("the client closed")

    async def _answers(
        self, node: ClientConnection, client: ServerConnection, block_number_ids: set[Any]
    ) -> None:
        held: list[tuple[int | None, str | bytes]] = []
        while True:
            try:
                frame = await asyncio.wait_for(node.recv(), self.hold_s if held else None)
            except TimeoutError:
                await self._release(client, held)
                continue
            message = json.loads(frame)
            if message.get("method") != "eth_subscription":
                if message.get("id") in block_number_ids and self.frozen_head is not None:
                    message["result"] = hex(self.frozen_head)
                    frame = json.dumps(message)
                block_number_ids.discard(message.get("id"))
                await client.send(frame)
                continue
            if self.frozen_head is not None:
                self.withheld += 1
                continue
            if self.reorder_blocks <= 0:
                await self._release(client, [(None, frame)])
                continue
            block = _block_of(message)
            blocks = {b for b, _ in held} | {block}
            if len(blocks) > self.reorder_blocks + 1:
                await self._release(client, held)
            held.append((block, frame))

    async def _release(
        self, client: ServerConnection, frames: list[tuple[int | None, str | bytes]]
    ) -> None:
        """Send `frames` (last first when several were held), with the faults switched on."""
        if len(frames) > 1:
            self.reordered += len(frames)
        for _, frame in reversed(frames):
            if self.delay_s:
                await asyncio.sleep(self.delay_s)
            await client.send(frame)
            self.notifications += 1
            if self.duplicate:
                await client.send(frame)
                self.duplicated += 1
        frames.clear()
