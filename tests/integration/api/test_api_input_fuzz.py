"""Hypothesis on the API's inputs (query parameters, control bodies, the Authorization header):
whatever arrives, the answer is never a 500, and anything refused is a clear 4xx with a
`detail`. The real app served by uvicorn over a real SQLite history; fixed budget, derandomized.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from _api_server import AUTH, serving
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_api_breaker import _TinyBreaker

from omniarb.api import ApiState, LiveHub
from omniarb.config import Settings
from omniarb.store import HistoryDatabase

_FUZZ = settings(
    max_examples=60,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
_UNLIMITED = {
    "token_rate_per_s": 100_000.0,
    "token_burst": 1_000_000,
    "address_rate_per_s": 100_000.0,
    "address_burst": 1_000_000,
}
# What a query string or header can carry: printable ASCII (httpx encodes the rest anyway).
_PRINTABLE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=40)
_VALUE = st.one_of(
    _PRINTABLE,
    st.text(max_size=20),
    st.integers().map(str),
    st.sampled_from(["0", "-1", "1001", "1e3", "ethereum", "137", "global", "succeeded", ""]),
)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


_Client = tuple[httpx.AsyncClient, _TinyBreaker]


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[_Client]:
    database = HistoryDatabase.open(f"sqlite:///{tmp_path / 'history.sqlite'}")
    breaker = _TinyBreaker()
    state = ApiState(history=database, hub=LiveHub(), breaker=breaker)
    try:
        async with (
            serving(state, Settings.model_validate({"api": _UNLIMITED})) as server,
            httpx.AsyncClient(base_url=server.url, headers=AUTH) as http,
        ):
            yield http, breaker
    finally:
        database.dispose()


def _clear(status: int, body: bytes) -> None:
    assert status < 500, body
    if status >= 400:
        assert "detail" in json.loads(body), body


_READS = {
    "/trades": ("chain", "status", "limit"),
    "/opportunities": ("chain", "status", "limit"),
    "/alerts": ("limit",),
    "/breaker/trips": ("chain", "limit"),
    "/pnl": ("points",),
    "/params": ("chain", "limit"),
}


@_FUZZ
@given(
    path=st.sampled_from(sorted(_READS)),
    values=st.lists(_VALUE, min_size=3, max_size=3),
    extra=st.dictionaries(_PRINTABLE, _VALUE, max_size=2),
)
async def test_query_parameters_never_break_a_read(
    client: _Client, path: str, values: list[str], extra: dict[str, str]
) -> None:
    test_client, _ = client
    params = {**extra, **dict(zip(_READS[path], values, strict=False))}
    answer = await test_client.get(path, params=params)
    assert answer.status_code in (200, 422), answer.text
    _clear(answer.status_code, answer.content)


@_FUZZ
@given(
    body=st.one_of(_JSON.map(lambda v: json.dumps(v).encode()), st.binary(max_size=200)),
    chain=st.one_of(st.none(), _VALUE),
)
async def test_control_bodies_are_judged_not_crashed_on(
    client: _Client, body: bytes, chain: str | None
) -> None:
    test_client, breaker = client
    breaker.reset()
    params = {} if chain is None else {"chain": chain}
    answer = await test_client.post(
        "/breaker/trip", content=body, params=params, headers={"content-type": "application/json"}
    )
    _clear(answer.status_code, answer.content)
    try:
        parsed: Any = json.loads(body)
    except ValueError:
        parsed = None
    valid = (
        isinstance(parsed, dict)
        and set(parsed) == {"reason"}
        and isinstance(parsed["reason"], str)
        and 1 <= len(parsed["reason"]) <= 500
    )
    if answer.status_code == 200:
        assert valid
        assert breaker.is_open
    else:
        assert answer.status_code in (400, 404, 422), answer.text
        assert not breaker.is_open
    reset = await test_client.post("/breaker/reset", params=params)
    assert reset.status_code in (200, 404, 422)
    _clear(reset.status_code, reset.content)


@_FUZZ
@given(
    header=_PRINTABLE.map(str.strip), path=st.sampled_from(["/status", "/config", "/breaker/reset"])
)
async def test_any_authorization_header_is_a_clear_401(
    client: _Client, header: str, path: str
) -> None:
    test_client, _ = client
    method = test_client.post if path == "/breaker/reset" else test_client.get
    answer = await method(path, headers={"Authorization": header})
    assert answer.status_code == 401, answer.text
    _clear(answer.status_code, answer.content)
