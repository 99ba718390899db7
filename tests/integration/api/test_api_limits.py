"""The served API's limits: 429 with `Retry-After` per token and per address, 413 for a body
announced or streamed past `api.max_body_bytes`, WebSocket clients closed with 1009 (message
too big) and 1008 (too many messages), CORS headers only for listed origins, and HTTPS with a
self-signed certificate made by the test."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from _api_server import AUTH, make_secrets, serving, ws_url
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from test_api_breaker import _TinyBreaker
from websockets.exceptions import ConnectionClosed

from omniarb.api import ApiServer, ApiState, LiveHub, create_app
from omniarb.config import Settings
from omniarb.errors import ConfigError
from omniarb.monitor import Metrics
from omniarb.monitor.api_metrics import ApiIntrusion
from omniarb.store import HistoryStore


def _settings(**api: Any) -> Settings:
    return Settings.model_validate({"api": api})


@pytest.fixture
async def store(sqlite_url: str) -> AsyncIterator[HistoryStore]:
    opened = HistoryStore.open(sqlite_url)
    try:
        yield opened
    finally:
        await opened.close()


def _limited(metrics: Metrics, scope: str) -> float:
    value: float = metrics.api.rate_limited.labels(scope)._value.get()
    return value


async def test_a_token_past_its_burst_gets_429_with_retry_after(store: HistoryStore) -> None:
    metrics = Metrics()
    _reader, read_secret = store.database.api_tokens.create(name="poller", scope="read")
    state = ApiState(history=store.database, hub=LiveHub(), intrusion=ApiIntrusion(metrics.api))
    settings = _settings(token_rate_per_s=0.5, token_burst=3)
    async with serving(state, settings) as server, httpx.AsyncClient(base_url=server.url) as c:
        headers = {"Authorization": f"Bearer {read_secret}"}
        for _ in range(3):
            assert (await c.get("/status", headers=headers)).status_code == 200
        refused = await c.get("/status", headers=headers)
        assert refused.status_code == 429
        # Empty bucket, 0.5 requests a second: one request is back in 2 s.
        assert refused.headers["retry-after"] == "2"
        assert "Retry-After" in refused.json()["detail"]
        # Another token has a bucket of its own.
        assert (await c.get("/status", headers=AUTH)).status_code == 200
    assert _limited(metrics, "token") == 1.0
    assert _limited(metrics, "address") == 0.0


async def test_an_address_past_its_burst_gets_429(store: HistoryStore) -> None:
    metrics = Metrics()
    state = ApiState(history=store.database, hub=LiveHub(), intrusion=ApiIntrusion(metrics.api))
    settings = _settings(address_rate_per_s=0.25, address_burst=4)
    async with serving(state, settings, token=None) as server:
        async with httpx.AsyncClient(base_url=server.url) as client:
            # Loopback mode, no token at all: the address bucket still applies.
            for _ in range(4):
                assert (await client.get("/status")).status_code == 200
            refused = await client.get("/status")
            assert refused.status_code == 429
            assert refused.headers["retry-after"] == "4"
            assert (await client.get("/trades")).status_code == 429
        with pytest.raises(websockets.exceptions.InvalidStatus) as closed:
            async with websockets.connect(ws_url(server)):
                pass
        assert closed.value.response.status_code == 403
    assert _limited(metrics, "address") == 3.0


async def test_a_body_past_the_limit_gets_413(store: HistoryStore) -> None:
    breaker = _TinyBreaker()
    state = ApiState(history=store.database, hub=LiveHub(), breaker=breaker)
    settings = _settings(max_body_bytes=1024)
    big = b'{"reason": "' + b"x" * 2000 + b'"}'

    async def streamed() -> AsyncIterator[bytes]:
        for start in range(0, len(big), 256):
            yield big[start : start + 256]

    async with (
        serving(state, settings) as server,
        httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
    ):
        announced = await client.post(
            "/breaker/trip", content=big, headers={"content-type": "application/json"}
        )
        assert announced.status_code == 413
        assert "api.max_body_bytes" in announced.json()["detail"]
        chunked = await client.post(
            "/breaker/trip", content=streamed(), headers={"content-type": "application/json"}
        )
        assert "content-length" not in chunked.request.headers
        assert chunked.status_code == 413
        assert "1024 bytes" in chunked.json()["detail"]
        assert not breaker.is_open
        small = await client.post("/breaker/trip", json={"reason": "x" * 400})
        assert small.status_code == 200
        assert breaker.is_open


async def test_websocket_clients_that_send_too_much_are_closed(store: HistoryStore) -> None:
    metrics = Metrics()
    state = ApiState(history=store.database, hub=LiveHub(), intrusion=ApiIntrusion(metrics.api))
    settings = _settings(ws_max_message_bytes=64, ws_messages_per_s=0.01, ws_message_burst=3)
    async with serving(state, settings, token=None) as server:
        async with websockets.connect(ws_url(server)) as ws:
            await ws.send("x" * 65)
            with pytest.raises(ConnectionClosed) as big:
                await ws.recv()
        assert big.value.rcvd is not None
        assert big.value.rcvd.code == 1009
        async with websockets.connect(ws_url(server)) as ws:
            for _ in range(4):
                await ws.send("ping")
            with pytest.raises(ConnectionClosed) as chatty:
                await ws.recv()
        assert chatty.value.rcvd is not None
        assert (chatty.value.rcvd.code, chatty.value.rcvd.reason) == (1008, "too many messages")
    assert _limited(metrics, "websocket") == 1.0


async def test_cors_headers_only_for_listed_origins(store: HistoryStore) -> None:
    state = ApiState(history=store.database, hub=LiveHub())
    listed = "https://ops.example.com"
    preflight = {"Origin": listed, "Access-Control-Request-Method": "POST"}
    async with serving(state) as server, httpx.AsyncClient(base_url=server.url) as client:
        plain = await client.get("/status", headers={**AUTH, "Origin": listed})
        assert plain.status_code == 200
        assert not [h for h in plain.headers if h.startswith("access-control-")]
        asked = await client.options("/breaker/trip", headers=preflight)
        assert "access-control-allow-origin" not in asked.headers
    settings = _settings(cors_origins=[listed])
    async with serving(state, settings) as server, httpx.AsyncClient(base_url=server.url) as client:
        allowed = await client.get("/status", headers={**AUTH, "Origin": listed})
        assert allowed.headers["access-control-allow-origin"] == listed
        other = await client.get("/status", headers={**AUTH, "Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        asked = await client.options("/breaker/trip", headers=preflight)
        assert asked.status_code == 200
        assert asked.headers["access-control-allow-origin"] == listed
        assert "authorization" in asked.headers["access-control-allow-headers"].lower()


@pytest.fixture
def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, valid for a day, and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "omniarb-test")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "api.crt", tmp_path / "api.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


async def test_https_with_a_self_signed_certificate(
    store: HistoryStore, self_signed: tuple[Path, Path]
) -> None:
    cert_file, key_file = self_signed
    state = ApiState(history=store.database, hub=LiveHub())
    settings = _settings(tls_cert=str(cert_file), tls_key=str(key_file))
    trusted = ssl.create_default_context(cafile=str(cert_file))
    async with serving(state, settings) as server:
        assert server.url.startswith("https://127.0.0.1:")
        async with httpx.AsyncClient(base_url=server.url, headers=AUTH, verify=trusted) as c:
            answer = await c.get("/status")
            assert answer.status_code == 200
            assert answer.json()["auth"] == "token"
        # An unknown certificate is refused by a client that verifies.
        async with httpx.AsyncClient(base_url=server.url, headers=AUTH) as strict:
            with pytest.raises(httpx.ConnectError):
                await strict.get("/status")
        wss = ws_url(server).replace("https://", "wss://", 1)
        async with websockets.connect(
            wss, additional_headers=AUTH, ssl=trusted
        ) as ws:  # fmt: skip
            await ws.ping()


async def test_a_missing_or_mismatched_tls_file_fails_at_start(
    store: HistoryStore, self_signed: tuple[Path, Path], tmp_path: Path
) -> None:
    cert_file, _ = self_signed
    other = ec.generate_private_key(ec.SECP256R1())
    wrong_key = tmp_path / "wrong.key"
    wrong_key.write_bytes(
        other.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    state = ApiState(history=store.database, hub=LiveHub())
    for key_file in (tmp_path / "absent.key", wrong_key):
        settings = _settings(tls_cert=str(cert_file), tls_key=str(key_file))
        app = create_app(state, settings, secrets=make_secrets())
        with pytest.raises(ConfigError, match=r"api\.tls_cert/api\.tls_key") as failed:
            ApiServer(app, state, settings.api)
        assert "PRIVATE KEY" not in str(failed.value)
