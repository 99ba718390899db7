"""`omniarb demo` on Ethereum, whose blocks the devnet's bundle relay builds: the market's large
pending swaps are backrun. Each backrun is a bundle: the market's swap, then our trade, one right
after the other in the same block; it realized exactly its prediction, bribe included, and a
backrun starting in WETH paid its bribe (others, which cannot pay one, paid none). The
block-found trades went to the relay too.

A bundle targets the next two blocks: one that lands in the second, after the market's swaps
moved its pools in the first, was overtaken and may realize more or less than predicted. The
flag that says so is checked against the receipts both ways (`_touch_check`), and every trade
not overtaken realized exactly its prediction. The swap a backrun follows is its prediction's
premise, not an overtaking."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _cli_helpers import kept_demo, private_home, receipts, write_config
from _touch_check import check_trades, recorded_trades

from omniarb.devnet.record import read_record
from omniarb.network import Manifest

pytestmark = pytest.mark.xdist_group("devnet-cli")

_BLOCKS = 25
# The market's whales (whose swaps open the gaps worth a backrun) on most blocks.
_WHALES = 0.6


def test_the_demo_backruns_the_markets_swaps_through_the_relay(
    tmp_path: Path, omniarb_home: Path
) -> None:
    home = private_home(tmp_path, omniarb_home)
    config = write_config(
        tmp_path / "eth.toml", block_times_s={"ethereum": 1.0}, whale_probability=_WHALES
    )
    summary_path = tmp_path / "summary.json"
    with kept_demo(home, blocks=_BLOCKS, summary=summary_path, config=config, timeout_s=300.0):
        record = read_record(home)
        assert record is not None
        assert set(record.relay_url) == {"ethereum"}
        (chain,) = Manifest.read(Path(record.manifest)).chains
        assert chain.relay_url == record.relay_url["ethereum"]
        trades = json.loads(summary_path.read_text())["trades"]
        # Every trade went to the relay; what a block included and no other transaction
        # overtook realized exactly its prediction, and the flag is right both ways.
        assert trades
        assert {t["channel"] for t in trades} == {"bundle"}
        succeeded = [t for t in trades if t["status"] == "success"]
        for trade in trades:
            # A bundle no block included (outbid, or its pools moved) cost nothing: "dropped".
            if trade["status"] != "dropped" and not trade["touched_earlier_in_block"]:
                assert trade["status"] == "success", trade
                assert trade["realized_profit_wei"] == trade["predicted_profit_wei"] > 0, trade
        recorded = recorded_trades(home)
        assert {t.tx_hash for t in recorded} == {t["tx_hash"] for t in trades}
        check_trades(chain.rpc_http, recorded)
        backruns = [t for t in succeeded if t["source"] == "mempool"]
        assert backruns, [(t["source"], t["status"]) for t in trades]
        assert any(not t["touched_earlier_in_block"] for t in backruns), backruns
        for trade in backruns:
            # A bribe is paid in the native coin, out of a profit in its wrapped token: a
            # backrun that starts in WETH pays one, another pays none.
            starts_in_weth = trade["route"][0]["token_in"] == "WETH"
            assert (trade["bribe_paid_wei"] > 0) == starts_in_weth, trade
            ours, theirs = receipts(chain.rpc_http, [trade["tx_hash"], trade["trigger_tx"]])
            # The market's swap, then ours, in the same block, one right after the other.
            assert ours["blockNumber"] == theirs["blockNumber"]
            assert int(ours["transactionIndex"], 16) == int(theirs["transactionIndex"], 16) + 1
            assert theirs["status"] == "0x1"
