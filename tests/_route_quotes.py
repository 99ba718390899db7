"""A route's profit at a past block, read from the deployed contracts: an oracle independent
of our math and of the manifest's fees for the engine tests. V2 pairs through their DEX's
Router02 `getAmountsOut` (whose library hard-codes that fork's fee and init code hash), V3 pools
through QuoterV2, PancakeSwap V3 pools through the devnet router's `quote` (the pool's own
swap), Uniswap V4 pools through V4Quoter, Algebra Integral pools through its QuoterV2. Lives at
the root of tests/ (on sys.path through tests/conftest.py)."""

from __future__ import annotations

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.network import ChainManifest

QUOTE_IN = "quoteExactInputSingle((address,address,uint256,uint24,uint160))"
GET_AMOUNTS_OUT = "getAmountsOut(uint256,address[])"
POOL_QUOTE = "quote(address,bool,int256,uint160)"
# Algebra Integral's QuoterV2: (tokenIn, tokenOut, deployer (0: the factory's own pools),
# amountIn, limitSqrtPrice) -> amountOut, amountIn, sqrtPriceX96After, ticks crossed, gas, fee.
ALGEBRA_QUOTE_IN = "quoteExactInputSingle((address,address,address,uint256,uint160))"
ALGEBRA_QUOTE_TYPES = ["uint256", "uint256", "uint160", "uint32", "uint256", "uint16"]
V4_QUOTE_IN = "quoteExactInputSingle(((address,address,uint24,int24,address),bool,uint128,bytes))"
# The loosest price limits a V3-family pool accepts (v3-core TickMath ± 1).
NO_LIMIT = {True: 4295128740, False: 1461446703485210103287273052203988822378723970341}


async def hop_out(
    rpc: RpcClient, chain: ChainManifest, hop: dict[str, str], amount_in: int, block: int
) -> int:
    """What `hop` pays for `amount_in` on the state after `block`, read from the deployed
    contracts: a V2 pair through its DEX's router, a V3 pool through QuoterV2, a PancakeSwap V3
    pool through itself."""
    token_in, token_out = chain.token(hop["token_in"]), chain.token(hop["token_out"])
    if amount_in == 0:
        return 0
    if hop["kind"] == "uniswap-v3":
        pool = next(p for p in chain.pools if p.address.lower() == hop["pool"].lower())
        quoter = chain.dex(pool.dex).quoter
        params = (token_in.address, token_out.address, amount_in, pool.fee, 0)
        answer = await rpc.call(
            "eth_call", {"to": quoter, "data": encode_call(QUOTE_IN, params)}, hex(block)
        )
        amount_out: int = decode(["uint256", "uint160", "uint32", "uint256"], answer)[0]
        return amount_out
    if hop["kind"] == "uniswap-v4":
        pool = next(p for p in chain.pools if p.address.lower() == hop["pool"].lower())
        # The manifest keys the pool by its real currencies: a pool of the native coin holds
        # it as currency 0 (address 0), where the route carries the wrapped token.
        zero_for_one = token_out.address.lower() == pool.token1.lower()
        key = (pool.token0, pool.token1, pool.fee, pool.tick_spacing, "0x" + "00" * 20)
        data = encode_call(V4_QUOTE_IN, (key, zero_for_one, amount_in, b""))
        quoter = chain.dex(pool.dex).quoter
        answer = await rpc.call("eth_call", {"to": quoter, "data": data}, hex(block))
        v4_out: int = decode(["uint256", "uint256"], answer)[0]
        return v4_out
    if hop["kind"] == "algebra-integral":
        params = (token_in.address, token_out.address, "0x" + "00" * 20, amount_in, 0)
        quoter = chain.dex(hop["dex"]).quoter
        answer = await rpc.call(
            "eth_call", {"to": quoter, "data": encode_call(ALGEBRA_QUOTE_IN, params)}, hex(block)
        )
        algebra_out: int = decode(ALGEBRA_QUOTE_TYPES, answer)[0]
        return algebra_out
    if hop["kind"] == "pancakeswap-v3":
        zero_for_one = int(token_in.address, 16) < int(token_out.address, 16)
        data = encode_call(POOL_QUOTE, hop["pool"], zero_for_one, amount_in, NO_LIMIT[zero_for_one])
        router = chain.dex(hop["dex"]).router
        answer = await rpc.call("eth_call", {"to": router, "data": data}, hex(block))
        amount0, amount1, _, _ = decode(["int256", "int256", "uint160", "int24"], answer)
        return -(amount1 if zero_for_one else amount0)
    dex = chain.dex(hop["dex"])
    pair = await rpc.call(
        "eth_call",
        {
            "to": dex.factory,
            "data": encode_call("getPair(address,address)", token_in.address, token_out.address),
        },
        "latest",
    )
    # The factory's pair of the two tokens is the hop's pool, and the router reaches it by its
    # own hard-coded init code hash (else getAmountsOut reverts).
    assert decode(["address"], pair)[0].lower() == hop["pool"].lower(), hop
    data = encode_call(GET_AMOUNTS_OUT, amount_in, [token_in.address, token_out.address])
    answer = await rpc.call("eth_call", {"to": dex.router, "data": data}, hex(block))
    amounts: list[int] = decode(["uint256[]"], answer)[0]
    return amounts[1]


async def route_profit(
    rpc: RpcClient, chain: ChainManifest, route: list[dict[str, str]], amount_in: int, block: int
) -> int:
    amount = amount_in
    for hop in route:
        amount = await hop_out(rpc, chain, hop, amount, block)
    return amount - amount_in
