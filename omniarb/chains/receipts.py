"""Waiting for a transaction's receipt: one poll loop for every caller that sends and waits.

    receipt = await wait_for_receipt(rpc, tx_hash, timeout_s=60)
    if receipt is None: ...  # not mined in time: the caller says what that means

A failed poll (a dropped connection, a 5xx) is retried until the deadline, so one bad answer is
not taken for "not mined"; it is logged when the poll goes down, once a minute while it stays
down, and when it answers again (`omniarb.outage`), not on every attempt. The interval grows by
half each poll up to `max_interval_s`, which keeps a long wait cheap and a short one quick.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from omniarb.chains.rpc import RpcClient
from omniarb.errors import RpcTransportError, endpoint_label
from omniarb.outage import OutageLog

__all__ = ["wait_for_receipt"]

log = logging.getLogger(__name__)


async def wait_for_receipt(
    rpc: RpcClient,
    tx_hash: str,
    *,
    timeout_s: float,
    interval_s: float = 0.01,
    max_interval_s: float = 0.25,
) -> dict[str, Any] | None:
    """The receipt of `tx_hash` once it is mined; None if `timeout_s` passes first."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    outage = OutageLog(log, f"receipt poll for {tx_hash} at {endpoint_label(rpc.url)}")
    while True:
        try:
            answer = await rpc.call("eth_getTransactionReceipt", tx_hash)
        except RpcTransportError as exc:
            outage.failed(exc)
            answer = None
        else:
            outage.recovered()
        if answer is not None:
            return dict(answer)
        remaining_s = deadline - loop.time()
        if remaining_s <= 0:
            return None
        await asyncio.sleep(min(interval_s, remaining_s))
        interval_s = min(interval_s * 1.5, max_interval_s)
