"""The pending-stream series: each outcome counted per chain, the buffer's depth, every
outcome's series present from the first scrape."""

from __future__ import annotations

from omniarb.chains.abi import encode_call
from omniarb.collect import PENDING_OUTCOMES
from omniarb.dex.router_book import RouterBook
from omniarb.monitor.metrics import Metrics
from omniarb.monitor.pending_metrics import ChainPendingMetrics
from omniarb.network import ChainManifest, DexEntry


def test_the_metrics_count_each_outcome_per_chain() -> None:
    metrics = Metrics(chains=["optimism"])
    observer = ChainPendingMetrics(metrics.pending, "optimism")
    observer.pending_tx("dropped", 8)
    observer.pending_tx("received", 10)
    observer.pending_depth(2)
    text = metrics.render().decode()
    assert 'omniarb_pending_tx_total{chain="optimism",outcome="dropped"} 8.0' in text
    assert 'omniarb_pending_tx_total{chain="optimism",outcome="received"} 10.0' in text
    assert 'omniarb_pending_tx_total{chain="optimism",outcome="unknown"} 0.0' in text
    assert 'omniarb_pending_queue_depth{chain="optimism"} 2.0' in text
    assert {"omniarb_pending_tx_total", "omniarb_pending_queue_depth"} <= metrics.series_names()
    assert set(PENDING_OUTCOMES) >= {"received", "duplicate", "dropped", "malformed", "unknown"}


def test_the_router_book_counts_each_decoding_by_router_and_outcome() -> None:
    """The chain's metrics observer is the router book's: a swap, an unknown function and a
    call to no router are each counted under their router's kind."""
    metrics = Metrics(chains=["ethereum"])
    observer = ChainPendingMetrics(metrics.pending, "ethereum")
    router = "0x" + "ab" * 20
    chain = ChainManifest(
        chain_id=1,
        name="ethereum",
        rpc_http="",
        rpc_ws="",
        tokens=(),
        dexes=(DexEntry(name="uniswap-v2", kind="uniswap-v2", factory=router, router=router),),
        pools=(),
        deployer="",
        traders=(),
    )
    book = RouterBook.from_manifest(chain, observer=observer)
    swap = encode_call(
        "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)",
        10**18,
        1,
        ["0x" + "11" * 20, "0x" + "22" * 20],
        "0x" + "33" * 20,
        2**32,
    )
    assert book.decode(router, bytes.fromhex(swap[2:]), 0).outcome == "swaps"
    assert book.decode(router, bytes.fromhex("deadbeef"), 0).outcome == "unknown-function"
    assert book.decode("0x" + "cd" * 20, b"", 0).outcome == "not-a-router"
    text = metrics.render().decode()
    by = 'omniarb_router_calls_total{{chain="ethereum",outcome="{}",router="{}"}} 1.0'
    assert by.format("swaps", "uniswap-v2-router02") in text
    assert by.format("unknown-function", "uniswap-v2-router02") in text
    assert by.format("not-a-router", "none") in text
