"""A chain for the relay tests: a bare anvil (block time 1 s, `--order fifo`, as a devnet
node) with the devnet-only `CoinbasePayer` deployed, and signed transactions from anvil's
public dev accounts (eth-account signs them; nothing here is a stand-in).

Lives beside the relay tests (imported by name, as pytest puts this folder on sys.path).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from _receipts import mined_receipt
from eth_account import Account
from eth_utils.address import to_checksum_address

from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.contracts import load_artifact
from omniarb.devnet.accounts import dev_account
from omniarb.devnet.anvil import AnvilNode, AnvilOptions

CHAIN_ID = 31337
BLOCK_TIME_S = 1.0
GWEI = 10**9
CLAIM_GAS = 100_000
TRANSFER_GAS = 21_000


@dataclass(frozen=True, slots=True, kw_only=True)
class RelayChain:
    node: AnvilNode
    rpc: RpcClient
    payer: str


@asynccontextmanager
async def relay_chain() -> AsyncIterator[RelayChain]:
    """A running chain with `CoinbasePayer` deployed (mined by the chain's own interval)."""
    node = await AnvilNode.start(
        AnvilOptions(chain_id=CHAIN_ID, block_time_s=BLOCK_TIME_S, accounts=12, fifo=True)
    )
    try:
        async with RpcClient(node.rpc_http) as rpc:
            deployer = dev_account(0).address
            tx_hash = await rpc.call(
                "eth_sendTransaction",
                {
                    "from": deployer,
                    "data": load_artifact("CoinbasePayer").bytecode,
                    "gas": hex(500_000),
                },
            )
            receipt = await mined_receipt(rpc, tx_hash, timeout_s=10.0)
            yield RelayChain(node=node, rpc=rpc, payer=receipt["contractAddress"])
    finally:
        await node.stop()


async def nonce_of(rpc: RpcClient, index: int) -> int:
    return int(await rpc.call("eth_getTransactionCount", dev_account(index).address, "latest"), 16)


async def balance_of(rpc: RpcClient, address: str, block: str = "latest") -> int:
    return int(await rpc.call("eth_getBalance", address, block), 16)


def sign(
    index: int,
    *,
    nonce: int,
    to: str,
    tip_wei: int = GWEI,
    value_wei: int = 0,
    data: str = "0x",
    gas: int = TRANSFER_GAS,
) -> tuple[str, str]:
    """(raw 0x hex, tx hash) of an EIP-1559 transaction from dev account `index`."""
    tx: dict[str, Any] = {
        "type": 2,
        "chainId": CHAIN_ID,
        "nonce": nonce,
        "to": to_checksum_address(to),
        "value": value_wei,
        "data": data,
        "gas": gas,
        "maxFeePerGas": 20 * GWEI + tip_wei,
        "maxPriorityFeePerGas": tip_wei,
    }
    signed = Account.sign_transaction(tx, dev_account(index).private_key)
    return "0x" + bytes(signed.raw_transaction).hex(), "0x" + bytes(signed.hash).hex()


def claim_data(opportunity: int) -> str:
    """`CoinbasePayer.claim(bytes32)` for an opportunity id."""
    return encode_call("claim(bytes32)", opportunity.to_bytes(32, "big"))


def address(index: int) -> str:
    return dev_account(index).address
