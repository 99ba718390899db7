"""Choosing a flash lender: `FlashLoanAllocator.process` on a real devnet, in microseconds.

What is measured. On one devnet chain (ethereum, automine, the lenders of its manifest), the
real `LenderBook.from_manifest` and `FlashLoanAllocator` decide the loan of one approved trade:
- (a) V2 first: WETH → USDC on the uniswap-v2 pair, back on the V3 0.05% pool. The route's
  own pair lends its input, so the allocator answers without any RPC;
- (b) V3 first: WETH → USDC on the V3 0.3% pool, back on the 0.05% pool. Every WETH lender
  outside the route (Balancer Vault, Aave V3, the other V3 pools, the V2 pairs) is priced and
  their balances are read in ONE batched JSON-RPC request (`LenderBook.balances`);
- (c) V3 first from memory: route (b) with the state stage's `LenderBalances` (bootstrapped
  once, then kept from the token logs with each block): the balances are in memory, so the
  decision sends no request. This is what the bot runs (issue #16); (b) is its fallback;
- (d) V3 first from inventory: route (b) with the executor's own inventory (a devnet executor
  given 200 WETH; its balances in the same `LenderBalances`): no loan, so the decision sends
  no request, compares the inventory with the cheapest loan, reserves the amount (released
  after each decision, as a settled trade releases it);
- baseline for (b): the same allocator over a book that reads those balances as a naive
  allocator would, one `eth_call balanceOf` per lender, each awaited before the next. The
  ratios printed are baseline / (b), and (b) / (c): the round trip the memory removes.

Method. `await allocator.process(decision)` is timed with `perf_counter_ns` for N iterations
of each path after a warm-up; (b) and its baseline alternate iteration by iteration so that
load from anything else on the machine falls on both alike. The figures are checked before
they are printed: (a) chooses "uniswap-v2-flash-swap" and sends no request; (b) sends one
request per decision and chooses the same lender every iteration; (c) sends none and chooses
what (b) chooses; the baseline sends one request per lender, chooses what (b) chooses, and its
balances equal the batch's; (d) sends none, chooses "inventory" for the whole amount and leaves
nothing reserved. (b), (c), (d) and the baseline alternate iteration by iteration.

    .venv/bin/python benchmarks/allocate.py [--iterations N] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from collections.abc import Sequence
from typing import Any

# benchmarks/ is on the path as the script's dir
from _execute_pools import pool_named

from omniarb.allocate import FlashLoanAllocator, Inventory, Lender, LenderBook
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient, RpcRequest
from omniarb.devnet import Devnet, dev_account
from omniarb.dex.registry import adapter
from omniarb.execute import deploy_devnet_executor
from omniarb.gas import HopWork
from omniarb.network import ChainManifest
from omniarb.state import LenderBalances
from omniarb.types import Decision, FlashLoan, Opportunity, OpportunitySource, Route
from omniarb.wiring import EXECUTOR_GAS

CHAIN = "ethereum"
WETH_WEI = 10**18
GAS_PRICE_WEI = 10**9
# Every lender of the devnet holds 100 WETH but the Vault (funded with stablecoins only): the
# cheapest on paper cannot lend, so the allocator has to read past it to the next.
AMOUNT_IN_WEI = 100 * WETH_WEI
GROSS_PROFIT_WEI = WETH_WEI
_WARMUP = 100
INVENTORY_WEI = 200 * WETH_WEI


class _CountingRpc(RpcClient):
    """An `RpcClient` that counts its HTTP round trips, so "no RPC" can be checked."""

    def __init__(self, url: str, *, timeout_s: float = 30.0) -> None:
        super().__init__(url, timeout_s=timeout_s)
        self.round_trips = 0

    async def call(self, method: str, *params: Any) -> Any:
        self.round_trips += 1
        return await super().call(method, *params)

    async def batch(self, requests: Sequence[RpcRequest]) -> list[Any]:
        # An empty batch never reaches the node.
        if requests:
            self.round_trips += 1
        return await super().batch(requests)


class _OneCallPerLender(LenderBook):
    """The book a naive allocator has: a lender's balance is read only after the previous
    lender's has come back."""

    async def balances(self, lenders: Sequence[Lender]) -> list[int]:
        return [await self._balance(lender) for lender in lenders]

    async def _balance(self, lender: Lender) -> int:
        data = encode_call("balanceOf(address)", lender.holder)
        raw = await self._rpc.call("eth_call", {"to": lender.token, "data": data}, "latest")
        return int(decode(["uint256"], raw)[0])


def _approved(route: Route) -> Decision:
    """The decision the risk stage hands on for `route`: approved, its gas priced as the
    detector prices it (WETH is the start token, so one gas costs `GAS_PRICE_WEI` of it)."""
    free_loan = adapter(route.hops[0].kind).flash_swap_hop
    gas = EXECUTOR_GAS.estimate([HopWork(kind=hop.kind) for hop in route.hops], free_loan=free_loan)
    gas_cost_wei = gas * GAS_PRICE_WEI
    net_profit_wei = GROSS_PROFIT_WEI - gas_cost_wei
    net_profit_usd = net_profit_wei * 3000 / WETH_WEI
    opportunity = Opportunity(
        id=f"bench-{route.hops[0].kind}",
        chain_id=route.chain_id,
        block_number=1,
        route=route,
        amount_in=AMOUNT_IN_WEI,
        amount_out=AMOUNT_IN_WEI + GROSS_PROFIT_WEI,
        gross_profit=GROSS_PROFIT_WEI,
        gas_estimate=gas,
        gas_price_wei=GAS_PRICE_WEI,
        gas_cost_wei=gas_cost_wei,
        net_profit=net_profit_wei,
        net_profit_usd=net_profit_usd,
        source=OpportunitySource.BLOCK,
        detected_ns=time.monotonic_ns(),
    )
    return Decision(
        opportunity=opportunity,
        approved=True,
        reasons=(),
        amount_in=AMOUNT_IN_WEI,
        min_profit=0,
        p_success=1.0,
        expected_value_usd=net_profit_usd,
        bribe_wei=0,
        flash_source=None,
        decided_ns=time.monotonic_ns(),
    )


async def _funded_executor(rpc: RpcClient, chain: ChainManifest) -> str:
    """A devnet executor holding `INVENTORY_WEI` of WETH (dev account 1 wraps and sends it)."""
    executor = (await deploy_devnet_executor(rpc, chain, bot=dev_account(9).address)).address
    funder = dev_account(1).address
    weth = chain.token("WETH").address
    for data, value in (
        (encode_call("deposit()"), INVENTORY_WEI),
        (encode_call("transfer(address,uint256)", executor, INVENTORY_WEI), 0),
    ):
        tx = {"from": funder, "to": weth, "data": data, "value": hex(value), "gas": hex(100_000)}
        tx_hash = await rpc.call("eth_sendTransaction", tx)
        receipt = await rpc.call("eth_getTransactionReceipt", tx_hash)
        if receipt is None or int(receipt["status"], 16) != 1:
            raise SystemExit("funding the executor with WETH failed")
    return executor


def _routes(chain: ChainManifest) -> tuple[Route, Route]:
    """(a) the route opening with the V2 pair, (b) the one opening with the V3 0.3% pool."""
    weth, usdc = chain.token("WETH").address, chain.token("USDC").address
    pair = pool_named(chain, "uniswap-v2", {"WETH", "USDC"}, 3000)
    dear = pool_named(chain, "uniswap-v3", {"WETH", "USDC"}, 3000)
    cheap = pool_named(chain, "uniswap-v3", {"WETH", "USDC"}, 500)
    v2_first = Route(chain_id=chain.chain_id, hops=(pair.hop(weth), cheap.hop(usdc)))
    v3_first = Route(chain_id=chain.chain_id, hops=(dear.hop(weth), cheap.hop(usdc)))
    return v2_first, v3_first


def _lender_name(chain: ChainManifest, decision: Decision) -> str:
    """The chosen loan as a reader knows it: the source, and for a pool its pair and fee."""
    if not decision.approved:
        raise SystemExit(f"the allocator declined: {decision.reasons}")
    pool = decision.flash_pool
    if pool is None:
        return str(decision.flash_source)
    symbols = "/".join(chain.token_by_address(t).symbol for t in (pool.token0, pool.token1))
    return f"{decision.flash_source} {symbols} {pool.fee_pips / 10_000:g}%"


def _figures_us(samples_ns: list[int]) -> dict[str, float]:
    ordered = sorted(samples_ns)
    return {
        "p50_us": round(ordered[len(ordered) // 2] / 1000, 2),
        "p99_us": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1000, 2),
        "mean_us": round(statistics.fmean(ordered) / 1000, 2),
    }


async def _one(
    allocator: FlashLoanAllocator, decision: Decision, rpc: _CountingRpc
) -> tuple[int, int, Decision]:
    """One timed decision: (elapsed ns, round trips it made, the decision it returned)."""
    trips_before = rpc.round_trips
    started_ns = time.perf_counter_ns()
    chosen = await allocator.process(decision)
    elapsed_ns = time.perf_counter_ns() - started_ns
    return elapsed_ns, rpc.round_trips - trips_before, chosen


async def measure_allocate(iterations: int = 2000) -> dict[str, Any]:
    """p50/p99/mean of choosing a loan for a V2-first and a V3-first route, and the naive
    baseline of the V3-first one; exits with a message when a check fails."""
    async with Devnet(block_times_s={CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        v2_first, v3_first = _routes(chain)
        weth = chain.token("WETH").address
        async with _CountingRpc(chain.rpc_http) as rpc:
            book = LenderBook.from_manifest(chain, rpc, EXECUTOR_GAS)
            naive_book = _OneCallPerLender.from_manifest(chain, rpc, EXECUTOR_GAS)
            outside = book.lenders(weth, excluding=v3_first.pools)
            # One batch of every lender outside the route (the allocator's default cuts reads
            # at 16 per request; the devnet has more), and the baseline reads them all in turn.
            per_read = len(outside)
            ours = FlashLoanAllocator(book=book, gas_model=EXECUTOR_GAS, balances_per_read=per_read)
            # The book's own reads (bootstrap) go through another client: not counted per trade.
            async with RpcClient(chain.rpc_http) as state_rpc:
                executor = await _funded_executor(state_rpc, chain)
                balances = LenderBalances(
                    rpc=state_rpc,
                    chain_id=chain.chain_id,
                    pairs=[*book.holdings(), (weth, executor)],
                )
                await balances.bootstrap()
            memory = FlashLoanAllocator(book=book, gas_model=EXECUTOR_GAS, balances=balances)
            inventory = Inventory(executor=executor, balances=balances)
            own = FlashLoanAllocator(
                book=book, gas_model=EXECUTOR_GAS, balances=balances, inventory=inventory
            )
            naive = FlashLoanAllocator(
                book=naive_book, gas_model=EXECUTOR_GAS, balances_per_read=per_read
            )
            batched = await book.balances(outside)
            one_by_one = await naive_book.balances(outside)
            if batched != one_by_one:
                raise SystemExit("the baseline's balances differ from the batch's")

            v2_decision, v3_decision = _approved(v2_first), _approved(v3_first)
            v2_samples: list[int] = []
            v2_names: set[str] = set()
            for i in range(_WARMUP + iterations):
                elapsed_ns, trips, chosen = await _one(ours, v2_decision, rpc)
                if trips:
                    raise SystemExit(f"the V2-first route made {trips} RPC round trips")
                v2_names.add(_lender_name(chain, chosen))
                if i >= _WARMUP:
                    v2_samples.append(elapsed_ns)
            if v2_names != {str(FlashLoan.OWN_PAIR)}:
                raise SystemExit(f"the V2-first route borrowed from {sorted(v2_names)}")

            ours_samples: list[int] = []
            naive_samples: list[int] = []
            memory_samples: list[int] = []
            own_samples: list[int] = []
            v3_names: set[str] = set()
            for i in range(_WARMUP + iterations):
                ours_ns, ours_trips, ours_chosen = await _one(ours, v3_decision, rpc)
                memory_ns, memory_trips, memory_chosen = await _one(memory, v3_decision, rpc)
                own_ns, own_trips, own_chosen = await _one(own, v3_decision, rpc)
                naive_ns, naive_trips, naive_chosen = await _one(naive, v3_decision, rpc)
                if (ours_trips, memory_trips, own_trips, naive_trips) != (1, 0, 0, len(outside)):
                    raise SystemExit(
                        f"round trips per decision: batch {ours_trips} (1 expected), memory "
                        f"{memory_trips} (0 expected), inventory {own_trips} (0 expected), "
                        f"baseline {naive_trips} ({len(outside)} expected)"
                    )
                if (own_chosen.flash_source, own_chosen.amount_in) != (
                    FlashLoan.INVENTORY,
                    AMOUNT_IN_WEI,
                ):
                    raise SystemExit(f"the inventory was not chosen: {own_chosen.reasons}")
                own.release(own_chosen)
                if inventory.reserved(weth) or inventory.trades_in_flight:
                    raise SystemExit("a released decision left inventory reserved")
                v3_names |= {
                    _lender_name(chain, chosen)
                    for chosen in (ours_chosen, memory_chosen, naive_chosen)
                }
                if i >= _WARMUP:
                    ours_samples.append(ours_ns)
                    memory_samples.append(memory_ns)
                    own_samples.append(own_ns)
                    naive_samples.append(naive_ns)
            if len(v3_names) != 1:
                raise SystemExit(f"the V3-first route's lender changed: {sorted(v3_names)}")

    v2 = _figures_us(v2_samples)
    v3 = _figures_us(ours_samples)
    base = _figures_us(naive_samples)
    mem = _figures_us(memory_samples)
    inv = _figures_us(own_samples)
    return {
        "chain": CHAIN,
        "iterations": iterations,
        "warmup": _WARMUP,
        "amount_in_wei": AMOUNT_IN_WEI,
        "v2_first_lender": str(FlashLoan.OWN_PAIR),
        **{f"v2_first_{name}": value for name, value in v2.items()},
        "v3_first_lender": v3_names.pop(),
        "v3_first_lenders_read": len(outside),
        **{f"v3_first_{name}": value for name, value in v3.items()},
        **{f"v3_memory_{name}": value for name, value in mem.items()},
        "v3_inventory_choice": str(FlashLoan.INVENTORY),
        **{f"v3_inventory_{name}": value for name, value in inv.items()},
        **{f"baseline_{name}": value for name, value in base.items()},
        "baseline_over_ours_p50": round(base["p50_us"] / v3["p50_us"], 2),
        "baseline_over_ours_mean": round(base["mean_us"] / v3["mean_us"], 2),
        "batch_over_memory_p50": round(v3["p50_us"] / mem["p50_us"], 2),
        "batch_over_memory_mean": round(v3["mean_us"] / mem["mean_us"], 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    if args.iterations < 1:
        parser.error("--iterations must be at least 1")
    result = asyncio.run(measure_allocate(args.iterations))
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        f"FlashLoanAllocator.process on {CHAIN} (devnet, automine), "
        f"{result['amount_in_wei'] / WETH_WEI:g} WETH, {args.iterations} iterations "
        f"after {result['warmup']} warm-up"
    )
    rows = (
        ("(a) V2 first, own pair", "v2_first", result["v2_first_lender"]),
        (
            f"(b) V3 first, 1 batch of {result['v3_first_lenders_read']}",
            "v3_first",
            result["v3_first_lender"],
        ),
        ("(c) V3 first, from memory", "v3_memory", result["v3_first_lender"]),
        ("(d) V3 first, inventory", "v3_inventory", result["v3_inventory_choice"]),
        (
            f"baseline, {result['v3_first_lenders_read']} calls in turn",
            "baseline",
            result["v3_first_lender"],
        ),
    )
    print(f"{'':34}{'p50 µs':>10}{'p99 µs':>10}{'mean µs':>10}  lender")
    for label, key, lender in rows:
        print(
            f"{label:34}{result[f'{key}_p50_us']:>10.1f}{result[f'{key}_p99_us']:>10.1f}"
            f"{result[f'{key}_mean_us']:>10.1f}  {lender}"
        )
    print(
        f"baseline / ours (b): {result['baseline_over_ours_p50']}x at p50, "
        f"{result['baseline_over_ours_mean']}x on the mean"
    )
    print(
        f"(b) / (c), the round trip memory removes: {result['batch_over_memory_p50']}x at p50, "
        f"{result['batch_over_memory_mean']}x on the mean"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
