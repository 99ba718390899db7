"""Differential test: our Algebra Integral swap simulation against the periphery's QuoterV2 and
the real 1.2.10 pools, to the wei.

On the Ethereum devnet chain we deploy Algebra Integral with our devnet kind, then create three
pools at the prices of the chain's Uniswap V3 pools: one with the factory's defaults (fee 500,
spacing 60), one after changing the factory's default fee, tick spacing and community fee
(2,500, 10, 15%), and one whose fee and spacing an administrator then sets on the pool (10,000,
200). The deployer mints many positions in random ranges so swaps cross dozens of ticks; in
two rounds traders push every price with SwapRouter swaps (each predicted and compared with its
`Swap` log), and random swaps are simulated and quoted by QuoterV2 at that block: exact input
(tiny to far beyond the pool's liquidity, with and without price limits, limits on initialized
ticks) and exact output (also more than the pool holds). Every quote equals our amounts, price
after and fee, and every quote that reverts is one we predict reverts. Finally the states built
from nothing but the pools' and the factory's logs equal a fresh read, the reader's tick
pointers equal the pool's, and the pools sit where CREATE2 with the 1.2.10 init code hash puts
them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

import pytest
from _algebra_helpers import (
    QUOTE_IN,
    QUOTE_OUT,
    AlgebraEnv,
    balances,
    deploy_algebra,
    mint_random_positions,
    quote_all,
    send_one,
    swap_tx,
    to_logs,
    v3_price,
)
from _v3_cases import exact_input_amount, exact_output_amount, random_limit
from _v3_quoter_helpers import call_many, send_all
from eth_utils.address import to_checksum_address

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.kinds.algebra import ZERO_ADDRESS
from omniarb.dex.algebra import (
    POOL_INIT_CODE_HASH,
    AlgebraPoolReader,
    AlgebraPoolState,
    AlgebraRevertError,
    AlgebraSwapResult,
    apply_algebra_logs,
    pool_address,
)
from omniarb.dex.algebra.events import SWAP_FEE_TOPIC, SWAP_TOPIC
from omniarb.errors import ExecutionRevertedError

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
ROUNDS = 2
EXACT_IN_PER_POOL = 880  # x 3 pools x 2 rounds = 5,280
EXACT_OUT_PER_POOL = 90  # x 3 pools x 2 rounds = 540
_CREATE = "createAndInitializePoolIfNecessary(address,address,address,uint160,bytes)"


@dataclass(slots=True)
class Case:
    state: AlgebraPoolState
    exact_input: bool
    zero_for_one: bool
    amount: int
    limit: int | None
    ours: AlgebraSwapResult | AlgebraRevertError | None = None

    def calldata(self) -> str:
        s = self.state
        token_in, token_out = (s.token0, s.token1) if self.zero_for_one else (s.token1, s.token0)
        signature = QUOTE_IN if self.exact_input else QUOTE_OUT
        return encode_call(
            signature, (token_in, token_out, ZERO_ADDRESS, self.amount, self.limit or 0)
        )

    def simulate(self) -> None:
        try:
            self.ours = self.state.swap(
                zero_for_one=self.zero_for_one,
                amount_specified=self.amount if self.exact_input else -self.amount,
                sqrt_price_limit_x96=self.limit,
            )
        except AlgebraRevertError as exc:
            self.ours = exc

    def quoter_reverts(self) -> bool:
        """QuoterV2 reverts when the pool does, when nothing at all is swapped, and for an
        exact output without a price limit that the pool cannot pay in full."""
        ours = self.ours
        if not isinstance(ours, AlgebraSwapResult):
            return True
        if ours.amount0 <= 0 and ours.amount1 <= 0:
            return True
        return not self.exact_input and self.limit is None and ours.amount_out != self.amount

    def expected_quote(self) -> tuple[int, int, int, int]:
        assert isinstance(self.ours, AlgebraSwapResult)
        r = self.ours
        return r.amount_out, r.amount_in, r.sqrt_price_x96, r.fee_pips

    def describe(self) -> str:
        kind = "in" if self.exact_input else "out"
        return (
            f"{self.state.address} fee={self.state.fee_pips} exact_{kind} "
            f"zero_for_one={self.zero_for_one} amount={self.amount} limit={self.limit}"
        )


def make_cases(
    states: list[AlgebraPoolState], held: dict[str, list[int]], rng: random.Random
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


def compare(case: Case, quoted: tuple[int, ...] | ExecutionRevertedError) -> str | None:
    """None when the quoter agrees with us, else what differs."""
    if case.quoter_reverts():
        if not isinstance(quoted, ExecutionRevertedError):
            return f"{case.describe()}: we predict a revert ({case.ours!r}), quoter gave {quoted}"
        return None
    if isinstance(quoted, ExecutionRevertedError):
        return f"{case.describe()}: quoter reverted ({quoted}), we got {case.ours}"
    amount_out, amount_in, price_after, _crossed, _gas, fee = quoted
    if (amount_out, amount_in, price_after, fee) != case.expected_quote():
        return f"{case.describe()}: quoter {quoted} != ours {case.expected_quote()}"
    return None


async def create_pools(env: AlgebraEnv) -> list[str]:
    """Three pools with different fees, spacings and community fees (see the module doc)."""
    factory = env.dex.factory
    pairs = [("WETH", "USDC"), ("WBTC", "WETH"), ("USDC", "USDT")]
    addresses = []
    for index, (a, b) in enumerate(pairs):
        if index == 1:
            for call in (
                encode_call("setDefaultFee(uint16)", 2500),
                encode_call("setDefaultTickspacing(int24)", 10),
                encode_call("setDefaultCommunityFee(uint16)", 150),
            ):
                await send_one(env, factory, call)
        token_a, token_b = env.chain.token(a).address, env.chain.token(b).address
        token0, token1 = sorted((token_a, token_b), key=lambda t: int(t, 16))
        price = await v3_price(env, a, b)
        await send_one(
            env, env.manager, encode_call(_CREATE, token0, token1, ZERO_ADDRESS, price, b"")
        )
        (answer,) = await call_many(
            env.rpc, [(factory, encode_call("poolByPair(address,address)", token0, token1))]
        )
        (pool,) = decode(["address"], answer)
        addresses.append(str(to_checksum_address(pool)))
    await send_one(env, addresses[2], encode_call("setFee(uint16)", 10000))
    await send_one(env, addresses[2], encode_call("setTickSpacing(int24)", 200))
    return addresses


async def test_simulation_equals_quoter_v2_to_the_wei(devnet_factory) -> None:
    rng = random.Random(14)
    all_cases: list[Case] = []
    mismatches: list[str] = []
    swaps_checked = 0
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            env = await deploy_algebra(rpc, chain)
            first_block = int(await rpc.call("eth_blockNumber"), 16)
            addresses = await create_pools(env)
            for address in addresses:
                state_tokens = await call_many(
                    rpc, [(address, encode_call(s)) for s in ("token0()", "token1()")]
                )
                t0, t1 = (decode(["address"], t)[0] for t in state_tokens)
                assert pool_address(env.pool_deployer, t0, t1).lower() == address.lower()
            reader = AlgebraPoolReader(rpc, chain_id=chain.chain_id)

            async def read() -> list[AlgebraPoolState]:
                block = int(await rpc.call("eth_blockNumber"), 16)
                return await reader.read_many(addresses, dex=env.dex.name, at=block)

            states = await read()
            assert [(s.fee_pips, s.tick_spacing, s.community_fee) for s in states] == [
                (500, 60, 0),
                (2500, 10, 150),
                (10000, 200, 150),
            ]
            await mint_random_positions(env, states, rng, per_pool=45)
            for round_index in range(ROUNDS):
                if round_index:
                    await mint_random_positions(env, states, rng, per_pool=10)
                states = await read()
                held = await balances(env, states)
                txs, predicted = [], []
                for state in states:
                    for index in range(4):
                        zero_for_one = rng.random() < 0.5
                        amount_in = int(held[state.address][0 if zero_for_one else 1]
                                        * 10 ** rng.uniform(-2.5, -0.7))  # fmt: skip
                        result = state.swap_exact_input(
                            zero_for_one=zero_for_one, amount_in=amount_in
                        )
                        state = state.after_swap(result, block_number=state.block_number)
                        trader = chain.traders[index % len(chain.traders)]
                        txs.append(swap_tx(env, trader, state, zero_for_one, amount_in))
                        predicted.append((state.address, result))
                receipts = await send_all(rpc, txs, in_order=True)
                for (address, result), receipt in zip(predicted, receipts, strict=True):
                    mine = [e for e in receipt["logs"] if e["address"].lower() == address.lower()]
                    (swap_log,) = [e for e in mine if e["topics"][0] == SWAP_TOPIC]
                    (fee_log,) = [e for e in mine if e["topics"][0] == SWAP_FEE_TOPIC]
                    logged = decode(
                        ["int256", "int256", "uint160", "uint128", "int24"], swap_log["data"]
                    )
                    expected = (result.amount0, result.amount1, result.sqrt_price_x96,
                                result.liquidity, result.tick)  # fmt: skip
                    assert tuple(logged) == expected
                    assert decode(["uint24", "uint24"], fee_log["data"]) == (0, 0)
                    swaps_checked += 1
                states = await read()
                cases = make_cases(states, await balances(env, states), rng)
                cases.sort(key=Case.quoter_reverts)  # predicted reverts last: clean batches
                quotes = await quote_all(
                    env, [case.calldata() for case in cases], hex(states[0].block_number)
                )
                for case, quoted in zip(cases, quotes, strict=True):
                    problem = compare(case, quoted)
                    if problem is not None:
                        mismatches.append(problem)
                all_cases += cases

            # The state built from logs alone equals a fresh read.
            last_block = int(await rpc.call("eth_blockNumber"), 16)
            raw = await rpc.call(
                "eth_getLogs",
                {"fromBlock": hex(first_block), "toBlock": hex(last_block),
                 "address": [*addresses, env.dex.factory]},
            )  # fmt: skip
            applied = apply_algebra_logs(
                {},
                to_logs(chain.chain_id, raw),
                factories={env.dex.factory.lower(): env.dex.name},
                chain_id=chain.chain_id,
            )
            fresh = await reader.read_many(addresses, dex=env.dex.name, at=last_block)
            assert not applied.broken
            assert sorted(applied.created) == sorted(a.lower() for a in addresses)
            for state in fresh:
                from_logs = applied.changed[state.address.lower()]
                assert from_logs.ticks == state.ticks
                assert from_logs == replace(state, block_number=from_logs.block_number)
                pointers = await call_many(
                    rpc,
                    [
                        (state.address, encode_call(s))
                        for s in ("prevTickGlobal()", "nextTickGlobal()")
                    ],
                    hex(last_block),
                )
                prev_tick, next_tick = (decode(["int24"], p)[0] for p in pointers)
                below = [t for t in state.ticks if t <= state.tick]
                above = [t for t in state.ticks if t > state.tick]
                assert prev_tick == (below[-1] if below else -887272)
                assert next_tick == (above[0] if above else 887272)

    assert not mismatches, f"{len(mismatches)} mismatches, e.g.:\n" + "\n".join(mismatches[:10])
    results = [c.ours for c in all_cases if isinstance(c.ours, AlgebraSwapResult)]
    crossed = [r.initialized_ticks_crossed for r in results]
    assert swaps_checked == 4 * 3 * ROUNDS
    assert sum(c.exact_input for c in all_cases) >= 5_000
    assert sum(not c.exact_input for c in all_cases) >= 500
    assert {c.state.fee_pips for c in all_cases} == {500, 2500, 10000}
    assert max(crossed) >= 30
    assert sum(n >= 3 for n in crossed) >= 500
    assert sum(c.limit is not None and isinstance(c.ours, AlgebraSwapResult)
               and c.ours.sqrt_price_x96 == c.limit for c in all_cases) >= 200  # fmt: skip
    assert sum(c.quoter_reverts() for c in all_cases) >= 30
    assert sum(c.amount <= 1000 for c in all_cases) >= 300
    assert env.dex.init_code_hash == POOL_INIT_CODE_HASH
