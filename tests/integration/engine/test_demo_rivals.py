"""`omniarb demo` with rival searchers (`[devnet.rivals]`, on by default): they race the bot for
the market's gaps from a process of their own, the demo prints what they sent and won, and
every trade of the bot the summary calls lost to a rival really was: it failed, and the rival's
transaction, an arbitrage that ran first, is on the chain before it (checked from the receipts,
the devnet kept running for that)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from _cli_helpers import kept_demo, private_home, receipts, write_config

from omniarb.devnet.record import read_record
from omniarb.network import Manifest

pytestmark = pytest.mark.xdist_group("devnet-cli")

_BLOCK_TIMES_S = {"bnb": 0.5, "arbitrum": 0.5}
_BLOCKS = 20
_RIVALS = 3


def test_the_demo_runs_with_rivals_and_names_the_trades_they_took(
    tmp_path: Path, omniarb_home: Path
) -> None:
    home = private_home(tmp_path, omniarb_home)
    config = write_config(
        tmp_path / "rivals.toml",
        block_times_s=_BLOCK_TIMES_S,
        whale_probability=0.6,
        rivals=_RIVALS,
    )
    summary_path = tmp_path / "summary.json"
    with kept_demo(
        home, blocks=_BLOCKS, summary=summary_path, config=config, timeout_s=300.0
    ) as demo:
        line = next((x for x in demo.stdout.splitlines() if x.startswith("rivals won/sent:")), None)
        assert line is not None, demo.stdout[-2000:]
        figures = dict(
            (name, (int(won), int(sent)))
            for name, won, sent in re.findall(r"([\w-]+) (\d+)/(\d+)", line)
        )
        assert set(figures) == {"fast-greedy-0", "slow-1", "relay-2"}, line
        assert sum(sent for _, sent in figures.values()) > 0, line
        assert all(won <= sent for won, sent in figures.values()), line

        summary = json.loads(summary_path.read_text())
        record = read_record(home)
        assert record is not None
        chains = {c.name: c for c in Manifest.read(Path(record.manifest)).chains}
        lost = [t for t in summary["trades"] if t["lost_to_rival"]]
        counted = {c["chain"]: c["lost_to_rival"] for c in summary["chains"]}
        for name in counted:
            assert counted[name] == sum(t["chain"] == name for t in lost), summary["chains"]
        for trade in lost:
            assert trade["status"] in {"reverted", "dropped"}, trade
            assert trade["rival_tx_hash"], trade
            (rival,) = receipts(chains[trade["chain"]].rpc_http, [trade["rival_tx_hash"]])
            assert rival["status"] == "0x1", rival
            if trade["status"] == "reverted":
                (ours,) = receipts(chains[trade["chain"]].rpc_http, [trade["tx_hash"]])
                before = (int(rival["blockNumber"], 16), int(rival["transactionIndex"], 16))
                after = (int(ours["blockNumber"], 16), int(ours["transactionIndex"], 16))
                assert before < after, (rival, ours)
        # A trade of the bot that was not lost to a rival is not marked with one.
        for trade in summary["trades"]:
            assert (trade["rival_tx_hash"] is not None) == trade["lost_to_rival"], trade
