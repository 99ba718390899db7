"""The router book on a devnet chain's own manifest: the market's swap calldata for every pool of
every kind the chain deploys (`devnet_kind(kind).swap_calldata`, what the market's traders send)
decodes through the book to the swap it asked for: the pool's DEX and kind, the tokens in and
out (the native coin named by the wrapped token), the amount in and the recipient. Arbitrum's
devnet has all seven kinds. A multi-hop Algebra Integral `exactInput` packed as the decoder
reads Integral paths (token, deployer, token: no fee bytes) is accepted by the deployed
SwapRouter, so the format is Integral's, not only the decoder's own idea."""

from __future__ import annotations

from collections import Counter

import pytest
from _abi_calls import AbiCalls

from omniarb.chains.abi import decode
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.kinds import devnet_kind, is_deployed
from omniarb.dex.algebra.router import decode_algebra_router_call
from omniarb.dex.router_book import DecodeCounts, RouterBook
from omniarb.dex.router_decoder import NATIVE_COIN
from omniarb.dex.routers import DEX_ROUTERS

pytestmark = pytest.mark.integration

_CHAIN = "arbitrum"
_AMOUNT_IN = 12_345


async def test_the_markets_swaps_decode_through_the_book_to_what_they_ask(
    devnet_factory,
) -> None:
    async with devnet_factory({_CHAIN: None}) as net:
        chain = net.manifest.chain(_CHAIN)
        book = RouterBook.from_manifest(chain)
        weth = next(t.address for t in chain.tokens if t.wrapped_native)
        trader = chain.traders[0]
        pools = [p for p in chain.pools if is_deployed(p.kind)]
        assert {p.kind for p in pools} == set(DEX_ROUTERS)
        decoded: Counter[str] = Counter()
        for pool in pools:
            router = chain.dex(pool.dex).router
            for token_in, token_out in ((pool.token0, pool.token1), (pool.token1, pool.token0)):
                data = devnet_kind(pool.kind).swap_calldata(
                    pool, token_in, token_out, _AMOUNT_IN, trader
                )
                native_in = token_in.lower() == NATIVE_COIN
                call = book.decode(router, bytes.fromhex(data[2:]), _AMOUNT_IN if native_in else 0)
                assert call.outcome == "swaps", (pool, call)
                (routed,) = call.swaps
                assert (routed.dex, routed.pool_kind) == (pool.dex, pool.kind)
                named = [weth if t.lower() == NATIVE_COIN else t for t in (token_in, token_out)]
                assert [t.lower() for t in routed.swap.path] == [t.lower() for t in named]
                assert routed.swap.native_in == native_in
                assert routed.swap.native_out == (token_out.lower() == NATIVE_COIN)
                assert (routed.swap.exact_input, routed.swap.amount_in) == (True, _AMOUNT_IN)
                # PoolSwapTest pays its caller: no recipient in the calldata.
                assert routed.swap.recipient.lower() in (trader.lower(), "")
                # The pool where the call names it (Balancer, V4, the dev router), else unknown.
                named_pool = pool.address.lower() if routed.swap.pool_ids else ""
                assert [p.lower() for p in routed.pools] == [named_pool]
                decoded[pool.kind] += 1
        assert set(decoded) == set(DEX_ROUTERS)
        assert isinstance(book.observer, DecodeCounts)
        assert book.observer.count("swaps") == sum(decoded.values())


async def test_a_multi_hop_integral_path_as_the_decoder_reads_it_is_the_routers_own(
    devnet_factory,
) -> None:
    async with devnet_factory({_CHAIN: None}) as net:
        chain = net.manifest.chain(_CHAIN)
        trader = chain.traders[0]
        algebra = [p for p in chain.pools if p.kind == "algebra-integral"]
        first, second, middle = next(
            (a, b, shared)
            for a in algebra
            for b in algebra
            if a is not b
            for shared in {a.token0, a.token1} & {b.token0, b.token1}
        )
        token_in = first.token1 if first.token0 == middle else first.token0
        token_out = second.token1 if second.token0 == middle else second.token0
        zero = bytes(20)
        path = b"".join(
            (bytes.fromhex(token_in[2:]), zero, bytes.fromhex(middle[2:]), zero)
        ) + bytes.fromhex(token_out[2:])
        router = chain.dex(first.dex).router
        abi = AbiCalls.npm(
            "@cryptoalgebra/integral-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json"
        )
        # A hundredth of a token: within every trader's funds, whatever its decimals.
        amount_in = 10 ** (chain.token_by_address(token_in).decimals - 2)
        data = abi.call("exactInput", (path, trader, 2**32 - 1, amount_in, 1))
        (swap,) = decode_algebra_router_call(data)
        assert [t.lower() for t in swap.path] == [t.lower() for t in (token_in, middle, token_out)]
        async with RpcClient(chain.rpc_http) as rpc:
            answer = await rpc.call(
                "eth_call", {"from": trader, "to": router, "data": "0x" + data.hex()}, "latest"
            )
        (amount_out,) = decode(["uint256"], answer)
        assert amount_out > 0
