"""One chain's deployment in its order: tokens, lenders, the Safe (`_safe`), Across's SpokePool
(`_across`), DEXes (each by its
pool kind, `omniarb.devnet.kinds`), the routers over several DEXes (`_routers`), pools, the trap
tokens and their pools (`_traps`), traders, the canonical bridge (`_canonical_bridge`), the
cross-chain inventory account (`_inventory`); every
receipt checked at the end. The result is a `ChainManifest` without endpoints.
"""

from __future__ import annotations

import logging
import time

from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import ChainSpec
from omniarb.config import DevnetScale
from omniarb.devnet.accounts import DEPLOYER_INDEX, dev_account
from omniarb.devnet.catalog import catalog_for
from omniarb.devnet.deploy._across import deploy_across
from omniarb.devnet.deploy._canonical_bridge import deploy_canonical_bridge
from omniarb.devnet.deploy._inventory import fund_inventory
from omniarb.devnet.deploy._l2_fees import install_l2_fee_contracts
from omniarb.devnet.deploy._pools import create_pools
from omniarb.devnet.deploy._routers import deploy_routers
from omniarb.devnet.deploy._safe import deploy_safe
from omniarb.devnet.deploy._sender import Sender, check_all
from omniarb.devnet.deploy._tokens import deploy_tokens, fund_traders
from omniarb.devnet.deploy._traps import deploy_traps
from omniarb.devnet.kinds import devnet_kind, is_deployed
from omniarb.devnet.lending import deploy_lenders
from omniarb.network import ChainManifest, TokenEntry

__all__ = ["deploy_chain"]

log = logging.getLogger(__name__)


class _Phases:
    """Logs how long each phase of a chain's deployment took."""

    def __init__(self, chain: str) -> None:
        self._chain = chain
        self._last_s = time.perf_counter()

    def done(self, what: str) -> None:
        now_s = time.perf_counter()
        log.info("%s: %s in %.2f s", self._chain, what, now_s - self._last_s)
        self._last_s = now_s


async def deploy_chain(
    chain: ChainSpec, rpc: RpcClient, scale: DevnetScale = "default", *, traps: bool = False
) -> ChainManifest:
    """Deploy everything for `chain` at `scale` on the anvil behind `rpc`, with the chain's
    trap tokens if `traps`; return the manifest."""
    phases = _Phases(chain.name)
    catalog = catalog_for(chain, scale)
    deployer = Sender(rpc, dev_account(DEPLOYER_INDEX).address)
    phases.done("catalog")
    fee_contracts = await install_l2_fee_contracts(chain, rpc, deployer)
    phases.done(f"{len(fee_contracts)} L2 fee contracts")
    tokens = await deploy_tokens(rpc, deployer, catalog)
    phases.done(f"{len(tokens)} tokens")
    token_entries = tuple(
        TokenEntry(
            symbol=t.symbol,
            address=tokens[t.symbol],
            decimals=t.decimals,
            name=t.name,
            asset=t.asset,
            wrapped_native=t.wrapped_native,
            bridged=t.bridged,
        )
        for t in catalog.tokens
    )
    # The lenders go first, while the chain's state is small: each of their steps waits for a
    # block, and a block costs more the more is deployed (`omniarb.devnet.deploy._miner`).
    lenders = await deploy_lenders(chain, rpc, deployer, token_entries)
    phases.done("lenders")
    safe = await deploy_safe(chain, deployer)
    phases.done("Safe")
    across = await deploy_across(chain, deployer, token_entries)
    phases.done("Across SpokePool")
    wrapped = next(t for t in catalog.tokens if t.wrapped_native)
    weth = tokens[wrapped.symbol]
    dexes = [
        await devnet_kind(dex.kind).deploy(dex.name, deployer, weth, lenders)
        for dex in chain.dexes
        if is_deployed(dex.kind)
    ]

    phases.done(f"{len(dexes)} DEXes")
    routers = await deploy_routers(rpc, deployer, dexes, weth)
    phases.done(f"{len(routers)} routers over several DEXes")
    spenders = [d.router for d in dexes] + [d.position_manager for d in dexes if d.position_manager]
    pools = await create_pools(rpc, deployer, catalog, tokens, dexes, spenders)
    phases.done(f"{len(pools)} pools")
    trap_tokens, trap_pools = (
        await deploy_traps(rpc, deployer, chain.name, catalog, tokens, dexes) if traps else ([], [])
    )
    phases.done(f"{len(trap_tokens)} trap tokens")
    traders = await fund_traders(rpc, deployer, catalog, tokens, dexes, routers)
    phases.done(f"{len(traders)} traders")
    canonical_bridge = await deploy_canonical_bridge(rpc, deployer, catalog, tokens)
    phases.done("canonical bridge")
    inventory = await fund_inventory(rpc, deployer, catalog, tokens, dexes)
    phases.done("cross-chain inventory")
    await check_all(rpc, deployer.sent)
    phases.done(f"{len(deployer.sent)} receipts checked")
    return ChainManifest(
        chain_id=chain.chain_id,
        name=chain.name,
        rpc_http="",
        rpc_ws="",
        tokens=(*token_entries, *trap_tokens),
        dexes=tuple(dexes),
        pools=(*pools, *trap_pools),
        deployer=deployer.address,
        traders=tuple(traders),
        lenders=lenders,
        routers=routers,
        safe=safe,
        bridges=(across, canonical_bridge),
        inventory_account=inventory,
    )
