"""The devnet's V2 DEXes are the real contracts, wired together, and price to the wei.

Three builds run: Uniswap's v2-core/v2-periphery artifacts, SushiSwap's V2 (`sushiswap`) and a
25 bps fork of Uniswap V2 (`pancakeswap-v2`), both compiled at set-up (build/v2-forks). Proves,
on all five chains: each DEX's manifest entry names its build's fee and the keccak of its pair's
creation code; each Router02 finds its factory's pairs (its hard-coded init code hash is that
keccak, and CREATE2 from the factory gives the manifest's pair address); a swap through every
router pays exactly what `getAmountsOut` quoted; and `getAmountsOut` equals the constant-product
formula with the DEX's fee (0.3%, or 0.25% for the fork), computed here from `getReserves()` at
the same block, for 1,200 seeded random amounts from 1 wei to 10x the reserve.
"""

from __future__ import annotations

import json
import math
import random

import pytest
from _helpers import (
    DEADLINE,
    automine,
    balances_of,
    call_many,
    create2_address,
    npm_creation_code,
    read,
    same,
    send,
)
from _snapshots import snapshot
from eth_utils.crypto import keccak

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import DexKind, chain_by_name
from omniarb.devnet.catalog import catalog_for
from omniarb.errors import ExecutionRevertedError
from omniarb.network import ChainManifest, DexEntry, PoolEntry
from omniarb.paths import build_dir

pytestmark = pytest.mark.integration

V2 = DexKind.UNISWAP_V2.value
# The constant in v2-periphery's UniswapV2Library.pairFor (FACTS.md).
PAIR_INIT_CODE_HASH = bytes.fromhex(
    "96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f"
)
# The pair each V2 DEX's factory creates and the fee that pair charges, in pips: the forks'
# artifacts are build/v2-forks/<name>.json; every other V2 DEX runs v2-core's UniswapV2Pair.
FORK_PAIRS = {
    "sushiswap": ("SushiSwapV2Pair", 3000),
    "pancakeswap-v2": ("UniswapV2Bps25Pair", 2500),
}
UNISWAP_PAIR = "@uniswap/v2-core/build/UniswapV2Pair.json"
GET_AMOUNTS_OUT = "getAmountsOut(uint256,address[])"
SWAP = "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)"


def _v2_dexes(chain: ChainManifest) -> list[tuple[DexEntry, list[PoolEntry]]]:
    return [
        (dex, [p for p in chain.pools if p.dex == dex.name])
        for dex in chain.dexes
        if dex.kind == V2
    ]


def pair_build(dex_name: str) -> tuple[bytes, int]:
    """(init code hash, fee in pips) of the pair the DEX named `dex_name` deploys."""
    name, fee_pips = FORK_PAIRS.get(dex_name, ("", 3000))
    if not name:
        return keccak(npm_creation_code(UNISWAP_PAIR)), fee_pips
    artifact = json.loads((build_dir() / "v2-forks" / f"{name}.json").read_text())
    return keccak(bytes.fromhex(artifact["bytecode"].removeprefix("0x"))), fee_pips


def reference_amount_out(amount_in: int, reserve_in: int, reserve_out: int, fee_pips: int) -> int:
    """UniswapV2Library.getAmountOut, written out independently: 0.3% is 997/1000 and the
    fork's 0.25% is PancakeLibrary's 9975/10000; rounded down."""
    keep, scale = {3000: (997, 1000), 2500: (9975, 10000)}[fee_pips]
    amount_in_with_fee = amount_in * keep
    return (amount_in_with_fee * reserve_out) // (reserve_in * scale + amount_in_with_fee)


async def test_routers_reach_the_factory_pairs_by_init_code_hash(devnet_factory) -> None:
    assert keccak(npm_creation_code(UNISWAP_PAIR)) == PAIR_INIT_CODE_HASH
    builds: dict[bytes, set[int]] = {}
    async with devnet_factory(automine()) as net:
        for chain in net.manifest.chains:
            weth = next(t.address for t in chain.tokens if t.wrapped_native)
            async with RpcClient(chain.rpc_http) as rpc:
                catalog = catalog_for(chain_by_name(chain.name))
                for dex, pools in _v2_dexes(chain):
                    where = f"{chain.name} {dex.name}"
                    init_code_hash, fee_pips = pair_build(dex.name)
                    builds.setdefault(init_code_hash, set()).add(fee_pips)
                    assert dex.init_code_hash == "0x" + init_code_hash.hex(), where
                    assert dex.fee_pips == fee_pips, where
                    assert {p.fee for p in pools} == {fee_pips}, where
                    planned = [p for p in catalog.pools if p.dex == dex.name]
                    assert len(pools) == len(planned) > 0, where
                    router_code = await rpc.call("eth_getCode", dex.router, "latest")
                    # pairFor's constant is a PUSH32 in the router's runtime code; a fork's
                    # router has its own instead of Uniswap's.
                    assert init_code_hash.hex() in router_code, where
                    if init_code_hash != PAIR_INIT_CODE_HASH:
                        assert PAIR_INIT_CODE_HASH.hex() not in router_code, where
                    (router_factory,) = await read(rpc, dex.router, "factory()", ["address"])
                    (router_weth,) = await read(rpc, dex.router, "WETH()", ["address"])
                    (pair_count,) = await read(rpc, dex.factory, "allPairsLength()", ["uint256"])
                    assert same(router_factory, dex.factory), f"{chain.name} {dex.name}"
                    assert same(router_weth, weth), f"{chain.name} {dex.name}"
                    assert pair_count == len(pools), f"{chain.name} {dex.name}"
                    await _check_pairs(rpc, chain, dex, pools, init_code_hash)
    # Three pair builds, three distinct hashes, two fees.
    assert len(builds) == 3
    assert sorted(fee for fees in builds.values() for fee in fees) == [2500, 3000, 3000]


async def _check_pairs(
    rpc: RpcClient,
    chain: ChainManifest,
    dex: DexEntry,
    pools: list[PoolEntry],
    init_code_hash: bytes,
) -> None:
    calls = []
    for pool in pools:
        calls += [
            (dex.factory, encode_call("getPair(address,address)", pool.token0, pool.token1)),
            (dex.factory, encode_call("getPair(address,address)", pool.token1, pool.token0)),
            (dex.router, encode_call(GET_AMOUNTS_OUT, 10**6, [pool.token0, pool.token1])),
            (dex.router, encode_call(GET_AMOUNTS_OUT, 10**6, [pool.token1, pool.token0])),
        ]
    # An ExecutionRevertedError here means the router computed an address without a pair behind it.
    answers = iter(await call_many(rpc, calls))
    for pool in pools:
        where = f"{chain.name} {dex.name} {pool.symbol0}/{pool.symbol1}"
        salt = keccak(bytes.fromhex(pool.token0[2:] + pool.token1[2:]))
        assert create2_address(dex.factory, salt, init_code_hash) == pool.address, where
        forward, backward = (decode(["address"], next(answers))[0] for _ in "01")
        assert same(forward, pool.address), where
        assert same(backward, pool.address), where
        for _ in "01":
            (amounts,) = decode(["uint256[]"], next(answers))
            assert len(amounts) == 2, where
            assert amounts[0] == 10**6, where


async def test_router_reverts_for_a_pair_that_was_never_created(devnet_factory) -> None:
    """The control for the test above: a path without a pair makes `getAmountsOut` revert."""
    async with devnet_factory(automine("ethereum")) as net:
        chain = net.manifest.chain("ethereum")
        usdt, dai = chain.token("USDT").address, chain.token("DAI").address
        assert not any(
            {p.symbol0, p.symbol1} == {"USDT", "DAI"} for p in chain.pools if p.kind == V2
        )
        async with RpcClient(chain.rpc_http) as rpc:
            for dex, _ in _v2_dexes(chain):
                (pair,) = await read(
                    rpc, dex.factory, "getPair(address,address)", ["address"], usdt, dai
                )
                assert int(pair, 16) == 0
                with pytest.raises(ExecutionRevertedError):
                    await read(rpc, dex.router, GET_AMOUNTS_OUT, ["uint256[]"], 10**6, [usdt, dai])


async def test_swap_through_every_router_pays_the_quote(devnet_factory) -> None:
    swaps = 0
    async with devnet_factory(automine()) as net:
        for chain_index, chain in enumerate(net.manifest.chains):
            async with RpcClient(chain.rpc_http) as rpc:
                for dex_index, (dex, pools) in enumerate(_v2_dexes(chain)):
                    case = chain_index * 2 + dex_index
                    pool = pools[case % len(pools)]
                    trader = chain.traders[case % len(chain.traders)]
                    path = [pool.token0, pool.token1] if case % 2 else [pool.token1, pool.token0]
                    where = f"{chain.name} {dex.name} {path}"
                    async with snapshot(rpc):
                        await _swap_and_check(rpc, dex, pool, trader, path, where)
                    swaps += 1
    assert swaps == 10


async def _swap_and_check(
    rpc: RpcClient, dex: DexEntry, pool: PoolEntry, trader: str, path: list[str], where: str
) -> None:
    token_in = path[0]
    reserve0, reserve1, _ = await read(
        rpc, pool.address, "getReserves()", ["uint112", "uint112", "uint32"]
    )
    reserve_in = reserve0 if same(token_in, pool.token0) else reserve1
    amount_in = reserve_in // 50 + 12_345
    (amounts,) = await read(rpc, dex.router, GET_AMOUNTS_OUT, ["uint256[]"], amount_in, path)
    quoted = amounts[1]
    assert quoted > 0, where
    trader_before = await balances_of(rpc, trader, path)
    pair_before = await balances_of(rpc, pool.address, path)
    await send(rpc, trader, dex.router, encode_call(SWAP, amount_in, 0, path, trader, DEADLINE))
    trader_after = await balances_of(rpc, trader, path)
    pair_after = await balances_of(rpc, pool.address, path)
    assert trader_before[0] - trader_after[0] == amount_in, where
    assert trader_after[1] - trader_before[1] == quoted, where
    assert pair_after[0] - pair_before[0] == amount_in, where
    assert pair_before[1] - pair_after[1] == quoted, where


async def test_get_amounts_out_equals_the_constant_product_formula(devnet_factory) -> None:
    rng = random.Random(20_240_601)
    checked = at_or_above_reserve = zero_out = 0
    by_fee: dict[int, int] = {}
    async with devnet_factory(automine()) as net:
        for chain in net.manifest.chains:
            async with RpcClient(chain.rpc_http) as rpc:
                block = await rpc.call("eth_blockNumber")
                pools = [p for p in chain.pools if p.kind == V2]
                reserves = [
                    decode(["uint112", "uint112", "uint32"], answer)[:2]
                    for answer in await call_many(
                        rpc, [(p.address, encode_call("getReserves()")) for p in pools], block
                    )
                ]
                cases = _random_cases(rng, chain, pools, reserves, count=240)
                calls = [
                    (chain.dex(dex).router, encode_call(GET_AMOUNTS_OUT, a, path))
                    for dex, path, a, _, _ in cases
                ]
                answers = await call_many(rpc, calls, block)
            mismatches = []
            for (dex, path, amount_in, r_in, r_out), answer in zip(cases, answers, strict=True):
                (amounts,) = decode(["uint256[]"], answer)
                fee_pips = pair_build(dex)[1]
                by_fee[fee_pips] = by_fee.get(fee_pips, 0) + 1
                expected = reference_amount_out(amount_in, r_in, r_out, fee_pips)
                if list(amounts) != [amount_in, expected]:
                    mismatches.append((path, amount_in, r_in, r_out, amounts, expected))
                at_or_above_reserve += amount_in >= r_in
                zero_out += expected == 0
                checked += 1
            assert not mismatches, f"{chain.name}: {mismatches[:5]}"
    assert checked == 1_200
    assert by_fee[2500] >= 100
    assert at_or_above_reserve >= 100
    assert zero_out >= 10


def _random_cases(
    rng: random.Random,
    chain: ChainManifest,
    pools: list[PoolEntry],
    reserves: list[tuple[int, int]],
    *,
    count: int,
) -> list[tuple[str, list[str], int, int, int]]:
    """(DEX, path, amount_in, reserve_in, reserve_out), log-uniform from 1 wei to 10x reserve."""
    cases = []
    for _ in range(count):
        index = rng.randrange(len(pools))
        pool, (reserve0, reserve1) = pools[index], reserves[index]
        if rng.random() < 0.5:
            path, reserve_in, reserve_out = [pool.token0, pool.token1], reserve0, reserve1
        else:
            path, reserve_in, reserve_out = [pool.token1, pool.token0], reserve1, reserve0
        roll = rng.random()
        if roll < 0.1:
            amount_in = rng.choice([1, 2, 3, 999, 1000, 1001])
        elif roll < 0.2:
            amount_in = reserve_in + rng.choice([-1, 0, 1]) * rng.randrange(1, 10**6)
        else:
            exponent = rng.uniform(0, math.log10(reserve_in * 10))
            amount_in = max(1, int(10**exponent) + rng.randrange(1_000))
        cases.append((pool.dex, path, amount_in, reserve_in, reserve_out))
    return cases
