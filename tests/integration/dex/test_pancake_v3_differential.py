"""Differential test: PancakeSwap V3 pools (the npm `PancakeV3Pool` bytecode) against our
V3 simulation, to the wei, and their state kept from logs against a fresh read.

On the BNB Chain devnet (6 PancakeSwap V3 pools over the 100, 500, 2,500 and 10,000 pip tiers)
the deployer mints many positions in random ranges around each price, and traders push every
price with router swaps (each predicted by us and compared with the pool's own `Swap` log).
Then random swaps are quoted by the pool itself at that block (the devnet router runs
`pool.swap` and reverts its result out of the callback, as QuoterV2 does): exact input and
exact output, tiny to far beyond the pool's liquidity, with and without price limits. Every
quote must equal our signed amounts, price and tick after, and every quote the pool refuses
must be one we predict it refuses, with the pool's reason. Last, the pools' logs of the whole
run, applied to the states read before it, must give what a fresh discovery reads.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import pytest
from _v3_cases import exact_input_amount, exact_output_amount, random_limit
from _v3_quoter_helpers import call_many, send_all

from omniarb.chain_events import parse_log
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.blocks import read_head
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.kinds.pancakeswap_v3 import liquidity_for_amounts
from omniarb.dex.pancakeswap_v3 import PANCAKESWAP_V3_FLAVOUR, PancakeV3PoolState
from omniarb.dex.uniswap_v3 import V3PoolReader, V3RevertError, V3SwapResult
from omniarb.dex.uniswap_v3.discovery import V3Discovery
from omniarb.dex.uniswap_v3.logs import apply_v3_logs
from omniarb.errors import ExecutionRevertedError
from omniarb.network import ChainManifest, DexEntry, PoolEntry

pytestmark = pytest.mark.integration

CHAIN = "bnb"
ROUNDS = 3
EXACT_IN_PER_POOL = 290  # x 6 pools x 3 rounds = 5,220
EXACT_OUT_PER_POOL = 30  # x 6 pools x 3 rounds = 540
QUOTE = "quote(address,bool,int256,uint160)"
QUOTE_TYPES = ["int256", "int256", "uint160", "int24"]
MINT = "mint(address,address,int24,int24,uint128)"
SWAP = "swap(address,address,uint256,address)"
LOG_TYPES = ["int256", "int256", "uint160", "uint128", "int24", "uint128", "uint128"]
NO_LIMIT = {True: 4295128740, False: 1461446703485210103287273052203988822378723970341}


@dataclass(frozen=True, slots=True, kw_only=True)
class PancakeEnv:
    rpc: RpcClient
    chain: ChainManifest
    dex: DexEntry
    pools: tuple[PoolEntry, ...]

    @classmethod
    def of(cls, rpc: RpcClient, chain: ChainManifest) -> PancakeEnv:
        (dex,) = (d for d in chain.dexes if d.kind == "pancakeswap-v3")
        pools = tuple(p for p in chain.pools if p.kind == "pancakeswap-v3")
        return cls(rpc=rpc, chain=chain, dex=dex, pools=pools)

    def reader(self) -> V3PoolReader:
        return V3PoolReader(self.rpc, chain_id=self.chain.chain_id, state_type=PancakeV3PoolState)

    async def read(self) -> list[PancakeV3PoolState]:
        states = await self.reader().read_many([p.address for p in self.pools], dex=self.dex.name)
        assert all(isinstance(s, PancakeV3PoolState) for s in states)
        return [s for s in states if isinstance(s, PancakeV3PoolState)]

    async def held(self) -> dict[str, tuple[int, int]]:
        calls = [
            (token, encode_call("balanceOf(address)", pool.address))
            for pool in self.pools
            for token in (pool.token0, pool.token1)
        ]
        values = [decode(["uint256"], a)[0] for a in await call_many(self.rpc, calls)]
        return {p.address: (values[2 * i], values[2 * i + 1]) for i, p in enumerate(self.pools)}


async def mint_random_positions(
    env: PancakeEnv, states: list[PancakeV3PoolState], rng: random.Random, per_pool: int
) -> None:
    held = await env.held()
    txs = []
    for state in states:
        spacing, at = state.tick_spacing, state.tick // state.tick_spacing
        b0, b1 = held[state.address]
        for _ in range(per_pool):
            width = rng.choice([1, 1, 2, 3, 5, 8, 20, 60, 300])
            lower = (at + rng.randint(-2 * width - 3, width + 2)) * spacing
            upper = lower + rng.randint(1, 2 * width) * spacing
            share = 10 ** rng.uniform(-3.5, -1.5)
            liquidity = liquidity_for_amounts(
                state.sqrt_price_x96, lower, upper, int(b0 * share) + 1, int(b1 * share) + 1
            )
            if liquidity:
                data = encode_call(MINT, state.address, env.chain.deployer, lower, upper, liquidity)
                txs.append((env.chain.deployer, env.dex.router, data))
    await send_all(env.rpc, txs)


async def router_swaps(
    env: PancakeEnv, states: list[PancakeV3PoolState], rng: random.Random, per_pool: int
) -> dict[str, PancakeV3PoolState]:
    """Trader swaps of 0.2%–15% of a pool's input balance, each predicted on the state the one
    before left and checked against the pool's `Swap` log; returns the predicted states."""
    held = await env.held()
    by_address = {s.address: s for s in states}
    txs, predictions = [], []
    for index, pool in enumerate(env.pools * per_pool):
        state = by_address[pool.address]
        zero_for_one = rng.random() < 0.5
        token_in = pool.token0 if zero_for_one else pool.token1
        amount_in = int(
            held[pool.address][0 if zero_for_one else 1] * 10 ** rng.uniform(-2.7, -0.8)
        )
        result = state.swap_exact_input(zero_for_one=zero_for_one, amount_in=amount_in)
        by_address[pool.address] = state.after_swap(result, block_number=state.block_number)
        predictions.append((pool.address, result))
        trader = env.chain.traders[index % len(env.chain.traders)]
        txs.append(
            (trader, env.dex.router, encode_call(SWAP, pool.address, token_in, amount_in, trader))
        )
    receipts = await send_all(env.rpc, txs, in_order=True)
    for (address, predicted), receipt in zip(predictions, receipts, strict=True):
        (log,) = [
            entry
            for entry in receipt["logs"]
            if entry["topics"][0] == PANCAKESWAP_V3_FLAVOUR.swap_topic
            and entry["address"].lower() == address.lower()
        ]
        logged = decode(LOG_TYPES, log["data"])[:5]
        p = predicted
        assert tuple(logged) == (p.amount0, p.amount1, p.sqrt_price_x96, p.liquidity, p.tick)
    return by_address


@dataclass(slots=True)
class Case:
    state: PancakeV3PoolState
    exact_input: bool
    zero_for_one: bool
    amount: int
    limit: int | None
    ours: V3SwapResult | V3RevertError | None = None

    def simulate(self) -> None:
        try:
            self.ours = self.state.swap(
                zero_for_one=self.zero_for_one,
                amount_specified=self.amount if self.exact_input else -self.amount,
                sqrt_price_limit_x96=self.limit,
            )
        except V3RevertError as exc:
            self.ours = exc

    def calldata(self) -> str:
        specified = self.amount if self.exact_input else -self.amount
        limit = self.limit if self.limit is not None else NO_LIMIT[self.zero_for_one]
        return encode_call(QUOTE, self.state.address, self.zero_for_one, specified, limit)


def make_cases(
    states: list[PancakeV3PoolState], held: dict[str, tuple[int, int]], rng: random.Random
) -> list[Case]:
    cases = []
    for state in states:
        balance0, balance1 = held[state.address]
        for index in range(EXACT_IN_PER_POOL + EXACT_OUT_PER_POOL):
            exact_input = index < EXACT_IN_PER_POOL
            zero_for_one = rng.random() < 0.5
            if exact_input:
                amount = exact_input_amount(balance0 if zero_for_one else balance1, rng)
            else:
                amount = exact_output_amount(balance1 if zero_for_one else balance0, rng)
            case = Case(
                state, exact_input, zero_for_one, amount, random_limit(state, zero_for_one, rng)
            )
            case.simulate()
            cases.append(case)
    return cases


async def quote(
    env: PancakeEnv, cases: list[Case], block: str
) -> list[tuple[int, ...] | ExecutionRevertedError]:
    """The pool's own answer to each case at `block`: batches of 200, a batch with a revert in
    it asked again call by call."""
    router = env.dex.router
    results: list[tuple[int, ...] | ExecutionRevertedError] = []
    for start in range(0, len(cases), 200):
        chunk = [(router, case.calldata()) for case in cases[start : start + 200]]
        try:
            answers: list[str | ExecutionRevertedError] = list(
                await call_many(env.rpc, chunk, block)
            )
        except ExecutionRevertedError:
            answers = []
            for to, data in chunk:
                try:
                    answers.append(
                        str(await env.rpc.call("eth_call", {"to": to, "data": data}, block))
                    )
                except ExecutionRevertedError as exc:
                    answers.append(exc)
        results += [
            a if isinstance(a, ExecutionRevertedError) else tuple(decode(QUOTE_TYPES, a))
            for a in answers
        ]
    return results


def compare(case: Case, quoted: tuple[int, ...] | ExecutionRevertedError) -> str | None:
    ours = case.ours
    label = (
        f"{case.state.address} fee={case.state.fee_pips} exact_input={case.exact_input} "
        f"zero_for_one={case.zero_for_one} amount={case.amount} limit={case.limit}"
    )
    if isinstance(ours, V3RevertError):
        if not isinstance(quoted, ExecutionRevertedError):
            return f"{label}: we predict {ours}, the pool gave {quoted}"
        if ours.reason not in quoted.rpc_message:
            return f"{label}: the pool says {quoted.rpc_message!r}, we said {ours}"
        return None
    assert isinstance(ours, V3SwapResult)
    if isinstance(quoted, ExecutionRevertedError):
        return f"{label}: the pool reverted ({quoted}), we got {ours}"
    expected = (ours.amount0, ours.amount1, ours.sqrt_price_x96, ours.tick)
    return None if quoted == expected else f"{label}: pool {quoted} != ours {expected}"


async def test_pancake_v3_pools_equal_our_simulation_and_log_sync(devnet_factory) -> None:
    rng = random.Random(25)
    all_cases: list[Case] = []
    mismatches: list[str] = []
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            env = PancakeEnv.of(rpc, chain)
            discovery = V3Discovery(
                rpc=rpc,
                chain_id=chain.chain_id,
                factories={env.dex.factory: env.dex.name},
                flavour=PANCAKESWAP_V3_FLAVOUR,
            )
            start = await read_head(rpc, chain.chain_id, "latest")
            before = {s.address.lower(): s for s in (await discovery.discover_at(start)).pools}
            states = await env.read()
            await mint_random_positions(env, states, rng, per_pool=24)
            for _ in range(ROUNDS):
                states = await env.read()
                predicted = await router_swaps(env, states, rng, per_pool=3)
                states = await env.read()
                for state in states:
                    expected = predicted[state.address]
                    assert (state.sqrt_price_x96, state.tick, state.liquidity) == (
                        expected.sqrt_price_x96,
                        expected.tick,
                        expected.liquidity,
                    )
                cases = make_cases(states, await env.held(), rng)
                cases.sort(key=lambda c: isinstance(c.ours, V3RevertError))
                quotes = await quote(env, cases, hex(states[0].block_number))
                for case, quoted in zip(cases, quotes, strict=True):
                    problem = compare(case, quoted)
                    if problem is not None:
                        mismatches.append(problem)
                all_cases += cases
                await mint_random_positions(env, states, rng, per_pool=4)

            end = await read_head(rpc, chain.chain_id, "latest")
            raw_logs = await rpc.call(
                "eth_getLogs",
                {
                    "fromBlock": hex(start.number + 1),
                    "toBlock": hex(end.number),
                    "topics": [list(PANCAKESWAP_V3_FLAVOUR.topics)],
                },
            )
            logs = [parse_log(chain.chain_id, entry) for entry in raw_logs]
            applied = apply_v3_logs(
                before,
                logs,
                factories={env.dex.factory.lower(): env.dex.name},
                chain_id=chain.chain_id,
                flavour=PANCAKESWAP_V3_FLAVOUR,
            )
            fresh = {s.address.lower(): s for s in (await discovery.discover_at(end)).pools}

    assert not mismatches, f"{len(mismatches)} mismatches, e.g.:\n" + "\n".join(mismatches[:10])
    results = [c.ours for c in all_cases if isinstance(c.ours, V3SwapResult)]
    crossed = [r.initialized_ticks_crossed for r in results]
    assert sum(c.exact_input for c in all_cases) >= 5_000
    assert sum(not c.exact_input for c in all_cases) >= 500
    assert {c.state.fee_pips for c in all_cases} == {100, 500, 2500, 10000}
    assert max(crossed) >= 20
    assert sum(n >= 3 for n in crossed) >= 500
    assert sum(isinstance(c.ours, V3RevertError) for c in all_cases) >= 30

    assert not applied.broken
    assert sum(log.topics[0] == PANCAKESWAP_V3_FLAVOUR.swap_topic for log in logs) >= 50
    kept = {**before, **applied.changed}
    assert kept.keys() == fresh.keys()
    for key, state in fresh.items():
        assert type(kept[key]) is PancakeV3PoolState
        assert replace(kept[key], block_number=state.block_number) == state, key
