"""Differential test: our V4 swap simulation against the deployed PoolManager and V4Quoter.

On one devnet chain, the V4 kind (`omniarb.devnet.kinds.uniswap_v4`) deploys the PoolManager,
StateView, V4Quoter and v4-core's test routers; six hookless pools are created over fee tiers
0, 0.01%, 0.05%, 0.3%, 1% and 100% with tick spacings 1 to 200 (one of them native ETH/USDC,
two with a protocol fee), plus one pool with a hook. Many random-range positions are added
(and some taken back) so swaps cross dozens of ticks. Then, in rounds, traders push every price
with PoolSwapTest swaps (exact input and output, some with a price limit), each predicted by us
and compared with its `Swap` log; our reader syncs the pools through StateView and must match
the predicted states; and thousands of random exact-input and exact-output quotes are simulated
and asked of V4Quoter at that block: every quote must equal ours to the wei, and every quote
that reverts must be one we predict reverts (with the same error). Finally the pools found
from the PoolManager's `Initialize` logs, with every later log applied, must equal a fresh
StateView read, and the hooked pool must be skipped and counted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from _v4_helpers import (
    QUOTE_IN,
    QUOTE_OUT,
    PoolPlan,
    V4Env,
    deploy_v4,
    manager_logs,
    quote_all,
    random_positions,
    router_swaps,
)
from eth_utils.crypto import keccak

from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.dex.uniswap_v4 import (
    SkipReason,
    V4PoolReader,
    V4PoolState,
    V4RevertError,
    V4SwapResult,
    apply_v4_logs,
    discover_pools,
    pool_address,
)
from omniarb.errors import ExecutionRevertedError

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
ROUNDS = 2
EXACT_IN_PER_POOL = 430  # x 6 pools x 2 rounds = 5,160
EXACT_OUT_PER_POOL = 45  # x 6 pools x 2 rounds = 540
MAX_QUOTE_AMOUNT = 2**127 - 1  # V4Quoter casts the uint128 amount to int128
PLANS = (
    PoolPlan(symbol0="WETH", symbol1="USDC", fee=500, spacing=10, depth_usd=4_000_000),
    PoolPlan(
        symbol0="ETH",
        symbol1="USDC",
        fee=3000,
        spacing=60,
        depth_usd=2_000_000,
        protocol_fee=300 | (1000 << 12),
    ),
    PoolPlan(symbol0="USDC", symbol1="USDT", fee=100, spacing=1, depth_usd=2_000_000),
    PoolPlan(
        symbol0="WBTC",
        symbol1="WETH",
        fee=10000,
        spacing=200,
        depth_usd=2_000_000,
        protocol_fee=1000 | (50 << 12),
    ),
    PoolPlan(symbol0="DAI", symbol1="USDC", fee=0, spacing=30, depth_usd=1_000_000),
    PoolPlan(symbol0="USDT", symbol1="DAI", fee=1_000_000, spacing=60, depth_usd=1_000_000),
)
# The revert a predicted error shows in the quoter's `UnexpectedRevertBytes(bytes)`.
ERROR_SIGNATURES = {
    "SwapAmountCannotBeZero": "SwapAmountCannotBeZero()",
    "InvalidFeeForExactOut": "InvalidFeeForExactOut()",
    "PriceLimitAlreadyExceeded": "PriceLimitAlreadyExceeded(uint160,uint160)",
    "SafeCastOverflow": "SafeCastOverflow()",
    "NotEnoughLiquidity": "NotEnoughLiquidity()",
    "PriceOverflow": "PriceOverflow()",
    "quoter": "NotEnoughLiquidity(bytes32)",  # BaseV4Quoter: not all of the amount was swapped
}


@dataclass(slots=True)
class Case:
    state: V4PoolState
    exact_input: bool
    zero_for_one: bool
    amount: int
    ours: V4SwapResult | V4RevertError | None = None

    def calldata(self) -> str:
        signature = QUOTE_IN if self.exact_input else QUOTE_OUT
        params = (self.state.key.as_tuple(), self.zero_for_one, self.amount, b"")
        return encode_call(signature, params)

    def simulate(self) -> None:
        try:
            self.ours = self.state.swap(
                zero_for_one=self.zero_for_one,
                amount_specified=-self.amount if self.exact_input else self.amount,
            )
        except V4RevertError as exc:
            self.ours = exc

    def expected_error(self) -> str | None:
        """The error the quoter reverts with: the swap's own, or the quoter's check that all
        of the amount was swapped (`BaseV4Quoter._swap`); None when it answers."""
        ours = self.ours
        if isinstance(ours, V4RevertError):
            return ours.reason
        assert isinstance(ours, V4SwapResult)
        done = ours.amount_in if self.exact_input else ours.amount_out
        return None if done == self.amount else "quoter"

    def expected_quote(self) -> int:
        assert isinstance(self.ours, V4SwapResult)
        return self.ours.amount_out if self.exact_input else self.ours.amount_in

    def describe(self) -> str:
        kind = "in" if self.exact_input else "out"
        return (
            f"{self.state.pool_id[:10]} fee={self.state.fee_pips}/{self.state.protocol_fee} "
            f"exact_{kind} zero_for_one={self.zero_for_one} amount={self.amount}"
        )


def _exact_input_amount(depth: int, spacing: int, rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.01:
        return 0  # the PoolManager refuses it: SwapAmountCannotBeZero
    if roll < 0.06:
        return rng.randint(1, 1000)
    if roll < 0.56:
        return int(depth * 10 ** rng.uniform(-9, -0.5)) + 1
    if roll < 0.80:
        return int(depth * rng.uniform(0.3, 4)) + 1  # through many ticks
    if roll < 0.83 and spacing >= 60:
        # Beyond all liquidity, to the end of the price range (hundreds of bitmap words).
        return min(int(10 ** rng.uniform(30, 38)), MAX_QUOTE_AMOUNT)
    return int(10 ** rng.uniform(0, 24)) + 1


def _exact_output_amount(depth: int, rng: random.Random) -> int:
    roll = rng.random()
    if roll < 0.1:
        return rng.randint(1, 1000)
    if roll < 0.85:
        return int(depth * 10 ** rng.uniform(-8, -0.3)) + 1
    return int(depth * rng.uniform(0.6, 3)) + 1  # maybe more than the pool can pay


def make_cases(states: list[V4PoolState], rng: random.Random) -> list[Case]:
    cases = []
    for state in states:
        virtual0, virtual1 = state.screen_reserves()
        for index in range(EXACT_IN_PER_POOL + EXACT_OUT_PER_POOL):
            exact_input = index < EXACT_IN_PER_POOL
            zero_for_one = rng.random() < 0.5
            if exact_input:
                depth = virtual0 if zero_for_one else virtual1
                amount = _exact_input_amount(depth, state.key.tick_spacing, rng)
            else:
                amount = _exact_output_amount(virtual1 if zero_for_one else virtual0, rng)
            case = Case(state, exact_input, zero_for_one, min(amount, MAX_QUOTE_AMOUNT))
            case.simulate()
            cases.append(case)
    return cases


def compare(case: Case, quoted: tuple[int, int] | ExecutionRevertedError) -> str | None:
    """None when the quoter agrees with us, else what differs."""
    error = case.expected_error()
    if error is not None:
        if not isinstance(quoted, ExecutionRevertedError):
            return f"{case.describe()}: we predict {error}, the quoter gave {quoted}"
        wanted = keccak(text=ERROR_SIGNATURES[error])[:4].hex()
        if wanted not in str(quoted.data):
            return f"{case.describe()}: reverts with {quoted.data!r}, we said {error}"
        return None
    if isinstance(quoted, ExecutionRevertedError):
        return f"{case.describe()}: the quoter reverted ({quoted.data}), we got {case.ours}"
    if quoted[0] != case.expected_quote():
        return f"{case.describe()}: quoter {quoted[0]} != ours {case.expected_quote()}"
    return None


async def _read(reader: V4PoolReader, env: V4Env) -> list[V4PoolState]:
    return await reader.read_many(env.keys, dex=env.dex.name)


async def test_v4_simulation_equals_the_pool_manager_and_quoter(devnet_factory) -> None:
    rng = random.Random(4)
    all_cases: list[Case] = []
    mismatches: list[str] = []
    crossed_by_swaps: list[int] = []
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            env = await deploy_v4(rpc, chain, PLANS)
            reader = V4PoolReader(
                rpc,
                chain_id=chain.chain_id,
                pool_manager=env.dex.factory,
                state_view=env.state_view,
            )
            states = await _read(reader, env)
            await random_positions(env, states, rng, per_pool=40, salt_base=1000)
            for round_index in range(ROUNDS):
                if round_index:
                    await random_positions(env, states, rng, per_pool=10, salt_base=5000)
                states = await _read(reader, env)
                predicted, swaps = await router_swaps(
                    env, {s.pool_id: s for s in states}, rng, per_pool=4
                )
                for swap in swaps:
                    assert swap.logged == swap.expected_log(), swap
                    crossed_by_swaps.append(swap.predicted.initialized_ticks_crossed)
                states = await _read(reader, env)
                for state in states:
                    expected = predicted[state.pool_id]
                    assert (state.sqrt_price_x96, state.tick, state.liquidity) == (
                        expected.sqrt_price_x96,
                        expected.tick,
                        expected.liquidity,
                    )
                cases = make_cases(states, rng)
                # Predicted reverts go last, so the batches before them hold no revert.
                cases.sort(key=lambda case: case.expected_error() is not None)
                quotes = await quote_all(
                    env, [case.calldata() for case in cases], hex(states[0].block_number)
                )
                for case, quoted in zip(cases, quotes, strict=True):
                    problem = compare(case, quoted)
                    if problem is not None:
                        mismatches.append(problem)
                all_cases += cases

            # The pools as discovery and the logs see them equal a fresh read.
            logs = await manager_logs(env)
            managers = {env.dex.factory.lower(): env.dex.name}
            found = discover_pools(logs, managers=managers, chain_id=chain.chain_id)
            assert found.skipped == {env.hooked.pool_id: SkipReason.SWAP_HOOK}
            assert set(found.pools) == {pool_address(k.pool_id).lower() for k in env.keys}
            applied = apply_v4_logs(found.pools, logs, managers=managers, chain_id=chain.chain_id)
            assert not applied.broken
            fresh = await _read(reader, env)
            for state in fresh:
                ours = applied.changed[state.address.lower()]
                assert (
                    ours.sqrt_price_x96,
                    ours.tick,
                    ours.liquidity,
                    ours.protocol_fee,
                    ours.fee_pips,
                    ours.ticks,
                    ours.key,
                ) == (
                    state.sqrt_price_x96,
                    state.tick,
                    state.liquidity,
                    state.protocol_fee,
                    state.fee_pips,
                    state.ticks,
                    state.key,
                )
                assert len(state.ticks) >= 20

    assert not mismatches, f"{len(mismatches)} mismatches, e.g.:\n" + "\n".join(mismatches[:10])
    results = [c.ours for c in all_cases if isinstance(c.ours, V4SwapResult)]
    crossed = [r.initialized_ticks_crossed for r in results]
    assert sum(c.exact_input for c in all_cases) >= 5_000
    assert sum(not c.exact_input for c in all_cases) >= 500
    assert {c.state.fee_pips for c in all_cases} == {p.fee for p in PLANS}
    assert max(crossed) >= 30
    assert sum(n >= 3 for n in crossed) >= 500
    assert max(crossed_by_swaps) >= 3
    errors = [c.expected_error() for c in all_cases]
    assert errors.count("quoter") >= 100
    assert {"SwapAmountCannotBeZero", "InvalidFeeForExactOut"} <= set(errors)
    assert sum(c.amount <= 1000 for c in all_cases) >= 200
