"""One fill of the devnet's Across relayer: `fillRelay` signed by the relayer's own key and sent
raw, like a real relayer's (the relayer's account is not one anvil unlocks), repaid on the
destination chain. EIP-1559 where the chain has it, a legacy gas price on BNB Chain."""

from __future__ import annotations

from typing import Any

from eth_account import Account

from omniarb.bridges.across_abi import AcrossRelay, fill_relay_calldata
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.accounts import DevAccount

__all__ = ["send_fill"]

# The estimate is for the state now; a margin covers a block that changes it a little.
_FILL_GAS_MARGIN = 1.25
_TIP_WEI = 10**9
_RECEIPT_TIMEOUT_S = 60.0


async def send_fill(
    rpc: RpcClient,
    account: DevAccount,
    relay: AcrossRelay,
    *,
    chain_id: int,
    spoke_pool: str,
    legacy: bool,
) -> tuple[bool, str]:
    """Fill `relay` on the destination behind `rpc`; (whether it succeeded, its hash). A fill
    that would revert raises the estimate's `RevertError` before anything is sent."""
    me = account.address
    data = fill_relay_calldata(relay, repayment_chain_id=chain_id, repayment=me)
    gas = await rpc.call("eth_estimateGas", {"from": me, "to": spoke_pool, "data": data})
    nonce = await rpc.call("eth_getTransactionCount", me, "pending")
    tx: dict[str, Any] = {
        "chainId": chain_id,
        "nonce": int(nonce, 16),
        "to": spoke_pool,
        "value": 0,
        "data": data,
        "gas": int(int(gas, 16) * _FILL_GAS_MARGIN),
    }
    if legacy:
        tx["gasPrice"] = int(await rpc.call("eth_gasPrice"), 16)
    else:
        block = await rpc.call("eth_getBlockByNumber", "latest", False)
        base_fee_wei = int(block.get("baseFeePerGas", "0x0"), 16)
        tx |= {
            "type": 2,
            "maxFeePerGas": 2 * base_fee_wei + _TIP_WEI,
            "maxPriorityFeePerGas": _TIP_WEI,
        }
    signed = Account.sign_transaction(tx, account.private_key)
    raw = "0x" + bytes(signed.raw_transaction).hex()
    tx_hash: str = await rpc.call("eth_sendRawTransaction", raw)
    receipt = await wait_for_receipt(rpc, tx_hash, timeout_s=_RECEIPT_TIMEOUT_S)
    return receipt is not None and int(receipt["status"], 16) == 1, tx_hash
