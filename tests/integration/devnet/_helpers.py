"""Plumbing shared by the devnet contract tests: batched reads, transactions, CREATE2.

Everything here talks JSON-RPC through `RpcClient` and encodes with `omniarb.chains.abi`; the
tests own every assertion about what the contracts answer.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from _receipts import mined_receipt
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.paths import node_modules

ALL_CHAINS = ("ethereum", "bnb", "polygon", "arbitrum", "optimism")
DEADLINE = 2**32 - 1
_TX_GAS = 3_000_000


def automine(*names: str) -> dict[str, None]:
    """Block times for `devnet_factory`: every named chain (default: all five) on automine."""
    return dict.fromkeys(names or ALL_CHAINS)


def same(a: str, b: str) -> bool:
    """Two addresses are equal regardless of checksum case."""
    return a.lower() == b.lower()


async def call_many(
    rpc: RpcClient, calls: Sequence[tuple[str, str]], block: str = "latest"
) -> list[str]:
    """`eth_call` every (to, calldata) at `block` in one HTTP batch; raw hex results in order."""
    answers = await rpc.batch(
        [("eth_call", [{"to": to, "data": data}, block]) for to, data in calls]
    )
    return [str(answer) for answer in answers]


async def read(
    rpc: RpcClient,
    to: str,
    signature: str,
    out_types: Sequence[str],
    *args: Any,
    block: str = "latest",
) -> tuple[Any, ...]:
    """One decoded `eth_call`."""
    answer = await rpc.call("eth_call", {"to": to, "data": encode_call(signature, *args)}, block)
    return decode(out_types, answer)


async def balances_of(
    rpc: RpcClient, holder: str, tokens: Sequence[str], block: str = "latest"
) -> list[int]:
    """ERC-20 `balanceOf(holder)` for each token, in one batch."""
    data = encode_call("balanceOf(address)", holder)
    answers = await call_many(rpc, [(token, data) for token in tokens], block)
    return [decode(["uint256"], answer)[0] for answer in answers]


async def send(
    rpc: RpcClient, sender: str, to: str, data: str, *, gas: int = _TX_GAS
) -> dict[str, Any]:
    """Send from an unlocked account on an automine chain; return the receipt (status must be 1)."""
    tx_hash = await rpc.call(
        "eth_sendTransaction", {"from": sender, "to": to, "data": data, "gas": hex(gas)}
    )
    return await mined_receipt(rpc, tx_hash)


def create2_address(deployer: str, salt: bytes, init_code_hash: bytes) -> str:
    """EIP-1014: keccak(0xff ++ deployer ++ salt ++ keccak(init_code))[12:], checksummed."""
    digest = keccak(b"\xff" + bytes.fromhex(deployer.removeprefix("0x")) + salt + init_code_hash)
    return str(to_checksum_address(digest[12:]))


def npm_creation_code(relative_path: str) -> bytes:
    """The creation bytecode in an npm artifact (Waffle: hex without 0x; Hardhat: with 0x)."""
    data = json.loads((node_modules() / relative_path).read_text())
    bytecode: str = data["bytecode"]
    return bytes.fromhex(bytecode.removeprefix("0x"))
