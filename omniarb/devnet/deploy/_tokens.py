"""The chain's tokens: WETH9 for the wrapped native coin and our DevToken for the rest, then
handed out: to the deployer for the pools, to each trader with the routers approved.
"""

from __future__ import annotations

from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.contracts import load_artifact, load_npm_artifact
from omniarb.devnet.accounts import TRADER_INDICES, dev_account
from omniarb.devnet.catalog import REFERENCE_PRICES_USD, ChainCatalog, TokenDef
from omniarb.devnet.deploy._artifacts import ARTIFACT_PATHS
from omniarb.devnet.deploy._routers import PERMIT2
from omniarb.devnet.deploy._sender import Sender, deployed_address, receipts_of
from omniarb.devnet.pricing import amount_for_usd
from omniarb.dex.uniswap_v4.universal_router import ROUTER_KIND as UNIVERSAL_ROUTER
from omniarb.network import DexEntry, RouterEntry

__all__ = ["MAX_UINT", "deploy_tokens", "fund", "fund_traders"]

MAX_UINT = 2**256 - 1
# Permit2 allowances are a uint160 amount and a uint48 expiry (0 would expire at once:
# `Allowance.updateAll` reads it as "this block").
_PERMIT2_MAX_AMOUNT = 2**160 - 1
_PERMIT2_MAX_EXPIRY = 2**48 - 1
# Each trader starts with this much of every token, enough for long runs of heavy-tailed flow.
_TRADER_FUNDS_USD = 25_000_000


def _short_string_slot(text: str) -> str:
    """Solidity's in-place storage of a string under 32 bytes: data, then length × 2."""
    raw = text.encode()
    if len(raw) > 31:
        raise ValueError(f"{text!r} is too long to store in one slot")
    return "0x" + (raw.ljust(31, b"\0") + bytes([len(raw) * 2])).hex()


async def deploy_tokens(rpc: RpcClient, deployer: Sender, catalog: ChainCatalog) -> dict[str, str]:
    """Every token of the catalog, sent at once and then read from the receipts (a hundred
    tokens at scale "large": one wait, not one per token)."""
    weth9 = load_npm_artifact(ARTIFACT_PATHS["WETH9"])
    dev_token = load_artifact("DevToken")
    sent: list[tuple[str, str]] = []
    for token in catalog.tokens:
        if token.wrapped_native:
            tx_hash = await deployer.send_deploy(token.symbol, weth9)
        else:
            tx_hash = await deployer.send_deploy(
                token.symbol,
                dev_token,
                ["string", "string", "uint8"],
                [token.name, token.symbol, token.decimals],
            )
        sent.append((token.symbol, tx_hash))
    receipts = await receipts_of(rpc, sent)
    addresses: dict[str, str] = {}
    for token, (label, tx_hash), receipt in zip(catalog.tokens, sent, receipts, strict=True):
        address = deployed_address(label, tx_hash, receipt)
        if token.wrapped_native and token.symbol != "WETH":
            # WBNB and WPOL are WETH9's bytecode with their own name and symbol: WETH9 keeps
            # `name` in slot 0 and `symbol` in slot 1.
            await rpc.call("anvil_setStorageAt", address, "0x0", _short_string_slot(token.name))
            await rpc.call("anvil_setStorageAt", address, "0x1", _short_string_slot(token.symbol))
        addresses[token.symbol] = address
    return addresses


async def fund(
    sender: Sender, deployer: Sender, token: TokenDef, address: str, amount: int
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


async def fund_traders(
    rpc: RpcClient,
    deployer: Sender,
    catalog: ChainCatalog,
    tokens: dict[str, str],
    dexes: list[DexEntry],
    shared_routers: tuple[RouterEntry, ...] = (),
) -> list[str]:
    """Give each trader account every token and approve the swap routers to spend them: each
    DEX's own, SwapRouter02 directly, and the UniversalRouter through Permit2 (the token
    approves Permit2, and Permit2's on-chain `approve` lets the router pull)."""
    universal = [r.address for r in shared_routers if r.kind == UNIVERSAL_ROUTER]
    routers = [d.router for d in dexes] + [
        r.address for r in shared_routers if r.kind != UNIVERSAL_ROUTER
    ]
    if universal:
        routers.append(PERMIT2)
    addresses = []
    for index in TRADER_INDICES:
        trader = Sender(rpc, dev_account(index).address, deployer.sent)
        for token in catalog.tokens:
            amount = amount_for_usd(
                _TRADER_FUNDS_USD, REFERENCE_PRICES_USD[token.asset], token.decimals
            )
            await fund(trader, deployer, token, tokens[token.symbol], amount)
            for router in routers:
                await trader.send(
                    f"trader {index} approve {token.symbol}",
                    tokens[token.symbol],
                    encode_call("approve(address,uint256)", router, MAX_UINT),
                )
            for router in universal:
                await trader.send(
                    f"trader {index} Permit2 approve {token.symbol}",
                    PERMIT2,
                    encode_call(
                        "approve(address,address,uint160,uint48)",
                        tokens[token.symbol],
                        router,
                        _PERMIT2_MAX_AMOUNT,
                        _PERMIT2_MAX_EXPIRY,
                    ),
                )
        addresses.append(trader.address)
    return addresses
