"""Shared set-up of the custody tests: a devnet chain whose bot executor is owned by the
chain's Safe (made by `DevnetAccess`, as the engine does), and token helpers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.accounts import DEPLOYER_INDEX, dev_account
from omniarb.devnet.bot_access import DevnetAccess
from omniarb.network import ChainManifest

CHAIN = "ethereum"
DEPLOYER = dev_account(DEPLOYER_INDEX).address
# Far past anvil's funded accounts and every role's index: a stranger.
STRANGER = dev_account(45).address


@dataclass(frozen=True, slots=True, kw_only=True)
class Owned:
    chain: ChainManifest
    executor: str
    bot: str
    safe: str


async def safe_owned_executor(manifest_path: Path, chain: ChainManifest, rpc: RpcClient) -> Owned:
    access = DevnetAccess(manifest_path)
    signer = access.signer(chain)
    executor = await access.executor(chain, rpc, signer)
    assert chain.safe is not None
    return Owned(chain=chain, executor=executor, bot=signer.address, safe=chain.safe.address)


async def balance_of(rpc: RpcClient, token: str, holder: str) -> int:
    call = {"to": token, "data": encode_call("balanceOf(address)", holder)}
    return int(decode(["uint256"], await rpc.call("eth_call", call, "latest"))[0])


async def send(
    rpc: RpcClient, sender: str, to: str, data: str, *, value: int = 0
) -> dict[str, Any]:
    """Send from an unlocked account with a fixed gas limit (no estimate: a revert is mined)."""
    tx = {"from": sender, "to": to, "data": data, "gas": hex(500_000), "value": hex(value)}
    tx_hash = await rpc.call("eth_sendTransaction", tx)
    receipt = await wait_for_receipt(rpc, tx_hash, timeout_s=30.0)
    assert receipt is not None, f"{tx_hash} not mined in 30 s"
    return receipt


async def mint(rpc: RpcClient, token: str, to: str, amount: int) -> None:
    """The deployer mints a devnet token (DevToken's `mint`)."""
    receipt = await send(rpc, DEPLOYER, token, encode_call("mint(address,uint256)", to, amount))
    assert int(receipt["status"], 16) == 1
