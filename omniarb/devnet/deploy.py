"""Deploy one chain's tokens, DEXes, pools and flash lenders from the real bytecode onto a fresh
anvil (the lenders, Balancer V2 and Aave V3, in `lending.py`).

Each V2 DEX runs one of three builds (`V2_BUILDS`): `sushiswap` SushiSwap's V2 and
`pancakeswap-v2` a 25 bps fork of Uniswap V2, both compiled at set-up from their published
sources (`omniarb.contracts.v2_forks`); every other V2 DEX Uniswap's own v2-core/v2-periphery
artifacts. The manifest records each DEX's fee and the hash of its pair's creation code.

Transactions go out from anvil's unlocked dev accounts (`eth_sendTransaction`) with fixed gas
limits and automine, in nonce order, so no estimate runs against a state that is not mined yet;
every receipt is checked once at the end. The result is a `ChainManifest` without endpoints.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from eth_utils.address import to_checksum_address

from omniarb.chains.abi import decode, encode_args, encode_call
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import ChainSpec, DexKind
from omniarb.contracts import Artifact, load_artifact, load_npm_artifact
from omniarb.contracts.v2_forks import BPS25, SUSHISWAP, V2Fork, fork_artifact
from omniarb.devnet.accounts import DEPLOYER_INDEX, TRADER_INDICES, dev_account
from omniarb.devnet.catalog import REFERENCE_PRICES_USD, ChainCatalog, TokenDef, catalog_for
from omniarb.devnet.lending import deploy_lenders
from omniarb.devnet.pricing import (
    TICK_SPACING,
    amount_for_usd,
    position_ranges,
    raw_price,
    sqrt_price_x96,
)
from omniarb.errors import DevnetError
from omniarb.network import ChainManifest, DexEntry, PoolEntry, TokenEntry

__all__ = ["ARTIFACT_PATHS", "V2_BUILDS", "V2Build", "deploy_chain", "v2_build"]

log = logging.getLogger(__name__)

ARTIFACT_PATHS = {
    "WETH9": "@uniswap/v2-periphery/build/WETH9.json",
    "UniswapV2Factory": "@uniswap/v2-core/build/UniswapV2Factory.json",
    "UniswapV2Router02": "@uniswap/v2-periphery/build/UniswapV2Router02.json",
    "UniswapV3Factory": "@uniswap/v3-core/artifacts/contracts/"
    "UniswapV3Factory.sol/UniswapV3Factory.json",
    "NonfungiblePositionManager": "@uniswap/v3-periphery/artifacts/contracts/"
    "NonfungiblePositionManager.sol/NonfungiblePositionManager.json",
    "SwapRouter": "@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json",
    "QuoterV2": "@uniswap/v3-periphery/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json",
    # Not deployed directly (the factories create them); their creation code's hash is what
    # the manifest records as each DEX's init code hash.
    "UniswapV2Pair": "@uniswap/v2-core/build/UniswapV2Pair.json",
    "UniswapV3Pool": "@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json",
}
# The fee v2-core's UniswapV2Pair applies (997/1000), in pips.
_V2_FEE_PIPS = 3000


@dataclass(frozen=True, slots=True, kw_only=True)
class V2Build:
    """The bytecode one V2 DEX is deployed from: factory, router, the pair its factory creates
    (whose creation code's hash is the DEX's init code hash), and the fee that pair charges."""

    factory: Artifact
    router: Artifact
    pair: Artifact
    fee_pips: int

    @property
    def init_code_hash(self) -> str:
        return self.pair.creation_code_hash


def _fork_build(fork: V2Fork) -> V2Build:
    return V2Build(
        factory=fork_artifact(fork.factory),
        router=fork_artifact(fork.router),
        pair=fork_artifact(fork.pair),
        fee_pips=fork.fee_pips,
    )


def _uniswap_build() -> V2Build:
    return V2Build(
        factory=load_npm_artifact(ARTIFACT_PATHS["UniswapV2Factory"]),
        router=load_npm_artifact(ARTIFACT_PATHS["UniswapV2Router02"]),
        pair=load_npm_artifact(ARTIFACT_PATHS["UniswapV2Pair"]),
        fee_pips=_V2_FEE_PIPS,
    )


# The V2 DEXes that run a fork, by name; every other V2 DEX runs Uniswap's bytecode.
V2_BUILDS = {"sushiswap": SUSHISWAP, "pancakeswap-v2": BPS25}


def v2_build(dex_name: str) -> V2Build:
    """What the devnet deploys for the V2 DEX named `dex_name`."""
    fork = V2_BUILDS.get(dex_name)
    return _fork_build(fork) if fork is not None else _uniswap_build()


_DEADLINE = 2**32 - 1
_MAX_UINT = 2**256 - 1
_DEPLOY_GAS = 12_000_000
_CALL_GAS = 1_000_000
_POOL_CREATE_GAS = 6_000_000
# A devnet transaction is mined within a block time or two; this only bounds a stuck node.
_RECEIPT_TIMEOUT_S = 30.0
# Each trader starts with this much of every token, enough for long runs of heavy-tailed flow.
_TRADER_FUNDS_USD = 25_000_000


@dataclass(slots=True)
class _Sender:
    """Sends transactions from one unlocked account and remembers their hashes for checking."""

    rpc: RpcClient
    address: str
    sent: list[tuple[str, str]] = field(default_factory=list)

    async def send(
        self, label: str, to: str | None, data: str, *, value: int = 0, gas: int = _CALL_GAS
    ) -> str:
        tx: dict[str, Any] = {"from": self.address, "data": data, "gas": hex(gas)}
        if to is not None:
            tx["to"] = to
        if value:
            tx["value"] = hex(value)
        tx_hash: str = await self.rpc.call("eth_sendTransaction", tx)
        self.sent.append((label, tx_hash))
        return tx_hash

    async def deploy(
        self, label: str, artifact: Artifact, types: Sequence[str] = (), args: Sequence[Any] = ()
    ) -> str:
        data = artifact.bytecode + encode_args(types, args).hex()
        tx_hash = await self.send(label, None, data, gas=_DEPLOY_GAS)
        receipt = await _receipt(self.rpc, tx_hash)
        if int(receipt["status"], 16) != 1 or not receipt.get("contractAddress"):
            raise DevnetError(f"deploying {label} failed (tx {tx_hash})")
        address: str = receipt["contractAddress"]
        return _checksum(address)


def _checksum(address: str) -> str:
    return str(to_checksum_address(address))


async def _receipt(rpc: RpcClient, tx_hash: str) -> dict[str, Any]:
    receipt = await wait_for_receipt(rpc, tx_hash, timeout_s=_RECEIPT_TIMEOUT_S)
    if receipt is None:
        raise DevnetError(f"transaction {tx_hash} was not mined")
    return receipt


async def _check_all(rpc: RpcClient, sent: list[tuple[str, str]]) -> None:
    """Every transaction mined with status 1; a failure names what it was for."""
    if not sent:
        return
    await _receipt(rpc, sent[-1][1])
    for start in range(0, len(sent), 200):
        chunk = sent[start : start + 200]
        receipts = await rpc.batch([("eth_getTransactionReceipt", [h]) for _, h in chunk])
        for (label, tx_hash), receipt in zip(chunk, receipts, strict=True):
            if receipt is None:
                raise DevnetError(f"{label}: transaction {tx_hash} was not mined")
            if int(receipt["status"], 16) != 1:
                raise DevnetError(f"{label}: transaction {tx_hash} reverted")


def _short_string_slot(text: str) -> str:
    """Solidity's in-place storage of a string under 32 bytes: data, then length × 2."""
    raw = text.encode()
    if len(raw) > 31:
        raise ValueError(f"{text!r} is too long to store in one slot")
    return "0x" + (raw.ljust(31, b"\0") + bytes([len(raw) * 2])).hex()


async def _deploy_tokens(
    rpc: RpcClient, deployer: _Sender, catalog: ChainCatalog
) -> dict[str, str]:
    weth9 = load_npm_artifact(ARTIFACT_PATHS["WETH9"])
    dev_token = load_artifact("DevToken")
    addresses: dict[str, str] = {}
    for token in catalog.tokens:
        if token.wrapped_native:
            address = await deployer.deploy(token.symbol, weth9)
            if token.symbol != "WETH":
                # WBNB and WPOL are WETH9's bytecode with their own name and symbol: WETH9 keeps
                # `name` in slot 0 and `symbol` in slot 1.
                await rpc.call("anvil_setStorageAt", address, "0x0", _short_string_slot(token.name))
                await rpc.call(
                    "anvil_setStorageAt", address, "0x1", _short_string_slot(token.symbol)
                )
        else:
            address = await deployer.deploy(
                token.symbol,
                dev_token,
                ["string", "string", "uint8"],
                [token.name, token.symbol, token.decimals],
            )
        addresses[token.symbol] = address
    return addresses


async def _fund(
    sender: _Sender, deployer: _Sender, token: TokenDef, address: str, amount: int
) -> None:
    """Give `sender` `amount` of `token`: wrap native, or have the deployer mint."""
    if token.wrapped_native:
        await sender.send(f"wrap {token.symbol}", address, encode_call("deposit()"), value=amount)
    else:
        await deployer.send(
            f"mint {token.symbol}",
            address,
            encode_call("mint(address,uint256)", sender.address, amount),
        )


async def deploy_chain(chain: ChainSpec, rpc: RpcClient) -> ChainManifest:
    """Deploy everything for `chain` on the anvil behind `rpc` (automine); return the manifest."""
    catalog = catalog_for(chain)
    deployer = _Sender(rpc, dev_account(DEPLOYER_INDEX).address)
    tokens = await _deploy_tokens(rpc, deployer, catalog)
    wrapped = next(t for t in catalog.tokens if t.wrapped_native)
    weth = tokens[wrapped.symbol]

    dexes: list[DexEntry] = []
    # Kinds the bot does not trade yet (PancakeSwap V3, Velodrome) are not deployed.
    for dex in chain.dexes:
        if dex.kind is DexKind.UNISWAP_V2:
            build = v2_build(dex.name)
            factory = await deployer.deploy(
                f"{dex.name} factory", build.factory, ["address"], [deployer.address]
            )
            router = await deployer.deploy(
                f"{dex.name} router", build.router, ["address", "address"], [factory, weth]
            )
            dexes.append(
                DexEntry(
                    name=dex.name,
                    kind=dex.kind.value,
                    factory=factory,
                    router=router,
                    fee_pips=build.fee_pips,
                    init_code_hash=build.init_code_hash,
                )
            )
        elif dex.kind is DexKind.UNISWAP_V3:
            factory = await deployer.deploy(
                f"{dex.name} factory", load_npm_artifact(ARTIFACT_PATHS["UniswapV3Factory"])
            )
            periphery = {}
            for name, types, args in (
                ("NonfungiblePositionManager", ["address"] * 3, [factory, weth, "0x" + "00" * 20]),
                ("SwapRouter", ["address"] * 2, [factory, weth]),
                ("QuoterV2", ["address"] * 2, [factory, weth]),
            ):
                periphery[name] = await deployer.deploy(
                    f"{dex.name} {name}", load_npm_artifact(ARTIFACT_PATHS[name]), types, args
                )
            dexes.append(
                DexEntry(
                    name=dex.name,
                    kind=dex.kind.value,
                    factory=factory,
                    router=periphery["SwapRouter"],
                    quoter=periphery["QuoterV2"],
                    position_manager=periphery["NonfungiblePositionManager"],
                    init_code_hash=load_npm_artifact(
                        ARTIFACT_PATHS["UniswapV3Pool"]
                    ).creation_code_hash,
                )
            )

    spenders = [d.router for d in dexes] + [d.position_manager for d in dexes if d.position_manager]
    pools = await _create_pools(rpc, deployer, catalog, tokens, dexes, spenders)
    traders = await _fund_traders(rpc, deployer, catalog, tokens, dexes)
    token_entries = tuple(
        TokenEntry(
            symbol=t.symbol,
            address=tokens[t.symbol],
            decimals=t.decimals,
            name=t.name,
            asset=t.asset,
            wrapped_native=t.wrapped_native,
        )
        for t in catalog.tokens
    )
    lenders = await deploy_lenders(chain, rpc, deployer, token_entries)
    await _check_all(rpc, deployer.sent)
    return ChainManifest(
        chain_id=chain.chain_id,
        name=chain.name,
        rpc_http="",
        rpc_ws="",
        tokens=token_entries,
        dexes=tuple(dexes),
        pools=tuple(pools),
        deployer=deployer.address,
        traders=tuple(traders),
        lenders=lenders,
    )


def _pool_budget(
    catalog: ChainCatalog,
    token_a: str,
    token_b: str,
    depth_usd: int,
) -> tuple[int, int]:
    ta, tb = catalog.token(token_a), catalog.token(token_b)
    half = Fraction(depth_usd, 2)
    return (
        amount_for_usd(half, REFERENCE_PRICES_USD[ta.asset], ta.decimals),
        amount_for_usd(half, REFERENCE_PRICES_USD[tb.asset], tb.decimals),
    )


async def _create_pools(
    rpc: RpcClient,
    deployer: _Sender,
    catalog: ChainCatalog,
    tokens: dict[str, str],
    dexes: list[DexEntry],
    spenders: list[str],
) -> list[PoolEntry]:
    # Fund the deployer with everything the pools need (plus slack), approve every spender once.
    need: dict[str, int] = dict.fromkeys(tokens, 0)
    for v2 in catalog.v2_pools:
        a, b = _pool_budget(catalog, v2.token_a, v2.token_b, v2.depth_usd)
        need[v2.token_a] += a
        need[v2.token_b] += b
    for v3 in catalog.v3_pools:
        a, b = _pool_budget(catalog, v3.token_a, v3.token_b, v3.depth_usd)
        need[v3.token_a] += a
        need[v3.token_b] += b
    for token in catalog.tokens:
        await _fund(deployer, deployer, token, tokens[token.symbol], need[token.symbol] * 2)
        for spender in spenders:
            await deployer.send(
                f"approve {token.symbol}",
                tokens[token.symbol],
                encode_call("approve(address,uint256)", spender, _MAX_UINT),
            )

    v2_by_name = {d.name: d for d in dexes if d.kind == DexKind.UNISWAP_V2.value}
    for v2 in catalog.v2_pools:
        a, b = _pool_budget(catalog, v2.token_a, v2.token_b, v2.depth_usd)
        await deployer.send(
            f"{v2.dex} {v2.token_a}/{v2.token_b} liquidity",
            v2_by_name[v2.dex].router,
            encode_call(
                "addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)",
                tokens[v2.token_a],
                tokens[v2.token_b],
                a,
                b,
                0,
                0,
                deployer.address,
                _DEADLINE,
            ),
            gas=_POOL_CREATE_GAS,
        )

    v3_dex = next(d for d in dexes if d.kind == DexKind.UNISWAP_V3.value)
    manager = v3_dex.position_manager
    if manager is None:
        raise DevnetError(f"{v3_dex.name} has no position manager")
    for pool in catalog.v3_pools:
        ta, tb = catalog.token(pool.token_a), catalog.token(pool.token_b)
        if int(tokens[ta.symbol], 16) > int(tokens[tb.symbol], 16):
            ta, tb = tb, ta
        price = raw_price(
            REFERENCE_PRICES_USD[ta.asset], ta.decimals, REFERENCE_PRICES_USD[tb.asset], tb.decimals
        )
        label = f"{v3_dex.name} {ta.symbol}/{tb.symbol} {pool.fee}"
        await deployer.send(
            f"{label} create",
            manager,
            encode_call(
                "createAndInitializePoolIfNecessary(address,address,uint24,uint160)",
                tokens[ta.symbol],
                tokens[tb.symbol],
                pool.fee,
                sqrt_price_x96(price),
            ),
            gas=_POOL_CREATE_GAS,
        )
        amount0, amount1 = _pool_budget(catalog, ta.symbol, tb.symbol, pool.depth_usd)
        for lower, upper, share in position_ranges(price, pool.fee):
            await deployer.send(
                f"{label} mint [{lower},{upper}]",
                manager,
                encode_call(
                    "mint((address,address,uint24,int24,int24,uint256,uint256,uint256,uint256,"
                    "address,uint256))",
                    (
                        tokens[ta.symbol],
                        tokens[tb.symbol],
                        pool.fee,
                        lower,
                        upper,
                        int(amount0 * share),
                        int(amount1 * share),
                        0,
                        0,
                        deployer.address,
                        _DEADLINE,
                    ),
                ),
            )
    await _receipt(rpc, deployer.sent[-1][1])
    return await _read_pools(rpc, catalog, tokens, dexes)


async def _read_pools(
    rpc: RpcClient, catalog: ChainCatalog, tokens: dict[str, str], dexes: list[DexEntry]
) -> list[PoolEntry]:
    """Ask each factory where its pools are: the manifest reports what the chain says."""
    requests = []
    entries: list[tuple[str, str, str, str, int]] = []
    for v2 in catalog.v2_pools:
        dex = next(d for d in dexes if d.name == v2.dex)
        call = encode_call("getPair(address,address)", tokens[v2.token_a], tokens[v2.token_b])
        requests.append(("eth_call", [{"to": dex.factory, "data": call}, "latest"]))
        if dex.fee_pips is None:
            raise DevnetError(f"{dex.name} has no fee")
        entries.append((dex.name, DexKind.UNISWAP_V2.value, v2.token_a, v2.token_b, dex.fee_pips))
    v3 = next(d for d in dexes if d.kind == DexKind.UNISWAP_V3.value)
    for pool in catalog.v3_pools:
        call = encode_call(
            "getPool(address,address,uint24)", tokens[pool.token_a], tokens[pool.token_b], pool.fee
        )
        requests.append(("eth_call", [{"to": v3.factory, "data": call}, "latest"]))
        entries.append((v3.name, DexKind.UNISWAP_V3.value, pool.token_a, pool.token_b, pool.fee))
    answers = await rpc.batch(requests)
    pools = []
    for (dex_name, kind, sym_a, sym_b, fee), answer in zip(entries, answers, strict=True):
        (address,) = decode(["address"], answer)
        if int(address, 16) == 0:
            raise DevnetError(f"{dex_name} has no pool for {sym_a}/{sym_b} fee {fee}")
        if int(tokens[sym_a], 16) > int(tokens[sym_b], 16):
            sym_a, sym_b = sym_b, sym_a
        pools.append(
            PoolEntry(
                address=_checksum(address),
                dex=dex_name,
                kind=kind,
                token0=tokens[sym_a],
                token1=tokens[sym_b],
                fee=fee,
                symbol0=sym_a,
                symbol1=sym_b,
                tick_spacing=TICK_SPACING[fee] if kind == DexKind.UNISWAP_V3.value else None,
            )
        )
    return pools


async def _fund_traders(
    rpc: RpcClient,
    deployer: _Sender,
    catalog: ChainCatalog,
    tokens: dict[str, str],
    dexes: list[DexEntry],
) -> list[str]:
    """Give each trader account every token and approve the swap routers to spend them."""
    routers = [d.router for d in dexes]
    addresses = []
    for index in TRADER_INDICES:
        trader = _Sender(rpc, dev_account(index).address, deployer.sent)
        for token in catalog.tokens:
            amount = amount_for_usd(
                _TRADER_FUNDS_USD, REFERENCE_PRICES_USD[token.asset], token.decimals
            )
            await _fund(trader, deployer, token, tokens[token.symbol], amount)
            for router in routers:
                await trader.send(
                    f"trader {index} approve {token.symbol}",
                    tokens[token.symbol],
                    encode_call("approve(address,uint256)", router, _MAX_UINT),
                )
        addresses.append(trader.address)
    return addresses
