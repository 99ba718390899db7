"""The per-endpoint token bucket, measured where it matters: at the endpoint. The proxy stamps
every request it receives; no window of time sees more than the bucket allows."""

from __future__ import annotations

import asyncio
import time

import pytest
from _rpc_proxy import FaultyRpcProxy

from omniarb.chains.rpc import RpcClient, RpcPolicy

pytestmark = pytest.mark.integration

RATE_PER_S = 40.0
BURST = 4


def most_in_a_window(stamps: list[float], window_s: float) -> int:
    """The largest number of stamps within any `window_s` (each window opening at a stamp)."""
    stamps = sorted(stamps)
    return max(
        sum(1 for later in stamps[i:] if later - start <= window_s)
        for i, start in enumerate(stamps)
    )


async def test_the_rate_limit_holds_under_concurrent_callers(anvil_nodes) -> None:
    calls = 44
    limited = RpcPolicy(rate_limit_per_s=RATE_PER_S, rate_limit_burst=BURST)
    async with (
        anvil_nodes(1) as (node,),
        FaultyRpcProxy(node.rpc_http) as proxy,
        RpcClient(proxy.url, policy=limited) as rpc,
    ):
        started = time.monotonic()
        answers = await asyncio.gather(*(rpc.call("eth_chainId") for _ in range(calls)))
        elapsed_s = time.monotonic() - started
    assert all(int(a, 16) == 31337 for a in answers)
    assert proxy.received["eth_chainId"] == calls
    # The burst goes at once; the other 40 wait for the refill at 40 per second.
    assert elapsed_s >= (calls - BURST) / RATE_PER_S * 0.95
    for window_s in (0.1, 0.25, 0.5):
        allowed = BURST + RATE_PER_S * window_s
        assert most_in_a_window(proxy.arrivals_s, window_s) <= allowed + 1, window_s


async def test_a_batch_takes_a_token_per_request(anvil_nodes) -> None:
    limited = RpcPolicy(rate_limit_per_s=RATE_PER_S, rate_limit_burst=BURST)
    async with (
        anvil_nodes(1) as (node,),
        FaultyRpcProxy(node.rpc_http) as proxy,
        RpcClient(proxy.url, policy=limited) as rpc,
    ):
        started = time.monotonic()
        await rpc.batch([("eth_chainId", [])] * BURST)
        first_s = time.monotonic() - started
        # The first batch emptied the bucket: the second waits for a whole refill, and a batch
        # larger than the bucket waits for a full one, not forever.
        await rpc.batch([("eth_chainId", [])] * BURST)
        await rpc.batch([("eth_chainId", [])] * (3 * BURST))
        all_s = time.monotonic() - started
    assert first_s < BURST / RATE_PER_S
    assert all_s >= 2 * BURST / RATE_PER_S * 0.95
    assert proxy.received["batch"] == 3
