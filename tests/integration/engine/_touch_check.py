"""An independent check of every trade the bot recorded: the `touched_earlier_in_block` flag is
right both ways, and an untouched trade earned exactly its prediction.

The flag is recomputed here from the blocks' receipts (`eth_getBlockReceipts`), not from the
bot's log query: a transaction touched the trade when it ran after the block the trade was
priced on and before the trade, and emitted a state-changing event (v2-core `Sync`, v3-core
`Swap`/`Mint`/`Burn`, whose topics Algebra Integral's pools share, PancakeSwap V3's `Swap`,
topics hashed here from their signatures) from a pool of the route, or a Uniswap V4
PoolManager's event (`Swap`, `ModifyLiquidity`, `ProtocolFeeUpdated`) or a Balancer Vault's
(`Swap`, `PoolBalanceChanged`, `PoolBalanceManaged`) whose pool id in topic 1 names a pool of
the route (a V4 pool is named by its id's leading 20 bytes; a Balancer pool's id starts with its
address), or a Balancer pool's own settings event (fee, amplification, pause, rates).

    trades = recorded_trades(home)            # from the history database
    check_trades(rpc_url, trades)             # raises AssertionError naming the trade
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _cli_helpers import query
from eth_utils.crypto import keccak

from omniarb.chains.rpc import RpcClient

_STATE_EVENTS = frozenset(
    "0x" + keccak(text=signature).hex()
    for signature in (
        "Sync(uint112,uint112)",
        "Swap(address,address,int256,int256,uint160,uint128,int24)",
        "Mint(address,address,int24,int24,uint128,uint256,uint256)",
        "Burn(address,int24,int24,uint128,uint256,uint256)",
        # PancakeSwap V3's `Swap` (two protocol-fee words more than v3-core's).
        "Swap(address,address,int256,int256,uint160,uint128,int24,uint128,uint128)",
        "Swap(bytes32,address,int128,int128,uint160,uint128,int24,uint24)",
        "ModifyLiquidity(bytes32,address,int24,int24,int256,bytes32)",
        "ProtocolFeeUpdated(bytes32,uint24)",
        # Balancer V2: the Vault's, then the pools' own.
        "Swap(bytes32,address,address,uint256,uint256)",
        "PoolBalanceChanged(bytes32,address,address[],int256[],uint256[])",
        "PoolBalanceManaged(bytes32,address,address,int256,int256)",
        "SwapFeePercentageChanged(uint256)",
        "AmpUpdateStarted(uint256,uint256,uint256,uint256)",
        "AmpUpdateStopped(uint256)",
        "PausedStateChanged(bool)",
        "TokenRateCacheUpdated(uint256,uint256)",
    )
)


def _of_route(entry: dict[str, Any], wanted: set[str]) -> bool:
    """Whether a log changed a pool of `wanted`: emitted by it, or naming it by id."""
    topics = entry["topics"]
    if not topics or topics[0].lower() not in _STATE_EVENTS:
        return False
    if entry["address"].lower() in wanted:
        return True
    return len(topics) > 1 and "0x" + topics[1].lower()[2:42] in wanted


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordedTrade:
    """A sent trade and its outcome as the bot recorded them."""

    chain: str
    tx_hash: str
    priced_block: int
    pools: tuple[str, ...]
    success: bool
    realized_profit: int
    predicted_profit: int
    touched: bool
    # The pending swap a backrun was priced behind: part of its prediction, not a touch.
    trigger_tx: str | None = None
    # False for a trade recorded as never mined (`dropped`: a restarted bot found a claim of
    # the killed run whose transaction never reached the chain, its nonce spent by another).
    included: bool = True
    # Recorded as `cancelled`: `tx_hash` is the cancel that spent its nonce (a restarted bot
    # fencing a claim of the killed run the node never got), and the trade did not run.
    cancelled: bool = False


def recorded_trades(home: Path) -> list[RecordedTrade]:
    """Every settled trade in `home`'s history database."""
    rows = query(
        home,
        "SELECT o.chain, o.tx_hash, p.block_number, p.route, o.success, o.realized_profit, "
        "o.predicted_profit, o.touched_earlier_in_block, o.included, p.trigger_tx, o.status "
        "FROM outcomes o "
        "JOIN opportunities p ON p.id = o.opportunity_id WHERE o.tx_hash IS NOT NULL",
    )
    return [
        RecordedTrade(
            chain=chain,
            tx_hash=tx_hash,
            priced_block=int(block),
            pools=tuple(hop["pool"] for hop in json.loads(route)),
            success=bool(success),
            realized_profit=int(realized),
            predicted_profit=int(predicted),
            touched=bool(touched),
            included=bool(included),
            trigger_tx=trigger,
            cancelled=status == "cancelled",
        )
        for (
            chain,
            tx_hash,
            block,
            route,
            success,
            realized,
            predicted,
            touched,
            included,
            trigger,
            status,
        ) in rows
    ]


async def touching_transactions(
    rpc: RpcClient,
    *,
    tx_hash: str,
    pools: Iterable[str],
    priced_block: int,
    premise: str | None = None,
) -> list[str]:
    """The transactions that changed a pool of `pools` after `priced_block`, before `tx_hash`,
    other than `premise` (the pending swap a backrun was priced behind)."""
    receipt = await rpc.call("eth_getTransactionReceipt", tx_hash)
    assert receipt is not None, f"trade {tx_hash} has no receipt"
    block, index = int(receipt["blockNumber"], 16), int(receipt["transactionIndex"], 16)
    assert block > priced_block, (tx_hash, block, priced_block)
    wanted = {pool.lower() for pool in pools}
    found = []
    for number in range(priced_block + 1, block + 1):
        for other in await rpc.call("eth_getBlockReceipts", hex(number)):
            if number == block and int(other["transactionIndex"], 16) >= index:
                continue
            if premise is not None and other["transactionHash"].lower() == premise.lower():
                continue
            if any(_of_route(entry, wanted) for entry in other["logs"]):
                found.append(other["transactionHash"])
    return found


async def check_trades_async(rpc: RpcClient, trades: Sequence[RecordedTrade]) -> int:
    """Assert the flag of each trade both ways, and realized == predicted when untouched.

    Returns how many trades were touched (each with its touching transaction found here).
    """
    touched = 0
    for trade in trades:
        if not trade.included:
            # Recorded as never mined: it must not be on the chain, nor count as a trade.
            receipt = await rpc.call("eth_getTransactionReceipt", trade.tx_hash)
            assert receipt is None, f"trade {trade.tx_hash} is recorded dropped but was mined"
            assert not trade.success, trade
            continue
        if trade.cancelled:
            # A 0-value transfer to the bot itself: mined, no pool touched, nothing realized.
            tx = await rpc.call("eth_getTransactionByHash", trade.tx_hash)
            assert tx is not None, trade
            assert tx["to"] is not None, trade
            assert (tx["to"].lower(), int(tx["value"], 16)) == (tx["from"].lower(), 0), trade
            assert (trade.success, trade.realized_profit) == (False, 0), trade
            continue
        touching = await touching_transactions(
            rpc,
            tx_hash=trade.tx_hash,
            pools=trade.pools,
            priced_block=trade.priced_block,
            premise=trade.trigger_tx,
        )
        assert trade.touched == bool(touching), (trade, touching)
        if trade.touched:
            touched += 1
        else:
            assert trade.success, trade
            assert trade.realized_profit == trade.predicted_profit, trade
    return touched


def check_trades(rpc_url: str, trades: Sequence[RecordedTrade]) -> int:
    """`check_trades_async` for synchronous tests."""

    async def run() -> int:
        async with RpcClient(rpc_url) as rpc:
            return await check_trades_async(rpc, trades)

    return asyncio.run(run())
