"""`omniarb demo` on two chains trades across them and rebalances, proven from the chains.

Ethereum and Polygon, 1 s blocks, the market's traders on both: the chains' prices drift apart
and the demo's cross-chain trading (`DEMO_CROSS_CHAIN`) sells where an asset is dear and buys it
back where it is cheap; its rebalancer (`DEMO_REBALANCE`) moves $5k of USDC from Ethereum
(target $35k) to Polygon (target $45k) at once. From the history and the chains:

- at least one cross-chain trade has both legs mined;
- every leg priced on a block after which no other transaction moved its pools (before it, in
  its own block too: `_touch_check`) realized exactly its prediction, and one such leg exists;
- the realized PnL of each trade whose two legs landed is what its two receipts imply, at the
  prices the trade was planned at;
- a bridge transfer was recorded (its signed transactions in the row, logged `planned`) before
  its first broadcast (logged `sent`), and arrived once: one deposit event, one payout;
- the `--summary` JSON lists the same trades, legs' transactions and transfers.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from _bridge_events import deposits_and_arrivals, deposits_by
from _cli_helpers import kept_demo, private_home, query, write_config
from _cross_chain_check import leg_on_chain, realized_pnl_usd, recorded_legs

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.record import read_record
from omniarb.network import Manifest

pytestmark = pytest.mark.xdist_group("devnet-cli")

# Cross-chain trades start ~15 s into the run (the view needs each chain's first blocks and
# the legs' fees), and the canonical transfer arrives ~20 s after its deposit: 60 one-second
# blocks gave 27 trades here (25 with both legs landed; 38 of the 51 landed legs untouched and
# exact) and 2 transfers, the first arrived.
_BLOCKS = 60
_CHAINS = {"ethereum": 1.0, "polygon": 1.0}


def test_the_demo_trades_across_chains_and_rebalances(tmp_path: Path, omniarb_home: Path) -> None:
    home = private_home(tmp_path, omniarb_home)
    config = write_config(tmp_path / "two.toml", block_times_s=_CHAINS)
    summary_path = tmp_path / "summary.json"
    with kept_demo(
        home, blocks=_BLOCKS, summary=summary_path, config=config, timeout_s=400.0
    ) as demo:
        record = read_record(home)
        assert record is not None
        manifest = Manifest.read(Path(record.manifest))
        summary = json.loads(summary_path.read_text())
        asyncio.run(_check(home, manifest, summary, demo.stderr))


async def _check(home: Path, manifest: Manifest, summary: dict[str, Any], log: str) -> None:
    chains = {chain.name: chain for chain in manifest.chains}
    decimals = {
        (chain.name, token.address.lower()): token.decimals
        for chain in manifest.chains
        for token in chain.tokens
    }
    async with AsyncExitStack() as stack:
        rpcs = {
            name: await stack.enter_async_context(RpcClient(chain.rpc_http))
            for name, chain in chains.items()
        }
        await _check_trades(home, summary, chains, rpcs, decimals)
        await _check_transfers(summary, chains, rpcs, log)


async def _check_trades(
    home: Path,
    summary: dict[str, Any],
    chains: dict[str, Any],
    rpcs: dict[str, RpcClient],
    decimals: dict[tuple[str, str], int],
) -> None:
    trades = {t["id"]: t for t in summary["cross_chain_trades"]}
    assert summary["totals"]["cross_chain_trades"] == len(trades) > 0, summary["totals"]
    # The summary lists exactly the history's trades, and each leg's transaction.
    stored = {row[0]: row for row in query(home, "SELECT id, status, realized_pnl_usd FROM "
                                                  "cross_chain_trades")}  # fmt: skip
    assert set(stored) == set(trades)
    legs = recorded_legs(home)
    for leg in legs:
        listed = {x["role"]: x for x in trades[leg.trade_id]["legs"]}[leg.role]
        assert listed["tx_hash"] == leg.tx_hash, (listed, leg)
        assert listed["status"] == leg.status, (listed, leg)
    by_trade: dict[str, dict[str, Any]] = {}
    untouched = 0
    for leg in legs:
        if leg.tx_hash is None or leg.status not in ("landed", "reverted"):
            continue  # never mined (pending when the run stopped, or dropped)
        account = chains[leg.chain].inventory_account
        assert account is not None
        mined = await leg_on_chain(rpcs[leg.chain], leg, account)
        assert mined.success == (leg.status == "landed"), (leg, mined)
        if mined.success:
            assert leg.realized_out == mined.realized_out, (leg, mined)
            assert mined.spent_in == leg.amount_in, (leg, mined)
        if not mined.touched_by:
            # Nothing moved its pools since the block it was priced on: exact, to the wei.
            untouched += 1
            assert mined.success, leg
            assert mined.realized_out == leg.predicted_out, leg
        by_trade.setdefault(leg.trade_id, {})[leg.role] = (leg, mined)
    assert untouched > 0, "no leg landed on pools left as it priced them"
    done = [t for t in trades.values() if t["status"] == "done"]
    assert done, [(t["id"], t["status"]) for t in trades.values()]
    for trade in done:
        (sell, sell_mined), (buy, buy_mined) = (by_trade[trade["id"]][r] for r in ("sell", "buy"))
        implied = realized_pnl_usd(sell, buy, sell_mined, buy_mined, decimals)
        assert trade["realized_pnl_usd"] == pytest.approx(implied, rel=1e-12, abs=1e-9), trade
        assert stored[trade["id"]][2] == trade["realized_pnl_usd"]
        # Both legs mined, each on its own chain.
        assert {x["chain"] for x in trade["legs"][:2]} == {trade["sell_chain"], trade["buy_chain"]}


async def _check_transfers(
    summary: dict[str, Any], chains: dict[str, Any], rpcs: dict[str, RpcClient], log: str
) -> None:
    transfers = summary["bridge_transfers"]
    assert summary["totals"]["bridge_transfers"] == len(transfers)
    arrived = [t for t in transfers if t["status"] == "arrived"]
    assert arrived, [(t["id"], t["status"]) for t in transfers]
    # No transfer was sent twice: the account's deposits are the rows' deposits, one each.
    deposited = Counter((t["src_chain"], t["bridge"]) for t in transfers if t["deposit_id"])
    for (name, bridge), count in deposited.items():
        sender = chains[name].inventory_account
        assert await deposits_by(rpcs[name], chains[name], bridge, sender) == count, name
    lines = log.splitlines()
    for transfer in arrived:
        # Recorded, with its signed transactions, before its first broadcast.
        assert transfer["deposit_tx_hash"] in transfer["src_tx_hashes"], transfer
        planned = _line_of(lines, f"transfer {transfer['id']}: planned")
        sent = _line_of(lines, f"transfer {transfer['id']}: sent")
        assert planned < sent, transfer
        src, dst = chains[transfer["src_chain"]], chains[transfer["dst_chain"]]
        receipt = await rpcs[src.name].call(
            "eth_getTransactionReceipt", transfer["deposit_tx_hash"]
        )
        assert receipt is not None, transfer
        assert receipt["status"] == "0x1", transfer
        # Arrived once: one deposit, one payout.
        counts = await deposits_and_arrivals(transfer, src, rpcs[src.name], dst, rpcs[dst.name])
        assert counts == (1, 1), (transfer, counts)
        assert int(transfer["amount_received"]) == int(transfer["amount_out_expected"]) > 0


def _line_of(lines: list[str], text: str) -> int:
    found = [i for i, line in enumerate(lines) if line.endswith(text)]
    assert len(found) == 1, (text, found)
    return found[0]
