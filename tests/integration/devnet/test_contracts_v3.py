"""The devnet's Uniswap V3 deployment is the real v3-core/v3-periphery, and its quotes are exact.

Proves: every V3 pool sits at the CREATE2 address the periphery derives from the factory, the
pool key and POOL_INIT_CODE_HASH (which is keccak of v3-core's UniswapV3Pool creation code and
is compiled into the router, quoter and position manager); QuoterV2 quotes every pool on every
chain in both directions, below the spot price less the fee; and a SwapRouter `exactInputSingle`
from a trader pays exactly the quote taken just before, to the wei, including swaps that cross
initialized ticks, on two chains.
"""

from __future__ import annotations

from fractions import Fraction

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

from omniarb.chains.abi import decode, encode_args, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import DexKind, chain_by_name
from omniarb.devnet.catalog import catalog_for
from omniarb.errors import ExecutionRevertedError
from omniarb.network import ChainManifest, DexEntry, PoolEntry

pytestmark = pytest.mark.integration

V3 = DexKind.UNISWAP_V3.value
# v3-periphery 1.4.4 contracts/libraries/PoolAddress.sol.
POOL_INIT_CODE_HASH = bytes.fromhex(
    "e34f199b19b2b4f47f68442619d555527d244f78a3297ea89325f843f87b8b54"
)
POOL_ARTIFACT = "@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json"
QUOTE = "quoteExactInputSingle((address,address,uint256,uint24,uint160))"
QUOTE_OUT = ["uint256", "uint160", "uint32", "uint256"]
SWAP = "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))"
SLOT0 = "slot0()"
SLOT0_OUT = ["uint160", "int24", "uint16", "uint16", "uint16", "uint8", "bool"]


def _v3(chain: ChainManifest) -> tuple[DexEntry, list[PoolEntry]]:
    (dex,) = (d for d in chain.dexes if d.kind == V3)
    return dex, [p for p in chain.pools if p.kind == V3]


def _quote_call(token_in: str, token_out: str, amount_in: int, fee: int) -> str:
    return encode_call(QUOTE, (token_in, token_out, amount_in, fee, 0))


def _direction(pool: PoolEntry, zero_for_one: bool) -> tuple[str, str]:
    return (pool.token0, pool.token1) if zero_for_one else (pool.token1, pool.token0)


async def test_pools_sit_at_the_periphery_create2_address(devnet_factory) -> None:
    assert keccak(npm_creation_code(POOL_ARTIFACT)) == POOL_INIT_CODE_HASH
    get_pool = "getPool(address,address,uint24)"
    async with devnet_factory(automine()) as net:
        for chain in net.manifest.chains:
            dex, pools = _v3(chain)
            planned = [p for p in catalog_for(chain_by_name(chain.name)).pools if p.kind == V3]
            assert len(pools) == len(planned) > 0
            periphery = [dex.router, dex.quoter, dex.position_manager]
            lookups = [
                (dex.factory, encode_call(get_pool, *tokens, pool.fee))
                for pool in pools
                for tokens in ((pool.token0, pool.token1), (pool.token1, pool.token0))
            ]
            async with RpcClient(chain.rpc_http) as rpc:
                codes = await rpc.batch([("eth_getCode", [a, "latest"]) for a in periphery])
                answers = iter(await call_many(rpc, lookups))
            for address, code in zip(periphery, codes, strict=True):
                # PoolAddress.computeAddress inlines the constant into each periphery contract.
                assert POOL_INIT_CODE_HASH.hex() in code, f"{chain.name} {address}"
            for pool in pools:
                where = f"{chain.name} {pool.symbol0}/{pool.symbol1} {pool.fee}"
                key = encode_args(
                    ["address", "address", "uint24"], [pool.token0, pool.token1, pool.fee]
                )
                computed = create2_address(dex.factory, keccak(key), POOL_INIT_CODE_HASH)
                assert computed == pool.address, where
                for _ in "01":
                    assert same(decode(["address"], next(answers))[0], pool.address), where


async def test_quoter_answers_every_pool_both_ways_below_spot(devnet_factory) -> None:
    quoted = 0
    async with devnet_factory(automine()) as net:
        expected = 2 * sum(len(_v3(chain)[1]) for chain in net.manifest.chains)
        for chain in net.manifest.chains:
            dex, pools = _v3(chain)
            assert dex.quoter is not None
            async with RpcClient(chain.rpc_http) as rpc:
                block = await rpc.call("eth_blockNumber")
                slot0s = await call_many(
                    rpc, [(p.address, encode_call(SLOT0)) for p in pools], block
                )
                cases = []
                for pool, slot0 in zip(pools, slot0s, strict=True):
                    sqrt_price_x96 = decode(SLOT0_OUT, slot0)[0]
                    held = await balances_of(rpc, pool.address, [pool.token0, pool.token1], block)
                    cases += [
                        (pool, True, held[0] // 1000, sqrt_price_x96),
                        (pool, False, held[1] // 1000, sqrt_price_x96),
                    ]
                calls = [
                    (dex.quoter, _quote_call(*_direction(pool, zero_for_one), amount_in, pool.fee))
                    for pool, zero_for_one, amount_in, _ in cases
                ]
                answers = await call_many(rpc, calls, block)
            for (pool, zero_for_one, amount_in, sqrt_before), answer in zip(
                cases, answers, strict=True
            ):
                where = f"{chain.name} {pool.symbol0}/{pool.symbol1} {pool.fee} {zero_for_one}"
                amount_out, sqrt_after, _, gas_estimate = decode(QUOTE_OUT, answer)
                price = Fraction(sqrt_before**2, 2**192)  # token1 base units per token0 base unit
                at_spot = Fraction(amount_in * (10**6 - pool.fee), 10**6) * (
                    price if zero_for_one else 1 / price
                )
                # Price impact only ever takes away: the quote is at most spot less the fee, and
                # a 0.1%-of-balance trade in these deep pools stays within 1% of it.
                assert at_spot * Fraction(99, 100) < amount_out <= at_spot, where
                # Selling token0 lowers the price of token0; selling token1 raises it.
                assert sqrt_after != sqrt_before, where
                assert (sqrt_after < sqrt_before) == zero_for_one, where
                assert gas_estimate > 0, where
                quoted += 1
    assert quoted == expected >= 5 * 2


async def test_quoter_reverts_for_a_pool_that_does_not_exist(devnet_factory) -> None:
    """The control for the quoter test: no pool at the derived address makes the quote revert."""
    async with devnet_factory(automine("arbitrum")) as net:
        chain = net.manifest.chain("arbitrum")
        dex, pools = _v3(chain)
        wbtc, usdc = chain.token("WBTC").address, chain.token("USDC").address
        assert not any({p.symbol0, p.symbol1} == {"WBTC", "USDC"} and p.fee == 500 for p in pools)
        async with RpcClient(chain.rpc_http) as rpc:
            with pytest.raises(ExecutionRevertedError):
                await call_many(rpc, [(dex.quoter, _quote_call(wbtc, usdc, 10**6, 500))])


# Per chain: wrapped native against a stable, bitcoin and a chain token, one pool per fee tier.
SWAP_POOLS = {
    "ethereum": [({"WETH", "USDC"}, 500), ({"WBTC", "WETH"}, 3000), ({"LINK", "WETH"}, 10000)],
    "polygon": [({"WPOL", "USDC"}, 500), ({"WBTC", "WPOL"}, 3000), ({"WETH", "WPOL"}, 10000)],
}
# Shares of the pool's balance of the input token: the larger two cross initialized ticks.
SWAP_SIZES = (Fraction(1, 10_000), Fraction(1, 100), Fraction(1, 4), Fraction(4, 5))


@pytest.mark.parametrize("chain_name", sorted(SWAP_POOLS))
async def test_swap_router_pays_the_quote_to_the_wei(devnet_factory, chain_name: str) -> None:
    crossed = []
    async with devnet_factory(automine(chain_name)) as net:
        chain = net.manifest.chain(chain_name)
        dex, pools = _v3(chain)
        chosen = [
            next(p for p in pools if {p.symbol0, p.symbol1} == symbols and p.fee == fee)
            for symbols, fee in SWAP_POOLS[chain_name]
        ]
        cases = [(p, s, z) for p in chosen for s in SWAP_SIZES for z in (True, False)]
        async with RpcClient(chain.rpc_http) as rpc:
            for index, (pool, share, zero_for_one) in enumerate(cases):
                trader = chain.traders[index % len(chain.traders)]
                async with snapshot(rpc):
                    crossed.append(
                        await _swap_and_check(rpc, dex, pool, trader, zero_for_one, share)
                    )
    assert len(crossed) == 24
    assert max(crossed) >= 2
    assert min(crossed) == 0


async def _swap_and_check(
    rpc: RpcClient,
    dex: DexEntry,
    pool: PoolEntry,
    trader: str,
    zero_for_one: bool,
    share: Fraction,
) -> int:
    """Quote, swap the same amount, check every balance moved by the quote; ticks crossed."""
    assert dex.quoter is not None
    token_in, token_out = _direction(pool, zero_for_one)
    where = f"{pool.symbol0}/{pool.symbol1} {pool.fee} zero_for_one={zero_for_one} x{share}"
    (pool_in,) = await balances_of(rpc, pool.address, [token_in])
    amount_in = int(pool_in * share)
    amount_out, sqrt_after, ticks_crossed, _ = await read(
        rpc, dex.quoter, QUOTE, QUOTE_OUT, (token_in, token_out, amount_in, pool.fee, 0)
    )
    assert amount_out > 0, where
    path = [token_in, token_out]
    trader_before = await balances_of(rpc, trader, path)
    pool_before = await balances_of(rpc, pool.address, path)
    params = (token_in, token_out, pool.fee, trader, DEADLINE, amount_in, 0, 0)
    await send(rpc, trader, dex.router, encode_call(SWAP, params))
    trader_after = await balances_of(rpc, trader, path)
    pool_after = await balances_of(rpc, pool.address, path)
    sqrt_now = (await read(rpc, pool.address, SLOT0, SLOT0_OUT))[0]
    assert trader_before[0] - trader_after[0] == amount_in, where
    assert trader_after[1] - trader_before[1] == amount_out, where
    assert pool_after[0] - pool_before[0] == amount_in, where
    assert pool_before[1] - pool_after[1] == amount_out, where
    assert sqrt_now == sqrt_after, where
    return int(ticks_crossed)
