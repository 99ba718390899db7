"""Backruns against the devnet's real contracts: a router swap's predicted post-state is the pool's
state once the swap is mined, to the integer, for every traded kind; and the opportunity found on
the predicted state, executed right behind the swap, keeps exactly the profit predicted.

The swaps are the ones the devnet's market sends through each DEX's router (its
`swap_calldata`), plus Router02 and SwapRouter exact-output paths. Router02 and SwapRouter
calls go through their decoders; for the other routers (whose decoders are written beside this)
the `RouterSwap` is built from the same arguments, naming the pool as their calls do. The states
after the swap are read back from the chain by each kind's own book, at the swap's block.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from _plans import FAR_DEADLINE_BLOCK
from _receipts import mined_receipt

from omniarb.chain_events import NewHead
from omniarb.chains.abi import encode_call
from omniarb.chains.blocks import read_head
from omniarb.chains.rpc import RpcClient
from omniarb.detect.backrun import BackrunSearch
from omniarb.detect.detector import CycleDetector
from omniarb.detect.pending_swaps import SwapEffect, apply_swaps
from omniarb.detect.state_book import StateBook
from omniarb.devnet import dev_account
from omniarb.devnet.kinds import devnet_kind
from omniarb.dex.base import PoolBook, PoolState
from omniarb.dex.deployments import traded_deployments
from omniarb.dex.registry import adapter
from omniarb.dex.router_swap import RouterSwap
from omniarb.dex.uniswap_v2.router import decode_router_call
from omniarb.dex.uniswap_v3.router import decode_swap_router_call
from omniarb.execute.executor_calldata import dex_factories
from omniarb.execute.executor_contract import deploy_devnet_executor
from omniarb.execute.route_codec import RouteCodec
from omniarb.gas import GasModel
from omniarb.network import ChainManifest, PoolEntry
from omniarb.types import OpportunitySource

pytestmark = pytest.mark.integration

_GAS = hex(1_500_000)
_DEADLINE = 2**32 - 1
_BOT = dev_account(9).address
_V2_EXACT_OUT = "swapTokensForExactTokens(uint256,uint256,address[],address,uint256)"
_V3_EXACT_OUT = "exactOutput((bytes,address,uint256,uint256,uint256))"
# Whole tokens a trader sells in one swap, by symbol.
_UNITS = {"WBNB": 40, "WPOL": 20_000, "USDC": 30_000, "USDT": 30_000, "DAI": 30_000}


class Chain:
    """A devnet chain's states as the detector would hold them, read by the kinds' books."""

    def __init__(self, rpc: RpcClient, chain: ChainManifest) -> None:
        self.rpc = rpc
        self.chain = chain
        self.books: dict[str, PoolBook[Any]] = {
            kind: adapter(kind).book(rpc=rpc, chain_id=chain.chain_id, dexes=dexes)
            for kind, dexes in traded_deployments(chain).items()
        }

    @property
    def base_tokens(self) -> list[str]:
        wrapped = [t.address for t in self.chain.tokens if t.wrapped_native]
        stables = [self.chain.token(s).address for s in ("USDC", "USDT", "DAI")]
        return wrapped + stables

    async def states(self) -> tuple[NewHead, list[PoolState]]:
        head = await read_head(self.rpc, self.chain.chain_id)
        found: list[PoolState] = []
        for book in self.books.values():
            found += await book.discover_at(head)
        return head, found

    async def book(self) -> tuple[NewHead, StateBook]:
        head, states = await self.states()
        book = StateBook(chain_id=self.chain.chain_id, base_tokens=self.base_tokens, epsilon=1e-9)
        book.apply(states)
        return head, book

    async def send(self, tx: dict[str, Any]) -> dict[str, Any]:
        return await mined_receipt(self.rpc, await self.rpc.call("eth_sendTransaction", tx))

    def amount(self, symbol: str) -> int:
        return _UNITS[symbol] * 10 ** self.chain.token(symbol).decimals


def _pool(chain: ChainManifest, kind: str, symbols: tuple[str, str]) -> PoolEntry:
    found = [p for p in chain.pools if p.kind == kind and {p.symbol0, p.symbol1} == set(symbols)]
    assert found, (kind, symbols)
    return min(found, key=lambda p: (p.dex, p.fee))


def _market_swap(
    net: Chain, pool: PoolEntry, symbol_in: str
) -> tuple[dict[str, Any], list[RouterSwap]]:
    """The market's router swap through `pool` selling `symbol_in`, and what it asks."""
    chain = net.chain
    sender = chain.traders[0]
    token_in = chain.token(symbol_in).address
    token_out = pool.token1 if token_in == pool.token0 else pool.token0
    amount_in = net.amount(symbol_in)
    data = devnet_kind(pool.kind).swap_calldata(pool, token_in, token_out, amount_in, sender)
    tx = {"from": sender, "to": chain.dex(pool.dex).router, "data": data, "gas": _GAS}
    raw = bytes.fromhex(data[2:])
    if pool.kind == "uniswap-v2":
        (swap,) = decode_router_call(raw, value_wei=0, wrapped_native=None)
        return tx, [swap]
    if pool.kind == "uniswap-v3":
        return tx, list(decode_swap_router_call(raw))
    # A pool the router's call names (PoolSwapTest's key, the Vault's pool id, the Pancake dev
    # router's pool address): the leading 20 bytes of its id are its address.
    named = RouterSwap(
        router_kind=f"{pool.kind}-devnet-router",
        function="swap",
        path=(token_in, token_out),
        exact_input=True,
        amount_in=amount_in,
        amount_out=None,
        amount_out_min=0,
        amount_in_max=None,
        recipient=sender,
        deadline=_DEADLINE,
        pool_ids=(pool.address,),
    )
    return tx, [named]


def _v2_exact_output(net: Chain) -> tuple[dict[str, Any], list[RouterSwap]]:
    """Router02 `swapTokensForExactTokens` over two pairs: WBNB -> USDC -> USDT."""
    chain = net.chain
    sender = chain.traders[1]
    path = [chain.token(s).address for s in ("WBNB", "USDC", "USDT")]
    data = encode_call(_V2_EXACT_OUT, net.amount("USDT"), 10**30, path, sender, _DEADLINE)
    (swap,) = decode_router_call(bytes.fromhex(data[2:]), value_wei=0, wrapped_native=None)
    tx = {"from": sender, "to": chain.dex("pancakeswap-v2").router, "data": data, "gas": _GAS}
    return tx, [swap]


def _v3_exact_output(net: Chain) -> tuple[dict[str, Any], list[RouterSwap]]:
    """SwapRouter `exactOutput` over two pools, USDT <- USDC <- WBNB (its path runs from the
    token out)."""
    chain = net.chain
    sender = chain.traders[1]
    usdt, usdc, wbnb = (chain.token(s).address for s in ("USDT", "USDC", "WBNB"))
    path = bytes.fromhex(
        usdt[2:]
        + (500).to_bytes(3, "big").hex()
        + usdc[2:]
        + (500).to_bytes(3, "big").hex()
        + wbnb[2:]
    )
    data = encode_call(_V3_EXACT_OUT, (path, sender, _DEADLINE, net.amount("USDT"), 10**30))
    swaps = list(decode_swap_router_call(bytes.fromhex(data[2:])))
    tx = {"from": sender, "to": chain.dex("uniswap-v3").router, "data": data, "gas": _GAS}
    return tx, swaps


async def _check_post_states(
    net: Chain, tx: dict[str, Any], swaps: list[RouterSwap], dexes: frozenset[str]
) -> None:
    """The states `swaps` (what `tx` asks of the router of `dexes`) leave are read back."""
    head, book = await net.book()
    effect: SwapEffect = apply_swaps(
        book, swaps, router_dexes=dexes, next_timestamp=head.timestamp + 1
    )
    assert effect.moves
    receipt = await net.send(tx)
    mined = int(receipt["blockNumber"], 16)
    assert mined == head.number + 1
    after = await read_head(net.rpc, net.chain.chain_id, mined)
    for pool_id, predicted in effect.states.items():
        kind = book.graph.pools[pool_id].kind
        read = (await net.books[kind].read([predicted.state_key], after))[predicted.state_key]
        assert read is not None
        assert replace(predicted, block_number=mined) == read, predicted.state_key  # type: ignore[type-var]
        assert read != book.state_by_id(pool_id)


BNB_CASES = {
    "uniswap-v2": ("uniswap-v2", ("WBNB", "USDC"), "WBNB"),
    "uniswap-v3": ("uniswap-v3", ("WBNB", "USDC"), "USDC"),
    "pancakeswap-v3": ("pancakeswap-v3", ("WBNB", "USDC"), "WBNB"),
    "uniswap-v4": ("uniswap-v4", ("WBNB", "USDC"), "USDC"),
    "balancer-weighted": ("balancer-weighted", ("WBNB", "USDC"), "WBNB"),
    "balancer-stable": ("balancer-stable", ("USDT", "USDC"), "USDT"),
}


async def test_predicted_post_states_equal_the_mined_ones_for_every_kind(devnet_factory) -> None:
    async with devnet_factory({"bnb": None, "polygon": None}) as devnet:
        bnb, polygon = devnet.manifest.chain("bnb"), devnet.manifest.chain("polygon")
        async with RpcClient(bnb.rpc_http) as rpc:
            net = Chain(rpc, bnb)
            for kind, symbols, symbol_in in BNB_CASES.values():
                pool = _pool(bnb, kind, symbols)
                await _check_post_states(
                    net, *_market_swap(net, pool, symbol_in), frozenset({pool.dex})
                )
            await _check_post_states(net, *_v2_exact_output(net), frozenset({"pancakeswap-v2"}))
            await _check_post_states(net, *_v3_exact_output(net), frozenset({"uniswap-v3"}))
        async with RpcClient(polygon.rpc_http) as rpc:
            net = Chain(rpc, polygon)
            pool = _pool(polygon, "algebra-integral", ("WPOL", "USDC"))
            await _check_post_states(net, *_market_swap(net, pool, "WPOL"), frozenset({pool.dex}))


async def test_a_backrun_found_on_the_predicted_state_realizes_its_profit(devnet_factory) -> None:
    async with devnet_factory({"bnb": None}) as devnet:
        chain = devnet.manifest.chain("bnb")
        async with RpcClient(chain.rpc_http) as rpc:
            net = Chain(rpc, chain)
            executor = await deploy_devnet_executor(rpc, chain, bot=_BOT)
            codec = RouteCodec(dex_factories(chain))
            head, states = await net.states()
            wrapped = net.base_tokens[0]
            detector = CycleDetector(
                chain_id=chain.chain_id,
                base_tokens=net.base_tokens,
                wrapped_native=wrapped,
                stablecoin_decimals={
                    chain.token(s).address: chain.token(s).decimals for s in ("USDC", "USDT", "DAI")
                },
                gas_model=GasModel(),
                priority_fee_wei=10**9,
            )
            detector.apply(states)
            assert detector.scan() == [], "the fresh devnet has no gap of its own"
            # A large sale of WBNB into one pair: the pending transaction to backrun.
            pool = _pool(chain, "uniswap-v2", ("WBNB", "USDC"))
            victim, swaps = _market_swap(net, pool, "WBNB")
            tx_hash = "0x" + "ee" * 32  # named before it is sent: the search needs only a name
            search = BackrunSearch(detector=detector)
            found = search.search(tx_hash, swaps, router_dexes=frozenset({pool.dex}), head=head)
            # The fee-free openings: a V2 pair lends the route its input by flash swap.
            sendable = [o for o in found if o.route.hops[0].kind == "uniswap-v2"]
            assert sendable, found
            best = sendable[0]
            assert best.source is OpportunitySource.MEMPOOL
            assert best.trigger_tx == tx_hash
            assert any(h.pool == pool.address for h in best.route.hops)
            start = best.route.token_in

            await net.send(victim)
            calldata = codec.calldata(
                best.route,
                best.amount_in,
                min_profit=best.gross_profit,
                deadline_block=FAR_DEADLINE_BLOCK,
            )
            before = await _balance(rpc, start, executor.address)
            receipt = await net.send(
                {"from": _BOT, "to": executor.address, "data": "0x" + calldata.hex(), "gas": _GAS}
            )
            assert int(receipt["blockNumber"], 16) == head.number + 2
            after = await _balance(rpc, start, executor.address)
            assert after - before == best.gross_profit > 0


async def _balance(rpc: RpcClient, token: str, holder: str) -> int:
    answer = await rpc.call(
        "eth_call", {"to": token, "data": encode_call("balanceOf(address)", holder)}, "latest"
    )
    return int(answer, 16)
