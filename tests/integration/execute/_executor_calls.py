"""Plumbing shared by the OmniArbExecutor tests on a devnet chain: the accounts, calls whose
revert is decoded to the executor's custom error, balances and Transfer logs, and hops.

The tests of the V2 flash swap (`_v2_arbitrage`) and of the other flash sources (`_flash_cases`)
each plant their own gap on top of this.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from _receipts import mined_receipt
from eth_utils.address import to_checksum_address

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet import dev_account
from omniarb.errors import ExecutionRevertedError
from omniarb.execute.executor_calldata import decode_executor_revert
from omniarb.execute.executor_contract import ExecutorContract
from omniarb.execute.route_codec import RouteCodec
from omniarb.network import ChainManifest, PoolEntry

CHAIN = "ethereum"
BOT = dev_account(9).address
TRADER = dev_account(1).address
OUTSIDER = dev_account(10).address
DEADLINE = 2**32 - 1
# keccak256("Transfer(address,address,uint256)")
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


async def wait_receipt(rpc: RpcClient, tx_hash: str) -> dict[str, Any]:
    return await mined_receipt(rpc, tx_hash, succeeded=False)


async def call(rpc: RpcClient, to: str, data: bytes | str, sender: str = BOT) -> str:
    payload = data if isinstance(data, str) else "0x" + data.hex()
    answer: str = await rpc.call("eth_call", {"from": sender, "to": to, "data": payload}, "latest")
    return answer


async def call_error(rpc: RpcClient, sender: str, to: str, data: bytes | str) -> tuple[str, tuple]:
    """`eth_call` that must revert: the executor's custom error name and (checksummed) args."""
    with pytest.raises(ExecutionRevertedError) as caught:
        await call(rpc, to, data, sender)
    reason = decode_executor_revert(caught.value.data)
    assert reason.name is not None, reason.message
    return reason.name, tuple(plain(arg) for arg in reason.args)


def plain(arg: Any) -> Any:
    """Decoded addresses come lower-case; compare them checksummed like the manifest's."""
    if isinstance(arg, str) and arg.startswith("0x") and len(arg) == 42:
        return str(to_checksum_address(arg))
    return arg


def encode_bytes(signature: str, *args: Any) -> bytes:
    return bytes.fromhex(encode_call(signature, *args)[2:])


async def balance_of(rpc: RpcClient, token: str, holder: str, block: str = "latest") -> int:
    data = encode_call("balanceOf(address)", holder)
    answer = await rpc.call("eth_call", {"to": token, "data": data}, block)
    return int(decode(["uint256"], answer)[0])


def transfers_of(receipt: dict[str, Any], token: str, holder: str) -> int:
    """Net amount of `token` that the receipt's Transfer logs moved into `holder`."""
    holder_topic = "0x" + "00" * 12 + holder.lower()[2:]
    net = 0
    for log in receipt["logs"]:
        if log["address"].lower() != token.lower() or log["topics"][0] != TRANSFER_TOPIC:
            continue
        amount = int(log["data"], 16)
        net += amount if log["topics"][2] == holder_topic else 0
        net -= amount if log["topics"][1] == holder_topic else 0
    return net


def pool_entry(chain: ChainManifest, address: str) -> PoolEntry:
    return next(p for p in chain.pools if p.address == address)


@dataclass
class Setup:
    """A chain with a fresh executor owned by the bot, and the codec of its registered DEXes."""

    rpc: RpcClient
    chain: ChainManifest
    executor: ExecutorContract
    codec: RouteCodec
