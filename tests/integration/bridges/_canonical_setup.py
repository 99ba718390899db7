"""Plumbing of the canonical bridge tests: a trader sends the adapter's calls, balances and the
destination's finalization logs are read back."""

from __future__ import annotations

from typing import Any

from _receipts import mined_receipt

from omniarb.bridges import BridgeQuote, CanonicalBridge, Deposit
from omniarb.bridges.canonical_events import DEPOSIT_FINALIZED_TOPIC, uint_topic
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.network import ChainManifest

SRC, DST = "optimism", "arbitrum"


async def balance_of(rpc: RpcClient, token: str, holder: str) -> int:
    answer = await rpc.call(
        "eth_call", {"to": token, "data": encode_call("balanceOf(address)", holder)}, "latest"
    )
    return int(decode(["uint256"], answer)[0])


async def send_deposit(
    bridge: CanonicalBridge,
    rpc: RpcClient,
    quote: BridgeQuote,
    *,
    sender: str,
    recipient: str,
) -> tuple[Deposit, list[dict[str, Any]]]:
    """Send the adapter's calls from `sender` (an unlocked trader) in order; the deposit the
    adapter finds in the last receipt, and every receipt."""
    receipts = []
    for call in bridge.deposit_calls(quote, sender=sender, recipient=recipient):
        tx_hash = await rpc.call(
            "eth_sendTransaction",
            {
                "from": sender,
                "to": call.to,
                "data": "0x" + call.data.hex(),
                "value": hex(call.value),
                "gas": hex(call.gas),
            },
        )
        receipts.append(await mined_receipt(rpc, tx_hash))
    deposit = await bridge.find_deposit(quote.src_chain, receipts[-1]["transactionHash"])
    assert deposit is not None, "the adapter found no deposit in the deposit's receipt"
    return deposit, receipts


async def finalizations(rpc: RpcClient, chain: ChainManifest, src_chain_id: int, nonce: int) -> int:
    """How many `DepositFinalized` the destination's bridge emitted for (source, nonce)."""
    logs = await rpc.call(
        "eth_getLogs",
        {
            "address": chain.bridge("canonical").address,
            "topics": [DEPOSIT_FINALIZED_TOPIC, uint_topic(src_chain_id), uint_topic(nonce)],
            "fromBlock": "0x0",
            "toBlock": "latest",
        },
    )
    return len(logs)
