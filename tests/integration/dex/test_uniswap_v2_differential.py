"""Differential test: our `get_amount_out` against what the real V2 pairs pay, for each build.

On two devnet chains (Ethereum: 6-decimal stablecoins; BNB Chain: 18-decimal ones), every V2 pair
takes seeded random swaps in both directions, with amounts from 1 wei to 10x its reserve. The
pairs are the three V2 builds the devnet runs: Uniswap's v2-core (uniswap-v2, biswap), SushiSwap's
V2 (sushiswap) and the 25 bps fork of v2-core (pancakeswap-v2), each priced with the fee the bot
uses for its DEX (`dex.deployments.dex_parameters`: 30 or 25 bps). For each case the deployer
transfers the input to the pair; we read `getReserves()` from the pair and predict the output with
`get_amount_out`; `pair.swap(predicted + 1)` must revert with `UniswapV2: K` (an `eth_call` on the
state after the transfer) and the real `pair.swap(predicted)` must succeed and pay exactly
`predicted`: so our output is exactly the most the pair pays.

Speed: the chains mine by hand, one block per round; a block holds one swap per pair (case j)
followed by the input transfer of that pair's next case (j + 1), so all pairs of both chains
advance together and each round costs a few batched RPC round trips.
"""

from __future__ import annotations

import asyncio
import math
import random
from dataclasses import dataclass, field
from typing import Any

import pytest

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import DexKind
from omniarb.dex.deployments import dex_parameters
from omniarb.dex.uniswap_v2.math import get_amount_out
from omniarb.errors import ExecutionRevertedError
from omniarb.network import ChainManifest, PoolEntry

pytestmark = pytest.mark.integration

CHAINS = ("ethereum", "bnb")
ROUNDS = 56  # x 18 pairs x 2 chains = 2,016 cases
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
_GAS = 300_000
_FUNDS = 10**30


@dataclass(slots=True)
class Case:
    pool: PoolEntry
    zero_for_one: bool
    amount_in: int
    kind: str
    fee_bps: int
    predicted: int = -1
    reserve_in: int = 0


@dataclass(slots=True)
class ChainRun:
    """One chain's pairs, its sender's nonce, and the cases waiting on each pair."""

    chain: ChainManifest
    rpc: RpcClient
    rng: random.Random
    pools: list[PoolEntry]
    nonce: int = 0
    reserves: dict[str, tuple[int, int]] = field(default_factory=dict)
    pending: dict[str, Case] = field(default_factory=dict)
    done: list[Case] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)

    @property
    def sender(self) -> str:
        return self.chain.deployer


def _token(pool: PoolEntry, zero_for_one: bool) -> tuple[str, str]:
    return (pool.token0, pool.token1) if zero_for_one else (pool.token1, pool.token0)


async def _send_and_mine(run: ChainRun, calls: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Send (to, data) transactions from the deployer, mine one block, return the receipts."""
    requests = []
    for to, data in calls:
        tx = {"from": run.sender, "to": to, "data": data, "gas": hex(_GAS), "nonce": hex(run.nonce)}
        requests.append(("eth_sendTransaction", [tx]))
        run.nonce += 1
    hashes = await run.rpc.batch(requests)
    await run.rpc.call("evm_mine")
    receipts = await run.rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes])
    for (to, _), receipt in zip(calls, receipts, strict=True):
        assert receipt is not None, f"{run.chain.name}: a transaction to {to} was not mined"
    return list(receipts)


async def _fund(run: ChainRun) -> None:
    """Give the deployer far more of every token than any case needs (mint, or wrap)."""
    await run.rpc.call("anvil_setBalance", run.sender, hex(2 * _FUNDS))
    run.nonce = int(await run.rpc.call("eth_getTransactionCount", run.sender, "latest"), 16)
    await run.rpc.call("evm_setAutomine", False)
    wrapped = next(t for t in run.chain.tokens if t.wrapped_native)
    requests = []
    for token in run.chain.tokens:
        tx: dict[str, Any] = {
            "from": run.sender,
            "to": token.address,
            "gas": hex(_GAS),
            "nonce": hex(run.nonce),
        }
        if token is wrapped:
            tx |= {"data": encode_call("deposit()"), "value": hex(_FUNDS)}
        else:
            tx["data"] = encode_call("mint(address,uint256)", run.sender, _FUNDS)
        requests.append(("eth_sendTransaction", [tx]))
        run.nonce += 1
    hashes = await run.rpc.batch(requests)
    await run.rpc.call("evm_mine")
    receipts = await run.rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes])
    assert all(int(r["status"], 16) == 1 for r in receipts)


def _next_case(run: ChainRun, pool: PoolEntry) -> Case:
    """A random case on `pool`, sized from its last known reserves (log-uniform, with tails)."""
    rng = run.rng
    zero_for_one = rng.random() < 0.5
    r0, r1 = run.reserves[pool.address]
    reserve_in = r0 if zero_for_one else r1
    roll = rng.random()
    if roll < 0.1:
        kind, amount = "tiny", rng.randint(1, 1_000)
    elif roll < 0.2:
        kind, amount = "near-reserve", int(reserve_in * rng.uniform(0.5, 2.0))
    elif roll < 0.25:
        kind, amount = "above-reserve", int(reserve_in * rng.uniform(2.0, 10.0))
    else:
        kind = "log-uniform"
        amount = int(10 ** rng.uniform(0, math.log10(max(reserve_in, 10))))
    fee_bps = dex_parameters(run.chain, run.chain.dex(pool.dex)).fee_bps
    assert fee_bps is not None
    return Case(
        pool=pool, zero_for_one=zero_for_one, amount_in=max(amount, 1), kind=kind, fee_bps=fee_bps
    )


def _transfer_call(case: Case) -> tuple[str, str]:
    token_in, _ = _token(case.pool, case.zero_for_one)
    return token_in, encode_call("transfer(address,uint256)", case.pool.address, case.amount_in)


def _settle_call(case: Case, sender: str) -> tuple[str, str]:
    """The real swap of exactly the predicted output, or `skim` when the output rounds to 0."""
    if case.predicted == 0:
        # The pair refuses a swap paying nothing; hand the donation back so reserves stay true.
        return case.pool.address, encode_call("skim(address)", sender)
    out0, out1 = (0, case.predicted) if case.zero_for_one else (case.predicted, 0)
    swap = encode_call("swap(uint256,uint256,address,bytes)", out0, out1, sender, b"")
    return case.pool.address, swap


async def _read_reserves(run: ChainRun) -> None:
    data = encode_call("getReserves()")
    answers = await run.rpc.batch(
        [("eth_call", [{"to": p.address, "data": data}, "latest"]) for p in run.pools]
    )
    for pool, answer in zip(run.pools, answers, strict=True):
        r0, r1, _ = decode(["uint112", "uint112", "uint32"], answer)
        run.reserves[pool.address] = (r0, r1)


async def _one_more_reverts(run: ChainRun, case: Case) -> str | None:
    """`swap(predicted + 1)` on the state after the transfer; None if it reverted with K."""
    out = case.predicted + 1
    out0, out1 = (0, out) if case.zero_for_one else (out, 0)
    data = encode_call("swap(uint256,uint256,address,bytes)", out0, out1, run.sender, b"")
    try:
        await run.rpc.call("eth_call", {"from": run.sender, "to": case.pool.address, "data": data})
    except ExecutionRevertedError as exc:
        if "UniswapV2: K" in exc.rpc_message:
            return None
        return f"reverted for another reason: {exc.rpc_message}"
    return "did not revert"


def _paid(receipt: dict[str, Any], case: Case, recipient: str) -> int | None:
    """The amount of the output token the pair sent to `recipient` in this receipt."""
    _, token_out = _token(case.pool, case.zero_for_one)
    for log in receipt["logs"]:
        topics = log["topics"]
        if (
            log["address"].lower() == token_out.lower()
            and topics[0] == TRANSFER_TOPIC
            and int(topics[1], 16) == int(case.pool.address, 16)
            and int(topics[2], 16) == int(recipient, 16)
        ):
            return int(log["data"], 16)
    return None


async def _round(run: ChainRun, last: bool) -> None:
    """Check and settle every pending case, and transfer in each pair's next case."""
    await _read_reserves(run)
    cases = [run.pending[p.address] for p in run.pools]
    for case in cases:
        r0, r1 = run.reserves[case.pool.address]
        r_in, r_out = (r0, r1) if case.zero_for_one else (r1, r0)
        case.reserve_in = r_in
        case.predicted = get_amount_out(case.amount_in, r_in, r_out, case.fee_bps)
    verdicts = await asyncio.gather(*(_one_more_reverts(run, c) for c in cases))
    for case, verdict in zip(cases, verdicts, strict=True):
        if verdict is not None:
            run.mismatches.append(f"{case.pool.address} {case.amount_in}+1: {verdict}")
    calls: list[tuple[str, str]] = []
    following: list[Case] = []
    for case in cases:
        calls.append(_settle_call(case, run.sender))
        if not last:
            # Sized from the reserves this block's swap will leave.
            r0, r1 = run.reserves[case.pool.address]
            paid_in, paid_out = case.amount_in, case.predicted
            if case.predicted == 0:
                paid_in = 0
            run.reserves[case.pool.address] = (
                (r0 + paid_in, r1 - paid_out)
                if case.zero_for_one
                else (r0 - paid_out, r1 + paid_in)
            )
            nxt = _next_case(run, case.pool)
            following.append(nxt)
            calls.append(_transfer_call(nxt))
    receipts = await _send_and_mine(run, calls)
    settle_receipts = receipts[::2] if not last else receipts
    for case, receipt in zip(cases, settle_receipts, strict=True):
        where = f"{run.chain.name} {case.pool.symbol0}/{case.pool.symbol1} in={case.amount_in}"
        if int(receipt["status"], 16) != 1:
            run.mismatches.append(f"{where}: swap of the predicted {case.predicted} reverted")
        elif case.predicted and _paid(receipt, case, run.sender) != case.predicted:
            run.mismatches.append(f"{where}: paid {_paid(receipt, case, run.sender)}")
        run.done.append(case)
    for receipt in receipts[1::2] if not last else []:
        assert int(receipt["status"], 16) == 1, f"{run.chain.name}: an input transfer failed"
    run.pending = {c.pool.address: c for c in following}


async def _run_chain(chain: ChainManifest, seed: int) -> ChainRun:
    async with RpcClient(chain.rpc_http) as rpc:
        pools = [p for p in chain.pools if p.kind == DexKind.UNISWAP_V2.value]
        run = ChainRun(chain=chain, rpc=rpc, rng=random.Random(seed), pools=pools)
        await _fund(run)
        await _read_reserves(run)
        first = [_next_case(run, p) for p in pools]
        receipts = await _send_and_mine(run, [_transfer_call(c) for c in first])
        assert all(int(r["status"], 16) == 1 for r in receipts)
        run.pending = {c.pool.address: c for c in first}
        for index in range(ROUNDS):
            await _round(run, last=index == ROUNDS - 1)
        return run


async def test_amount_out_equals_what_the_pairs_pay(devnet_factory) -> None:
    async with devnet_factory(dict.fromkeys(CHAINS)) as net:
        runs = await asyncio.gather(
            *(_run_chain(net.manifest.chain(name), 20_240_605 + i) for i, name in enumerate(CHAINS))
        )
    cases = [case for run in runs for case in run.done]
    mismatches = [m for run in runs for m in run.mismatches]
    assert not mismatches, mismatches[:10]
    assert len(cases) >= 2_000
    assert {run.chain.name for run in runs} == set(CHAINS)
    assert all(len(run.pools) == 18 for run in runs)
    kinds = [case.kind for case in cases]
    assert kinds.count("tiny") >= 100
    assert kinds.count("above-reserve") >= 50
    assert sum(case.amount_in >= case.reserve_in for case in cases) >= 100
    assert sum(case.predicted == 0 for case in cases) >= 20
    assert {case.zero_for_one for case in cases} == {True, False}
    # Every build, each with its own fee: 9 pairs x 56 rounds of each DEX.
    by_dex: dict[tuple[str, str, int], int] = {}
    for run in runs:
        for case in run.done:
            key = (run.chain.name, case.pool.dex, case.fee_bps)
            by_dex[key] = by_dex.get(key, 0) + 1
    assert by_dex == {
        ("ethereum", "uniswap-v2", 30): 504,
        ("ethereum", "sushiswap", 30): 504,
        ("bnb", "pancakeswap-v2", 25): 504,
        ("bnb", "biswap", 30): 504,
    }
    # Three builds: Uniswap's pair (uniswap-v2 and biswap), SushiSwap's and the fork's.
    hashes = {run.chain.dex(case.pool.dex).init_code_hash for run in runs for case in run.done}
    assert len(hashes) == 3
