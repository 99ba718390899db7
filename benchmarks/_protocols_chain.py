"""The pools `benchmarks/protocols.py` measures, on one devnet chain, from the npm bytecode.

The Ethereum devnet chain already has Uniswap V2, Uniswap V3, PancakeSwap V3 and the Balancer
Vault; this adds Algebra Integral and Uniswap V4 (the devnet kinds' own `deploy`/`seed_pool`),
Balancer's weighted and composable stable factories with one pool of each, then gives every
tick-based pool a ladder of one-spacing positions on both sides of its price, so that a swap
crosses an initialized tick at every spacing. The states are read with our own readers at one
block, which pyrevm then forks.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.balancer_pools import (
    create_stable_pool,
    create_weighted_pool,
    deploy_balancer_factories,
)
from omniarb.devnet.catalog import REFERENCE_PRICES_USD, usd_amounts
from omniarb.devnet.deploy._sender import Sender, check_all
from omniarb.devnet.kinds.algebra import KIND as ALGEBRA
from omniarb.devnet.kinds.algebra import MINT as ALGEBRA_MINT
from omniarb.devnet.kinds.base import PoolSeed
from omniarb.devnet.kinds.uniswap_v4 import KIND as UNISWAP_V4
from omniarb.devnet.kinds.uniswap_v4 import MODIFY_LIQUIDITY, state_view_of
from omniarb.devnet.pricing import amount_for_usd, raw_price
from omniarb.dex.algebra import AlgebraPoolReader
from omniarb.dex.balancer import BalancerPoolReader
from omniarb.dex.pancakeswap_v3 import PancakeV3PoolState
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.dex.uniswap_v3 import V3PoolReader
from omniarb.dex.uniswap_v3.tick_math import get_sqrt_ratio_at_tick
from omniarb.dex.uniswap_v4 import PoolKey, V4PoolReader
from omniarb.network import ChainManifest, DexEntry, PoolEntry

CHAIN = "ethereum"
PAIR = ("WETH", "USDC")
# Both 18 decimals: degenbot 0.5's `_upscale_array` rebinds its argument instead of scaling
# it in place, so its weighted pools misprice (or refuse, MAX_IN_RATIO) a token of other decimals.
WEIGHTED_PAIR = ("WETH", "DAI")
STABLES = ("USDC", "USDT", "DAI")
TICK_KINDS = ("uniswap-v3", "pancakeswap-v3", "algebra-integral", "uniswap-v4")
# One-spacing positions on each side of the price: more than the 20 crossings measured.
RUNGS = 30
MAX_UINT = 2**256 - 1
DEADLINE = 2**32 - 1
ZERO = "0x" + "00" * 20
_V3_MINT = (
    "mint((address,address,uint24,int24,int24,uint256,uint256,uint256,uint256,address,uint256))"
)
_PANCAKE_MINT = "mint(address,address,int24,int24,uint128)"
_MINT_GAS = 1_500_000
_Q96 = 1 << 96


@dataclass(frozen=True, slots=True, kw_only=True)
class Bench:
    """Every measured pool's state at `block_number`, and what the pyrevm baseline calls."""

    states: dict[str, Any]  # by kind: uniswap-v2 … balancer-weighted, balancer-stable
    dexes: dict[str, DexEntry]
    v4_key: PoolKey
    balancer_queries: str
    deployer: str
    block_number: int
    block_hash: str
    block_timestamp: int


async def build(rpc: RpcClient, chain: ChainManifest) -> Bench:
    """Deploy, fund, seed and ladder the pools; read them all at the last block."""
    sender = Sender(rpc, chain.deployer)
    await rpc.call("anvil_setBalance", chain.deployer, hex(10**30))
    weth = chain.token("WETH")
    algebra = await ALGEBRA.deploy("algebra", sender, weth.address, chain.lenders)
    # A V4 DEX of its own beside the devnet's uniswap-v4 (whose CREATE2 salt is its name).
    v4 = await UNISWAP_V4.deploy("uniswap-v4-bench", sender, weth.address, chain.lenders)
    await check_all(rpc, sender.sent)
    dexes = {k: next(d for d in chain.dexes if d.kind == k) for k in TICK_KINDS[:2]}
    dexes |= {"uniswap-v2": chain.dex("uniswap-v2"), "algebra-integral": algebra, "uniswap-v4": v4}
    await _fund_and_approve(sender, chain, list(dexes.values()))
    seed = _seed(chain)
    await ALGEBRA.seed_pool(sender, algebra, seed)
    await UNISWAP_V4.seed_pool(sender, v4, seed)
    vault = next(lender for lender in chain.lenders if lender.kind == "balancer-v2").address
    factories = await deploy_balancer_factories(sender, vault)
    pair = sorted((chain.token(s) for s in WEIGHTED_PAIR), key=lambda t: int(t.address, 16))
    weighted = await create_weighted_pool(
        rpc,
        sender,
        vault=factories.vault,
        factory=factories.weighted_pool_factory,
        tokens=pair,
        weights=[5 * 10**17, 5 * 10**17],
        amounts=usd_amounts(pair, [2_000_000, 2_000_000]),
        swap_fee_percentage=3 * 10**15,
    )
    stables = sorted((chain.token(s) for s in STABLES), key=lambda t: int(t.address, 16))
    stable = await create_stable_pool(
        rpc,
        sender,
        vault=factories.vault,
        factory=factories.composable_stable_pool_factory,
        tokens=stables,
        amplification=200,
        amounts=usd_amounts(stables, [3_000_000, 2_000_000, 2_500_000]),
        swap_fee_percentage=4 * 10**14,
    )
    await check_all(rpc, sender.sent)

    (answer,) = await rpc.batch(
        [
            (
                "eth_call",
                [
                    {
                        "to": algebra.factory,
                        "data": encode_call(
                            "poolByPair(address,address)", seed.token_a, seed.token_b
                        ),
                    },
                    "latest",
                ],
            )
        ]
    )
    algebra_pool = decode(["address"], answer)[0]
    v4_key = PoolKey.of(seed.token_a, seed.token_b, fee=3000, tick_spacing=60)
    entries = {k: _pool_entry(chain, dexes[k]) for k in ("uniswap-v2", *TICK_KINDS[:2])}

    async def read_ticked(block: int | None) -> dict[str, Any]:
        v3 = V3PoolReader(rpc, chain_id=chain.chain_id)
        pancake = V3PoolReader(rpc, chain_id=chain.chain_id, state_type=PancakeV3PoolState)
        v4_reader = V4PoolReader(
            rpc,
            chain_id=chain.chain_id,
            pool_manager=v4.factory,
            state_view=state_view_of(v4.factory),
        )
        if block is None:
            block = int(await rpc.call("eth_blockNumber"), 16)
        return {
            "uniswap-v3": await v3.read(
                entries["uniswap-v3"].address, dex="uniswap-v3", block=block
            ),
            "pancakeswap-v3": await pancake.read(
                entries["pancakeswap-v3"].address, dex="pancakeswap-v3", block=block
            ),
            "algebra-integral": await AlgebraPoolReader(rpc, chain_id=chain.chain_id).read(
                algebra_pool, dex="algebra", at=block
            ),
            "uniswap-v4": await v4_reader.read(v4_key, dex="uniswap-v4", block=block),
        }

    for kind, state in (await read_ticked(None)).items():
        await _ladder(sender, dexes[kind], kind, state)
    await check_all(rpc, sender.sent)

    block = int(await rpc.call("eth_blockNumber"), 16)
    states = await read_ticked(block)
    states["uniswap-v2"] = await _read_v2(rpc, chain, entries["uniswap-v2"], block)
    balancer = BalancerPoolReader(rpc, chain_id=chain.chain_id)
    (states["balancer-weighted"],) = await balancer.read_weighted(
        [weighted.address], dex="balancer-v2", at=block
    )
    (states["balancer-stable"],) = await balancer.read_stable(
        [stable.address], dex="balancer-v2", at=block
    )
    header = await rpc.call("eth_getBlockByNumber", hex(block), False)
    return Bench(
        states=states,
        dexes=dexes,
        v4_key=v4_key,
        balancer_queries=factories.queries,
        deployer=chain.deployer,
        block_number=block,
        block_hash=header["hash"],
        block_timestamp=int(header["timestamp"], 16),
    )


def _seed(chain: ChainManifest) -> PoolSeed:
    a, b = (chain.token(symbol) for symbol in PAIR)
    price_a, price_b = REFERENCE_PRICES_USD[a.asset], REFERENCE_PRICES_USD[b.asset]
    return PoolSeed(
        symbol_a=a.symbol,
        symbol_b=b.symbol,
        token_a=a.address,
        token_b=b.address,
        amount_a=amount_for_usd(Fraction(5_000_000), price_a, a.decimals),
        amount_b=amount_for_usd(Fraction(5_000_000), price_b, b.decimals),
        fee=3000,
        price_raw=raw_price(price_a, a.decimals, price_b, b.decimals),
    ).in_address_order()


def _pool_entry(chain: ChainManifest, dex: DexEntry) -> PoolEntry:
    """The DEX's devnet pool of the pair (its first, when it has several fee tiers)."""
    return next(p for p in chain.pools if p.dex == dex.name and {p.symbol0, p.symbol1} == set(PAIR))


async def _fund_and_approve(sender: Sender, chain: ChainManifest, dexes: list[DexEntry]) -> None:
    spenders = {d.router for d in dexes} | {d.position_manager for d in dexes if d.position_manager}
    for token in chain.tokens:
        if token.wrapped_native:
            await sender.send("wrap", token.address, encode_call("deposit()"), value=10**28)
        else:
            data = encode_call("mint(address,uint256)", sender.address, 10**40)
            await sender.send("mint", token.address, data)
        for spender in sorted(spenders):
            data = encode_call("approve(address,uint256)", spender, MAX_UINT)
            await sender.send("approve", token.address, data)
    await check_all(sender.rpc, sender.sent)


def _rungs(tick: int, spacing: int) -> list[tuple[int, int]]:
    """One-spacing ranges wholly below the price and wholly above it, RUNGS of each."""
    at = tick // spacing
    below = [((at - k) * spacing, (at - k + 1) * spacing) for k in range(1, RUNGS + 1)]
    above = [((at + k) * spacing, (at + k + 1) * spacing) for k in range(1, RUNGS + 1)]
    return below + above


def _amounts(tick: int, lower: int, upper: int, liquidity: int) -> tuple[int, int]:
    """Token amounts (with 1% to spare) a range wholly off the price needs for `liquidity`."""
    low, high = get_sqrt_ratio_at_tick(lower), get_sqrt_ratio_at_tick(upper)
    if upper <= tick:
        return 0, liquidity * (high - low) // _Q96 * 101 // 100 + 1
    return liquidity * _Q96 * (high - low) // (high * low) * 101 // 100 + 1, 0


async def _ladder(sender: Sender, dex: DexEntry, kind: str, state: Any) -> None:
    liquidity = max(state.liquidity // 2, 10**15)
    spacing = state.key.tick_spacing if kind == "uniswap-v4" else state.tick_spacing
    for salt, (lower, upper) in enumerate(_rungs(state.tick, spacing), start=1000):
        amount0, amount1 = _amounts(state.tick, lower, upper, liquidity)
        if kind == "uniswap-v3":
            params = (state.token0, state.token1, state.fee_pips, lower, upper, amount0, amount1)
            data = encode_call(_V3_MINT, (*params, 0, 0, sender.address, DEADLINE))
            to = dex.position_manager
        elif kind == "algebra-integral":
            params = (state.token0, state.token1, ZERO, lower, upper, amount0, amount1)
            data = encode_call(ALGEBRA_MINT, (*params, 0, 0, sender.address, DEADLINE))
            to = dex.position_manager
        elif kind == "pancakeswap-v3":
            data = encode_call(
                _PANCAKE_MINT, state.address, sender.address, lower, upper, liquidity
            )
            to = dex.router
        else:
            position = (lower, upper, liquidity, salt.to_bytes(32, "big"))
            data = encode_call(MODIFY_LIQUIDITY, state.key.as_tuple(), position, b"")
            to = dex.position_manager
        assert to is not None
        await sender.send(f"{kind} rung [{lower},{upper}]", to, data, gas=_MINT_GAS)


async def _read_v2(
    rpc: RpcClient, chain: ChainManifest, pool: PoolEntry, block: int
) -> V2PoolState:
    (answer,) = await rpc.batch(
        [("eth_call", [{"to": pool.address, "data": encode_call("getReserves()")}, hex(block)])]
    )
    reserve0, reserve1, _ = decode(["uint112", "uint112", "uint32"], answer)
    dex = chain.dex(pool.dex)
    return V2PoolState(
        chain_id=chain.chain_id,
        address=pool.address,
        dex=pool.dex,
        factory=dex.factory,
        token0=pool.token0,
        token1=pool.token1,
        reserve0=reserve0,
        reserve1=reserve1,
        fee_bps=30,
        block_number=block,
    )
