"""Changing what the devnet's flash lenders can lend, and planting gaps through Uniswap V3.

Lives at the root of tests/ (on sys.path through tests/conftest.py): the allocator's and the
engine's integration tests both use it. A lender is emptied of one token by impersonating it
(anvil) and sending its whole balance away: its contract is untouched, it simply holds nothing
to lend, as a real lender whose liquidity was borrowed out. `fill_wrapped_native` does the
opposite for the Balancer Vault, which lends any token it holds: a dev account wraps its own
coin and sends it there, as a pool join would.
"""

from __future__ import annotations

from typing import Any

from _receipts import mined_receipt

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.accounts import dev_account
from omniarb.network import ChainManifest, PoolEntry

DEADLINE = 2**32 - 1
SINK = "0x000000000000000000000000000000000000dEaD"
V3_EXACT_INPUT = (
    "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))"
)


async def mined(rpc: RpcClient, tx_hash: str) -> dict[str, Any]:
    """The receipt of `tx_hash`, mined or reverted (callers check the status they expect)."""
    return await mined_receipt(rpc, tx_hash, succeeded=False)


async def balance_of(
    rpc: RpcClient, token: str, holder: str, block: str | dict[str, str] = "latest"
) -> int:
    answer = await rpc.call(
        "eth_call", {"to": token, "data": encode_call("balanceOf(address)", holder)}, block
    )
    return int(decode(["uint256"], answer)[0])


async def empty(rpc: RpcClient, token: str, holder: str) -> None:
    """Send `holder`'s whole balance of `token` away, as `holder` (impersonated)."""
    amount = await balance_of(rpc, token, holder)
    await rpc.call("anvil_impersonateAccount", holder)
    await rpc.call("anvil_setBalance", holder, hex(10**18))
    try:
        tx_hash = await rpc.call(
            "eth_sendTransaction",
            {
                "from": holder,
                "to": token,
                "data": encode_call("transfer(address,uint256)", SINK, amount),
                "gas": hex(200_000),
            },
        )
        receipt = await mined(rpc, tx_hash)
        assert int(receipt["status"], 16) == 1
    finally:
        await rpc.call("anvil_stopImpersonatingAccount", holder)
    assert await balance_of(rpc, token, holder) == 0


async def fill_wrapped_native(
    rpc: RpcClient, chain: ChainManifest, holder: str, amount: int, *, funder: int = 1
) -> None:
    """Add `amount` of the chain's wrapped native coin to `holder`'s balance."""
    wrapped = next(t for t in chain.tokens if t.wrapped_native).address
    sender = dev_account(funder).address
    before = await balance_of(rpc, wrapped, holder)
    for data, value in (
        (encode_call("deposit()"), amount),
        (encode_call("transfer(address,uint256)", holder, amount), 0),
    ):
        tx_hash = await rpc.call(
            "eth_sendTransaction",
            {"from": sender, "to": wrapped, "data": data, "value": hex(value), "gas": hex(100_000)},
        )
        receipt = await mined(rpc, tx_hash)
        assert int(receipt["status"], 16) == 1
    assert await balance_of(rpc, wrapped, holder) == before + amount


def v3_pool(chain: ChainManifest, symbols: set[str], fee: int) -> PoolEntry:
    return next(
        p
        for p in chain.pools
        if p.kind == "uniswap-v3" and {p.symbol0, p.symbol1} == symbols and p.fee == fee
    )


def swap_v3_tx(
    chain: ChainManifest,
    *,
    token_in: str,
    token_out: str,
    fee: int,
    amount_in: int,
    trader: int = 1,
) -> dict[str, str]:
    """The transaction of a trader swapping `amount_in` (base units) through the V3 SwapRouter
    (tokens by symbol), for `eth_sendTransaction`."""
    sender = dev_account(trader).address
    data = encode_call(
        V3_EXACT_INPUT,
        (
            chain.token(token_in).address,
            chain.token(token_out).address,
            fee,
            sender,
            DEADLINE,
            amount_in,
            0,
            0,
        ),
    )
    return {
        "from": sender,
        "to": chain.dex("uniswap-v3").router,
        "data": data,
        "gas": hex(2_000_000),
    }


async def swap_v3(
    rpc: RpcClient,
    chain: ChainManifest,
    *,
    token_in: str,
    token_out: str,
    fee: int,
    amount_in: int,
    trader: int = 1,
) -> None:
    """A trader swaps `amount_in` (base units) through the V3 SwapRouter (tokens by symbol)."""
    tx = swap_v3_tx(
        chain, token_in=token_in, token_out=token_out, fee=fee, amount_in=amount_in, trader=trader
    )
    receipt = await mined(rpc, await rpc.call("eth_sendTransaction", tx))
    assert int(receipt["status"], 16) == 1
