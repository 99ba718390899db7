"""Two devnet chains (Ethereum, Arbitrum), an inventory account holding one token (WETH by
default) on both, and a rebalancer over a history database through the devnet's real
bridges (the test passes them: Across, the canonical bridge), for the rebalancer's devnet tests.

`world.rebalancer(...)` builds a new rebalancer on the same database, with new nonce managers,
as a restarted process would; `build_rebalancer` builds the same one in another process
(`_rebalancer_child.py`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from _lender_helpers import balance_of
from _receipts import mined_receipt

from omniarb._config_rebalance import BandSettings, RebalanceSettings
from omniarb.bridges.base import Bridge
from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.crosschain.nonces import NonceAllocators
from omniarb.crosschain.rebalance_setup import (
    ChainBalances,
    bands_in_base_units,
    chain_access,
    inventory_tokens,
)
from omniarb.crosschain.rebalancer import Rebalancer, RebalancerHooks
from omniarb.devnet import Devnet
from omniarb.devnet.accounts import dev_account
from omniarb.execute.signer import Signer
from omniarb.monitor.alerts import Alert
from omniarb.network import ChainManifest, Manifest
from omniarb.store import HistoryDatabase
from omniarb.store.bridge_transfers import BridgeTransfer, BridgeTransferStore

CHAINS = ("ethereum", "arbitrum")
ETH = 10**18
# Accounts no devnet role uses (14 the cross-chain inventory, 15 the canonical messenger, 16
# and 17 Across's relayer and admin, 20 and up the rival searchers).
INVENTORY = dev_account(40)
TIP_WEI = 10**9


@dataclass
class Seen:
    """What the rebalancer reported: each transfer's statuses in order, alerts, balance calls."""

    statuses: dict[str, list[str]] = field(default_factory=dict)
    alerts: list[Alert] = field(default_factory=list)
    changes: list[BridgeTransfer] = field(default_factory=list)

    def bridge_transfer(
        self, transfer: BridgeTransfer, open_transfers: list[BridgeTransfer]
    ) -> None:
        self.statuses.setdefault(transfer.id, []).append(str(transfer.status))


@dataclass
class World:
    net: Devnet
    rpcs: dict[str, RpcClient]
    token: dict[str, str]  # the inventory token's address by chain
    store: BridgeTransferStore
    seen: Seen

    def rebalancer(
        self,
        *,
        settings: RebalanceSettings,
        bridges: list[Bridge],
        hooks: RebalancerHooks | None = None,
    ) -> Rebalancer:
        """A new rebalancer on the world's database (a fresh process's nonce managers)."""
        return build_rebalancer(
            self.net.manifest,
            self.rpcs,
            self.store,
            settings=settings,
            bridges=bridges,
            seen=self.seen,
            hooks=hooks,
        )

    async def held(self, chain: str, holder: str = INVENTORY.address) -> int:
        """`holder`'s balance of the inventory token on `chain`."""
        return await balance_of(self.rpcs[chain], self.token[chain], holder)


def build_rebalancer(
    manifest: Manifest,
    rpcs: dict[str, RpcClient],
    store: BridgeTransferStore,
    *,
    settings: RebalanceSettings,
    bridges: list[Bridge],
    seen: Seen,
    hooks: RebalancerHooks | None = None,
    rebalancer_class: type[Rebalancer] = Rebalancer,
) -> Rebalancer:
    """The rebalancer of the inventory account on both chains over `store`, with new nonce
    managers (as a fresh process has), reporting to `seen`."""
    tokens = inventory_tokens(manifest, {b.asset for b in settings.bands})
    allocators = NonceAllocators()
    chains = {
        name: chain_access(
            name,
            rpc=rpcs[name],
            signer=Signer(INVENTORY.private_key, chain_id=manifest.chain(name).chain_id),
            allocators=allocators,
            tip_wei=TIP_WEI,
        )
        for name in CHAINS
    }
    accounts = dict.fromkeys(CHAINS, INVENTORY.address)
    return rebalancer_class(
        settings=settings,
        bands=bands_in_base_units(settings, tokens),
        tokens=tokens,
        chains=chains,
        bridges=bridges,
        store=store,
        balances=ChainBalances(rpcs=rpcs, accounts=accounts, tokens=tokens),
        prices={"ETH": 3000.0, "USDC": 1.0},
        recipients=accounts,
        native_assets=dict.fromkeys(CHAINS, "ETH"),
        on_change=seen.changes.append,
        alerts=seen.alerts.append,
        observer=seen,
        hooks=hooks,
        poll_s=0.05,
    )


def settings_for(
    *, stuck_after_s: float = 60.0, asset: str = "ETH", scale: int = 1
) -> RebalanceSettings:
    """`asset` bands 20 / 40 / 80 (times `scale`) on both chains."""
    bands = tuple(
        BandSettings(
            asset=asset,
            chain=c,
            low=str(20 * scale),
            target=str(40 * scale),
            high=str(80 * scale),
        )
        for c in CHAINS
    )
    return RebalanceSettings(
        enabled=True, interval_s=0.05, stuck_after_s=stuck_after_s, min_transfer_usd=0.0,
        bands=bands,
    )  # fmt: skip


async def _send_as(rpc: RpcClient, sender: str, tx: dict[str, Any]) -> None:
    tx_hash = await rpc.call("eth_sendTransaction", {"from": sender, "gas": hex(200_000), **tx})
    await mined_receipt(rpc, tx_hash)


async def _fund(
    rpc: RpcClient, chain: ChainManifest, symbol: str, holder: str, whole: int, *, coin_wei: int
) -> None:
    """Give `holder` `whole` tokens of `symbol` (wrapped from its coin, or minted by the
    devnet's deployer) and `coin_wei` of the coin for gas; `holder` stays impersonated."""
    token = chain.token(symbol)
    amount = whole * 10**token.decimals
    wrapped = amount if token.wrapped_native else 0
    await rpc.call("anvil_setBalance", holder, hex(wrapped + coin_wei))
    await rpc.call("anvil_impersonateAccount", holder)
    if token.wrapped_native:
        tx = {"to": token.address, "data": encode_call("deposit()"), "value": hex(amount)}
        await _send_as(rpc, holder, tx)
    else:
        data = encode_call("mint(address,uint256)", holder, amount)
        await _send_as(rpc, chain.deployer, {"to": token.address, "data": data})
    # Exactly `coin_wei` left, whatever the wrapping's gas cost.
    await rpc.call("anvil_setBalance", holder, hex(coin_wei))


@asynccontextmanager
async def rebalance_world(
    devnet_factory: Any, db_url: str, *, holdings: dict[str, int], symbol: str = "WETH"
) -> AsyncIterator[World]:
    """The devnet, funded: the inventory holds `holdings` of `symbol` (whole tokens) and 1 ETH
    of gas per chain."""
    async with AsyncExitStack() as stack:
        net = await stack.enter_async_context(devnet_factory(dict.fromkeys(CHAINS)))
        rpcs = {
            c: await stack.enter_async_context(RpcClient(net.manifest.chain(c).rpc_http))
            for c in CHAINS
        }
        token = {c: net.manifest.chain(c).token(symbol).address for c in CHAINS}
        for chain in CHAINS:
            manifest = net.manifest.chain(chain)
            # One ETH of gas: the inventory's coin counts toward its ETH band.
            await _fund(
                rpcs[chain], manifest, symbol, INVENTORY.address, holdings[chain], coin_wei=ETH
            )
            # Setup only: the rebalancer signs with the key, never through the node.
            await rpcs[chain].call("anvil_stopImpersonatingAccount", INVENTORY.address)
        database = HistoryDatabase.open(db_url)
        stack.callback(database.dispose)
        yield World(
            net=net,
            rpcs=rpcs,
            token=token,
            store=BridgeTransferStore(database.engine),
            seen=Seen(),
        )


@asynccontextmanager
async def running(rebalancer: Rebalancer) -> AsyncIterator[None]:
    """`rebalancer.run()` as a task until the block exits, then cancelled."""
    task = asyncio.get_running_loop().create_task(rebalancer.run())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def bridge_logs(world: World, bridge: str, chain: str, topic: str) -> list[dict[str, Any]]:
    """Every log with `topic` of the devnet's `bridge` contract ("across", "canonical") on
    `chain`."""
    address = world.net.manifest.chain(chain).bridge(bridge).address
    found: list[dict[str, Any]] = await world.rpcs[chain].call(
        "eth_getLogs",
        {"address": address, "topics": [topic], "fromBlock": "0x0", "toBlock": "latest"},
    )
    return found


async def only_transfer(world: World) -> BridgeTransfer:
    """The one transfer in the world's store."""
    (transfer,) = await world.store.recent(10)
    return transfer
