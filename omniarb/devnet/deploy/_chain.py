"""One chain's deployment in its order: tokens, DEXes (each by its pool kind,
`omniarb.devnet.kinds`), pools, traders, lenders; every receipt checked at the end. The result
is a `ChainManifest` without endpoints.
"""

from __future__ import annotations

from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import ChainSpec
from omniarb.devnet.accounts import DEPLOYER_INDEX, dev_account
from omniarb.devnet.catalog import catalog_for
from omniarb.devnet.deploy._pools import create_pools
from omniarb.devnet.deploy._sender import Sender, check_all
from omniarb.devnet.deploy._tokens import deploy_tokens, fund_traders
from omniarb.devnet.kinds import devnet_kind, is_deployed
from omniarb.devnet.lending import deploy_lenders
from omniarb.network import ChainManifest, TokenEntry

__all__ = ["deploy_chain"]


async def deploy_chain(chain: ChainSpec, rpc: RpcClient) -> ChainManifest:
    """Deploy everything for `chain` on the anvil behind `rpc` (automine); return the manifest."""
    catalog = catalog_for(chain)
    deployer = Sender(rpc, dev_account(DEPLOYER_INDEX).address)
    tokens = await deploy_tokens(rpc, deployer, catalog)
    wrapped = next(t for t in catalog.tokens if t.wrapped_native)
    weth = tokens[wrapped.symbol]
    dexes = [
        await devnet_kind(dex.kind).deploy(dex.name, deployer, weth)
        for dex in chain.dexes
        if is_deployed(dex.kind)
    ]

    spenders = [d.router for d in dexes] + [d.position_manager for d in dexes if d.position_manager]
    pools = await create_pools(rpc, deployer, catalog, tokens, dexes, spenders)
    traders = await fund_traders(rpc, deployer, catalog, tokens, dexes)
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
    await check_all(rpc, deployer.sent)
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
