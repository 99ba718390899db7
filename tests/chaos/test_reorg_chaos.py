"""The bot trading on a devnet chain while reorgs of depth 1 to 10 rewrite its trades' blocks
(`anvil_reorg` re-mines them with new hashes, `anvil_rollback` rewinds the head): afterwards the
pool state equals a fresh sync at the same block, and every recorded trade has the status, block
and realized profit that the final chain gives it (or is dropped, or replaced when its nonce
went to another transaction), with the PnL totals equal to what the executor holds.

anvil drops the transactions of the blocks a reorg or a rollback removes: they are neither
re-mined nor put back in the pool, and the sender's nonce count goes back. So each round makes
the trade's fate itself, the way a real network would:
- re-included: the trade (and the swap that opened its gap) go back into the new branch
  (`anvil_reorg`'s transaction list, which anvil signs to the same hash, or a raw re-send after a
  rollback), landing in another block; or the trade alone, which then reverts: no gap any more;
- replaced: another transaction of the bot's account takes the trade's nonce;
- dropped: nothing; the nonce is free again and the bot must reuse it for its next trade.
The chain automines (a block per transaction) so a reorg's depth covers exactly the blocks meant;
a round whose fate needs the reorg to reach back past the gap's swap goes deeper than its listed
depth when the bot closed that gap in more trades than the depth.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from _bot_helpers import bot_on, swap_v2
from _receipts import mined_receipt
from _waits import eventually

from omniarb.bot import summary as run_summary
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.config import MonitorSettings, Secrets
from omniarb.devnet.accounts import BOT_INDEX, dev_account
from omniarb.monitor import Monitor
from omniarb.state import PoolStateSync
from omniarb.telemetry import Telemetry
from omniarb.track import ChainBotStats, net_transfers
from omniarb.types import TxReceipt
from omniarb.wiring import pool_syncs

pytestmark = pytest.mark.integration

WETH = 10**18
USDC = 10**6
# (depth, method, what becomes of the orphaned trade)
ROUNDS = (
    (1, "anvil_reorg", "replaced"),
    (2, "anvil_rollback", "replaced"),
    (3, "anvil_reorg", "reincluded"),
    (4, "anvil_rollback", "reincluded"),
    (5, "anvil_reorg", "reverted"),
    (6, "anvil_rollback", "reverted"),
    (7, "anvil_reorg", "dropped"),
    (8, "anvil_rollback", "dropped"),
    (9, "anvil_reorg", "reverted"),
    (10, "anvil_rollback", "dropped"),
)
# The fates that need the reorg to reach back past the gap's swap: a trade re-included alone
# then reverts, and a dropped one leaves no gap the bot could trade before it learns which of
# its nonces are free again.
_WHOLE_ROUND = ("reverted", "dropped")
_TX_FIELDS = (
    "from",
    "to",
    "input",
    "gas",
    "maxFeePerGas",
    "maxPriorityFeePerGas",
    "nonce",
    "value",
    "chainId",
    "type",
)


async def _latest(rpc: RpcClient) -> int:
    return int(await rpc.call("eth_blockNumber"), 16)


def _request(tx: dict[str, Any]) -> dict[str, Any]:
    """The fields of a mined transaction that make anvil sign it again to the same hash."""
    return {key: tx[key] for key in _TX_FIELDS if key in tx}


async def _balance(rpc: RpcClient, token: str, holder: str, block: int | str) -> int:
    tag = hex(block) if isinstance(block, int) else block
    data = encode_call("balanceOf(address)", holder)
    (amount,) = decode(["uint256"], await rpc.call("eth_call", {"to": token, "data": data}, tag))
    return int(amount)


async def _judged(rpc: RpcClient, stats: ChainBotStats, hashes: list[str]) -> bool:
    """Whether each trade's line says what the chain now says of it (its block, or none)."""
    for tx_hash in hashes:
        answer = await rpc.call("eth_getTransactionReceipt", tx_hash)
        block = None if answer is None else int(answer["blockNumber"], 16)
        line = next(t for t in stats.trades if t.tx_hash == tx_hash)
        if line.block_number != block or line.status == "pending":
            return False
    return True


async def _wait(condition: Any, what: str, timeout_s: float = 20.0) -> None:
    """`eventually` for a plain (not awaitable) condition."""

    async def check() -> bool:
        return bool(condition())

    await eventually(check, what=what, timeout_s=timeout_s, interval_s=0.02)


async def test_reorgs_during_trading_leave_true_books(devnet_factory, tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    monitor = Monitor.from_settings(MonitorSettings(), Secrets(), chains=["ethereum"])
    injected: set[str] = set()  # our replacements sent from the bot's account
    sender = dev_account(BOT_INDEX).address
    async with devnet_factory({"ethereum": None}) as net:
        chain = net.manifest.chain("ethereum")
        async with (
            RpcClient(chain.rpc_http) as rpc,
            bot_on(net, db, telemetry=Telemetry(monitor=monitor)) as bot,
        ):
            stats = bot.stats[0]
            pipeline = bot.engine[0].pipelines[0]
            executors = json.loads((net.manifest_path.parent / "executors.json").read_text())
            holder = executors["ethereum"]
            start_block = await _latest(rpc)
            profit_tokens = [chain.token("WETH").address, chain.token("USDC").address]
            start_balances = {t: await _balance(rpc, t, holder, start_block) for t in profit_tokens}

            def synced_to(number: int) -> bool:
                head = pipeline.sync.head
                return head is not None and head.number >= number

            async def quiet() -> None:
                """Until the bot has followed the chain's head, decided on it and settled every
                trade, several polls in a row: with automine nothing moves until we act."""
                calm = 0
                loop = asyncio.get_running_loop()
                deadline = loop.time() + 30
                while calm < 5:
                    assert loop.time() < deadline, "timed out waiting for the bot to go quiet"
                    latest = await _latest(rpc)
                    calm = calm + 1 if synced_to(latest) and bot.engine[0].idle else 0
                    await asyncio.sleep(0.02)

            async def mine(blocks: int) -> None:
                """One block at a time, each once the sync has followed the one before: anvil
                may answer a read pinned to a block just mined with a newer block's state."""
                for _ in range(blocks):
                    await rpc.call("evm_mine")
                    latest = await _latest(rpc)
                    await _wait(lambda b=latest: synced_to(b), f"the sync to follow {latest}")

            orphaned_trades = 0

            for round_no, (depth, method, fate) in enumerate(ROUNDS):
                n = len(stats.trades)
                path = ["WETH", "USDC"] if round_no % 2 == 0 else ["USDC", "WETH"]
                # Large gaps are closed over several trades in a row; the rounds whose reorg must
                # reach back past the swap take small ones, closed in a trade or two.
                scale = 1 if fate in _WHOLE_ROUND else 10
                amount = scale * (60 * WETH if round_no % 2 == 0 else 150_000 * USDC)
                trader = 1 + round_no % 8
                gap = await swap_v2(
                    rpc, chain, dex="sushiswap", path=path, amount_in=amount, trader=trader
                )
                await bot.wait_for(lambda s, n=n: len(s[0].trades) > n, timeout_s=30)
                await quiet()
                # The reorg reaches back to the gap's swap when it is that deep (blocks are mined
                # on top to make it so), else it orphans the last trades alone.
                swap_block = int(gap["blockNumber"], 16)
                top = await _latest(rpc)
                if top - swap_block + 1 < depth:
                    await mine(depth - (top - swap_block + 1))
                    await quiet()
                    top = await _latest(rpc)
                if fate in _WHOLE_ROUND:
                    # The bot may close the gap in more trades (a block each) than the round's
                    # depth: the reorg then goes deeper, to reach back past the swap all the same.
                    depth = max(depth, top - swap_block + 1)
                orphaned: list[dict[str, Any]] = []
                for number in range(top - depth + 1, top + 1):
                    block = await rpc.call("eth_getBlockByNumber", hex(number), True)
                    orphaned += block["transactions"]
                ours = [tx for tx in orphaned if tx["from"].lower() == sender.lower()]
                assert ours, f"round {round_no}: no trade of the bot in the orphaned blocks"
                orphaned_trades += len(ours)
                if fate in _WHOLE_ROUND:
                    assert top - depth + 1 <= swap_block, f"round {round_no}: depth too shallow"
                back = {"reincluded": orphaned, "reverted": ours}.get(fate, [])
                replacements = [
                    {
                        "from": sender,
                        "to": sender,
                        "value": "0x0",
                        "nonce": tx["nonce"],
                        "gas": hex(21_000),
                    }
                    for tx in (ours if fate == "replaced" else [])
                ]
                if method == "anvil_reorg":
                    txs = [[_request(tx), 0] for tx in back] + [[r, 0] for r in replacements]
                    await rpc.call("anvil_reorg", depth, txs)
                else:
                    raws = [
                        await rpc.call("eth_getRawTransactionByHash", tx["hash"]) for tx in back
                    ]
                    await rpc.call("anvil_rollback", depth)
                    sent = [await rpc.call("eth_sendRawTransaction", raw) for raw in raws]
                    sent += [await rpc.call("eth_sendTransaction", r) for r in replacements]
                    for tx_hash in sent:
                        await mined_receipt(rpc, tx_hash, succeeded=False)
                    if not sent:
                        await rpc.call("evm_mine")
                if replacements:
                    first = await _latest(rpc) - depth + 1
                    for number in range(first, await _latest(rpc) + 1):
                        block = await rpc.call("eth_getBlockByNumber", hex(number), True)
                        injected.update(
                            tx["hash"]
                            for tx in block["transactions"]
                            if tx["from"].lower() == sender.lower() and tx["to"] == tx["from"]
                        )

                hashes = [tx["hash"] for tx in ours]
                await eventually(
                    lambda h=hashes: _judged(rpc, stats, h),
                    what=f"round {round_no}'s trades re-checked",
                    timeout_s=20,
                )
                await quiet()

            # Every trade past the confirmation depth (64 blocks on Ethereum): final, and no
            # longer checked. Blocks are mined until then, in case the bot still trades.
            for _ in range(3 * 64):
                if stats.final == len(stats.trades) and bot.engine[0].idle:
                    break
                await mine(1)
            head = await _latest(rpc)
            await bot.wait_for(lambda s: s[0].final == len(s[0].trades), timeout_s=20)
            fresh = PoolStateSync(pool_syncs(chain, rpc))
            await fresh.bootstrap()
            assert fresh.head is not None
            assert pipeline.sync.head is not None
            assert (fresh.head.number, fresh.head.hash) == (head, pipeline.sync.head.hash)
            for ours, theirs in zip(pipeline.sync.stages, fresh.stages, strict=True):
                assert set(ours.pools) == set(theirs.pools)
                drift = [k for k, s in ours.pools.items() if ours.book.differs(s, theirs.pools[k])]
                assert drift == [], f"pools differing from a fresh sync: {drift}"

            # The books against the final chain.
            await bot.store.flush()
            # The trades sent (the executions the pre-check refused have no transaction).
            records = [r for r in bot.store.trades(limit=10_000) if r.tx_hash is not None]
            mined_nonces = int(await rpc.call("eth_getTransactionCount", sender, "latest"), 16)
            realized: Counter[str] = Counter()
            for record in records:
                answer = await rpc.call("eth_getTransactionReceipt", record.tx_hash)
                assert record.final, record
                if answer is None:
                    assert record.nonce is not None
                    expected = "replaced" if record.nonce < mined_nonces else "dropped"
                    assert record.status == expected, record
                    assert record.realized_profit == 0, record
                    assert record.gas_used == 0, record
                    continue
                receipt = TxReceipt.from_rpc(answer)
                profit = net_transfers(receipt.logs, token=record.profit_token, holder=holder)
                assert record.status == ("succeeded" if receipt.success else "reverted"), record
                assert record.block_number == receipt.block_number, record
                assert record.gas_used == receipt.gas_used, record
                assert record.realized_profit == (profit if receipt.success else 0), record
                realized[record.profit_token] += record.realized_profit
            by_status = Counter(r.status for r in records)
            # Nothing mined from the bot's account that the books do not know (records lost),
            # and no opportunity traded twice on the final chain (double executions).
            first_nonce = min(r.nonce for r in records if r.nonce is not None)
            mined: list[str] = []
            for number in range(start_block + 1, head + 1):
                block = await rpc.call("eth_getBlockByNumber", hex(number), True)
                mined += [
                    tx["hash"]
                    for tx in block["transactions"]
                    if tx["from"].lower() == sender.lower()
                ]
            assert len(mined) == mined_nonces - first_nonce
            known = {r.tx_hash for r in records} | injected
            lost = [tx for tx in mined if tx not in known]
            assert lost == []
            included = Counter(
                r.opportunity_id for r in records if r.status in ("succeeded", "reverted")
            )
            assert [o for o, count in included.items() if count > 1] == []
            # PnL: the records, the run's figures and the executor's balances agree to the wei.
            for token in profit_tokens:
                gained = await _balance(rpc, token, holder, "latest") - start_balances[token]
                assert realized[token] == gained == stats.realized_profit[token], token
            # The run's own lines and totals say the same as the records.
            lines = {t.tx_hash: (t.status, t.realized_profit_wei, t.final) for t in stats.trades}
            named = {"succeeded": "success"}
            assert lines == {
                r.tx_hash: (named.get(r.status, r.status), r.realized_profit, r.final)
                for r in records
            }
            totals = run_summary(bot.stats)["totals"]
            assert (totals["final"], totals["not_final"]) == (len(records), 0)
            summary = bot.store.summary()[0]
            assert summary.final == len(records)
            assert summary.realized_profit == {t: v for t, v in realized.items() if v}

    # Every kind of fate happened, and the metrics counted each correction.
    reorged = dict(stats.reorged)
    assert {"reincluded", "replaced", "dropped"} <= set(reorged)
    # Replacements stay; a trade re-included without its gap reverts; the last round's dropped
    # trades keep their status (earlier ones become replaced when the bot reuses their nonces).
    assert by_status["replaced"] >= 2
    assert by_status["reverted"] >= 3
    assert by_status["dropped"] >= 1

    def sample(name: str, **labels: str) -> float:
        value = monitor.metrics.registry.get_sample_value(name, {"chain": "ethereum", **labels})
        return 0.0 if value is None else value

    for result, count in reorged.items():
        assert sample("omniarb_trade_reorgs_total", result=result) == count
    assert sample("omniarb_trades_awaiting_finality") == 0
    assert sample("omniarb_trades_final_total") == len(records)
    print(
        f"reorgs injected {len(ROUNDS)}, trades {len(records)} {dict(by_status)}, "
        f"orphaned {orphaned_trades}, "
        f"corrections {reorged}, records lost {len(lost)}, double executions 0"
    )
