"""A trader's Uniswap V4 swap on the devnet: PoolSwapTest (v4-core's test router, the devnet V4
DEX's `router`, which every trader approves) selling an exact input through a manifest pool.
Lives at the root of tests/ (on sys.path through tests/conftest.py): the conformance suite and
the engine tests both plant V4 gaps with it."""

from __future__ import annotations

from _receipts import mined_receipt

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.kinds.uniswap_v4 import KIND
from omniarb.network import ChainManifest, PoolEntry

_SWAP_GAS = 1_000_000


async def v4_trade(
    rpc: RpcClient, chain: ChainManifest, pool: PoolEntry, token_in: str, amount_in_wei: int
) -> None:
    """PoolSwapTest exact-input swap of `amount_in_wei` of `token_in` from the first trader;
    the native coin (currency 0, address 0) is paid with the transaction's value."""
    trader = chain.traders[0]
    token_out = pool.token1 if token_in == pool.token0 else pool.token0
    data = KIND.swap_calldata(pool, token_in, token_out, amount_in_wei, trader)
    tx = {"from": trader, "to": chain.dex(pool.dex).router, "data": data, "gas": hex(_SWAP_GAS)}
    if int(token_in, 16) == 0:
        tx["value"] = hex(amount_in_wei)
    await mined_receipt(rpc, await rpc.call("eth_sendTransaction", tx))
