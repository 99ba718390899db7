"""Transactions of the devnet deployment: sent from anvil's unlocked dev accounts
(`eth_sendTransaction`) with fixed gas limits, in nonce order, without waiting for each to be
mined, so no estimate runs against a state that is not mined yet; every receipt is checked once
at the end.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_utils.address import to_checksum_address

from omniarb.chains.abi import encode_args
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.contracts import Artifact
from omniarb.errors import DevnetError

__all__ = [
    "Sender",
    "check_all",
    "checksum",
    "deployed_address",
    "mined_receipt",
    "receipts_of",
]

_DEPLOY_GAS = 12_000_000
_CALL_GAS = 1_000_000
# A devnet transaction is mined within a block time or two; this only bounds a stuck node.
_RECEIPT_TIMEOUT_S = 30.0
_RECEIPT_POLL_S = 0.01
_RECEIPT_BATCH = 500


@dataclass(slots=True)
class Sender:
    """Sends transactions from one unlocked account and remembers their hashes for checking."""

    rpc: RpcClient
    address: str
    sent: list[tuple[str, str]] = field(default_factory=list)

    async def send(
        self, label: str, to: str | None, data: str, *, value: int = 0, gas: int = _CALL_GAS
    ) -> str:
        tx: dict[str, Any] = {"from": self.address, "data": data, "gas": hex(gas)}
        if to is not None:
            tx["to"] = to
        if value:
            tx["value"] = hex(value)
        tx_hash: str = await self.rpc.call("eth_sendTransaction", tx)
        self.sent.append((label, tx_hash))
        return tx_hash

    async def deploy(
        self, label: str, artifact: Artifact, types: Sequence[str] = (), args: Sequence[Any] = ()
    ) -> str:
        tx_hash = await self.send_deploy(label, artifact, types, args)
        return deployed_address(label, tx_hash, await mined_receipt(self.rpc, tx_hash))

    async def send_deploy(
        self, label: str, artifact: Artifact, types: Sequence[str] = (), args: Sequence[Any] = ()
    ) -> str:
        """Send a contract creation without waiting for it; its hash."""
        data = artifact.bytecode + encode_args(types, args).hex()
        return await self.send(label, None, data, gas=_DEPLOY_GAS)


def deployed_address(label: str, tx_hash: str, receipt: dict[str, Any]) -> str:
    """The address a contract creation's receipt reports; it must have succeeded."""
    if int(receipt["status"], 16) != 1 or not receipt.get("contractAddress"):
        raise DevnetError(f"deploying {label} failed (tx {tx_hash})")
    address: str = receipt["contractAddress"]
    return checksum(address)


def checksum(address: str) -> str:
    return str(to_checksum_address(address))


async def mined_receipt(rpc: RpcClient, tx_hash: str) -> dict[str, Any]:
    """The receipt of `tx_hash`, mining a block first: the deployment node mines on demand
    (`omniarb.devnet.deploy._miner`); on an automine node the block is merely empty."""
    await rpc.call("evm_mine")
    receipt = await wait_for_receipt(rpc, tx_hash, timeout_s=_RECEIPT_TIMEOUT_S)
    if receipt is None:
        raise DevnetError(f"transaction {tx_hash} was not mined")
    return receipt


async def receipts_of(rpc: RpcClient, sent: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    """The receipts of `sent` (label, hash), in order, once all are mined: on a node that
    mines on an interval, the last one sent is not always in the last block."""
    if not sent:
        return []
    await mined_receipt(rpc, sent[-1][1])
    deadline = time.monotonic() + _RECEIPT_TIMEOUT_S
    receipts: list[dict[str, Any] | None] = [None] * len(sent)
    while True:
        missing = [i for i, receipt in enumerate(receipts) if receipt is None]
        for start in range(0, len(missing), _RECEIPT_BATCH):
            chunk = missing[start : start + _RECEIPT_BATCH]
            answers = await rpc.batch([("eth_getTransactionReceipt", [sent[i][1]]) for i in chunk])
            for i, answer in zip(chunk, answers, strict=True):
                receipts[i] = answer
        late = [i for i, receipt in enumerate(receipts) if receipt is None]
        if not late:
            return [r for r in receipts if r is not None]
        if time.monotonic() > deadline:
            label, tx_hash = sent[late[0]]
            raise DevnetError(f"{label}: transaction {tx_hash} was not mined")
        await asyncio.sleep(_RECEIPT_POLL_S)


async def check_all(rpc: RpcClient, sent: list[tuple[str, str]]) -> None:
    """Every transaction mined with status 1; a failure names what it was for."""
    for (label, tx_hash), receipt in zip(sent, await receipts_of(rpc, sent), strict=True):
        if int(receipt["status"], 16) != 1:
            raise DevnetError(f"{label}: transaction {tx_hash} reverted")
