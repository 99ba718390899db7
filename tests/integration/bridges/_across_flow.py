"""What the Across tests share: the devnet's chains as RPC clients, an adapter over them, and a
deposit sent through the adapter's calls from an unlocked devnet account."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

from _receipts import mined_receipt

from omniarb.bridges.across import AcrossBridge
from omniarb.bridges.across_abi import FILLED_RELAY_TOPIC
from omniarb.bridges.base import BridgeQuote, Deposit
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.network import Manifest

USDC = "USDC"


@asynccontextmanager
async def across_over(
    manifest: Manifest, api_url: str | None = None
) -> AsyncIterator[tuple[AcrossBridge, dict[str, RpcClient]]]:
    """An adapter over every chain of `manifest`, and its RPC clients by chain name."""
    async with AsyncExitStack() as stack:
        rpcs = {
            c.name: await stack.enter_async_context(RpcClient(c.rpc_http)) for c in manifest.chains
        }
        across = await stack.enter_async_context(AcrossBridge(manifest, rpcs, api_url=api_url))
        yield across, rpcs


async def send_deposit(
    across: AcrossBridge, rpc: RpcClient, quote: BridgeQuote, *, sender: str, recipient: str
) -> Deposit:
    """Send the adapter's calls for `quote` from the unlocked `sender`; the deposit found."""
    tx_hash = ""
    for call in across.deposit_calls(quote, sender=sender, recipient=recipient):
        tx = {"from": sender, "to": call.to, "data": "0x" + call.data.hex(), "gas": hex(call.gas)}
        tx_hash = await rpc.call("eth_sendTransaction", tx)
        await mined_receipt(rpc, tx_hash)
    deposit = await across.find_deposit(quote.src_chain, tx_hash)
    assert deposit is not None, f"no FundsDeposited in {tx_hash}"
    return deposit


async def balance_of(rpc: RpcClient, token: str, owner: str) -> int:
    data = encode_call("balanceOf(address)", owner)
    (balance,) = decode(
        ["uint256"], await rpc.call("eth_call", {"to": token, "data": data}, "latest")
    )
    return int(balance)


async def filled_relay_logs(rpc: RpcClient, spoke_pool: str) -> list[dict[str, Any]]:
    """Every FilledRelay of `spoke_pool` (a test devnet's short history)."""
    logs: list[dict[str, Any]] = await rpc.call(
        "eth_getLogs",
        {
            "address": spoke_pool,
            "topics": [FILLED_RELAY_TOPIC],
            "fromBlock": "0x0",
            "toBlock": "latest",
        },
    )
    return logs
