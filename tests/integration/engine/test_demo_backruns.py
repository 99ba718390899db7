"""`omniarb demo` on Ethereum, whose blocks the devnet's bundle relay builds: the market's large
pending swaps are backrun. Each backrun is a bundle: the market's swap, then our trade, one right
after the other in the same block; it realized exactly its prediction, bribe included, and a
backrun starting in WETH paid its bribe (others, which cannot pay one, paid none). The
block-found trades went to the relay too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _cli_helpers import cli, private_home, receipts, write_config

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
    demo = cli(
        home,
        "demo",
        "--blocks",
        str(_BLOCKS),
        "--summary",
        summary_path,
        "--keep-devnet",
        config=config,
        timeout_s=300.0,
    )
    try:
        assert demo.returncode == 0, demo.stderr[-3000:]
        record = read_record(home)
        assert record is not None
        assert set(record.relay_url) == {"ethereum"}
        (chain,) = Manifest.read(Path(record.manifest)).chains
        assert chain.relay_url == record.relay_url["ethereum"]
        trades = json.loads(summary_path.read_text())["trades"]
        # Every trade went to the relay; what succeeded realized exactly its prediction.
        assert trades
        assert {t["channel"] for t in trades} == {"bundle"}
        succeeded = [t for t in trades if t["status"] == "success"]
        for trade in succeeded:
            assert trade["realized_profit_wei"] == trade["predicted_profit_wei"] > 0, trade
        backruns = [t for t in succeeded if t["source"] == "mempool"]
        assert backruns, [(t["source"], t["status"]) for t in trades]
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
    finally:
        down = cli(home, "devnet", "down")
    assert down.returncode == 0, down.stderr
