"""A test's wait for a transaction it sent: the product's poll loop, and a loud failure.

Lives at the root of tests/ (on sys.path through tests/conftest.py) for every test helper that
sends transactions and needs them mined.
"""

from __future__ import annotations

from typing import Any

from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient


async def mined_receipt(
    rpc: RpcClient, tx_hash: str, *, timeout_s: float = 20.0, succeeded: bool = True
) -> dict[str, Any]:
    """The receipt of `tx_hash`; fails the test if it is not mined within `timeout_s`, or (with
    `succeeded`) if it reverted."""
    receipt = await wait_for_receipt(rpc, tx_hash, timeout_s=timeout_s)
    assert receipt is not None, f"transaction {tx_hash} was not mined in {timeout_s:g} s"
    if succeeded:
        assert int(receipt["status"], 16) == 1, f"transaction {tx_hash} reverted"
    return receipt
