"""A route's profit at a past block, read from the deployed contracts (V2 pairs' reserves
through getAmountOut's formula, V3 pools through QuoterV2): an oracle independent of our math
for the engine tests. Lives at the root of tests/ (on sys.path through tests/conftest.py)."""

from __future__ import annotations

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.network import ChainManifest

QUOTE_IN = "quoteExactInputSingle((address,address,uint256,uint24,uint160))"


def _out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    # UniswapV2Library.getAmountOut with the 0.3% fee, written out again on purpose.
    with_fee = amount_in * 997
    return with_fee * reserve_out // (reserve_in * 1000 + with_fee)


async def hop_out(
    rpc: RpcClient, chain: ChainManifest, hop: dict[str, str], amount_in: int, block: int
) -> int:
    """What `hop` pays for `amount_in` on the state after `block`, read from the deployed
    contracts: a V2 pair's reserves through getAmountOut's formula, a V3 pool through QuoterV2."""
    token_in, token_out = chain.token(hop["token_in"]), chain.token(hop["token_out"])
    if hop["kind"] == "uniswap-v3":
        pool = next(p for p in chain.pools if p.address.lower() == hop["pool"].lower())
        quoter = chain.dex(pool.dex).quoter
        params = (token_in.address, token_out.address, amount_in, pool.fee, 0)
        answer = await rpc.call(
            "eth_call", {"to": quoter, "data": encode_call(QUOTE_IN, params)}, hex(block)
        )
        amount_out: int = decode(["uint256", "uint160", "uint32", "uint256"], answer)[0]
        return amount_out
    answer = await rpc.call(
        "eth_call", {"to": hop["pool"], "data": encode_call("getReserves()")}, hex(block)
    )
    reserve0, reserve1, _ = decode(["uint112", "uint112", "uint32"], answer)
    token0 = decode(
        ["address"],
        await rpc.call("eth_call", {"to": hop["pool"], "data": encode_call("token0()")}, "latest"),
    )[0]
    if token0.lower() == token_in.address.lower():
        return _out(amount_in, reserve0, reserve1)
    return _out(amount_in, reserve1, reserve0)


async def route_profit(
    rpc: RpcClient, chain: ChainManifest, route: list[dict[str, str]], amount_in: int, block: int
) -> int:
    amount = amount_in
    for hop in route:
        amount = await hop_out(rpc, chain, hop, amount, block)
    return amount - amount_in
