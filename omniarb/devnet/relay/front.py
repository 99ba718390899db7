"""The relay's HTTP front: JSON-RPC 2.0 over POST, every request signed.

The signature header is checked over the exact body bytes before anything is parsed; a missing
or wrong one is refused with HTTP 403 and `{"error": "..."}`, as the Flashbots relay answers.
Batches are refused (the Flashbots relay does not take them either). Errors are JSON-RPC error
objects: -32700 not JSON, -32600 not a request, -32601 unknown method, -32602 bad parameters
(the message names the field), -32000 a bundle that cannot run.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from omniarb.devnet.relay.methods import BundleInvalidError, RelayMethods
from omniarb.devnet.relay.requests import InvalidParamsError
from omniarb.devnet.relay.signature import SignatureRefusedError, verify_signature
from omniarb.errors import NODE_ERRORS
from omniarb.execute.bundle_requests import SIGNATURE_HEADER

__all__ = ["relay_app"]

log = logging.getLogger(__name__)

_MAX_BODY_BYTES = 1 << 20

Handler = Callable[[Any, str], Awaitable[Any]]


def _error(request_id: Any, code: int, message: str) -> web.Response:
    body = {"jsonrpc": "2.0", "id": request_id, "error": {"code": code, "message": message}}
    return web.json_response(body)


def relay_app(methods: RelayMethods) -> web.Application:
    """The aiohttp application serving `methods` at `/`."""
    handlers: dict[str, Handler] = {
        "eth_sendBundle": methods.send_bundle,
        "eth_callBundle": methods.call_bundle,
        "eth_cancelBundle": methods.cancel_bundle,
    }

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            searcher = verify_signature(request.headers.get(SIGNATURE_HEADER), body)
        except SignatureRefusedError as exc:
            return web.json_response({"error": str(exc)}, status=403)
        try:
            message = json.loads(body)
        except ValueError:
            return _error(None, -32700, "parse error: the body is not JSON")
        if isinstance(message, list):
            return _error(None, -32600, "batch requests are not supported")
        if not isinstance(message, dict) or not isinstance(message.get("method"), str):
            return _error(None, -32600, "invalid request: a JSON-RPC 2.0 object with a method")
        request_id = message.get("id")
        handler = handlers.get(message["method"])
        if handler is None:
            return _error(request_id, -32601, f"method not found: {message['method']}")
        try:
            result = await handler(message.get("params", []), searcher)
        except InvalidParamsError as exc:
            return _error(request_id, -32602, str(exc))
        except BundleInvalidError as exc:
            return _error(request_id, -32000, str(exc))
        except NODE_ERRORS as exc:
            log.warning("%s failed on the node: %s", message["method"], exc)
            return _error(request_id, -32000, f"the chain could not answer: {exc}")
        return web.json_response({"jsonrpc": "2.0", "id": request_id, "result": result})

    app = web.Application(client_max_size=_MAX_BODY_BYTES)
    app.router.add_post("/", handle)
    return app
