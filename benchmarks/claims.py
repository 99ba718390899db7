"""What a submission claim costs now that it writes its trade's opportunity and decision rows
with it (`omniarb.store.premises`): the claim of a key with an approved decision recorded (the
engine's case) against the bare claim of a key without one, through `HistoryStore`'s ledger, on
SQLite (the claim made on the loop, `omniarb.store.loop_claims`) and on PostgreSQL (the claims
thread; a schema of its own at `--pg`, dropped after). The writer's batches never flush during
the timing (its delay is an hour), so the claim always writes the rows itself.

    .venv/bin/python benchmarks/claims.py [--claims 2000] [--pg URL] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from omniarb.store import HistoryStore
from omniarb.store.engine import make_engine
from omniarb.store.writer import WriterSettings
from omniarb.types import (
    Decision,
    Hop,
    Opportunity,
    OpportunitySource,
    Route,
)

_HELD = WriterSettings(max_delay_ms=3_600_000.0, max_batch=100_000, queue_size=100_000)
_WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2"
_USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
_DAI = "0x6B175474E89094C44Da98b954EedeAC495271d0F"
_POOLS = (
    "0xB4e16d0168e52d35CaCD2c6185b44281Ec28C9Dc",
    "0x397FF1542f962076d0BFE58eA045FfA2d347ACa0",
    "0xAE461cA67B15dc8dc81CE7615e0320dA1A9aB8D5",
)


def _decision(n: int) -> Decision:
    """An approved three-hop trade, as the engine records one before its claim."""
    path = (_WETH, _USDC, _DAI, _WETH)
    route = Route(
        chain_id=1,
        hops=tuple(
            Hop(
                pool=_POOLS[i],
                dex="uniswap-v3",
                kind="uniswap-v3",
                token_in=path[i],
                token_out=path[i + 1],
                zero_for_one=path[i].lower() < path[i + 1].lower(),
                fee_pips=500,
                tick_spacing=10,
            )
            for i in range(3)
        ),
    )
    opportunity = Opportunity(
        id=f"1:{n}:{n:064x}",
        chain_id=1,
        block_number=n,
        route=route,
        amount_in=10**18,
        amount_out=10**18 + 5 * 10**15,
        gross_profit=5 * 10**15,
        gas_estimate=250_000,
        gas_price_wei=20 * 10**9,
        gas_cost_wei=250_000 * 20 * 10**9,
        net_profit=5 * 10**15 - 250_000 * 20 * 10**9,
        net_profit_usd=0.05,
        source=OpportunitySource.BLOCK,
        detected_ns=n,
        trigger_tx=None,
    )
    return Decision(
        opportunity=opportunity,
        approved=True,
        reasons=(),
        amount_in=10**18,
        min_profit=1,
        p_success=0.9,
        expected_value_usd=0.04,
        bribe_wei=0,
        flash_source="uniswap-v3-flash",
        decided_ns=n + 1,
    )


def _summary(took_ns: list[int]) -> dict[str, float]:
    took_ns.sort()
    return {
        "p50_us": statistics.median(took_ns) / 1e3,
        "p99_us": took_ns[int(len(took_ns) * 0.99) - 1] / 1e3,
    }


async def _claims(url: str, n: int) -> dict[str, dict[str, float]]:
    took: dict[str, list[int]] = {"bare": [], "with rows": []}
    async with HistoryStore.open(url, settings=_HELD) as store:
        for i in range(-200, n):  # the first 200 warm up
            decision = _decision(1_000_000 + i)
            await store.record(decision)
            for mode, key in (("bare", f"bare-{i}"), ("with rows", decision.opportunity.id)):
                start = time.perf_counter_ns()
                claimed = await store.submissions.claim(
                    key, chain_id=1, tx_hash="0x" + "ab" * 32, nonce=i
                )
                if i >= 0:
                    took[mode].append(time.perf_counter_ns() - start)
                if not claimed:
                    raise AssertionError(f"{key} was not claimed")
    return {mode: _summary(values) for mode, values in took.items()}


async def _run(pg: str, n: int) -> dict[str, Any]:
    result: dict[str, Any] = {"claims": n}
    with tempfile.TemporaryDirectory() as folder:
        result["sqlite"] = await _claims(f"sqlite:///{Path(folder) / 'history.sqlite'}", n)
    schema = f"omniarb_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(pg)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"})
        result["postgresql"] = await _claims(url.render_as_string(hide_password=False), n)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--claims", type=int, default=2000)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(_run(args.pg, args.claims))
    if args.json:
        print(json.dumps(result))
        return
    print(f"{args.claims} claims per mode (p50 / p99, µs)")
    for backend in ("sqlite", "postgresql"):
        bare, rows = result[backend]["bare"], result[backend]["with rows"]
        print(
            f"{backend:>10}: bare {bare['p50_us']:.0f} / {bare['p99_us']:.0f}, "
            f"with its rows {rows['p50_us']:.0f} / {rows['p99_us']:.0f} "
            f"(+{rows['p50_us'] - bare['p50_us']:.0f} µs at p50)"
        )


if __name__ == "__main__":
    main()
