"""Async JSON-RPC over HTTP: the one place that knows aiohttp and JSON-RPC error objects.

Everything above this module sees `RpcError` (the node answered with an error object),
`RpcTransportError` (no usable answer: connection refused, dropped, timeout, bad JSON) and plain
Python values. Batches go out as one HTTP request with a JSON array, which is what makes reading
many pools cheap.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

import aiohttp

from omniarb.async_resource import AsyncResource
from omniarb.errors import RpcError, RpcTransportError

__all__ = ["RpcClient", "RpcRequest"]

RpcRequest = tuple[str, Sequence[Any]]


class RpcClient(AsyncResource):
    """A JSON-RPC client for one HTTP endpoint, owning one pooled aiohttp session.

    Use as `async with RpcClient(url) as rpc: await rpc.call("eth_chainId")`.
    """

    def __init__(self, url: str, *, timeout_s: float = 30.0) -> None:
        self.url = url
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self._ids = itertools.count(1)

    async def _open(self) -> None:
        self._session = aiohttp.ClientSession(timeout=self._timeout)

    async def _close(self) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _post(self, payload: Any) -> Any:
        if self._session is None:
            raise RuntimeError("RpcClient used outside `async with`")
        try:
            async with self._session.post(self.url, json=payload) as response:
                body = await response.read()
                if response.status != 200:
                    raise RpcTransportError(f"HTTP {response.status}", url=self.url)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise RpcTransportError(f"{type(exc).__name__}: {exc}", url=self.url) from exc
        try:
            return json.loads(body)
        except ValueError as exc:
            raise RpcTransportError("answer is not JSON", url=self.url) from exc

    @staticmethod
    def _result(method: str, answer: Any, url: str) -> Any:
        if not isinstance(answer, dict):
            raise RpcTransportError(f"{method}: malformed answer", url=url)
        error = answer.get("error")
        if error is not None:
            raise RpcError(
                method=method,
                code=int(error.get("code", 0)),
                message=str(error.get("message", "")),
                data=error.get("data"),
            )
        if "result" not in answer:
            raise RpcTransportError(f"{method}: answer has neither result nor error", url=url)
        return answer["result"]

    async def call(self, method: str, *params: Any) -> Any:
        """One request; returns `result` or raises `RpcError` / `RpcTransportError`."""
        payload = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        return self._result(method, await self._post(payload), self.url)

    async def batch(self, requests: Sequence[RpcRequest]) -> list[Any]:
        """Many requests in one HTTP round trip; results in request order.

        The first error object raises, naming its method: a batch is used for reads that must
        all succeed.
        """
        if not requests:
            return []
        first_id = next(self._ids)
        payload = [
            {"jsonrpc": "2.0", "id": first_id + i, "method": m, "params": list(p)}
            for i, (m, p) in enumerate(requests)
        ]
        # Keep the id counter ahead of the ids this batch used.
        for _ in range(len(requests) - 1):
            next(self._ids)
        answers = await self._post(payload)
        if not isinstance(answers, list) or len(answers) != len(requests):
            raise RpcTransportError("batch answer does not match the request", url=self.url)
        by_id = {a.get("id"): a for a in answers if isinstance(a, dict)}
        return [
            self._result(method, by_id.get(first_id + i), self.url)
            for i, (method, _) in enumerate(requests)
        ]
