"""Differential test: our V3 swap simulation against QuoterV2 and the real pools, to the wei.

On the Ethereum devnet chain (8 V3 pools over the 0.05%, 0.3% and 1% tiers, each already with
full-range, ±20%, ±5% and ±1% positions), the deployer first mints many more positions in
random ranges around each price, one tick spacing wide up to a few hundred, so swaps cross
dozens of initialized ticks. Then, in three rounds, traders push every price with SwapRouter
swaps (each predicted by us and compared with the pool's `Swap` log: amounts, price, liquidity
and tick), our reader syncs all pools, and random swaps are simulated and quoted by QuoterV2
on that same block: exact input (tiny to far beyond the pool's liquidity, with and without
price limits, including limits exactly on initialized ticks, one unit from the price and on
the wrong side) and exact output (including more than the pool holds). Every quote must equal
our amount and final sqrt price, and every quote that reverts must be one we predict reverts.

A second test checks the reader: after mints and swaps, the state it reads equals what the
pool's own getters report, and its ticks equal the sum of every position the position manager
holds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from _v3_cases import exact_input_amount, exact_output_amount, random_limit
from _v3_quoter_helpers import (
    QUOTE_IN,
    QUOTE_OUT,
    V3Env,
    balances,
    call_many,
    mint_random_positions,
    position_ticks,
    quote_all,
    router_swaps,
)

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.dex.uniswap_v3 import (
    V3PoolReader,
    V3PoolState,
    V3RevertError,
    V3SwapResult,
)
from omniarb.errors import ExecutionRevertedError

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
ROUNDS = 3
EXACT_IN_PER_POOL = 430  # x 8 pools x 3 rounds = 10,320
EXACT_OUT_PER_POOL = 45  # x 8 pools x 3 rounds = 1,080


@dataclass(slots=True)
class Case:
    state: V3PoolState
    exact_input: bool
    zero_for_one: bool
    amount: int
    limit: int | None
    ours: V3SwapResult | V3RevertError | None = None

    def calldata(self) -> str:
        token_in, token_out = (
            (self.state.token0, self.state.token1)
            if self.zero_for_one
            else (self.state.token1, self.state.token0)
        )
        signature = QUOTE_IN if self.exact_input else QUOTE_OUT
        params = (token_in, token_out, self.amount, self.state.fee_pips, self.limit or 0)
        return encode_call(signature, params)

    def simulate(self) -> None:
        try:
            self.ours = self.state.swap(
                zero_for_one=self.zero_for_one,
                amount_specified=self.amount if self.exact_input else -self.amount,
                sqrt_price_limit_x96=self.limit,
            )
        except V3RevertError as exc:
            self.ours = exc

    def quoter_reverts(self) -> bool:
        """QuoterV2 reverts when the pool does, when nothing at all is swapped, and for an
        exact output without a price limit that the pool cannot pay in full."""
        ours = self.ours
        if not isinstance(ours, V3SwapResult):
            return True
        if ours.amount0 <= 0 and ours.amount1 <= 0:
            return True
        return not self.exact_input and self.limit is None and ours.amount_out != self.amount

    def expected_quote(self) -> tuple[int, int]:
        assert isinstance(self.ours, V3SwapResult)
        amount = self.ours.amount_out if self.exact_input else self.ours.amount_in
        return amount, self.ours.sqrt_price_x96

    def describe(self) -> str:
        kind = "in" if self.exact_input else "out"
        return (
            f"{self.state.address} fee={self.state.fee_pips} exact_{kind} "
            f"zero_for_one={self.zero_for_one} amount={self.amount} limit={self.limit}"
        )


def make_cases(
    states: list[V3PoolState], held: dict[str, tuple[int, int]], rng: random.Random
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
            limit = random_limit(state, zero_for_one, rng)
            case = Case(state, exact_input, zero_for_one, amount, limit)
            case.simulate()
            cases.append(case)
    return cases


def compare(case: Case, quoted: tuple[int, int] | ExecutionRevertedError) -> str | None:
    """None when the quoter agrees with us, else what differs."""
    if case.quoter_reverts():
        if not isinstance(quoted, ExecutionRevertedError):
            return f"{case.describe()}: we predict a revert ({case.ours!r}), quoter gave {quoted}"
        if isinstance(case.ours, V3RevertError) and case.ours.reason not in quoted.rpc_message:
            return f"{case.describe()}: reverts with {quoted.rpc_message!r}, we said {case.ours}"
        return None
    if isinstance(quoted, ExecutionRevertedError):
        return f"{case.describe()}: quoter reverted ({quoted}), we got {case.ours}"
    if quoted != case.expected_quote():
        return f"{case.describe()}: quoter {quoted} != ours {case.expected_quote()}"
    return None


async def test_simulation_equals_quoter_v2_to_the_wei(devnet_factory) -> None:
    rng = random.Random(6)
    all_cases: list[Case] = []
    mismatches: list[str] = []
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            env = V3Env.of(rpc, chain)
            reader = V3PoolReader(rpc, chain_id=chain.chain_id)
            addresses = [pool.address for pool in env.pools]
            states = await reader.read_many(addresses, dex=env.dex.name)
            await mint_random_positions(env, states, rng, per_pool=24)
            for round_index in range(ROUNDS):
                if round_index:
                    await mint_random_positions(env, states, rng, per_pool=6)
                states = await reader.read_many(addresses, dex=env.dex.name)
                predicted, swaps = await router_swaps(
                    env, {s.address: s for s in states}, rng, per_pool=3
                )
                for swap in swaps:
                    assert swap.logged == swap.expected_log(), swap
                states = await reader.read_many(addresses, dex=env.dex.name)
                for state in states:
                    expected = predicted[state.address]
                    assert (state.sqrt_price_x96, state.tick, state.liquidity) == (
                        expected.sqrt_price_x96,
                        expected.tick,
                        expected.liquidity,
                    )
                cases = make_cases(states, await balances(env), rng)
                # Predicted reverts go last, so the batches before them hold no revert.
                cases.sort(key=Case.quoter_reverts)
                quotes = await quote_all(
                    env, [case.calldata() for case in cases], hex(states[0].block_number)
                )
                for case, quoted in zip(cases, quotes, strict=True):
                    problem = compare(case, quoted)
                    if problem is not None:
                        mismatches.append(problem)
                all_cases += cases

    assert not mismatches, f"{len(mismatches)} mismatches, e.g.:\n" + "\n".join(mismatches[:10])
    results = [c.ours for c in all_cases if isinstance(c.ours, V3SwapResult)]
    crossed = [r.initialized_ticks_crossed for r in results]
    assert sum(c.exact_input for c in all_cases) >= 10_000
    assert sum(not c.exact_input for c in all_cases) >= 1_000
    assert {c.state.fee_pips for c in all_cases} == {500, 3000, 10000}
    assert max(crossed) >= 20
    assert sum(n >= 3 for n in crossed) >= 1_000
    assert (
        sum(
            c.limit is not None
            and isinstance(c.ours, V3SwapResult)
            and c.ours.sqrt_price_x96 == c.limit
            for c in all_cases
        )
        >= 300
    )
    assert sum(c.quoter_reverts() for c in all_cases) >= 30
    assert sum(c.amount <= 1000 for c in all_cases) >= 500


async def test_reader_state_equals_the_pools_after_mints_and_swaps(devnet_factory) -> None:
    rng = random.Random(66)
    slot0_types = ["uint160", "int24", "uint16", "uint16", "uint16", "uint8", "bool"]
    tick_types = ["uint128", "int128", "uint256", "uint256", "int56", "uint160", "uint32", "bool"]
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            env = V3Env.of(rpc, chain)
            reader = V3PoolReader(rpc, chain_id=chain.chain_id, max_batch=300)
            addresses = [pool.address for pool in env.pools]
            states = await reader.read_many(addresses, dex=env.dex.name)
            minted = await mint_random_positions(env, states, rng, per_pool=12)
            states = await reader.read_many(addresses, dex=env.dex.name)
            _, swaps = await router_swaps(env, {s.address: s for s in states}, rng, per_pool=4)
            for swap in swaps:
                assert swap.logged == swap.expected_log(), swap
            states = await reader.read_many(addresses, dex=env.dex.name)
            block = hex(states[0].block_number)
            expected_ticks = await position_ticks(env)
            for pool, state in zip(env.pools, states, strict=True):
                assert (state.token0, state.token1, state.fee_pips) == (
                    pool.token0,
                    pool.token1,
                    pool.fee,
                )
                assert state.factory == env.dex.factory
                assert state.tick_spacing == pool.tick_spacing
                slot0, liquidity = await call_many(
                    rpc,
                    [
                        (pool.address, encode_call("slot0()")),
                        (pool.address, encode_call("liquidity()")),
                    ],
                    block,
                )
                sqrt_price_x96, tick, *_ = decode(slot0_types, slot0)
                assert (state.sqrt_price_x96, state.tick) == (sqrt_price_x96, tick)
                assert state.liquidity == decode(["uint128"], liquidity)[0]
                answers = await call_many(
                    rpc,
                    [(pool.address, encode_call("ticks(int24)", t)) for t in state.ticks],
                    block,
                )
                for (t, gross, net), answer in zip(
                    state.ticks.items_gross_net(), answers, strict=True
                ):
                    pool_gross, pool_net, *_, initialized = decode(tick_types, answer)
                    assert (gross, net, initialized) == (pool_gross, pool_net, True), (pool, t)
                assert {t: (g, n) for t, g, n in state.ticks.items_gross_net()} == expected_ticks[
                    pool.address
                ]
                assert len(state.ticks) >= 10
    assert minted == 12 * len(env.pools)
