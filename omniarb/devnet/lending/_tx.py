"""What deploying a lender sends and reads: the deployer it is handed (`TxSender`), view calls,
waits on the few transactions whose effect the next step reads, and the tokens it lends.

Sends are otherwise not waited on: the chain's deployment checks every receipt at its end.
"""

from __future__ import annotations

from typing import Any

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.catalog import REFERENCE_PRICES_USD
from omniarb.devnet.pricing import amount_for_usd
from omniarb.devnet.tx_sender import TxSender
from omniarb.errors import DevnetError
from omniarb.network import TokenEntry

__all__ = ["TxSender", "fund", "mined", "usd_amount", "view"]

# A devnet transaction is mined within a block time or two; this only bounds a stuck node.
_RECEIPT_TIMEOUT_S = 30.0


async def view(rpc: RpcClient, to: str, signature: str, out: str, *args: Any) -> Any:
    answer = await rpc.call("eth_call", {"to": to, "data": encode_call(signature, *args)}, "latest")
    return decode([out], answer)[0]


async def mined(rpc: RpcClient, tx_hash: str, label: str) -> None:
    """Wait for a transaction whose effect the next step reads; it must have succeeded."""
    receipt = await wait_for_receipt(rpc, tx_hash, timeout_s=_RECEIPT_TIMEOUT_S)
    if receipt is None:
        raise DevnetError(f"{label}: transaction {tx_hash} was not mined")
    if int(receipt["status"], 16) != 1:
        raise DevnetError(f"{label}: transaction {tx_hash} reverted")


async def fund(deployer: TxSender, token: TokenEntry, to: str, amount: int) -> None:
    """Put `amount` of `token` at `to`: wrap and transfer native, or mint (the deployer owns
    every DevToken)."""
    if token.wrapped_native:
        await deployer.send(
            f"wrap {token.symbol}", token.address, encode_call("deposit()"), value=amount
        )
        if to != deployer.address:
            await deployer.send(
                f"fund {token.symbol}",
                token.address,
                encode_call("transfer(address,uint256)", to, amount),
            )
    else:
        await deployer.send(
            f"mint {token.symbol}", token.address, encode_call("mint(address,uint256)", to, amount)
        )


def usd_amount(token: TokenEntry, usd: int) -> int:
    return amount_for_usd(usd, REFERENCE_PRICES_USD[token.asset], token.decimals)
