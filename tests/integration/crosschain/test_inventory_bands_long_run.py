"""Inventory bands hold over a long run of the real bot: its cross-chain coordinator (the real
detector and trader) and its rebalancer on Ethereum and Arbitrum with the devnet's real bridges
(Across's relayer, the canonical bridge's messenger), while a trader opens a WETH gap on one
chain or the other every few blocks.

The inventory account starts with $40k USDC on each chain, outside the bands (Ethereum above its
high, Arbitrum below its low), so the rebalancer must move USDC at once; the trades then move
USDC between the chains within the bands, which bound their sizes. After every settled trade and
every transfer status change, within one rebalancer round, each (chain, USDC) holding is inside
its band, or a transfer toward it is in flight (into a chain below its low, out of a chain above
its high). The bands are set so that one chain above its high means the other is below its low
(Ethereum's high is $2.5k over its target, Arbitrum's low $1.5k under; Arbitrum's high $2.5k
over, Ethereum's low $2k under; the run's profits stay far below the $500 between): the
planner only moves a surplus to a chain that needs it. The detector sizes every trade within
the bands, so after the first transfer the trades alone keep them. At the end no transfer was
sent twice: one deposit event per recorded transfer, the account's deposits on each bridge are
exactly the recorded ones, and at most one payout each.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from _bridge_events import deposits_and_arrivals, deposits_by
from _legs_setup import cross_chain_net
from _lender_helpers import balance_of
from _plans import roomy_deadline
from _waits import eventually

from omniarb.bot import run_bot
from omniarb.config import Settings
from omniarb.devnet.bot_access import DevnetAccess
from omniarb.store import HistoryStore
from omniarb.store.bridge_transfers import BridgeTransfer, BridgeTransferStore
from omniarb.store.cross_chain_reads import load_cross_chain_trades

pytestmark = pytest.mark.integration

CHAINS = ("ethereum", "arbitrum")
# Whole USDC: (low, target, high). Funded $40k each: Ethereum starts above, Arbitrum below.
_BANDS = {"ethereum": (35_000, 37_000, 39_500), "arbitrum": (41_500, 43_000, 45_500)}
_GAPS = 14
# A trader's swap of this much USDC into a chain's V2 WETH/USDC pair makes WETH dear there.
_PLANT_USDC = 1_000_000
# Each gap is waited for until a trade settles or this many blocks of its chain pass.
_BLOCKS_PER_GAP = 12
_INTERVAL_S = 1.0
# One rebalancer round, its quotes, signing and recording, on a busy two-core machine (a
# heavy test on the other test worker has held it past 16 s).
_GRACE_S = _INTERVAL_S + 45.0


def _settings() -> Settings:
    return roomy_deadline(
        Settings.model_validate(
            {
                "execute": {"remote_precheck": "never"},
                # Risk pricing has its own tests: here each planted gap should trade, so the
                # trades keep pressing on the bands.
                "cross_chain": {
                    "enabled": True,
                    "assets": ["ETH"],
                    "risk_z": 0.0,
                    "max_trade_usd": 2_000.0,
                    "min_expected_value_usd": 1.0,
                },
                "rebalance": {
                    "enabled": True,
                    "interval_s": _INTERVAL_S,
                    "stuck_after_s": 120.0,
                    "min_transfer_usd": 100.0,
                    "bands": [
                        {
                            "asset": "USDC",
                            "chain": chain,
                            "low": Decimal(low),
                            "target": Decimal(target),
                            "high": Decimal(high),
                        }
                        for chain, (low, target, high) in _BANDS.items()
                    ],
                },
            }
        )
    )


async def test_bands_hold_over_a_long_run_and_no_transfer_is_sent_twice(
    devnet_factory: Any, tmp_path: Path
) -> None:
    settings = _settings()
    async with (
        devnet_factory(dict.fromkeys(CHAINS, 0.5), bridges=True, canonical_delay_s=3.0) as devnet,
        cross_chain_net(
            devnet, tmp_path / "planting.sqlite", settings.cross_chain.execution
        ) as net,
    ):
        chains = {name: devnet.manifest.chain(name) for name in CHAINS}
        usdc = {name: chain.token("USDC") for name, chain in chains.items()}
        account = {name: str(chain.inventory_account) for name, chain in chains.items()}
        store = await asyncio.to_thread(HistoryStore.open, f"sqlite:///{tmp_path / 'bot.sqlite'}")
        transfers = BridgeTransferStore(store.database.engine)

        async def bands_hold() -> bool:
            open_transfers = await transfers.in_flight()
            for name, (low, _, high) in _BANDS.items():
                held = await balance_of(net.rpcs[name], usdc[name].address, account[name])
                unit = 10 ** usdc[name].decimals
                toward = (
                    any(t.dst_chain == name for t in open_transfers)
                    if held < low * unit
                    else any(t.src_chain == name for t in open_transfers)
                    if held > high * unit
                    else True
                )
                if not toward:
                    return False
            return True

        async def events() -> set[tuple[str, str]]:
            trades = await asyncio.to_thread(load_cross_chain_trades, store.database, limit=1000)
            settled = {("trade " + r.trade.id, r.trade.status) for r in trades}
            moved = {("transfer " + t.id, str(t.status)) for t in await transfers.recent(1000)}
            return {e for e in settled | moved if e[1] != "pending"}

        checked: list[tuple[str, str]] = []
        stop = asyncio.Event()
        # Set once the bot has stopped: the watcher then checks what is left and returns.
        bot_stopped = asyncio.Event()

        async def watch() -> None:
            """Check the bands after each new settled trade and transfer status."""
            while True:

                async def fresh() -> set[tuple[str, str]] | bool:
                    return (await events()) - set(checked) or bot_stopped.is_set()

                found = await eventually(fresh, what="a trade or transfer", timeout_s=120)
                if found is True:
                    return
                for event in sorted(found):
                    await eventually(
                        bands_hold,
                        what=f"USDC inside its bands, or a transfer toward them, after {event}",
                        timeout_s=_GRACE_S,
                        interval_s=0.05,
                    )
                    checked.append(event)

        async def plant_gaps() -> None:
            for gap in range(_GAPS):
                chain = CHAINS[gap % 2]
                before = {e for e in checked if e[0].startswith("trade ")}
                start = int(await net.rpcs[chain].call("eth_blockNumber"), 16)
                await net.trader_swap(
                    chain, "uniswap-v2", "USDC", _PLANT_USDC * 10 ** usdc[chain].decimals
                )

                async def traded_or_passed(
                    chain: str = chain, start: int = start, before: set[Any] = before
                ) -> bool:
                    traded = {e for e in checked if e[0].startswith("trade ")} - before
                    head = int(await net.rpcs[chain].call("eth_blockNumber"), 16)
                    return bool(traded) or head >= start + _BLOCKS_PER_GAP

                await eventually(traded_or_passed, what=f"gap {gap} traded", timeout_s=60)

        try:
            async with asyncio.TaskGroup() as tasks:
                bot = tasks.create_task(
                    run_bot(
                        devnet.manifest,
                        settings,
                        access=DevnetAccess(devnet.manifest_path),
                        store=store,
                        dry_run=False,
                        stop_when=lambda _: stop.is_set(),
                    )
                )
                watcher = tasks.create_task(watch())
                try:
                    await plant_gaps()

                    async def one_arrived() -> bool:
                        return any(e[1] == "arrived" for e in checked)

                    await eventually(one_arrived, what="a transfer arrived", timeout_s=60)
                finally:
                    stop.set()
                await bot
                bot_stopped.set()
                await watcher
            rows = await transfers.recent(1000)
            trades = await asyncio.to_thread(load_cross_chain_trades, store.database, limit=1000)
        finally:
            await store.close()
        await _sent_once(rows, chains, net.rpcs, account)
        # A long run: many trades, each settled one checked against the bands.
        statuses = Counter(r.trade.status for r in trades)
        assert statuses["done"] >= 4, statuses
        settled = {("trade " + r.trade.id, r.trade.status) for r in trades}
        assert {e for e in settled if e[1] != "pending"} <= set(checked)


async def _sent_once(
    rows: list[BridgeTransfer],
    chains: dict[str, Any],
    rpcs: dict[str, Any],
    account: dict[str, str],
) -> None:
    assert rows
    deposited = Counter((t.src_chain, t.bridge) for t in rows if t.deposit_id is not None)
    for (name, bridge), count in deposited.items():
        made = await deposits_by(rpcs[name], chains[name], bridge, account[name])
        assert made == count, (name, bridge, made, count)
    for transfer in rows:
        if transfer.deposit_id is None:
            continue
        src, dst = chains[transfer.src_chain], chains[transfer.dst_chain]
        counts = await deposits_and_arrivals(
            {"bridge": transfer.bridge, "deposit_id": transfer.deposit_id},
            src, rpcs[src.name], dst, rpcs[dst.name],
        )  # fmt: skip
        assert counts[0] == 1, (transfer, counts)
        # Arrived once; one not yet recorded as arrived when the bot stopped, at most once.
        assert counts[1] <= 1, (transfer, counts)
        if transfer.status == "arrived":
            assert counts[1] == 1, (transfer, counts)
