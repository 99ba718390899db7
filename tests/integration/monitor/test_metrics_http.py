"""The metrics port (`MetricsServer`) over real sockets: the registry's series at /metrics, ok at
/healthz, HEAD without a body, 404 and 405 otherwise, a client that sends no request is closed,
and a busy port is a ConfigError naming it."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from omniarb.errors import ConfigError
from omniarb.monitor import Metrics
from omniarb.monitor.metrics_http import MetricsServer


async def test_the_port_serves_the_series_and_the_health_check() -> None:
    metrics = Metrics(chains=["ethereum"])
    metrics.api.auth_failures.labels("missing").inc(3)
    server = await MetricsServer.start(metrics, host="127.0.0.1", port=0)
    try:
        assert server.url == f"http://127.0.0.1:{server.port}/metrics"
        async with httpx.AsyncClient() as client:
            response = await client.get(server.url)
            assert response.status_code == 200
            assert response.headers["content-type"] == metrics.content_type
            assert 'omniarb_api_auth_failures_total{reason="missing"} 3.0' in response.text
            head = await client.head(server.url)
            assert (head.status_code, head.content) == (200, b"")
            assert int(head.headers["content-length"]) == len(response.content)
            health = await client.get(server.url.replace("/metrics", "/healthz?probe=1"))
            assert (health.status_code, health.text) == (200, "ok\n")
            assert (await client.get(server.url.replace("/metrics", "/"))).status_code == 404
            assert (await client.post(server.url)).status_code == 405

        # A connection that sends a line that is not HTTP is closed without an answer.
        reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
        writer.write(b"\x00\xff\r\n\r\n")
        await writer.drain()
        assert await asyncio.wait_for(reader.read(), 10) == b""
        writer.close()
    finally:
        await server.close()


async def test_a_busy_port_is_a_config_error() -> None:
    first = await MetricsServer.start(Metrics(), host="127.0.0.1", port=0)
    try:
        with pytest.raises(
            ConfigError, match=f"--metrics-port: cannot listen on 127.0.0.1:{first.port}"
        ):
            await MetricsServer.start(Metrics(), host="127.0.0.1", port=first.port)
    finally:
        await first.close()
