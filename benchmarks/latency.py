"""Backrun latency, in-process: pending swap → decode → post-state → cycle search → sized → signed
bundle, per stage and in total, for 10,000 synthetic pending swaps against 10,000 pools.

The pools are `detect.py`'s synthetic 10,000-pool graph (1,000 tokens, two V2 DEXes, ~100,000
cycles through four base tokens), with a quarter of the second DEX's pairs replaced by Uniswap
V3 pools at the same price (0.3% tier, a full-range position and a band of ±20 spacings around
the price, so swaps cross initialized ticks). The pending transactions are router calls encoded
with the real ABIs: Router02 `swapExactTokensForTokens` (one and two hops),
`swapTokensForExactTokens`; SwapRouter `exactInputSingle`, `exactOutputSingle` and `multicall`
of two `exactInputSingle`s; each trades 0.1%–3% of the pool's reserve in (log-uniform), so some
open a gap worth backrunning and most do not. Each is signed beforehand by a dev account (the
victim's raw transaction the bundle carries).

Per pending transaction, timed stage by stage:
- decode: the router's decoder on its calldata (the router found by address, as the mempool
  collector does);
- post-state: `BackrunSearch.effect` (pools resolved, exact post-swap states);
- search: the overlay and the screen of the cycles through the moved pools;
- sized: exact sizing and pricing up to the first opportunity (`BackrunSearch.steps`: the
  screen's best candidate first, fully searched), which the bundle carries; the others are
  sized after it is out, as the live path does (`sized_all` times them all, outside the total);
- bundle: for the best opportunity, if any: executor calldata, fees, nonce, signature
  (libsecp256k1) and `Bundle((victim raw, ours))` with its `eth_sendBundle` parameters.
Total is their sum per transaction (one without an opportunity stops after sizing), in wall
time; `total_cpu` is the same in the thread's CPU time, which a busy machine's preemption does
not inflate (a tail in the wall time that is not in the CPU time is the scheduler's). Targets
(issue #17): total p50 ≤ 1 ms, p99 ≤ 3 ms, in wall time. The peer, measured in the same run on
the first `--peer` transactions: the same search and sizing over every cycle of the graph on
the overlay, rather than only those through the moved pools (both must find the same best).

End to end on the devnet (`--devnet-blocks N`, after the in-process figures): a demo on the
Ethereum chain alone, whose blocks the devnet's bundle relay builds while the market sends swaps
through every router, and from its summary each backrun's time from the node's WebSocket
notification of the pending transaction to the relay's acceptance of the bundle, p50/p99
(`_latency_devnet`), beside the block-found trades' notification-to-acceptance.

    .venv/bin/python benchmarks/latency.py [--swaps 10000] [--peer 300] [--seed 17]
        [--devnet-blocks N] [--json]
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from _deadline import BENCH_DEADLINE_BLOCK

# benchmarks/ is on the path as the script's dir
from _latency_devnet import devnet_latency
from detect import build_states

from omniarb.chain_events import NewHead
from omniarb.chains.abi import encode_call
from omniarb.chains.fees import fees_for
from omniarb.chains.spec import FeeModel
from omniarb.detect import BackrunSearch, CycleDetector, OverlayBook, SkippedSwapError
from omniarb.devnet.accounts import BOT_INDEX, dev_account
from omniarb.dex.base import PoolState
from omniarb.dex.router_swap import RouterSwap
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.dex.uniswap_v2.router import decode_router_call
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.dex.uniswap_v3.router import decode_swap_router_call
from omniarb.dex.uniswap_v3.tick_math import get_tick_at_sqrt_ratio
from omniarb.dex.uniswap_v3.tick_table import TickTable
from omniarb.execute.bundle_requests import Bundle
from omniarb.execute.nonces import NonceBook
from omniarb.execute.route_codec import FlashSource, RouteCodec
from omniarb.execute.signer import Signer
from omniarb.gas import GasModel

TOTAL_P50_TARGET_MS = 1.0
TOTAL_P99_TARGET_MS = 3.0
CHAIN_ID = 1
V3_SHARE = 0.25  # of the second DEX's pairs, replaced by V3 pools
V3_DEX = "uniswap-v3"
V3_FEE_PIPS = 3000
V3_SPACING = 60
V3_TOP_TICK = 887_220  # the widest range of spacing 60
BAND_SPACINGS = 20
DEADLINE = 2**32 - 1
SWAP_GAS = 300_000
GAS = 400_000
TIP_WEI = 2 * 10**9
BASE_FEE_WEI = 20 * 10**9
_ROUTER02 = "0x" + "a2" * 20
_ROUTER02_B = "0x" + "b2" * 20
_SWAP_ROUTER = "0x" + "a3" * 20
_V2_IN = "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)"
_V2_OUT = "swapTokensForExactTokens(uint256,uint256,address[],address,uint256)"
_V3_SINGLE = "(address,address,uint24,address,uint256,uint256,uint256,uint160)"
_V3_IN = f"exactInputSingle({_V3_SINGLE})"
_V3_OUT = f"exactOutputSingle({_V3_SINGLE})"
STAGES = ("decode", "post_state", "search", "sized", "bundle")
Figures = dict[str, object]


@dataclass(frozen=True, slots=True)
class Router:
    """A router the mempool stage recognizes by address: its decoder and the DEXes it routes."""

    decode: Callable[[bytes], Sequence[RouterSwap]]
    dexes: frozenset[str]


def _router02(data: bytes) -> Sequence[RouterSwap]:
    return decode_router_call(data, value_wei=0, wrapped_native=None)


ROUTERS = {
    _ROUTER02: Router(_router02, frozenset({"dex-a"})),
    _ROUTER02_B: Router(_router02, frozenset({"dex-b"})),
    _SWAP_ROUTER: Router(decode_swap_router_call, frozenset({V3_DEX})),
}


@dataclass(frozen=True, slots=True)
class Pending:
    """A synthetic pending transaction: its hash, raw signed bytes, router and calldata."""

    tx_hash: str
    raw: str
    to: str
    data: bytes


def v3_twin(pair: V2PoolState) -> V3PoolState:
    """A V3 pool at the pair's price whose full-range position holds the pair's reserves, plus
    a band of as much liquidity again around the price."""
    sqrt_price_x96 = math.isqrt((pair.reserve1 << 192) // pair.reserve0)
    tick = get_tick_at_sqrt_ratio(sqrt_price_x96)
    liquidity = math.isqrt(pair.reserve0 * pair.reserve1)
    state = V3PoolState(
        chain_id=CHAIN_ID,
        address=pair.address,
        dex=V3_DEX,
        factory="0x" + "f3" * 20,
        token0=pair.token0,
        token1=pair.token1,
        fee_pips=V3_FEE_PIPS,
        tick_spacing=V3_SPACING,
        sqrt_price_x96=sqrt_price_x96,
        tick=tick,
        liquidity=0,
        ticks=TickTable(),
        block_number=1,
    )
    center = tick // V3_SPACING * V3_SPACING
    for lower, upper in (
        (-V3_TOP_TICK, V3_TOP_TICK),
        (center - BAND_SPACINGS * V3_SPACING, center + BAND_SPACINGS * V3_SPACING),
    ):
        state = state.with_position_change(
            tick_lower=lower, tick_upper=upper, liquidity_delta=liquidity, block_number=1
        )
    return state


def build_world(rng: random.Random) -> tuple[list[PoolState], list[str]]:
    pairs, _, bases = build_states(rng, 0)
    states: list[PoolState] = [
        v3_twin(pair) if pair.dex == "dex-b" and rng.random() < V3_SHARE else pair for pair in pairs
    ]
    return states, bases


def _reserves(state: PoolState) -> tuple[int, int]:
    return (
        state.screen_reserves()
        if isinstance(state, V3PoolState)
        else (
            state.constant_product(True)[:2]  # type: ignore[index]
        )
    )


def draw_pending(
    rng: random.Random, states: list[PoolState], count: int, signer: Signer
) -> list[Pending]:
    """`count` router calls through random pools, each signed as a victim's transaction."""
    by_token_dex: dict[tuple[str, str], list[V2PoolState]] = {}
    for state in states:
        if isinstance(state, V2PoolState):
            for token in (state.token0, state.token1):
                by_token_dex.setdefault((token, state.dex), []).append(state)
    sender = dev_account(1).address
    fees = fees_for(FeeModel.EIP1559, base_fee_wei=BASE_FEE_WEI, tip_wei=TIP_WEI)
    pending = []
    for nonce in range(count):
        state = rng.choice(states)
        sell0 = rng.random() < 0.5
        token_in, token_out = (
            (state.token0, state.token1) if sell0 else (state.token1, state.token0)
        )
        reserve0, reserve1 = _reserves(state)
        reserve_in, reserve_out = (reserve0, reserve1) if sell0 else (reserve1, reserve0)
        share = 10 ** rng.uniform(-3, -1.5)
        amount_in = max(int(reserve_in * share), 1)
        amount_out = max(int(reserve_out * share * 0.9), 1)
        roll = rng.random()
        if isinstance(state, V3PoolState):
            to = _SWAP_ROUTER
            single = (token_in, token_out, V3_FEE_PIPS, sender, DEADLINE)
            if roll < 0.7:
                data = encode_call(_V3_IN, (*single, amount_in, 0, 0))
            elif roll < 0.85:
                data = encode_call(_V3_OUT, (*single, amount_out, 2**255, 0))
            else:
                half = bytes.fromhex(encode_call(_V3_IN, (*single, amount_in // 2, 0, 0))[2:])
                data = encode_call("multicall(bytes[])", [half, half])
        else:
            to = _ROUTER02 if state.dex == "dex-a" else _ROUTER02_B
            path = [token_in, token_out]
            onward = [p for p in by_token_dex[(token_out, state.dex)] if p is not state]
            if roll < 0.15 and onward:
                nxt = rng.choice(onward)
                path.append(nxt.token1 if nxt.token0 == token_out else nxt.token0)
            if path[-1] == path[0] or roll >= 0.9:
                path = [token_in, token_out]
            if roll >= 0.9:
                data = encode_call(_V2_OUT, amount_out, 2**255, path, sender, DEADLINE)
            else:
                data = encode_call(_V2_IN, amount_in, 0, path, sender, DEADLINE)
        raw_data = bytes.fromhex(data[2:])
        signed = signer.sign(nonce=nonce, to=to, data=raw_data, gas=SWAP_GAS, fees=fees)
        pending.append(Pending(tx_hash=signed.tx_hash, raw=signed.raw_hex, to=to, data=raw_data))
    return pending


def _percentiles_ms(samples_ns: list[int]) -> tuple[float, float]:
    if not samples_ns:
        return 0.0, 0.0
    ordered = sorted(samples_ns)
    p50 = ordered[len(ordered) // 2] / 1e6
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1e6
    return round(p50, 4), round(p99, 4)


def measure(*, swaps: int, peer: int, seed: int) -> Figures:
    rng = random.Random(seed)
    started = time.perf_counter()
    states, bases = build_world(rng)
    detector = CycleDetector(
        chain_id=CHAIN_ID,
        base_tokens=bases,
        wrapped_native=bases[0],
        stablecoin_decimals={bases[1]: 6, bases[2]: 6, bases[3]: 18},
        gas_model=GasModel(),
        priority_fee_wei=TIP_WEI,
    )
    detector.apply(states)
    victim = Signer(dev_account(1).private_key, chain_id=CHAIN_ID)
    pending = draw_pending(rng, states, swaps, victim)
    setup_s = time.perf_counter() - started
    head = NewHead(
        chain_id=CHAIN_ID,
        number=100,
        hash="0x" + "11" * 32,
        parent_hash="0x" + "10" * 32,
        timestamp=1_700_000_000,
        base_fee_wei=BASE_FEE_WEI,
        logs_bloom=b"\x00" * 256,
        received_ns=0,
    )
    search = BackrunSearch(detector=detector, block_time_s=12)
    codec = RouteCodec(
        {"dex-a": "0x" + "fa" * 20, "dex-b": "0x" + "fb" * 20, V3_DEX: "0x" + "f3" * 20}
    )
    signer = Signer(dev_account(BOT_INDEX).private_key, chain_id=CHAIN_ID)
    executor = "0x" + "ec" * 20
    nonces = NonceBook(0)
    samples: dict[str, list[int]] = {stage: [] for stage in STAGES}
    totals: list[int] = []
    bundled_totals: list[int] = []
    sized_all: list[int] = []
    cpu_totals: list[int] = []  # the same totals in this thread's CPU time
    skipped: Counter[str] = Counter()
    effects = []
    bundle_hashes = set()
    clock = time.perf_counter_ns
    gc.collect()
    gc.freeze()  # the world built above is long-lived: keep the collector off it
    cpu_clock = time.thread_time_ns
    for tx in pending:
        cpu0 = cpu_clock()
        t0 = clock()
        router = ROUTERS[tx.to]
        decoded = router.decode(tx.data)
        t1 = clock()
        samples["decode"].append(t1 - t0)
        try:
            effect = search.effect(decoded, router_dexes=router.dexes, head=head)
        except SkippedSwapError as exc:
            t2 = clock()
            samples["post_state"].append(t2 - t1)
            skipped[exc.reason] += 1
            totals.append(t2 - t0)
            cpu_totals.append(cpu_clock() - cpu0)
            continue
        t2 = clock()
        candidates = search.candidates(effect)
        t3 = clock()
        steps = search.steps(tx.tx_hash, candidates, head=head)
        best = next((step for step in steps if step is not None), None)
        t4 = clock()
        samples["post_state"].append(t2 - t1)
        samples["search"].append(t3 - t2)
        samples["sized"].append(t4 - t3)
        if best is None:
            totals.append(t4 - t0)
            cpu_totals.append(cpu_clock() - cpu0)
        else:
            # A route a V2 pair opens borrows from it; another borrows from the Balancer Vault.
            source = (
                FlashSource.V2_PAIR
                if best.route.hops[0].kind == "uniswap-v2"
                else FlashSource.BALANCER_VAULT
            )
            fees = fees_for(FeeModel.EIP1559, base_fee_wei=head.base_fee_wei, tip_wei=TIP_WEI)
            calldata = codec.calldata(
                best.route,
                best.amount_in,
                max(best.net_profit, 0),
                source,
                deadline_block=BENCH_DEADLINE_BLOCK,
            )
            nonce = nonces.reserve()
            nonces.mark_sent(nonce)
            ours = signer.sign(nonce=nonce, to=executor, data=calldata, gas=GAS, fees=fees)
            bundle = Bundle(txs=(tx.raw, ours.raw_hex), block_number=head.number + 1)
            params = bundle.send_params()
            t5 = clock()
            cpu_totals.append(cpu_clock() - cpu0)
            samples["bundle"].append(t5 - t4)
            totals.append(t5 - t0)
            bundled_totals.append(t5 - t0)
            bundle_hashes.add(params["txs"][1])
        # The other candidates are sized after the bundle is out, as on the live path.
        t6 = clock()
        rest = [step for step in steps if step is not None]
        sized_all.append(t4 - t3 + clock() - t6)
        if len(effects) < peer:
            effects.append((tx, effect, ([] if best is None else [best]) + rest))
    gc.unfreeze()
    figures: Figures = {
        "pools": len(states),
        "v3_pools": sum(isinstance(s, V3PoolState) for s in states),
        "cycles": detector.cycle_count,
        "pending_swaps": swaps,
        "setup_s": round(setup_s, 1),
        "skipped": dict(skipped),
        "searched": len(samples["search"]),
        "with_opportunity": len(samples["bundle"]),
        "distinct_bundles": len(bundle_hashes),
    }
    for stage in STAGES:
        p50, p99 = _percentiles_ms(samples[stage])
        figures[f"{stage}_p50_ms"], figures[f"{stage}_p99_ms"] = p50, p99
    figures["total_p50_ms"], figures["total_p99_ms"] = _percentiles_ms(totals)
    figures["bundled_total_p50_ms"], figures["bundled_total_p99_ms"] = _percentiles_ms(
        bundled_totals
    )
    figures["sized_all_p50_ms"], figures["sized_all_p99_ms"] = _percentiles_ms(sized_all)
    figures["total_cpu_p50_ms"], figures["total_cpu_p99_ms"] = _percentiles_ms(cpu_totals)
    figures |= measure_peer(search, effects, head)
    figures["total_p50_target_ms"] = TOTAL_P50_TARGET_MS
    figures["total_p99_target_ms"] = TOTAL_P99_TARGET_MS
    figures["targets_met"] = (
        figures["total_p50_ms"] <= TOTAL_P50_TARGET_MS  # type: ignore[operator]
        and figures["total_p99_ms"] <= TOTAL_P99_TARGET_MS  # type: ignore[operator]
    )
    return figures


def measure_peer(search: BackrunSearch, effects: list, head: NewHead) -> Figures:
    """Search and sizing of every cycle on the overlay against the restricted search, on the
    same effects; the two must find the same best opportunity."""
    detector = search.detector
    restricted: list[int] = []
    full: list[int] = []
    clock = time.perf_counter_ns
    for tx, effect, found in effects:
        t0 = clock()
        again = search.sized(tx.tx_hash, search.candidates(effect), head=head)
        t1 = clock()
        overlay = OverlayBook(detector.book, effect.states)
        everything = detector.evaluator.with_book(overlay).evaluate(
            None, block_number=head.number, base_fee_wei=head.base_fee_wei
        )
        t2 = clock()
        restricted.append(t1 - t0)
        full.append(t2 - t1)
        best_full = everything[0] if everything else None
        best_restricted = again[0] if again else None
        if (best_full is None) != (best_restricted is None) or (
            best_full is not None
            and best_restricted is not None
            and (best_full.route, best_full.amount_in)
            != (best_restricted.route, best_restricted.amount_in)
        ):
            raise SystemExit(f"the full search found another best backrun behind {tx.tx_hash}")
        if sorted(o.id for o in again) != sorted(o.id for o in found):
            raise SystemExit("the search is not deterministic")
    r_p50, r_p99 = _percentiles_ms(restricted)
    f_p50, f_p99 = _percentiles_ms(full)
    return {
        "peer_swaps": len(effects),
        "restricted_search_sized_p50_ms": r_p50,
        "restricted_search_sized_p99_ms": r_p99,
        "full_graph_search_sized_p50_ms": f_p50,
        "full_graph_search_sized_p99_ms": f_p99,
        "full_over_restricted_p50": round(f_p50 / r_p50, 1) if r_p50 else 0.0,
    }


def print_report(r: Figures) -> None:
    print(
        f"{r['pools']:,} pools ({r['v3_pools']:,} V3), {r['cycles']:,} cycles; "
        f"{r['pending_swaps']:,} pending swaps (setup {r['setup_s']} s)"
    )
    print(
        f"searched {r['searched']:,}, with an opportunity {r['with_opportunity']:,}, "
        f"skipped {r['skipped']}"
    )
    print(f"{'stage':<22}{'p50 ms':>10}{'p99 ms':>10}")
    for stage in (*STAGES, "total", "bundled_total", "sized_all", "total_cpu"):
        print(f"{stage:<22}{r[f'{stage}_p50_ms']:>10.4f}{r[f'{stage}_p99_ms']:>10.4f}")
    print(
        f"targets: total p50 <= {r['total_p50_target_ms']} ms, p99 <= "
        f"{r['total_p99_target_ms']} ms: {'met' if r['targets_met'] else 'NOT met'}"
    )
    print(
        f"peer ({r['peer_swaps']} swaps): search+sizing through the moved pools p50 "
        f"{r['restricted_search_sized_p50_ms']} ms / p99 {r['restricted_search_sized_p99_ms']} ms; "
        f"over the whole graph p50 {r['full_graph_search_sized_p50_ms']} ms / p99 "
        f"{r['full_graph_search_sized_p99_ms']} ms ({r['full_over_restricted_p50']}x)"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--swaps", type=int, default=10_000, help="pending swaps")
    parser.add_argument("--peer", type=int, default=300, help="swaps the full search repeats")
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument(
        "--devnet-blocks", type=int, default=0, help="also run the devnet demo for N blocks"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    r = measure(swaps=args.swaps, peer=args.peer, seed=args.seed)
    devnet = devnet_latency(args.devnet_blocks) if args.devnet_blocks > 0 else None
    if args.json:
        print(json.dumps(r if devnet is None else {**r, "devnet": devnet}))
        return 0
    print_report(r)
    if devnet is not None:
        print_devnet(devnet)
    return 0


def print_devnet(d: dict[str, Any]) -> None:
    print(f"devnet (ethereum, {d['blocks']} blocks of {d['block_time_s']} s, {d['wall_s']} s):")
    for label, key in (
        ("backrun: pending tx notified -> relay ack", "backrun_notified_to_relay_ack"),
        ("block trade: block notified -> relay ack", "block_notified_to_relay_ack"),
    ):
        f = d[key]
        print(f"  {label}: {f['trades']} trades, p50 {f['p50_ms']} ms, p99 {f['p99_ms']} ms")
    parts = ", ".join(f"{k} {v:.3f}" for k, v in d["backrun_segments_p50_ms"].items() if v)
    print(f"  backrun segments, p50 ms: {parts}")
    print(
        f"  trades {d['trades']} (succeeded {d['succeeded']}, realized != predicted "
        f"{d['realized_differs_from_predicted']}), channels {d['channels']}, "
        f"bribes paid {d['bribes_paid_wei']} wei"
    )


if __name__ == "__main__":
    raise SystemExit(main())
