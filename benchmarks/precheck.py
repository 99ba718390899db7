"""The check before a send: the local simulation against the node's `eth_call` pre-check.

Issue #16 takes the per-trade `eth_call` off the hot path: a trade is checked by replaying the
executor's rule (every hop's exact output on the synced pool states, then amountOut ≥ owed +
minProfit) in process, and the node is asked only for unproven tokens or as an audit after the
send. This measures both checks of the same trades.

Method. One devnet chain (ethereum, automine) and the bot's real pipeline (`omniarb.wiring`,
its executor deployed by the devnet's access). A trader's 600 WETH sale into SushiSwap's
WETH/USDC pair opens a gap; the state stage bootstraps on that block and the detector, risk,
score and allocate stages make their decisions of it (each an approved trade with its loan).
For each decision, with the calldata the execute stage would send:
- local: `LocalSimulation.check` on the synced states (`--iterations` times per decision);
- remote: `Submitter.precheck`, the `eth_call` of the same call against `latest` (one HTTP
  round trip to a node on this machine, which executes the whole trade; `--remote-iterations`
  times per decision).
Both must agree: the profit `eth_call` returns is the local prediction, to the wei (checked).
The figures are per check, p50 / p99 over every decision's samples, and the ratio of the p50s.
A node across a network adds its round-trip time to every remote figure, none to the local.

    .venv/bin/python benchmarks/precheck.py [--iterations 20000] [--remote-iterations 200] [--json]
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

from _deadline import BENCH_DEADLINE_BLOCK

from omniarb.chains.abi import encode_call
from omniarb.chains.fees import fees_for
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import chain_by_id
from omniarb.config import Settings
from omniarb.devnet import Devnet, dev_account
from omniarb.devnet.bot_access import DevnetAccess
from omniarb.execute.executor_calldata import dex_factories
from omniarb.execute.local_check import LocalSimulation
from omniarb.execute.route_codec import RouteCodec, plan_source
from omniarb.execute.submit import TxRequest
from omniarb.store import HistoryStore
from omniarb.types import Decision
from omniarb.wiring import build_pipeline

CHAIN = "ethereum"
GAP_WETH = 600 * 10**18
DEADLINE = 2**32 - 1
_WARMUP = 200


def _percentiles_us(samples_ns: list[int]) -> tuple[float, float, float]:
    ordered = sorted(samples_ns)
    p50 = ordered[len(ordered) // 2] / 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1000
    return p50, p99, statistics.fmean(ordered) / 1000


async def _plant_gap(rpc: RpcClient, manifest: Any) -> None:
    trader = dev_account(1).address
    path = [manifest.token("WETH").address, manifest.token("USDC").address]
    data = encode_call(
        "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)",
        GAP_WETH,
        0,
        path,
        trader,
        DEADLINE,
    )
    tx = {"from": trader, "to": manifest.dex("sushiswap").router, "data": data}
    tx_hash = await rpc.call("eth_sendTransaction", tx | {"gas": hex(400_000)})
    receipt = await wait_for_receipt(rpc, tx_hash, timeout_s=30)
    if receipt is None or receipt.get("status") != "0x1":
        raise SystemExit(f"the gap's swap did not succeed: {receipt}")


async def measure_precheck(iterations: int, remote_iterations: int) -> dict[str, Any]:
    """Per-check latency of the local simulation and of the remote pre-check, same trades."""
    with tempfile.TemporaryDirectory() as home:
        async with Devnet(block_times_s={CHAIN: None}) as net:
            manifest = net.manifest.chain(CHAIN)
            store = await asyncio.to_thread(
                HistoryStore.open, f"sqlite:///{Path(home) / 'h.sqlite'}"
            )
            async with RpcClient(manifest.rpc_http) as rpc:
                access = DevnetAccess(net.manifest_path)
                pipeline = await build_pipeline(
                    manifest,
                    rpc=rpc,
                    access=access,
                    settings=Settings(),
                    store=store,
                    dry_run=True,
                )
                await _plant_gap(rpc, manifest)
                update = await pipeline.sync.bootstrap()
                decisions: list[Decision] = []
                for opportunity in await pipeline.detector.process(update):
                    verdict = await pipeline.risk.process(opportunity)
                    decision = await pipeline.allocate.process(
                        await pipeline.score.process(verdict)
                    )
                    if decision.approved:
                        decisions.append(decision)
                if not decisions:
                    raise SystemExit(
                        f"the planted gap gave no approved decision "
                        f"({len(update.pools)} pools, {pipeline.detector.counters})"
                    )
                local = LocalSimulation(states=pipeline.sync)
                # The execute stage's codec and executor (remembered by the devnet's access).
                codec = RouteCodec(dex_factories(manifest))
                executor = await access.executor(manifest, rpc, access.signer(manifest))
                submitter = pipeline.execute.submitter
                assert pipeline.fees is not None
                quote = pipeline.fees.quote
                fees = fees_for(
                    chain_by_id(manifest.chain_id).fee_model,
                    base_fee_wei=quote.base_fee_wei,
                    tip_wei=quote.tip_wei,
                )
                local_ns: list[int] = []
                remote_ns: list[int] = []
                clock = time.perf_counter_ns
                for decision in decisions:
                    data = codec.calldata(
                        decision.opportunity.route,
                        decision.amount_in,
                        decision.min_profit,
                        plan_source(decision.flash_source),
                        flash_pool=decision.flash_pool,
                        deadline_block=BENCH_DEADLINE_BLOCK,
                    )
                    request = TxRequest(
                        to=executor, data=data, gas=decision.trade_gas_estimate * 2, fees=fees
                    )
                    prediction = local.check(decision)
                    answer = await submitter.precheck(request)
                    if int.from_bytes(answer[:32], "big") != prediction.profit:
                        raise SystemExit(
                            f"eth_call returned {int.from_bytes(answer[:32], 'big')}, the local "
                            f"simulation predicted {prediction.profit}"
                        )
                    for _ in range(_WARMUP):
                        local.check(decision)
                    for _ in range(iterations):
                        started = clock()
                        local.check(decision)
                        local_ns.append(clock() - started)
                    for _ in range(remote_iterations):
                        started = clock()
                        await submitter.precheck(request)
                        remote_ns.append(clock() - started)
            await store.close()
    local_p50, local_p99, local_mean = _percentiles_us(local_ns)
    remote_p50, remote_p99, remote_mean = _percentiles_us(remote_ns)
    hops = sorted({len(d.opportunity.route.hops) for d in decisions})
    return {
        "decisions": len(decisions),
        "hops": hops,
        "kinds": sorted({h.kind for d in decisions for h in d.opportunity.route.hops}),
        "iterations_per_decision": iterations,
        "remote_iterations_per_decision": remote_iterations,
        "local_p50_us": round(local_p50, 2),
        "local_p99_us": round(local_p99, 2),
        "local_mean_us": round(local_mean, 2),
        "remote_eth_call_p50_us": round(remote_p50, 1),
        "remote_eth_call_p99_us": round(remote_p99, 1),
        "remote_eth_call_mean_us": round(remote_mean, 1),
        "speedup_p50": round(remote_p50 / local_p50, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=20_000)
    parser.add_argument("--remote-iterations", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    result = asyncio.run(measure_precheck(args.iterations, args.remote_iterations))
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        f"check before a send, {result['decisions']} decisions ({result['hops']} hops, "
        f"{', '.join(result['kinds'])}) on the devnet's {CHAIN}"
    )
    print(
        f"local simulation  p50 {result['local_p50_us']:9.2f} us  p99 "
        f"{result['local_p99_us']:9.2f} us  ({args.iterations} per decision)"
    )
    print(
        f"remote eth_call   p50 {result['remote_eth_call_p50_us']:9.1f} us  p99 "
        f"{result['remote_eth_call_p99_us']:9.1f} us  ({args.remote_iterations} per decision)"
    )
    print(f"local is {result['speedup_p50']}x faster at p50 (same trades, profits agree)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
