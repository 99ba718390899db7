"""What the signer lease costs a submission: a claim through `FencedGuard` (one Redis round trip
for `lease.check()`, then the insert with the token check under the chain's advisory lock)
against the same claim without a lease, on the same PostgreSQL, and `FencedSigner.sign` against
the key's own signer (the lease's local validity check, and the digest signer seam).

A schema of its own in the PostgreSQL at `--pg` (dropped after) and a key prefix of its own in
the Redis at `--redis` (deleted after); `--claims` sequential claims per mode after a warm-up.

    .venv/bin/python benchmarks/lease_fence.py [--claims 1000] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import redis.asyncio as aioredis
from sqlalchemy import text
from sqlalchemy.engine import make_url

from omniarb.chains.fees import Eip1559Fees
from omniarb.cluster.fence import FencedGuard, FencedSigner
from omniarb.cluster.lease import SignerLease
from omniarb.config import RedisSettings
from omniarb.devnet.accounts import dev_account
from omniarb.execute.signer import Signer
from omniarb.store import HistoryDatabase, SubmissionLedger
from omniarb.store.engine import make_engine

# anvil's account 0: a public test key, never a real one.
_KEY = dev_account(0).private_key
_FEES = Eip1559Fees(max_fee_per_gas_wei=2_000_000_000, max_priority_fee_per_gas_wei=1_000_000)
_CHAIN_ID = 31337


def _summary(took_ns: list[int]) -> dict[str, float]:
    took_ns.sort()
    return {
        "p50_us": statistics.median(took_ns) / 1e3,
        "p99_us": took_ns[int(len(took_ns) * 0.99) - 1] / 1e3,
    }


async def _timed(n: int, call: Callable[[int], Awaitable[Any]]) -> dict[str, float]:
    for i in range(min(100, n)):
        await call(-1 - i)  # warm-up
    took_ns = []
    for i in range(n):
        start = time.perf_counter_ns()
        await call(i)
        took_ns.append(time.perf_counter_ns() - start)
    return _summary(took_ns)


async def _run(pg: str, redis_url: str, n: int) -> dict[str, Any]:
    schema = f"omniarb_bench_{uuid.uuid4().hex[:10]}"
    prefix = f"bench-lease-{uuid.uuid4().hex[:8]}:"
    admin = make_engine(pg)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"})
    database = HistoryDatabase.open(url.render_as_string(hide_password=False))
    ledger = SubmissionLedger(database)
    settings = RedisSettings.model_validate(
        {"enabled": True, "url": redis_url, "key_prefix": prefix}
    )
    lease = await SignerLease.connect(settings, name="bench", holder="bench", ttl_s=300.0)
    try:
        await lease.acquire()
        guard = FencedGuard(ledger, lease)

        async def plain(i: int) -> bool:
            return await ledger.claim(f"plain-{i}", chain_id=_CHAIN_ID, nonce=i)

        async def fenced(i: int) -> bool:
            return await guard.claim(f"fenced-{i}", chain_id=_CHAIN_ID, nonce=i)

        signer = Signer(_KEY, chain_id=_CHAIN_ID)
        fenced_signer = FencedSigner(signer, lease)

        async def sign(i: int) -> None:
            signer.sign(nonce=abs(i), to=None, data=b"\x00" * 300, gas=300_000, fees=_FEES)

        async def fenced_sign(i: int) -> None:
            fenced_signer.sign(nonce=abs(i), to=None, data=b"\x00" * 300, gas=300_000, fees=_FEES)

        return {
            "claims": n,
            "claim": await _timed(n, plain),
            "fenced_claim": await _timed(n, fenced),
            "sign": await _timed(n, sign),
            "fenced_sign": await _timed(n, fenced_sign),
        }
    finally:
        await lease.release()
        client = aioredis.Redis.from_url(redis_url)
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
        await lease.close()
        ledger.close()
        database.dispose()
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/0")
    parser.add_argument("--claims", type=int, default=1000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(_run(args.pg, args.redis, args.claims))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for mode in ("claim", "fenced_claim", "sign", "fenced_sign"):
        figures = result[mode]
        print(f"{mode:>13}: p50 {figures['p50_us']:8.1f} µs   p99 {figures['p99_us']:8.1f} µs")


if __name__ == "__main__":
    main()
