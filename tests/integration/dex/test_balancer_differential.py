"""Differential test: our Balancer V2 single-swap math against the real pools, the 2021 Vault
and `BalancerQueries.querySwap`, to the wei.

On the Ethereum devnet chain, four weighted pools (50/50 WETH/USDC, 80/20 WBTC/WETH, 70/30
DAI/WETH, 40/35/25 LINK/UNI/WETH: exponents on both of LogExpMath's paths) and two
composable stable pools of USDC/USDT/DAI (6, 6 and 18 decimals; A = 200 and 2000) are created
in the lenders' Vault. In three rounds, traders move every pool with real `Vault.swap`s (exact
input and output, each predicted by us and compared with the Vault's `Swap` log; the stable
pools pushed far out of balance in later rounds), the deployer joins and exits (with a 50%
protocol swap fee switched on, so joins and exits mint fee BPT), and the state our appliers
build from the `Swap` and `PoolBalanceChanged` logs must equal a fresh read. Then random swaps
are simulated and queried on that block: exact input and output, tiny to beyond the 30%
limits and beyond the balances; every answer must equal ours, and every query that reverts
must be one we predict reverts, with the same BAL# code.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from _balancer_helpers import (
    BalancerEnv,
    chain_log,
    deploy_env,
    enable_protocol_fees,
    exit_calldata,
    join_calldata,
    query_all,
    query_calldata,
    swap_calldata,
)
from _v3_quoter_helpers import call_many, send_all

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.dex.balancer import (
    BalancerPoolReader,
    BalancerPoolState,
    BalancerRevertError,
    ComposableStablePoolState,
    apply_pool_balance_changed,
    apply_swap,
)
from omniarb.dex.balancer.events import POOL_BALANCE_CHANGED_TOPIC, SWAP_TOPIC
from omniarb.errors import ExecutionRevertedError

pytestmark = pytest.mark.integration

CHAIN = "ethereum"
ROUNDS = 3
EXACT_IN_PER_POOL = 300  # x 6 pools x 3 rounds = 5,400
EXACT_OUT_PER_POOL = 32  # x 6 pools x 3 rounds = 576
DEX = "balancer-v2"


@dataclass(slots=True)
class Case:
    state: BalancerPoolState
    exact_input: bool
    token_in: str
    token_out: str
    amount: int
    ours: int | BalancerRevertError | None = None

    def simulate(self) -> None:
        try:
            if self.exact_input:
                self.ours = self.state.amount_out(self.token_in, self.token_out, self.amount)
            else:
                self.ours = self.state.amount_in(self.token_in, self.token_out, self.amount)
        except BalancerRevertError as exc:
            self.ours = exc

    def reverts(self) -> bool:
        return isinstance(self.ours, BalancerRevertError)

    def describe(self) -> str:
        kind = "in" if self.exact_input else "out"
        return f"{self.state.address} exact_{kind} {self.token_in}->{self.token_out} {self.amount}"


def swap_tokens(state: BalancerPoolState) -> list[str]:
    if isinstance(state, ComposableStablePoolState):
        return [t for k, t in enumerate(state.tokens) if k != state.bpt_index]
    return list(state.tokens)


def _amount(state: BalancerPoolState, balance: int, exact_input: bool, rng: random.Random) -> int:
    stable = isinstance(state, ComposableStablePoolState)
    roll = rng.random()
    if roll < 0.005:
        return 0
    if roll < 0.10:
        return rng.randint(1, 1000)
    if roll < 0.65:
        return int(balance * 10 ** rng.uniform(-9, -0.55)) + 1
    if roll < 0.85:  # around the 30% limits (the fee lets an input go a little past them)
        return int(balance * rng.uniform(0.25, 0.31)) + 1
    if roll < 0.97:
        if stable:  # to the ends of the curve
            return int(balance * rng.uniform(0.3, 3 if exact_input else 1.05)) + 1
        return int(balance * rng.uniform(0.1, 0.3)) + 1
    return int(10 ** rng.uniform(18, 40))


def make_cases(states: list[BalancerPoolState], rng: random.Random) -> list[Case]:
    cases = []
    for state in states:
        tokens = swap_tokens(state)
        for index in range(EXACT_IN_PER_POOL + EXACT_OUT_PER_POOL):
            exact_input = index < EXACT_IN_PER_POOL
            token_in, token_out = rng.sample(tokens, 2)
            known = token_in if exact_input else token_out
            balance = state.balances[state.index(known)]
            case = Case(
                state, exact_input, token_in, token_out, _amount(state, balance, exact_input, rng)
            )
            case.simulate()
            cases.append(case)
    return cases


def compare(case: Case, quoted: int | ExecutionRevertedError) -> str | None:
    if isinstance(case.ours, BalancerRevertError):
        if not isinstance(quoted, ExecutionRevertedError):
            return f"{case.describe()}: we predict {case.ours.reason}, query: {quoted}"
        if case.ours.reason not in quoted.rpc_message:
            return f"{case.describe()}: {quoted.rpc_message!r}, we said {case.ours.reason}"
        return None
    if isinstance(quoted, ExecutionRevertedError):
        return f"{case.describe()}: the query reverted ({quoted.rpc_message}), we got {case.ours}"
    if quoted != case.ours:
        return f"{case.describe()}: query {quoted} != ours {case.ours}"
    return None


async def read_all(
    reader: BalancerPoolReader, env: BalancerEnv, block: int
) -> list[BalancerPoolState]:
    weighted = await reader.read_weighted([p.address for p in env.weighted], dex=DEX, at=block)
    stable = await reader.read_stable([p.address for p in env.stable], dex=DEX, at=block)
    return [*weighted, *stable]


async def vault_swaps(
    env: BalancerEnv, states: list[BalancerPoolState], rng: random.Random, round_index: int
) -> tuple[dict[str, BalancerPoolState], int]:
    """Trader swaps through `Vault.swap`, each predicted on the state the one before left;
    each `Swap` log must equal the prediction. Returns the states built from the logs."""
    txs, predictions = [], []
    by_id = {s.pool_id: s for s in states}
    predicted = dict(by_id)
    for state in states:
        stable = isinstance(state, ComposableStablePoolState)
        for index in range(4):
            tokens = swap_tokens(state)
            token_in, token_out = rng.sample(tokens, 2)
            if stable and round_index > 0:  # one-way pressure: far out of balance
                token_in, token_out = tokens[0], tokens[round_index]
            current = predicted[state.pool_id]
            exact_input = index != 3
            known = token_in if exact_input else token_out
            balance = current.balances[current.index(known)]
            pushed = stable and round_index > 0 and exact_input
            amount = int(balance * (rng.uniform(0.3, 0.9) if pushed else rng.uniform(0.005, 0.25)))
            # Halved until the pool takes it and stays usable: far out of balance, a stable
            # pool's invariant stops converging (BAL#321) and then every swap reverts.
            while True:
                try:
                    if exact_input:
                        amount_in = amount
                        amount_out = current.amount_out(token_in, token_out, amount)
                    else:
                        amount_in = current.amount_in(token_in, token_out, amount)
                        amount_out = amount
                    after = current.after_swap(
                        token_in=token_in,
                        token_out=token_out,
                        amount_in=amount_in,
                        amount_out=amount_out,
                        block_number=current.block_number,
                    )
                    if isinstance(after, ComposableStablePoolState):
                        after.invariant  # noqa: B018 - raises when it does not converge
                    break
                except BalancerRevertError:
                    amount //= 2
            predicted[state.pool_id] = after
            trader = env.chain.traders[index % len(env.chain.traders)]
            txs.append(
                (
                    trader,
                    env.factories.vault,
                    swap_calldata(state.pool_id, exact_input, token_in, token_out, amount, trader),
                )
            )
            predictions.append((state.pool_id, token_in, token_out, amount_in, amount_out))
    receipts = await send_all(env.rpc, txs, in_order=True)
    logged = dict(by_id)
    for (pool_id, *expected), receipt in zip(predictions, receipts, strict=True):
        (entry,) = [
            e
            for e in receipt["logs"]
            if e["topics"][0] == SWAP_TOPIC and e["topics"][1].lower() == pool_id
        ]
        amounts = decode(["uint256", "uint256"], entry["data"])
        assert (
            "0x" + entry["topics"][2][-40:],
            "0x" + entry["topics"][3][-40:],
            *amounts,
        ) == (expected[0].lower(), expected[1].lower(), expected[2], expected[3])
        logged[pool_id] = apply_swap(logged[pool_id], chain_log(entry, env.chain.chain_id))
    return logged, int(receipts[-1]["blockNumber"], 16)


async def joins_and_exits(
    env: BalancerEnv, states: dict[str, BalancerPoolState], rng: random.Random
) -> tuple[dict[str, BalancerPoolState], int]:
    """The deployer joins each pool with uneven amounts and exits 1% of its BPT; the
    `PoolBalanceChanged` logs are applied to `states`."""
    deployer = env.chain.deployer
    entries = [*env.weighted, *env.stable]
    answers = await call_many(
        env.rpc, [(p.address, encode_call("balanceOf(address)", deployer)) for p in entries]
    )
    txs = []
    for entry, answer in zip(entries, answers, strict=True):
        state = states[entry.pool_id]
        stable = isinstance(state, ComposableStablePoolState)
        amounts = [
            state.balances[k] * rng.randint(1, 30) // 1000
            for k in range(len(state.tokens))
            if not (stable and k == state.bpt_index)
        ]
        bpt_index = state.bpt_index if isinstance(state, ComposableStablePoolState) else None
        txs.append(
            (deployer, env.factories.vault, join_calldata(entry, deployer, amounts, bpt_index))
        )
        bpt = decode(["uint256"], answer)[0] // 100
        txs.append((deployer, env.factories.vault, exit_calldata(entry, deployer, bpt, stable)))
    await env.rpc.call("anvil_setBalance", deployer, hex(10**30))
    funding = [
        (deployer, env.token("WETH").address, encode_call("deposit()"), 10**26),
        *[
            (
                deployer,
                env.token(symbol).address,
                encode_call("mint(address,uint256)", deployer, 10**30),
                0,
            )
            for symbol in ("USDC", "USDT", "DAI", "WBTC", "LINK", "UNI")
        ],
    ]
    for sender, to, data, value in funding:
        await env.rpc.call(
            "eth_sendTransaction", {"from": sender, "to": to, "data": data, "value": hex(value)}
        )
    receipts = await send_all(env.rpc, txs, in_order=True)
    changed = 0
    for receipt in receipts:
        for e in receipt["logs"]:
            if e["topics"][0] == POOL_BALANCE_CHANGED_TOPIC:
                pool_id = e["topics"][1].lower()
                states[pool_id] = apply_pool_balance_changed(
                    states[pool_id], chain_log(e, env.chain.chain_id)
                )
                changed += 1
    assert changed == 2 * len(entries)
    return states, int(receipts[-1]["blockNumber"], 16)


async def test_balancer_swaps_equal_balancer_queries_to_the_wei(devnet_factory) -> None:
    rng = random.Random(14)
    all_cases: list[Case] = []
    mismatches: list[str] = []
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            env = await deploy_env(rpc, chain)
            reader = BalancerPoolReader(rpc, chain_id=chain.chain_id)
            await enable_protocol_fees(env, [p.address for p in (*env.weighted, *env.stable)])
            for round_index in range(ROUNDS):
                block = int(await rpc.call("eth_blockNumber"), 16)
                states = await read_all(reader, env, block)
                logged, block = await vault_swaps(env, states, rng, round_index)
                if round_index == 0:
                    logged, block = await joins_and_exits(env, logged, rng)
                states = await read_all(reader, env, block)
                for state in states:
                    built = logged[state.pool_id]
                    assert (built.tokens, built.balances) == (state.tokens, state.balances)
                cases = make_cases(states, rng)
                cases.sort(key=Case.reverts)  # predicted reverts last: earlier batches hold none
                calldata = [
                    query_calldata(
                        c.state.pool_id,
                        c.exact_input,
                        c.token_in,
                        c.token_out,
                        c.amount,
                        chain.deployer,
                    )
                    for c in cases
                ]
                quotes = await query_all(env, calldata, hex(block))
                for case, quoted in zip(cases, quotes, strict=True):
                    problem = compare(case, quoted)
                    if problem is not None:
                        mismatches.append(problem)
                all_cases += cases

    assert not mismatches, f"{len(mismatches)} mismatches, e.g.:\n" + "\n".join(mismatches[:10])
    assert sum(c.exact_input for c in all_cases) >= 5_000
    assert sum(not c.exact_input for c in all_cases) >= 500
    codes = {c.ours.reason for c in all_cases if isinstance(c.ours, BalancerRevertError)}
    assert {"BAL#304", "BAL#305", "BAL#510"} <= codes, codes
    stable_outs = [
        c
        for c in all_cases
        if isinstance(c.state, ComposableStablePoolState) and c.exact_input and not c.reverts()
    ]
    assert len(stable_outs) >= 1_200
    assert sum(c.amount <= 1000 for c in all_cases) >= 300
