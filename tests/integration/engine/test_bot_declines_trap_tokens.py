"""The bot on a devnet Ethereum with trap tokens (`[devnet] traps`): each trap token's pools
look profitable (10% apart), the cycles through them are found, and every one is declined with
the token's reason from a simulated trade; nothing is traded through them. The bot is told
nothing about which tokens are traps."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

from _bot_helpers import bot_on
from _waits import eventually

from omniarb.api.history import load_opportunities
from omniarb.store import HistoryDatabase

_ONE_BLOCK_S = 0.5
EXPECTED = {
    "FEE5": "transfer_tax",
    "HONEY": "sell_reverts",
    "PAUSE": "paused",
    "BLOCK": "blacklist",
}


def _token_reasons(db: Path) -> list[tuple[bool, list[str]]]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute("SELECT approved, reasons FROM decisions").fetchall()
    return [(bool(approved), json.loads(reasons)) for approved, reasons in rows]


async def test_trap_pools_show_as_declined_opportunities_with_the_reason(
    devnet_factory, tmp_path: Path
) -> None:
    db = tmp_path / "h.sqlite"
    async with devnet_factory({"ethereum": _ONE_BLOCK_S}, traps=True) as net:
        chain = net.manifest.chain("ethereum")
        wanted = {
            f"token safety: {chain.token(symbol).address.lower()}: {reason}"
            for symbol, reason in EXPECTED.items()
        }

        async def all_declined() -> bool:
            rows = await asyncio.to_thread(_token_reasons, db)
            return wanted <= {r for approved, reasons in rows if not approved for r in reasons}

        async with bot_on(net, db) as bot:
            await eventually(
                all_declined, what="a declined cycle through each trap token", timeout_s=60
            )
            await bot.wait_for(lambda stats: stats[0].blocks_seen >= 2, timeout_s=30)
            stats = bot.stats[0]
            for trade in stats.trades:
                assert not {hop["token_in"] for hop in trade.route} & set(EXPECTED), trade
        traps = {chain.token(symbol).address.lower() for symbol in EXPECTED}
        # Every declined token-safety reason names a trap token, never a real one.
        for approved, reasons in _token_reasons(db):
            for reason in reasons:
                if reason.startswith("token safety: "):
                    assert not approved
                    assert reason.split(": ")[1] in traps, reason
        # The API (and the dashboard's rejected view) shows them as declined, with the reason.
        database = HistoryDatabase.open(f"sqlite:///{db}")
        try:
            declined = load_opportunities(database, status="declined", limit=10_000)
        finally:
            database.dispose()
        assert wanted <= {reason for item in declined for reason in item.reasons}
