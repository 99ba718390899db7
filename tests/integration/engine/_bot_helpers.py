"""Running the bot inside a test: start it on a devnet, plant gaps, wait for what it does."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from _plans import roomy_deadline
from _receipts import mined_receipt
from _waits import eventually

from omniarb.bot import run_bot
from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.config import Settings
from omniarb.devnet import Devnet
from omniarb.devnet.accounts import dev_account
from omniarb.devnet.bot_access import DevnetAccess
from omniarb.engine import Engine
from omniarb.keys.rotation_service import KeyRotationService
from omniarb.network import ChainManifest
from omniarb.store import HistoryStore
from omniarb.telemetry import Telemetry
from omniarb.track import ChainBotStats

DEADLINE = 2**32 - 1
# Every trade sent on the local simulation alone, and audited by the node after its send.
LOCAL_ONLY = Settings.model_validate(
    {"execute": {"remote_precheck": "never", "precheck_audit_rate": 1.0}}
)


@dataclass(slots=True)
class RunningBot:
    engine: list[Engine]
    store: HistoryStore
    stop: asyncio.Event

    @property
    def stats(self) -> list[ChainBotStats]:
        return self.engine[0].stats if self.engine else []

    async def wait_for(
        self, condition: Callable[[list[ChainBotStats]], bool], timeout_s: float
    ) -> None:
        deadline = time.monotonic() + timeout_s
        while not (self.engine and condition(self.stats)):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; bot stats: {[s.counts() for s in self.stats]}")
            await asyncio.sleep(0.05)


@contextlib.asynccontextmanager
async def bot_on(
    net: Devnet,
    db: Path,
    settings: Settings | None = None,
    *,
    dry_run: bool = False,
    telemetry: Telemetry | None = None,
    key_rotation: Callable[[Engine, HistoryStore], Awaitable[KeyRotationService]] | None = None,
) -> AsyncIterator[RunningBot]:
    """Run the bot on every chain of `net` until the block ends; history in `db` (SQLite);
    `telemetry` receives its metrics when given; `key_rotation` builds the bot's key rotation
    (given the engine and the store)."""
    store = await asyncio.to_thread(HistoryStore.open, f"sqlite:///{db}")
    running = RunningBot(engine=[], store=store, stop=asyncio.Event())
    task = asyncio.create_task(
        run_bot(
            net.manifest,
            roomy_deadline(settings or Settings()),
            access=DevnetAccess(net.manifest_path),
            store=store,
            dry_run=dry_run,
            stop_when=lambda _: running.stop.is_set(),
            on_start=running.engine.append,
            telemetry=telemetry,
            key_rotation=(
                None if key_rotation is None else (lambda engine: key_rotation(engine, store))
            ),
        )
    )
    try:
        await running.wait_for(lambda stats: all(s.first_block is not None for s in stats), 60)
        yield running
    finally:
        running.stop.set()
        await task
        await store.close()


def swap_v2_tx(
    chain: ChainManifest, *, dex: str, path: list[str], amount_in: int, trader: int = 1
) -> dict[str, str]:
    """The transaction of a trader swapping through a V2 router (tokens by symbol), for
    `eth_sendTransaction`."""
    sender = dev_account(trader).address
    data = encode_call(
        "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)",
        amount_in,
        0,
        [chain.token(symbol).address for symbol in path],
        sender,
        DEADLINE,
    )
    return {"from": sender, "to": chain.dex(dex).router, "data": data, "gas": hex(400_000)}


async def swap_v2(
    rpc: RpcClient,
    chain: ChainManifest,
    *,
    dex: str,
    path: list[str],
    amount_in: int,
    trader: int = 1,
) -> dict[str, object]:
    """A trader swaps through a V2 router (tokens by symbol) and the receipt is returned."""
    tx = swap_v2_tx(chain, dex=dex, path=path, amount_in=amount_in, trader=trader)
    return await mined_receipt(rpc, await rpc.call("eth_sendTransaction", tx))


def trade_gas_estimates(db: Path) -> dict[str, int]:
    """Per transaction sent, the gas its decision expected (the gas model with the chosen
    loan), from the bot's SQLite history at `db` (flushed first)."""
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT tx_hash, gas_estimate FROM executions WHERE tx_hash IS NOT NULL"
        ).fetchall()
    return {tx: int(gas) for tx, gas in rows}


async def audits_agree(bot: RunningBot) -> None:
    """The bot (run with `LOCAL_ONLY`) asked the node for no pre-check before a send, and the
    node's audit of every trade it sent agreed with the local simulation to the wei."""
    (pipeline,) = bot.engine[0].pipelines
    policy, auditor = pipeline.execute.policy, pipeline.execute.auditor
    assert policy is not None
    assert auditor is not None
    sent = bot.stats[0].submitted
    assert policy.counters.remote == 0
    assert policy.counters.local_only == sent

    async def all_audited() -> bool:
        return len(auditor.results) >= sent

    await eventually(all_audited, what=f"the audits of {sent} trades", timeout_s=30)
    assert [r for r in auditor.results if not r.matched] == []
