"""The bottom layer: JSON-RPC over HTTP with aiohttp, the one place that knows aiohttp.

aiohttp's exceptions become our transport errors here: a connection that could not be made is
`RpcConnectError` (the request never left), a deadline `RpcTimeoutError`, a status other than
200 `RpcHttpError` (429: `RateLimitedError`), anything else on the wire `RpcTransportError`, and
an answer that is not JSON-RPC `MalformedAnswerError`. A node's error object is raised as a plain
`RpcError`; the translation layer above decides whether it is a revert. Batches go out as one
HTTP request with a JSON array, which is what makes reading many pools cheap.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import aiohttp

from omniarb.chains import json_codec
from omniarb.chains.rpc._layer import BATCH, RpcRequest
from omniarb.errors import (
    MalformedAnswerError,
    RateLimitedError,
    RpcConnectError,
    RpcError,
    RpcHttpError,
    RpcTimeoutError,
    RpcTransportError,
)

__all__ = [
    "HttpTransport",
    "batch_results",
    "http_post",
    "raise_for_http_status",
    "rpc_error_of",
    "rpc_result",
]

_SNIPPET_CHARS = 120


def rpc_error_of(method: str, error: Any, *, url: str) -> RpcError:
    """The `RpcError` of a JSON-RPC error object; `MalformedAnswerError` if it is not one."""
    if not isinstance(error, dict):
        raise MalformedAnswerError(f"{method}: error is not an object: {_snippet(error)}", url=url)
    try:
        code = int(error.get("code", 0))
    except (TypeError, ValueError) as exc:
        raise MalformedAnswerError(f"{method}: error code {error.get('code')!r}", url=url) from exc
    return RpcError(
        method=method, code=code, message=str(error.get("message", "")), data=error.get("data")
    )


def _snippet(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    return text if len(text) <= _SNIPPET_CHARS else text[:_SNIPPET_CHARS] + "…"


def _retry_after_s(headers: Any) -> float | None:
    try:
        return max(float(headers.get("Retry-After", "")), 0.0)
    except ValueError:
        return None  # absent, or an HTTP date: our own backoff decides


async def http_post(
    session: aiohttp.ClientSession, url: str, body: bytes, headers: Mapping[str, str]
) -> tuple[int, Mapping[str, str], bytes]:
    """(status, headers, body) of one POST; aiohttp's errors as our transport errors."""
    try:
        async with session.post(url, data=body, headers=headers) as response:
            return response.status, response.headers, await response.read()
    except aiohttp.ClientConnectorError as exc:
        raise RpcConnectError(f"connect: {exc.os_error or exc}", url=url) from exc
    except TimeoutError as exc:
        limit = session.timeout.total
        raise RpcTimeoutError(f"no answer within {limit:g} s", url=url) from exc
    except aiohttp.ClientError as exc:
        raise RpcTransportError(f"{type(exc).__name__}: {exc}", url=url) from exc


def raise_for_http_status(
    status: int, headers: Mapping[str, str], *, url: str, detail: str = ""
) -> None:
    """Nothing for 200; `RateLimitedError` for 429 (with its `Retry-After`), else `RpcHttpError`."""
    if status == 200:
        return
    if status == 429:
        raise RateLimitedError("HTTP 429", url=url, retry_after_s=_retry_after_s(headers))
    raise RpcHttpError(f"HTTP {status}{': ' + detail if detail else ''}", url=url, status=status)


def rpc_result(method: str, answer: Any, *, url: str) -> Any:
    """The `result` of one JSON-RPC answer; its error object raised (`rpc_error_of`)."""
    if not isinstance(answer, dict):
        raise MalformedAnswerError(f"{method}: answer {_snippet(answer)}", url=url)
    error = answer.get("error")
    if error is not None:
        raise rpc_error_of(method, error, url=url)
    if "result" not in answer:
        raise MalformedAnswerError(
            f"{method}: answer has neither result nor error: {_snippet(answer)}", url=url
        )
    return answer["result"]


def batch_results(
    requests: Sequence[RpcRequest], first_id: int, answers: Any, *, url: str
) -> list[Any]:
    """The results of a batch whose requests have ids from `first_id` on, in request order;
    the batch's or a request's error raised (`rpc_result`)."""
    if isinstance(answers, dict) and answers.get("error") is not None:
        # Refused as a whole (a provider's rate limit, or batches not allowed).
        raise rpc_error_of(BATCH, answers["error"], url=url)
    if not isinstance(answers, list) or len(answers) != len(requests):
        raise MalformedAnswerError(
            f"batch of {len(requests)} answered with {_snippet(answers)}", url=url
        )
    # Only integer ids are ours; a node's odd id (a list, an object) is no answer of ours.
    by_id = {a["id"]: a for a in answers if isinstance(a, dict) and type(a.get("id")) is int}
    return [
        rpc_result(method, by_id.get(first_id + i), url=url)
        for i, (method, _) in enumerate(requests)
    ]


# The body is encoded by `json_codec` (orjson), so aiohttp does not set the type itself.
_JSON_HEADERS = {"Content-Type": "application/json"}


class HttpTransport:
    """One HTTP endpoint and its pooled aiohttp session (`open` before use, `close` after)."""

    def __init__(self, url: str, *, timeout_s: float = 30.0) -> None:
        self.url = url
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self._ids = itertools.count(1)

    async def open(self) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _post(self, payload: Any) -> Any:
        if self._session is None:
            raise RuntimeError("RpcClient used outside `async with`")
        status, headers, body = await http_post(
            self._session, self.url, json_codec.dumps(payload), _JSON_HEADERS
        )
        raise_for_http_status(status, headers, url=self.url)
        try:
            return json_codec.loads(body)
        except ValueError as exc:
            raise MalformedAnswerError(
                f"answer is not JSON: {_snippet(body.decode(errors='replace'))}", url=self.url
            ) from exc

    async def call(self, method: str, *params: Any) -> Any:
        payload = {"jsonrpc": "2.0", "id": next(self._ids), "method": method, "params": params}
        return rpc_result(method, await self._post(payload), url=self.url)

    async def batch(self, requests: Sequence[RpcRequest]) -> list[Any]:
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
        return batch_results(requests, first_id, await self._post(payload), url=self.url)
