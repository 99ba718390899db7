"""A trader's exact-input swap through a pool's DEX router, as the pool's devnet kind builds it
(`DevnetKind.swap_calldata`; the traders approve every router): the trade of the kinds whose
devnet swap is a plain router call (Algebra Integral's SwapRouter, Balancer's Vault)."""

from __future__ import annotations

from _v3_quoter_helpers import send_all

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.kinds import devnet_kind
from omniarb.network import ChainManifest, PoolEntry

__all__ = ["router_trade"]


async def router_trade(
    rpc: RpcClient, chain: ChainManifest, pool: PoolEntry, token_in: str, amount_in_wei: int
) -> None:
    trader = chain.traders[0]
    token_out = pool.token1 if token_in.lower() == pool.token0.lower() else pool.token0
    data = devnet_kind(pool.kind).swap_calldata(pool, token_in, token_out, amount_in_wei, trader)
    await send_all(rpc, [(trader, chain.dex(pool.dex).router, data)])
