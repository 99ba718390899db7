"""Uniswap's SwapRouter02 and UniversalRouter on a devnet chain: deployed over its Uniswap V2, V3
and V4 DEXes (the UniversalRouter paying through the real Permit2 code at its canonical address),
the market's swaps through them mined, and their calldata decoded back into what was asked.

Proves, against the real bytecode: every swap the market builds for a shared router (each router
with each pool kind it reaches, the V4 native pool paid with the transaction's value) succeeds,
takes exactly its amount in from the trader and pays the trader; the pending transaction's
calldata decodes (`decode_swap_router02_call`, `decode_universal_router_call`) into one swap with
the market's path, amount, minimum out, recipient, deadline and pool; and the market itself sends
a share of its swaps through both routers, each mined and decoding to the logged swap.
"""

from __future__ import annotations

from typing import Any

import pytest
from _helpers import same
from _receipts import mined_receipt

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import DexKind
from omniarb.devnet.accounts import TRADER_INDICES, dev_account
from omniarb.devnet.deploy import PERMIT2, permit2_runtime_code
from omniarb.devnet.kinds import devnet_kind
from omniarb.devnet.kinds._calls import DEADLINE
from omniarb.devnet.kinds.uniswap_v4 import pool_key
from omniarb.devnet.market import (
    ROUTED_SWAP_EXTRA_GAS,
    MarketActivity,
    MarketParams,
    SwapStatus,
    swap_router02_call,
    universal_router_call,
)
from omniarb.dex.router_swap import RouterSwap
from omniarb.dex.uniswap_v3.router02 import ROUTER_KIND as SWAP_ROUTER_02
from omniarb.dex.uniswap_v3.router02 import decode_swap_router02_call
from omniarb.dex.uniswap_v4.universal_router import ROUTER_KIND as UNIVERSAL_ROUTER
from omniarb.dex.uniswap_v4.universal_router import decode_universal_router_call
from omniarb.network import ChainManifest, PoolEntry, RouterEntry

pytestmark = pytest.mark.integration

V2 = DexKind.UNISWAP_V2.value
V3 = DexKind.UNISWAP_V3.value
V4 = DexKind.UNISWAP_V4.value
NATIVE = "0x" + "00" * 20


def _router(chain: ChainManifest, kind: str) -> RouterEntry:
    (entry,) = [r for r in chain.routers if r.kind == kind]
    return entry


def _decode(chain: ChainManifest, tx: dict[str, Any]) -> tuple[RouterSwap, ...]:
    weth = next(t.address for t in chain.tokens if t.wrapped_native)
    decoder = (
        decode_swap_router02_call
        if same(tx["to"], _router(chain, SWAP_ROUTER_02).address)
        else decode_universal_router_call
    )
    return decoder(
        bytes.fromhex(tx["input"][2:]),
        sender=tx["from"],
        router=tx["to"],
        value_wei=int(tx["value"], 16),
        weth=weth,
    )


async def _balance(rpc: RpcClient, token: str, owner: str) -> int:
    if int(token, 16) == 0:
        return int(await rpc.call("eth_getBalance", owner, "latest"), 16)
    answer = await rpc.call(
        "eth_call",
        {"to": token, "data": encode_call("balanceOf(address)", owner)},
        "latest",
    )
    (amount,) = decode(["uint256"], answer)
    return int(amount)


def _pool(chain: ChainManifest, dex: str, a: str, b: str, fee: int | None = None) -> PoolEntry:
    (pool,) = [
        p
        for p in chain.pools
        if p.dex == dex and {p.symbol0, p.symbol1} == {a, b} and (fee is None or p.fee == fee)
    ]
    return pool


async def test_each_shared_router_swaps_through_each_pool_kind_it_reaches(
    devnet_factory,
) -> None:
    async with devnet_factory({"ethereum": None}) as net:
        (chain,) = net.manifest.chains
        router02 = _router(chain, SWAP_ROUTER_02)
        universal = _router(chain, UNIVERSAL_ROUTER)
        assert router02.dexes == ("uniswap-v2", "uniswap-v3")
        assert universal.dexes == ("uniswap-v2", "uniswap-v3", "uniswap-v4")
        weth, usdc = chain.token("WETH").address, chain.token("USDC").address
        trader = dev_account(TRADER_INDICES[0]).address
        cases = [
            (router02, _pool(chain, "uniswap-v2", "WETH", "USDC"), weth, usdc, 10**17),
            (router02, _pool(chain, "uniswap-v3", "WETH", "USDC", 500), usdc, weth, 250 * 10**6),
            (universal, _pool(chain, "uniswap-v2", "WETH", "USDC"), usdc, weth, 300 * 10**6),
            (universal, _pool(chain, "uniswap-v3", "WETH", "USDC", 3000), weth, usdc, 10**17),
            (universal, _pool(chain, "uniswap-v4", "WETH", "USDC", 500), weth, usdc, 10**17),
            (universal, _pool(chain, "uniswap-v4", "ETH", "USDC"), NATIVE, usdc, 10**17),
            (universal, _pool(chain, "uniswap-v4", "ETH", "USDC"), usdc, NATIVE, 200 * 10**6),
        ]
        async with RpcClient(chain.rpc_http) as rpc:
            assert await rpc.call("eth_getCode", PERMIT2, "latest") == permit2_runtime_code()
            for router, pool, token_in, token_out, amount_in in cases:
                build = swap_router02_call if router is router02 else universal_router_call
                before_in = await _balance(rpc, token_in, trader)
                before_out = await _balance(rpc, token_out, trader)
                value = amount_in if token_in == NATIVE else 0
                tx_hash = await rpc.call(
                    "eth_sendTransaction",
                    {
                        "from": trader,
                        "to": router.address,
                        "data": build(pool, token_in, token_out, amount_in),
                        "value": hex(value),
                        "gas": hex(devnet_kind(pool.kind).swap_gas + ROUTED_SWAP_EXTRA_GAS),
                    },
                )
                receipt = await mined_receipt(rpc, tx_hash)
                label = f"{router.kind} {pool.dex} {pool.symbol0}/{pool.symbol1}"
                gas_paid = int(receipt["gasUsed"], 16) * int(receipt["effectiveGasPrice"], 16)
                spent = before_in - await _balance(rpc, token_in, trader)
                assert spent == amount_in + (gas_paid if token_in == NATIVE else 0), label
                received = await _balance(rpc, token_out, trader) - before_out
                assert received + (gas_paid if token_out == NATIVE else 0) > 0, label

                # The pending transaction, as a mempool watcher sees it, decodes to the swap.
                tx = await rpc.call("eth_getTransactionByHash", tx_hash)
                (swap,) = _decode(chain, tx)
                assert swap.router_kind == router.kind, label
                assert [int(t, 16) for t in swap.path] == [int(token_in, 16), int(token_out, 16)]
                assert (swap.exact_input, swap.amount_in, swap.amount_out_min) == (
                    True,
                    amount_in,
                    0,
                ), label
                assert same(swap.recipient, trader), label
                assert (swap.deadline, swap.pool_kind) == (DEADLINE, pool.kind), label
                assert swap.native_in == (token_in == NATIVE), label
                assert swap.native_out == (token_out == NATIVE), label
                if pool.kind in (V3, V4):
                    assert swap.fees_pips == (pool.fee,), label
                if pool.kind == V4:
                    assert swap.pool_ids == (pool_key(pool).pool_id,), label


async def test_the_market_sends_a_share_of_its_swaps_through_both_shared_routers(
    devnet_factory,
) -> None:
    async with devnet_factory({"ethereum": None}) as net:
        (chain,) = net.manifest.chains
        shared = {r.address.lower(): r.kind for r in chain.routers}
        market = MarketActivity(
            net.manifest, MarketParams(seed=5, swaps_per_block=8, router_share=0.8)
        )
        await market.run(steps=6)
        log = market.swap_log(chain.name)
        assert {s.status for s in log} == {SwapStatus.MINED}
        pools = {p.address: p for p in chain.pools}
        async with RpcClient(chain.rpc_http) as rpc:
            txs = await rpc.batch([("eth_getTransactionByHash", [r.tx_hash]) for r in log])
        used = set()
        for record, tx in zip(log, txs, strict=True):
            kind = shared.get(tx["to"].lower())
            if kind is None:
                continue
            used.add(kind)
            pool = pools[record.pool]
            token_in, token_out = (
                (pool.token0, pool.token1) if record.zero_for_one else (pool.token1, pool.token0)
            )
            (swap,) = _decode(chain, tx)
            assert swap.router_kind == kind
            assert pool.dex in _router(chain, kind).dexes
            assert [int(t, 16) for t in swap.path] == [int(token_in, 16), int(token_out, 16)]
            assert (swap.amount_in, swap.amount_out_min) == (record.amount_in, 0)
            assert same(swap.recipient, record.trader)
        assert used == {SWAP_ROUTER_02, UNIVERSAL_ROUTER}
