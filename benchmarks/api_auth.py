"""What auth costs an API request: `/status` answered in loopback mode, with the legacy
`OMNIARB_API_TOKEN`, and with a stored token (its SHA-256 looked up in the history database on
every request, so a revoke takes effect at once).

One uvicorn server on 127.0.0.1 over a SQLite history in a temporary directory; one client
sends `--requests` sequential requests per mode (after a warm-up) and the script prints the
median and p99 latency and the rate, and the stored token's overhead over the legacy one.

    .venv/bin/python benchmarks/api_auth.py [--requests 2000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr

from omniarb.api import ApiServer, ApiState, LiveHub, create_app
from omniarb.config import Secrets, Settings
from omniarb.store import HistoryDatabase

_UNLIMITED = {
    "token_rate_per_s": 1e5,
    "token_burst": 1_000_000,
    "address_rate_per_s": 1e5,
    "address_burst": 1_000_000,
}
_LEGACY = "benchmark-legacy-token"


async def _measure(state: ApiState, secrets: Secrets, token: str | None, n: int) -> dict[str, Any]:
    settings = Settings.model_validate({"api": _UNLIMITED})
    app = create_app(state, settings, secrets=secrets)
    server = ApiServer(app, state, settings.api)
    task = asyncio.create_task(server.serve())
    try:
        await server.wait_started()
        headers = {} if token is None else {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=server.url, headers=headers) as client:
            for _ in range(min(200, n)):
                (await client.get("/status")).raise_for_status()
            took_ns = []
            for _ in range(n):
                start = time.perf_counter_ns()
                (await client.get("/status")).raise_for_status()
                took_ns.append(time.perf_counter_ns() - start)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    took_ns.sort()
    return {
        "p50_ms": statistics.median(took_ns) / 1e6,
        "p99_ms": took_ns[int(len(took_ns) * 0.99) - 1] / 1e6,
        "requests_per_s": n / (sum(took_ns) / 1e9),
    }


async def _run(n: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        database = HistoryDatabase.open(f"sqlite:///{Path(tmp) / 'history.sqlite'}")
        try:
            state = ApiState(history=database, hub=LiveHub())
            figures = {"loopback": await _measure(state, Secrets(), None, n)}
            legacy = Secrets(api_token=SecretStr(_LEGACY))
            figures["legacy_token"] = await _measure(state, legacy, _LEGACY, n)
            _, stored = database.api_tokens.create(name="benchmark", scope="read")
            figures["stored_token"] = await _measure(state, Secrets(), stored, n)
        finally:
            database.dispose()
    figures["stored_over_legacy_p50_ms"] = (
        figures["stored_token"]["p50_ms"] - figures["legacy_token"]["p50_ms"]
    )
    return {"requests": n, "figures": figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=2000, help="per mode (default 2000)")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    args = parser.parse_args()
    result = asyncio.run(_run(args.requests))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"GET /status, {result['requests']} sequential requests per mode, SQLite history")
    for mode in ("loopback", "legacy_token", "stored_token"):
        f = result["figures"][mode]
        print(
            f"  {mode:<13} p50 {f['p50_ms']:.3f} ms  p99 {f['p99_ms']:.3f} ms  "
            f"{f['requests_per_s']:,.0f} req/s"
        )
    extra = result["figures"]["stored_over_legacy_p50_ms"]
    print(f"  stored token over legacy (p50): {extra:+.3f} ms")


if __name__ == "__main__":
    main()
