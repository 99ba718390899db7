"""The mempool side's count of recent swaps (`BackrunWatch.activity`): every decoded swap but our
own is counted with the pools it moves, whether or not it leaves a backrun; a call that is no
swap is not counted."""

from __future__ import annotations

from omniarb.backrun_watch import BackrunWatch
from omniarb.collect.pending import PendingStream
from omniarb.collect.pending_activity import PendingActivity
from omniarb.detect.backrun import BackrunSearch
from omniarb.dex.router_book import RouterBook, RouterRoute
from omniarb.dex.router_decoder import RouterDecoder
from omniarb.dex.router_swap import RouterSwap
from omniarb.pending_tx import PendingTx

from ._mixed_world import DAI, USDC, WETH
from .test_backrun import HEAD, NOW, detector, swap, world

ROUTER = "0x" + "77" * 20
OURS = "0x" + "0e" * 20
SEEN_NS = 10**12
# One selector per planted call: what the test decoder returns for it.
_LARGE, _EXPIRED = b"\x00\x00\x00\x01", b"\x00\x00\x00\x02"
_CALLS = {
    # Moves the WETH/USDC and USDC/DAI pairs enough to open gaps.
    _LARGE: (swap((WETH, USDC, DAI), amount_in=200 * 10**18),),
    # Its deadline is before the next block: skipped, nothing to backrun, still a swap seen.
    _EXPIRED: (swap((WETH, USDC), amount_in=10**18, deadline=NOW - 1),),
}


def _decode(data: bytes, *, value_wei: int, wrapped_native: str | None) -> tuple[RouterSwap, ...]:
    return _CALLS[bytes(data[:4])]


def _watch(activity: PendingActivity) -> BackrunWatch:
    decoder = RouterDecoder(kind="test", selectors=frozenset(_CALLS), decode=_decode)
    return BackrunWatch(
        stream=PendingStream(chain_id=1, ws_url="ws://127.0.0.1:1", rpc=None),  # type: ignore[arg-type]
        routers=RouterBook(
            routes=[RouterRoute(address=ROUTER, decoder=decoder, dexes=("dex-a",))],
            dex_kinds={"dex-a": "uniswap-v2"},
        ),
        search=BackrunSearch(detector=detector()),
        sender=OURS,
        activity=activity,
    )


def _tx(data: bytes, *, sender: str = "0x" + "5e" * 20, to: str = ROUTER, n: int = 0) -> PendingTx:
    return PendingTx(
        tx_hash=f"0x{n:064x}",
        sender=sender,
        to=to,
        input=data,
        value_wei=0,
        nonce=n,
        gas=300_000,
        tx_type=2,
        gas_price_wei=None,
        max_fee_per_gas_wei=10**10,
        max_priority_fee_per_gas_wei=10**9,
        chain_id=1,
        raw=b"",
        seen_ns=SEEN_NS + n,
    )


def _pair(a: str, b: str) -> str:
    (state,) = [
        s
        for s in world()
        if {s.token0, s.token1} == {a, b} and s.dex == "dex-a" and s.kind == "uniswap-v2"
    ]
    return state.address


def test_every_decoded_swap_is_counted_with_the_pools_it_moves() -> None:
    activity = PendingActivity(window_s=2.0)
    watch = _watch(activity)
    now_ns = SEEN_NS + 10
    found = [o for o in watch.opportunities(_tx(_LARGE), HEAD, dequeued_ns=now_ns) if o]
    assert found  # the swap opened gaps, and its pools were counted before any was sized
    weth_usdc, usdc_dai = _pair(WETH, USDC), _pair(USDC, DAI)
    assert activity.route_swaps([weth_usdc], now_ns) == 1
    assert activity.route_swaps([usdc_dai], now_ns) == 1
    assert activity.route_swaps([weth_usdc, usdc_dai], now_ns) == 1
    assert activity.route_swaps([_pair(WETH, DAI)], now_ns) == 0
    assert activity.swaps(now_ns) == 1
    # Skipped for its deadline: no backrun, no pool it moves, but a swap the mempool showed.
    assert list(watch.opportunities(_tx(_EXPIRED, n=1), HEAD, dequeued_ns=now_ns)) == []
    assert activity.swaps(now_ns) == 2
    assert activity.route_swaps([weth_usdc], now_ns) == 1


def test_our_own_transactions_and_calls_that_are_no_swap_are_not_counted() -> None:
    activity = PendingActivity(window_s=2.0)
    watch = _watch(activity)
    assert list(watch.opportunities(_tx(_LARGE, sender=OURS), HEAD, dequeued_ns=SEEN_NS)) == []
    assert list(watch.opportunities(_tx(_LARGE, to=OURS), HEAD, dequeued_ns=SEEN_NS)) == []
    unknown = b"\xff\xff\xff\xff"
    assert list(watch.opportunities(_tx(unknown), HEAD, dequeued_ns=SEEN_NS)) == []
    assert activity.swaps(SEEN_NS) == 0
    assert activity.pools_tracked == 0
