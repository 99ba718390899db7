"""The cross-chain inventory account's funding at deployment: native gas, a working inventory of
the chain's main tokens, and the routers its legs swap through approved.

The account (`INVENTORY_INDEX`) is past anvil's funded accounts, so it gets its coin with
`anvil_setBalance` and sends its wraps and approvals impersonated (anvil signs nothing for it; its
key signs the legs, through the run's keystore). The approvals are unlimited, once, for each DEX
whose router a leg can be encoded for (`omniarb.dex.routers.dex_router_encoder`): an exact
approval per leg would be a second transaction in every leg, a nonce and a block of latency on a
path whose risk is latency; the account holds only inventory and trades only through these
routers.
"""

from __future__ import annotations

from collections.abc import Sequence

from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.accounts import INVENTORY_INDEX, dev_account
from omniarb.devnet.catalog import REFERENCE_PRICES_USD, ChainCatalog
from omniarb.devnet.deploy._sender import Sender
from omniarb.devnet.deploy._tokens import MAX_UINT, fund
from omniarb.devnet.pricing import amount_for_usd
from omniarb.dex.routers import dex_router_encoder
from omniarb.network import DexEntry

__all__ = ["INVENTORY_ASSETS", "INVENTORY_GAS_WEI", "INVENTORY_USD_PER_TOKEN", "fund_inventory"]

# The assets an inventory is held in: each chain's native coin (wrapped), BTC, ETH and the
# dollar stables; about $200k per chain at $40k a token.
INVENTORY_ASSETS = frozenset({"ETH", "BNB", "POL", "BTC", "USDC", "USDT", "DAI"})
INVENTORY_USD_PER_TOKEN = 40_000
# Gas coin for many legs on any chain (devnet gas is cheap); the wrapped native is on top.
INVENTORY_GAS_WEI = 100 * 10**18


async def fund_inventory(
    rpc: RpcClient,
    deployer: Sender,
    catalog: ChainCatalog,
    tokens: dict[str, str],
    dexes: Sequence[DexEntry],
) -> str:
    """Fund and approve the inventory account on this chain; return its address."""
    address = dev_account(INVENTORY_INDEX).address
    held = [t for t in catalog.tokens if t.asset in INVENTORY_ASSETS]
    wrap_wei = sum(
        amount_for_usd(INVENTORY_USD_PER_TOKEN, REFERENCE_PRICES_USD[t.asset], t.decimals)
        for t in held
        if t.wrapped_native
    )
    await rpc.call("anvil_setBalance", address, hex(INVENTORY_GAS_WEI + wrap_wei))
    routers = [d.router for d in dexes if dex_router_encoder(d.kind) is not None]
    await rpc.call("anvil_impersonateAccount", address)
    try:
        inventory = Sender(rpc, address, deployer.sent)
        for token in held:
            amount = amount_for_usd(
                INVENTORY_USD_PER_TOKEN, REFERENCE_PRICES_USD[token.asset], token.decimals
            )
            await fund(inventory, deployer, token, tokens[token.symbol], amount)
            for router in routers:
                await inventory.send(
                    f"inventory approve {token.symbol}",
                    tokens[token.symbol],
                    encode_call("approve(address,uint256)", router, MAX_UINT),
                )
    finally:
        await rpc.call("anvil_stopImpersonatingAccount", address)
    return address
