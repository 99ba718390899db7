"""The manifest tells the truth about a five-chain devnet started from its saved deployments.

Proves, against the running anvil nodes: each node's chain id is the manifest's; there is code at
every address the manifest names; tokens report the manifest's symbol, name and decimals; every
pool reports the manifest's tokens (and fee and factory); and the initial prices are one market:
pools of the same pair agree across DEXes, and each asset's USD price agrees across chains and
with the catalog's reference table, within 0.01%.

Uniswap V4 pools are no contracts: each is named by the leading 20 bytes of its id inside the
PoolManager, and reports through the DEX's StateView (`lens`); one of them holds the chain's
native coin (currency 0, address 0, named by the native symbol). Balancer pools are contracts
whose balances the Vault holds (the DEX's factory and router): the manifest lists one entry per
pair of a pool's tokens, with the pool's id in the Vault.
"""

from __future__ import annotations

import itertools
from collections import Counter
from fractions import Fraction

import pytest
from _helpers import ALL_CHAINS, automine, call_many, same

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import DexKind, chain_by_name
from omniarb.devnet.accounts import BOT_INDEX, DEPLOYER_INDEX, TRADER_INDICES, dev_account
from omniarb.devnet.catalog import REFERENCE_PRICES_USD, catalog_for
from omniarb.devnet.kinds.uniswap_v4 import TICK_SPACING
from omniarb.dex.uniswap_v4 import PoolKey, pool_address
from omniarb.network import ChainManifest, PoolEntry

pytestmark = pytest.mark.integration

TOLERANCE = Fraction(1, 10_000)  # 0.01%
V2 = DexKind.UNISWAP_V2.value
V3 = DexKind.UNISWAP_V3.value
PANCAKE_V3 = DexKind.PANCAKESWAP_V3.value
# Kinds whose pools have v3-core's getters: a fee tier, a tick spacing, `slot0`.
V3_FAMILY = {V3, PANCAKE_V3}
ALGEBRA = DexKind.ALGEBRA_INTEGRAL.value
# AlgebraPool.globalState: price, tick, lastFee, pluginConfig, communityFee, unlocked.
ALGEBRA_GLOBAL_STATE = ["uint160", "int24", "uint16", "uint8", "uint16", "bool"]
V4 = DexKind.UNISWAP_V4.value
BALANCER = {DexKind.BALANCER_WEIGHTED.value, DexKind.BALANCER_STABLE.value}
# slot0's feeProtocol is a uint8 in v3-core and a uint32 in PancakeSwap V3: read as a word.
SLOT0_OUT = ["uint160", "int24", "uint16", "uint16", "uint16", "uint256", "bool"]
V4_SLOT0 = "getSlot0(bytes32)"


def _v4_key(pool: PoolEntry) -> PoolKey:
    assert pool.tick_spacing is not None
    return PoolKey.of(pool.token0, pool.token1, fee=pool.fee, tick_spacing=pool.tick_spacing)


def _decimals(chain: ChainManifest, symbol: str) -> int:
    """A token's decimals; the native coin (a V4 pool's currency 0) has 18."""
    if symbol == chain_by_name(chain.name).native_symbol:
        return 18
    return chain.token(symbol).decimals


def _spread(values: list[Fraction]) -> Fraction:
    """Relative distance between the largest and smallest value."""
    return max(values) / min(values) - 1


def _addresses(chain: ChainManifest) -> dict[str, str]:
    """Every contract the manifest names on `chain`, labelled for failure messages."""
    named = {f"token {t.symbol}": t.address for t in chain.tokens}
    for dex in chain.dexes:
        named[f"{dex.name} factory"] = dex.factory
        named[f"{dex.name} router"] = dex.router
        if dex.quoter is not None:
            named[f"{dex.name} quoter"] = dex.quoter
        if dex.position_manager is not None:
            named[f"{dex.name} position manager"] = dex.position_manager
        if dex.pool_deployer is not None:
            named[f"{dex.name} pool deployer"] = dex.pool_deployer
        if dex.lens is not None:
            named[f"{dex.name} lens"] = dex.lens
        if dex.pool_factory is not None:
            named[f"{dex.name} pool factory"] = dex.pool_factory
    for pool in chain.pools:
        if pool.kind != V4:  # a V4 pool lives in its PoolManager: no contract of its own
            named[f"{pool.dex} pool {pool.symbol0}/{pool.symbol1} {pool.fee}"] = pool.address
    return named


async def test_nodes_run_the_manifest_chain_ids_and_accounts(devnet_factory) -> None:
    async with devnet_factory(automine()) as net:
        assert [c.name for c in net.manifest.chains] == list(ALL_CHAINS)
        for chain in net.manifest.chains:
            bot, spare = dev_account(BOT_INDEX).address, dev_account(BOT_INDEX + 1).address
            async with RpcClient(chain.rpc_http) as rpc:
                node_chain_id = int(await rpc.call("eth_chainId"), 16)
                answers = await rpc.batch(
                    [
                        ("eth_getBalance", [bot, "latest"]),
                        ("eth_getBalance", [spare, "latest"]),
                        ("eth_getTransactionCount", [bot, "latest"]),
                        ("eth_getTransactionCount", [chain.traders[0], "latest"]),
                    ]
                )
            bot_balance, spare_balance, bot_nonce, trader_nonce = (int(a, 16) for a in answers)
            assert node_chain_id == chain.chain_id == chain_by_name(chain.name).chain_id
            assert chain.deployer == dev_account(DEPLOYER_INDEX).address
            assert chain.traders == tuple(dev_account(i).address for i in TRADER_INDICES)
            # The deployment used the traders and left the bot's account as anvil made it.
            assert trader_nonce > 0, chain.name
            assert bot_nonce == 0, chain.name
            assert bot_balance == spare_balance > 0, chain.name


async def test_code_exists_at_every_manifest_address(devnet_factory) -> None:
    async with devnet_factory(automine()) as net:
        for chain in net.manifest.chains:
            named = _addresses(chain)
            # Everything planned: tokens, pools, each V2 DEX's factory and router, the V3
            # factory with its three periphery contracts, PancakeSwap V3's factory, pool
            # deployer and devnet router (named again as its quoter), Algebra Integral's
            # factory, pool deployer, SwapRouter, QuoterV2 and position manager, and Uniswap
            # V4's PoolManager, test routers, V4Quoter and StateView (its pools are no contracts),
            # and each Balancer DEX's Vault (as factory and router), pool factory and
            # BalancerQueries.
            spec = chain_by_name(chain.name)
            catalog = catalog_for(spec)
            # (Deployments of kinds not traded yet, such as Velodrome, are not deployed.)
            per_kind = {
                DexKind.UNISWAP_V2: 2,
                DexKind.UNISWAP_V3: 4,
                DexKind.PANCAKESWAP_V3: 4,
                DexKind.ALGEBRA_INTEGRAL: 5,
                DexKind.UNISWAP_V4: 5,
                DexKind.BALANCER_WEIGHTED: 4,
                DexKind.BALANCER_STABLE: 4,
            }
            contracts = sum(per_kind.get(dex.kind, 0) for dex in spec.dexes)
            # A pool of more tokens is one entry per pair of them.
            pool_entries = sum(
                len(list(itertools.combinations(p.symbols, 2)))
                for p in catalog.pools
                if p.kind != V4
            )
            planned = len(catalog.tokens) + pool_entries
            assert len(named) == planned + contracts, chain.name
            # One contract named more than once: PancakeSwap V3's devnet router as its quoter,
            # Balancer's Vault as both DEXes' factory and router, a Balancer pool per pair.
            counts = Counter(address.lower() for address in named.values())
            shared = {d.router.lower() for d in chain.dexes if d.quoter == d.router}
            shared |= {d.factory.lower() for d in chain.dexes if d.kind in BALANCER}
            shared |= {p.address.lower() for p in chain.pools if p.kind in BALANCER}
            twice = {address for address, count in counts.items() if count > 1}
            assert twice <= shared, f"{chain.name}: an address is listed twice"
            async with RpcClient(chain.rpc_http) as rpc:
                codes = await rpc.batch(
                    [("eth_getCode", [address, "latest"]) for address in named.values()]
                )
            empty = [label for label, code in zip(named, codes, strict=True) if code in ("0x", "")]
            assert not empty, f"{chain.name}: no code at {empty}"


async def test_tokens_report_the_manifest_metadata(devnet_factory) -> None:
    async with devnet_factory(automine()) as net:
        for chain in net.manifest.chains:
            wrapped = [t for t in chain.tokens if t.wrapped_native]
            assert [t.symbol for t in wrapped] == [chain_by_name(chain.name).wrapped_native_symbol]
            calls = [
                (token.address, encode_call(signature))
                for token in chain.tokens
                for signature in ("symbol()", "name()", "decimals()")
            ]
            async with RpcClient(chain.rpc_http) as rpc:
                answers = iter(await call_many(rpc, calls))
            for token in chain.tokens:
                (symbol,) = decode(["string"], next(answers))
                (name,) = decode(["string"], next(answers))
                (decimals,) = decode(["uint8"], next(answers))
                assert (symbol, name, decimals) == (token.symbol, token.name, token.decimals), (
                    f"{chain.name} {token.address}"
                )


async def test_pools_report_the_manifest_tokens_fee_and_factory(devnet_factory) -> None:
    async with devnet_factory(automine()) as net:
        for chain in net.manifest.chains:
            dexes = {dex.name: dex for dex in chain.dexes}
            calls: list[tuple[str, str]] = []
            for pool in chain.pools:
                if pool.kind == V4:
                    lens = dexes[pool.dex].lens
                    assert lens is not None
                    pool_id = bytes.fromhex(_v4_key(pool).pool_id[2:])
                    calls.append((lens, encode_call(V4_SLOT0, pool_id)))
                    continue
                if pool.kind in BALANCER:
                    assert pool.pool_id is not None
                    pool_id = bytes.fromhex(pool.pool_id[2:])
                    calls += [
                        (pool.address, encode_call("getPoolId()")),
                        (pool.address, encode_call("getVault()")),
                        (pool.address, encode_call("getSwapFeePercentage()")),
                        (dexes[pool.dex].factory, encode_call("getPoolTokens(bytes32)", pool_id)),
                    ]
                    continue
                signatures = ["token0()", "token1()", "factory()"]
                if pool.kind in V3_FAMILY:
                    signatures += ["fee()", "tickSpacing()"]
                elif pool.kind == ALGEBRA:
                    signatures += ["globalState()", "tickSpacing()"]
                calls += [(pool.address, encode_call(s)) for s in signatures]
            async with RpcClient(chain.rpc_http) as rpc:
                answers = iter(await call_many(rpc, calls))
            kinds = set()
            natives = 0
            for pool in chain.pools:
                where = f"{chain.name} {pool.dex} {pool.symbol0}/{pool.symbol1} {pool.fee}"
                dex = dexes[pool.dex]
                kinds.add(pool.kind)
                assert pool.kind == dex.kind, where
                if pool.kind == V4:
                    # The hookless key of the manifest's tokens, fee and spacing names the
                    # pool, and its PoolManager has it initialized.
                    key = _v4_key(pool)
                    assert pool.address == pool_address(key.pool_id), where
                    assert decode(["uint160"], next(answers))[0] > 0, where
                    assert pool.tick_spacing == TICK_SPACING[pool.fee], where
                    if key.has_native:
                        natives += 1
                        assert pool.symbol0 == chain_by_name(chain.name).native_symbol, where
                    else:
                        assert chain.token(pool.symbol0).address == pool.token0, where
                    assert chain.token(pool.symbol1).address == pool.token1, where
                    continue
                if pool.kind in BALANCER:
                    # The pool's id and Vault are the manifest's, the Vault holds both tokens
                    # of the pair for it, and its swap fee is the manifest's (pips of 1e18).
                    (pool_id,) = decode(["bytes32"], next(answers))
                    (vault,) = decode(["address"], next(answers))
                    (fee,) = decode(["uint256"], next(answers))
                    tokens, balances, _ = decode(
                        ["address[]", "uint256[]", "uint256"], next(answers)
                    )
                    held = {t.lower(): b for t, b in zip(tokens, balances, strict=True)}
                    assert "0x" + pool_id.hex() == pool.pool_id, where
                    assert pool_id[:20].hex() == pool.address[2:].lower(), where
                    assert same(vault, dex.factory), where
                    assert dex.router == dex.factory, where
                    assert fee == pool.fee * 10**12, where
                    assert held[pool.token0.lower()] > 0, where
                    assert held[pool.token1.lower()] > 0, where
                    assert int(pool.token0, 16) < int(pool.token1, 16), where
                    assert chain.token(pool.symbol0).address == pool.token0, where
                    assert chain.token(pool.symbol1).address == pool.token1, where
                    continue
                token0, token1, factory = (decode(["address"], next(answers))[0] for _ in "012")
                assert same(token0, pool.token0), where
                assert same(token1, pool.token1), where
                assert same(factory, dex.factory), where
                assert int(pool.token0, 16) < int(pool.token1, 16), where
                assert chain.token(pool.symbol0).address == pool.token0, where
                assert chain.token(pool.symbol1).address == pool.token1, where
                if pool.kind in V3_FAMILY:
                    (fee,) = decode(["uint24"], next(answers))
                    (tick_spacing,) = decode(["int24"], next(answers))
                    assert (fee, tick_spacing) == (pool.fee, pool.tick_spacing), where
                elif pool.kind == ALGEBRA:
                    # One pool per pair, at the factory's default fee in globalState.lastFee.
                    fee = decode(ALGEBRA_GLOBAL_STATE, next(answers))[2]
                    (tick_spacing,) = decode(["int24"], next(answers))
                    assert (fee, tick_spacing) == (pool.fee, pool.tick_spacing), where
                else:
                    # 0.3%, but for the 25 bps fork (test_contracts_v2 proves the fees).
                    v2_fee = 2500 if pool.dex == "pancakeswap-v2" else 3000
                    assert (pool.fee, pool.tick_spacing) == (v2_fee, None), where
                    assert pool.fee == dex.fee_pips, where
            others = {d.kind for d in chain_by_name(chain.name).dexes} & {
                PANCAKE_V3,
                ALGEBRA,
                *BALANCER,
            }
            assert kinds == {V2, V3, V4, *others}, chain.name
            assert natives == 1, chain.name


async def _pool_prices(rpc: RpcClient, chain: ChainManifest) -> list[tuple[PoolEntry, Fraction]]:
    """Each pool's price of one whole token0 in whole token1, read from the pool's state (a V4
    pool's through its DEX's StateView, an Algebra pool's from its `globalState`)."""
    calls = []
    for pool in chain.pools:
        if pool.kind in BALANCER:
            assert pool.pool_id is not None
            pool_id = bytes.fromhex(pool.pool_id[2:])
            calls.append(
                (chain.dex(pool.dex).factory, encode_call("getPoolTokens(bytes32)", pool_id))
            )
        elif pool.kind == V4:
            pool_id = bytes.fromhex(_v4_key(pool).pool_id[2:])
            lens = chain.dex(pool.dex).lens
            assert lens is not None
            calls.append((lens, encode_call(V4_SLOT0, pool_id)))
        else:
            getter = {V2: "getReserves()", ALGEBRA: "globalState()"}.get(pool.kind, "slot0()")
            calls.append((pool.address, encode_call(getter)))
    answers = await call_many(rpc, calls)
    prices = []
    for pool, answer in zip(chain.pools, answers, strict=True):
        scale = Fraction(10 ** _decimals(chain, pool.symbol0), 10 ** _decimals(chain, pool.symbol1))
        if pool.kind == V2:
            reserve0, reserve1, _ = decode(["uint112", "uint112", "uint32"], answer)
            raw = Fraction(reserve1, reserve0)
        elif pool.kind == ALGEBRA:
            sqrt_price_x96 = decode(ALGEBRA_GLOBAL_STATE, answer)[0]
            raw = Fraction(sqrt_price_x96**2, 2**192)
        elif pool.kind == V4:
            raw = Fraction(decode(["uint160"], answer)[0] ** 2, 2**192)
        elif pool.kind in BALANCER:
            raw = _balancer_price(chain, pool, answer)
        else:
            sqrt_price_x96 = decode(SLOT0_OUT, answer)[0]
            raw = Fraction(sqrt_price_x96**2, 2**192)
        prices.append((pool, raw * scale))
    return prices


def _balancer_price(chain: ChainManifest, pool: PoolEntry, answer: str) -> Fraction:
    """A Balancer pair's spot price in raw units, from its balances in the Vault: the planned
    weights' (b1 / w1) / (b0 / w0) for a weighted pool, 1 for a stable pool's pair of equal
    upscaled balances (a StableSwap curve's price where its balances are equal)."""
    tokens, balances, _ = decode(["address[]", "uint256[]", "uint256"], answer)
    held = {t.lower(): b for t, b in zip(tokens, balances, strict=True)}
    balance0, balance1 = held[pool.token0.lower()], held[pool.token1.lower()]
    scale0 = 10 ** (18 - _decimals(chain, pool.symbol0))
    scale1 = 10 ** (18 - _decimals(chain, pool.symbol1))
    if pool.kind == DexKind.BALANCER_STABLE.value:
        # Seeded with equal dollar amounts: equal once upscaled to 18 decimals.
        assert abs(Fraction(balance0 * scale0, balance1 * scale1) - 1) <= TOLERANCE
        return Fraction(scale0, scale1)
    catalog = catalog_for(chain_by_name(chain.name))
    (planned,) = [
        p
        for p in catalog.pools
        if p.dex == pool.dex and {pool.symbol0, pool.symbol1} <= set(p.symbols)
    ]
    weights = dict(zip(planned.symbols, planned.weights_pct, strict=True))
    return Fraction(balance1 * weights[pool.symbol0], balance0 * weights[pool.symbol1])


def _usd_prices(
    chain: ChainManifest, prices: list[tuple[PoolEntry, Fraction]]
) -> dict[str, Fraction]:
    """Every token's USD price on `chain`, walking the pool graph out from USDC at $1."""
    usd = {"USDC": Fraction(1)}
    grew = True
    while grew:
        grew = False
        for pool, price in prices:
            if pool.symbol1 in usd and pool.symbol0 not in usd:
                usd[pool.symbol0] = price * usd[pool.symbol1]
                grew = True
            elif pool.symbol0 in usd and pool.symbol1 not in usd:
                usd[pool.symbol1] = usd[pool.symbol0] / price
                grew = True
    native = chain_by_name(chain.name).native_symbol
    assert set(usd) == {native, *(t.symbol for t in chain.tokens)}, f"{chain.name}: unpriced"
    return usd


async def test_initial_prices_agree_across_dexes_and_chains(devnet_factory) -> None:
    by_asset: dict[str, dict[str, Fraction]] = {}
    async with devnet_factory(automine()) as net:
        for chain in net.manifest.chains:
            async with RpcClient(chain.rpc_http) as rpc:
                prices = await _pool_prices(rpc, chain)
            by_pair: dict[tuple[str, str], list[Fraction]] = {}
            for pool, price in prices:
                by_pair.setdefault((pool.symbol0, pool.symbol1), []).append(price)
            for pair, quotes in by_pair.items():
                assert _spread(quotes) <= TOLERANCE, f"{chain.name} {pair}: {quotes}"
            native = next(t.symbol for t in chain.tokens if t.wrapped_native)
            native_usdc = [q for pair, q in by_pair.items() if set(pair) == {native, "USDC"}]
            # Two V2 DEXes, two V3 fee tiers, Uniswap V4 and Balancer's weighted pools quote
            # wrapped native in USDC, and PancakeSwap V3 and Algebra Integral where they are
            # deployed (V4 quotes the native coin itself too).
            others = sum(
                d.kind in (PANCAKE_V3, ALGEBRA, DexKind.BALANCER_WEIGHTED.value)
                for d in chain.dexes
            )
            assert [len(q) for q in native_usdc] == [5 + others], chain.name
            coin = chain_by_name(chain.name).native_symbol
            for symbol, price_usd in _usd_prices(chain, prices).items():
                # The native coin is its wrapped token's asset.
                asset = chain.token(native if symbol == coin else symbol).asset
                by_asset.setdefault(asset, {})[chain.name] = price_usd
    on_every_chain = {asset for asset, chains in by_asset.items() if len(chains) == 5}
    assert {"ETH", "BTC", "USDT", "DAI"} <= on_every_chain
    del by_asset["USDC"]  # the numeraire: $1 on every chain by definition
    for asset, per_chain in by_asset.items():
        reference = REFERENCE_PRICES_USD[asset]
        assert _spread([*per_chain.values(), reference]) <= TOLERANCE, f"{asset}: {per_chain}"
