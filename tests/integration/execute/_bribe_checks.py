"""What a bribed trade must do on a devnet chain, checked from the chain itself.

The block's coinbase is set (`anvil_setCoinbase`) to a fresh account, given 1 wei so it exists
as a builder's fee recipient does (a value call to an empty account would cost 25,000 gas
more). Each transaction goes out with a fixed priority fee; anvil burns the base fee and pays the
priority fee to the coinbase, so the coinbase's gain is exactly the bribe plus gas used · (the
effective gas price − the block's base fee), the block holding our transaction alone.
"""

from __future__ import annotations

from typing import Any

from _executor_calls import balance_of, call, wait_receipt
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from omniarb.chains.abi import decode
from omniarb.chains.rpc import RpcClient
from omniarb.track.realized import BRIBE_PAID_TOPIC, bribe_paid, net_transfers
from omniarb.types import TxReceipt

COINBASE = str(to_checksum_address(keccak(text="omniarb: the bribe tests' coinbase")[-20:]))
TIP_WEI = 2 * 10**9
FEE_CAP_WEI = 200 * 10**9
TX_GAS = 2_000_000
BLOCK_TIME_S = 12


async def set_coinbase(rpc: RpcClient, coinbase: str = COINBASE, *, fund: bool = True) -> None:
    await rpc.call("anvil_setCoinbase", coinbase)
    if fund:
        await rpc.call("anvil_setBalance", coinbase, hex(1))


async def native_balance(rpc: RpcClient, account: str) -> int:
    return int(await rpc.call("eth_getBalance", account, "latest"), 16)


async def send_priced(rpc: RpcClient, sender: str, to: str, data: bytes) -> dict[str, Any]:
    """Send with a fixed gas limit and an EIP-1559 bid whose priority fee is `TIP_WEI`, mined
    `BLOCK_TIME_S` after the latest block; the receipt (status 0 if it reverted).

    The fixed timestamp makes gas comparable between two sends from one state: a V2 pair
    updates its price accumulators, and a V3 pool writes an oracle observation, only when the
    block's timestamp moved past its last update, which the wall clock would decide."""
    latest = await rpc.call("eth_getBlockByNumber", "latest", False)
    await rpc.call("evm_setNextBlockTimestamp", int(latest["timestamp"], 16) + BLOCK_TIME_S)
    tx = {
        "from": sender,
        "to": to,
        "data": "0x" + data.hex(),
        "gas": hex(TX_GAS),
        "maxFeePerGas": hex(FEE_CAP_WEI),
        "maxPriorityFeePerGas": hex(TIP_WEI),
    }
    return await wait_receipt(rpc, await rpc.call("eth_sendTransaction", tx))


async def priority_fees(rpc: RpcClient, receipt: dict[str, Any], coinbase: str) -> int:
    """What the receipt's transaction paid the block's coinbase in priority fees: gas used ·
    (effective gas price − base fee), checking the block is `coinbase`'s and holds it alone."""
    block = await rpc.call("eth_getBlockByNumber", receipt["blockNumber"], False)
    assert block["miner"].lower() == coinbase.lower()
    assert block["transactions"] == [receipt["transactionHash"]]
    tip = int(receipt["effectiveGasPrice"], 16) - int(block["baseFeePerGas"], 16)
    assert 0 < tip <= TIP_WEI
    return int(receipt["gasUsed"], 16) * tip


async def simulated(rpc: RpcClient, sender: str, executor: str, data: bytes) -> tuple[int, int]:
    """The bribed entry's answer to `eth_call`: (profit, bribe)."""
    profit, bribe = decode(["uint256", "uint256"], await call(rpc, executor, data, sender))
    return int(profit), int(bribe)


async def trade_and_check(
    rpc: RpcClient,
    *,
    sender: str,
    executor: str,
    token: str,
    data: bytes,
    kept: int,
    bribe: int,
    coinbase: str = COINBASE,
) -> dict[str, Any]:
    """Send `data` and check, from the chain, that the executor kept exactly `kept` of `token`
    (its balance, and the receipt's logs as the tracker reads them), logged and paid `bribe`
    to `coinbase`, whose balance grew by exactly that plus the priority fees; the receipt."""
    held_before = await balance_of(rpc, token, executor)
    coinbase_before = await native_balance(rpc, coinbase)
    receipt = await send_priced(rpc, sender, executor, data)
    assert int(receipt["status"], 16) == 1
    logs = TxReceipt.from_rpc(receipt).logs
    assert net_transfers(logs, token=token, holder=executor) == kept
    assert await balance_of(rpc, token, executor) - held_before == kept
    assert bribe_paid(logs, executor=executor) == bribe
    paid_logs = [log for log in logs if log.topics[0] == BRIBE_PAID_TOPIC]
    if bribe:
        assert [log.topics[1][-40:] for log in paid_logs] == [coinbase.lower()[2:]]
    else:
        assert paid_logs == []
    gained = await native_balance(rpc, coinbase) - coinbase_before
    assert gained == bribe + await priority_fees(rpc, receipt, coinbase)
    return receipt
