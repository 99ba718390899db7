"""Transactions of the devnet deployment: sent from anvil's unlocked dev accounts
(`eth_sendTransaction`) with fixed gas limits on an automine node, in nonce order, so no estimate
runs against a state that is not mined yet; every receipt is checked once at the end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eth_utils.address import to_checksum_address

from omniarb.chains.abi import encode_args
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.contracts import Artifact
from omniarb.errors import DevnetError

__all__ = ["Sender", "check_all", "checksum", "mined_receipt"]

_DEPLOY_GAS = 12_000_000
_CALL_GAS = 1_000_000
# A devnet transaction is mined within a block time or two; this only bounds a stuck node.
_RECEIPT_TIMEOUT_S = 30.0


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
        data = artifact.bytecode + encode_args(types, args).hex()
        tx_hash = await self.send(label, None, data, gas=_DEPLOY_GAS)
        receipt = await mined_receipt(self.rpc, tx_hash)
        if int(receipt["status"], 16) != 1 or not receipt.get("contractAddress"):
            raise DevnetError(f"deploying {label} failed (tx {tx_hash})")
        address: str = receipt["contractAddress"]
        return checksum(address)


def checksum(address: str) -> str:
    return str(to_checksum_address(address))


async def mined_receipt(rpc: RpcClient, tx_hash: str) -> dict[str, Any]:
    receipt = await wait_for_receipt(rpc, tx_hash, timeout_s=_RECEIPT_TIMEOUT_S)
    if receipt is None:
        raise DevnetError(f"transaction {tx_hash} was not mined")
    return receipt


async def check_all(rpc: RpcClient, sent: list[tuple[str, str]]) -> None:
    """Every transaction mined with status 1; a failure names what it was for."""
    if not sent:
        return
    await mined_receipt(rpc, sent[-1][1])
    for start in range(0, len(sent), 200):
        chunk = sent[start : start + 200]
        receipts = await rpc.batch([("eth_getTransactionReceipt", [h]) for _, h in chunk])
        for (label, tx_hash), receipt in zip(chunk, receipts, strict=True):
            if receipt is None:
                raise DevnetError(f"{label}: transaction {tx_hash} was not mined")
            if int(receipt["status"], 16) != 1:
                raise DevnetError(f"{label}: transaction {tx_hash} reverted")
