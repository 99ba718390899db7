"""The local simulation in place of the per-trade `eth_call` pre-check, on a real devnet.

The bot's node is reached through a proxy (a real HTTP server written for the test) that
records, in order, every `eth_call` of the executor's `execute` (with its block tag) and every
raw transaction sent: what the node was asked, not what the bot says it did.

- "unproven" (the default): a trade through tokens no trade has proven yet is pre-checked by
  the node before its send; once a trade through them realized its prediction, the next one
  is sent on the local simulation alone, and the sampled audit (every trade here) asks the node
  after the send, at the block the simulation read (by hash), and agrees to the wei.
- "never": no trade is pre-checked by the node, and every trade realizes its prediction.
- A trade the local simulation rejects (its gap closed on chain after the decision) is never
  sent: no transaction from the bot's account, no claim, an execution rejected with the reason.
- A restarted bot takes the tokens its earlier run proved from the history: no pre-check.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import pytest
from _bot_helpers import RunningBot, bot_on, swap_v2
from _engine_helpers import engine_on
from _rpc_proxy import RpcProxy
from _waits import eventually
from aiohttp import web
from eth_utils.crypto import keccak

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.config import Settings
from omniarb.devnet.accounts import BOT_INDEX, dev_account
from omniarb.engine import ChainPipeline
from omniarb.state import PoolStateSync
from omniarb.track.stats import TradeSummary
from omniarb.types import Decision

pytestmark = pytest.mark.integration

_BLOCK_S = 0.5
_EXECUTE = "0x" + keccak(text="execute(bytes)")[:4].hex()
_GAP_WETH = 600 * 10**18


class ExecutorCalls(RpcProxy):
    """Forwards everything; records each `eth_call` of `execute` as ("call", data, block) and
    each raw transaction as ("send", raw, "")."""

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.events: list[tuple[str, str, str]] = []

    async def respond(self, body: bytes) -> web.Response:
        payload = json.loads(body)
        for request in payload if isinstance(payload, list) else [payload]:
            method, params = request.get("method"), request.get("params", [])
            if method == "eth_call" and str(params[0].get("data", "")).startswith(_EXECUTE):
                block = params[1] if len(params) > 1 else "latest"
                # A tag, a number, or an EIP-1898 block hash: kept as the hash.
                tag = block if isinstance(block, str) else block["blockHash"]
                self.events.append(("call", params[0]["data"], tag))
            elif method == "eth_sendRawTransaction":
                self.events.append(("send", params[0], ""))
        return await super().respond(body)

    def calls_of(self, data: str) -> list[tuple[int, str]]:
        """(position, block tag) of each `eth_call` of exactly `data`."""
        return [(i, e[2]) for i, e in enumerate(self.events) if e[0] == "call" and e[1] == data]

    def send_position(self, tx_hash: str) -> int:
        for i, (kind, raw, _) in enumerate(self.events):
            if kind == "send" and "0x" + keccak(hexstr=raw).hex() == tx_hash.lower():
                return i
        raise AssertionError(f"{tx_hash} was never sent through the proxy")


def _settings(proxy: ExecutorCalls, mode: str, audit_rate: float) -> Settings:
    return Settings.model_validate(
        {
            "chains": {"ethereum": {"rpc_http": [proxy.url]}},
            "execute": {"remote_precheck": mode, "precheck_audit_rate": audit_rate},
        }
    )


async def _input_of(rpc: RpcClient, tx_hash: str) -> str:
    tx = await rpc.call("eth_getTransactionByHash", tx_hash)
    return str(tx["input"])


async def _balance(rpc: RpcClient, token: str, holder: str) -> int:
    data = encode_call("balanceOf(address)", holder)
    (balance,) = decode(["uint256"], await rpc.call("eth_call", {"to": token, "data": data}))
    return int(balance)


def _pipeline(bot: RunningBot) -> ChainPipeline:
    return bot.engine[0].pipelines[0]


async def test_unproven_tokens_are_prechecked_by_the_node_then_sent_on_the_local_check(
    devnet_factory, tmp_path: Path
) -> None:
    async with devnet_factory({"ethereum": _BLOCK_S}) as net:
        chain = net.manifest.chain("ethereum")
        async with (
            ExecutorCalls(chain.rpc_http) as proxy,
            RpcClient(chain.rpc_http) as rpc,
            bot_on(net, tmp_path / "h.sqlite", _settings(proxy, "unproven", 1.0)) as bot,
        ):
            # The first gap: WETH cheap on SushiSwap, its first trade through WETH and USDC.
            await swap_v2(rpc, chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=_GAP_WETH)
            await bot.wait_for(lambda stats: stats[0].succeeded >= 1, timeout_s=30)
            first = bot.stats[0].trades[0]
            first_input = await _input_of(rpc, first.tx_hash)
            sent_at = proxy.send_position(first.tx_hash)
            assert "latest" in [block for i, block in proxy.calls_of(first_input) if i < sent_at]
            tokens = {hop["token_in"] for hop in first.route}
            assert tokens == {"WETH", "USDC"}

            # The same gap again: its tokens are proven now.
            await swap_v2(rpc, chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=_GAP_WETH)
            await bot.wait_for(lambda stats: stats[0].succeeded >= 2, timeout_s=30)
            second = bot.stats[0].trades[1]
            assert {hop["token_in"] for hop in second.route} == tokens
            second_input = await _input_of(rpc, second.tx_hash)
            sent_at = proxy.send_position(second.tx_hash)
            assert [c for c in proxy.calls_of(second_input) if c[0] < sent_at] == []

            # Its audit: after the send, at the block the local simulation read.
            auditor = _pipeline(bot).execute.auditor
            assert auditor is not None

            async def audited() -> bool:
                return any(r.job.request.data.hex() == second_input[2:] for r in auditor.results)

            await eventually(audited, what="the audit of the second trade", timeout_s=30)
            (audit,) = [r for r in auditor.results if r.job.request.data.hex() == second_input[2:]]
            assert audit.matched, audit
            read = await rpc.call("eth_getBlockByNumber", hex(audit.job.block_number), False)
            assert audit.job.block_hash == read["hash"]
            after = [b for i, b in proxy.calls_of(second_input) if i > sent_at]
            assert after == [audit.job.block_hash]
            assert second.block_number is not None
            assert audit.job.block_number < second.block_number

            policy = _pipeline(bot).execute.policy
            assert policy is not None
            assert policy.counters.remote >= 1
            assert policy.counters.local_only >= 1
            assert policy.counters.audit_mismatches == 0
            for trade in bot.stats[0].trades:
                assert trade.status == "success", trade
                assert trade.realized_profit_wei == trade.predicted_profit_wei > 0, trade


async def test_with_the_remote_precheck_off_no_trade_is_prechecked_and_each_realizes_its_prediction(
    devnet_factory, tmp_path: Path
) -> None:
    async with devnet_factory({"ethereum": _BLOCK_S}) as net:
        chain = net.manifest.chain("ethereum")
        async with (
            ExecutorCalls(chain.rpc_http) as proxy,
            RpcClient(chain.rpc_http) as rpc,
            bot_on(net, tmp_path / "h.sqlite", _settings(proxy, "never", 0.0)) as bot,
        ):
            for succeeded in (1, 2):
                await swap_v2(
                    rpc, chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=_GAP_WETH
                )
                await bot.wait_for(
                    lambda stats, n=succeeded: stats[0].succeeded >= n,  # type: ignore[misc]
                    timeout_s=30,
                )
            await bot.wait_for(lambda s: s[0].submitted == s[0].succeeded + s[0].reverted, 30)
            trades = bot.stats[0].trades
            assert len(trades) >= 2
            for trade in trades:
                assert trade.status == "success", trade
                assert trade.realized_profit_wei == trade.predicted_profit_wei > 0, trade
            assert [e for e in proxy.events if e[0] == "call"] == []
            # One send per trade, plus each re-price a slow block asked for (same nonce, higher
            # fees: counted by reason in the stats), and nothing else.
            replacements = sum(bot.stats[0].replacements.values())
            # (A new executor's hand-over to the chain's Safe, its `execTransaction` at the
            # bot's start, goes through this node too: only the trades' sends are counted.)
            sends = [e for e in proxy.events if e[0] == "send" and _EXECUTE[2:] in e[1]]
            assert len(sends) == len(trades) + replacements, bot.stats[0].replacements


class ClosesTheGapFirst:
    """The allocate stage, then, for the first approved decision, a trader's swap that closes
    its gap, mined and synced by the bot before the decision goes on to the execute stage."""

    def __init__(self, inner: object, close: Callable[[], Awaitable[None]]) -> None:
        self._inner = inner
        self._close = close
        self.decisions: list[Decision] = []

    async def process(self, item: object) -> Decision:
        decision: Decision = await self._inner.process(item)  # type: ignore[attr-defined]
        if decision.approved and not self.decisions:
            self.decisions.append(decision)
            await self._close()
        return decision


async def test_a_trade_the_local_simulation_rejects_is_never_sent(
    devnet_factory, tmp_path: Path
) -> None:
    db = tmp_path / "h.sqlite"
    bot_address = dev_account(BOT_INDEX).address
    async with devnet_factory({"ethereum": _BLOCK_S}) as net:
        chain = net.manifest.chain("ethereum")
        usdc = chain.token("USDC").address
        trader = dev_account(1).address
        async with RpcClient(chain.rpc_http) as rpc:
            received: list[int] = []
            planted = asyncio.Event()
            syncs: list[PoolStateSync] = []

            async def close() -> None:
                # The bot may decide before the planting swap's receipt reached the test.
                await asyncio.wait_for(planted.wait(), timeout=30)
                # Sell back what the planting swap bought: SushiSwap's price is back where
                # it was (short of the two swap fees), and the cycle no longer pays.
                receipt = await swap_v2(
                    rpc, chain, dex="sushiswap", path=["USDC", "WETH"], amount_in=received[0]
                )
                mined = int(str(receipt["blockNumber"]), 16)

                async def synced() -> bool:
                    head = syncs[0].head
                    return head is not None and head.number >= mined

                await eventually(synced, what=f"the bot's sync of block {mined}", timeout_s=30)

            def wrap(p: ChainPipeline) -> ChainPipeline:
                syncs.append(p.sync)
                closing = ClosesTheGapFirst(p.allocate, close)
                return replace(p, allocate=closing)  # type: ignore[arg-type]

            settings = Settings.model_validate({"execute": {"remote_precheck": "never"}})
            async with engine_on(net, db, wrap={"ethereum": wrap}, settings=settings) as bot:
                nonce = await rpc.call("eth_getTransactionCount", bot_address, "pending")
                before = await _balance(rpc, usdc, trader)
                await swap_v2(
                    rpc, chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=_GAP_WETH
                )
                received.append(await _balance(rpc, usdc, trader) - before)
                planted.set()
                await bot.wait_for(lambda stats: stats[0].rejected >= 1, timeout_s=30)
                # A few more blocks: nothing is sent later either.
                seen = bot.stats[0].blocks_seen
                await bot.wait_for(lambda s: s[0].blocks_seen >= seen + 4, timeout_s=30)
                stats = bot.stats[0]
                assert stats.submitted == 0
                assert await rpc.call("eth_getTransactionCount", bot_address, "pending") == nonce
                await bot.store.flush()
    with sqlite3.connect(db) as connection:
        claims = connection.execute("SELECT COUNT(*) FROM submissions").fetchone()
        rows = connection.execute("SELECT status, error FROM executions").fetchall()
    assert claims == (0,)
    assert rows
    assert all(status == "rejected" for status, _ in rows), rows
    assert rows[0][1].startswith("local simulation: insufficient profit"), rows


async def test_tokens_proven_in_an_earlier_run_are_not_prechecked_again(
    devnet_factory, tmp_path: Path
) -> None:
    db = tmp_path / "h.sqlite"
    async with devnet_factory({"ethereum": _BLOCK_S}) as net:
        chain = net.manifest.chain("ethereum")
        async with ExecutorCalls(chain.rpc_http) as proxy, RpcClient(chain.rpc_http) as rpc:
            settings = _settings(proxy, "unproven", 0.0)
            async with bot_on(net, db, settings) as bot:
                await swap_v2(
                    rpc, chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=_GAP_WETH
                )
                await bot.wait_for(lambda stats: stats[0].succeeded >= 1, timeout_s=30)
                first = bot.stats[0].trades[0]
                assert _pipeline(bot).execute.policy.counters.remote >= 1  # type: ignore[union-attr]
            async with bot_on(net, db, settings) as bot:
                policy = _pipeline(bot).execute.policy
                assert policy is not None
                for hop in first.route:
                    assert policy.trust.is_proven(chain.token(hop["token_in"]).address)
                await swap_v2(
                    rpc, chain, dex="sushiswap", path=["WETH", "USDC"], amount_in=_GAP_WETH
                )
                proven = {h["token_in"] for h in first.route}

                def through_proven(trade: TradeSummary) -> bool:
                    return {h["token_in"] for h in trade.route} <= proven

                # The gap's trade through the proven tokens (a later block's state may also
                # offer a cycle through a token the first run never traded: that one is
                # pre-checked, and is not what this test is about).
                await bot.wait_for(
                    lambda stats: any(through_proven(t) for t in stats[0].trades), timeout_s=30
                )
                again = next(t for t in bot.stats[0].trades if through_proven(t))
                assert again.status == "success", again
                assert again.realized_profit_wei == again.predicted_profit_wei > 0
                again_input = await _input_of(rpc, again.tx_hash)
                assert proxy.calls_of(again_input) == []
                assert policy.counters.local_only >= 1
