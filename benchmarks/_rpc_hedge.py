"""Hedged sends against one slow endpoint, for `benchmarks/rpc.py`.

One anvil node (automine) behind two proxies of the test suite (`tests/_rpc_proxy.py`): one
forwards at once, the other `delay_ms` later (a slow provider). `eth_sendRawTransaction` of
signed transfers, one in flight, through four clients that take turns send by send:

- `one endpoint`: the fast proxy alone (the floor);
- `slow preferred, failover only`: both, the slow one listed first, hedging off: the failover
  layer cannot see slowness, so every send waits on the slow endpoint;
- `slow preferred, hedged`: the same two, sends hedged: the fast one's acknowledgment answers;
- `fast preferred, hedged`: what hedging costs when the preferred endpoint is the fast one.

Head checks are run once at the start (interval 1 h): every figure is the send alone. Every
transaction sent is checked on chain at the end (one nonce each).
"""

from __future__ import annotations

import sys
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from omniarb.chains.fees import read_fees
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import FailoverPolicy, RpcClient, RpcPolicy
from omniarb.chains.spec import FeeModel
from omniarb.config import load_secrets
from omniarb.devnet.accounts import dev_account
from omniarb.devnet.anvil import AnvilNode, AnvilOptions
from omniarb.execute.signer import Signer

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from _rpc_proxy import Fault, FaultyRpcProxy  # the test suite's proxy

CHAIN_ID = 31337
_WARMUP = 20
_GWEI = 10**9


def _percentile_ms(samples_ns: list[int], q: float) -> float:
    ordered = sorted(samples_ns)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))] / 1e6


async def measure_hedge(sends: int, delay_ms: float) -> dict[str, Any]:
    """p50/p99 send latency of each variant, `sends` each, in one run."""
    node = await AnvilNode.start(AnvilOptions(chain_id=CHAIN_ID, accounts=2))
    try:
        async with AsyncExitStack() as stack:
            fast = await stack.enter_async_context(FaultyRpcProxy(node.rpc_http))
            slow = await stack.enter_async_context(FaultyRpcProxy(node.rpc_http))
            slow.inject(Fault(kind="delay", delay_s=delay_ms / 1000))
            hedged = RpcPolicy(failover=FailoverPolicy(head_check_interval_s=3600.0))
            unhedged = RpcPolicy(
                failover=FailoverPolicy(head_check_interval_s=3600.0), hedged_methods=frozenset()
            )
            variants = {
                "one endpoint": RpcClient([fast.url], policy=hedged),
                "slow preferred, failover only": RpcClient([slow.url, fast.url], policy=unhedged),
                "slow preferred, hedged": RpcClient([slow.url, fast.url], policy=hedged),
                "fast preferred, hedged": RpcClient([fast.url, slow.url], policy=hedged),
            }
            for client in variants.values():
                await stack.enter_async_context(client)
                await client.call("eth_blockNumber")  # the head check, once
            direct = await stack.enter_async_context(RpcClient(node.rpc_http))
            signer = Signer.from_secrets(
                load_secrets({}), chain_id=CHAIN_ID, default_key=dev_account(0).private_key
            )
            fees = await read_fees(direct, fee_model=FeeModel.EIP1559, tip_wei=_GWEI)
            to = dev_account(1).address
            nonce = 0
            samples: dict[str, list[int]] = {name: [] for name in variants}
            order = list(variants.items())
            clock = time.perf_counter_ns
            for turn in range(_WARMUP + sends):
                shift = turn % len(order)
                for name, client in order[shift:] + order[:shift]:
                    signed = signer.sign(nonce=nonce, to=to, data=b"", gas=21_000, fees=fees)
                    nonce += 1
                    started = clock()
                    await client.call("eth_sendRawTransaction", signed.raw_hex)
                    if turn >= _WARMUP:
                        samples[name].append(clock() - started)
            hedged_calls = {}
            for name, client in variants.items():
                if client.hedge is not None:
                    await client.hedge.drain()
                    hedged_calls[name] = client.hedge.hedged
            if await wait_for_receipt(direct, signed.tx_hash, timeout_s=10.0) is None:
                raise SystemExit(f"hedge: the last transaction {signed.tx_hash} was not mined")
            landed = int(await direct.call("eth_getTransactionCount", signer.address, "latest"), 16)
            if landed != nonce:
                raise SystemExit(f"hedge: {nonce} transactions sent, {landed} on chain")
    finally:
        await node.stop()
    result: dict[str, Any] = {"hedge_sends": sends, "hedge_delay_ms": delay_ms, "hedge": {}}
    for name, taken in samples.items():
        result["hedge"][name] = {
            "p50_ms": round(_percentile_ms(taken, 0.5), 3),
            "p99_ms": round(_percentile_ms(taken, 0.99), 3),
        }
    figures = result["hedge"]
    slow_p50 = figures["slow preferred, failover only"]["p50_ms"]
    result["hedge_speedup_p50"] = round(slow_p50 / figures["slow preferred, hedged"]["p50_ms"], 2)
    result["hedge_cost_p50_ms"] = round(
        figures["fast preferred, hedged"]["p50_ms"] - figures["one endpoint"]["p50_ms"], 3
    )
    result["hedged_calls"] = hedged_calls
    return result


def print_hedge(result: dict[str, Any]) -> None:
    print(
        f"eth_sendRawTransaction, one of two endpoints +{result['hedge_delay_ms']:g} ms, "
        f"{result['hedge_sends']} sends per variant, one in flight"
    )
    for name, entry in result["hedge"].items():
        print(f"{name:30} p50 {entry['p50_ms']:7.3f} ms  p99 {entry['p99_ms']:7.3f} ms")
    print(
        f"hedged vs failover only, slow endpoint preferred, p50: "
        f"{result['hedge_speedup_p50']:.1f}x faster; hedging with the fast one preferred costs "
        f"{result['hedge_cost_p50_ms']:+.3f} ms p50 over one endpoint"
    )
