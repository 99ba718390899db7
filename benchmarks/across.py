"""Across on the five-chain devnet (default block times, Ethereum's bundle relay, the relayer
with its default 3 s delay): one transfer per route through the adapter, timed from the
deposit's receipt to the adapter seeing the fill, with the gas of the deposit and of the fill.
Every transfer must pay the recipient exactly the quoted output.

    .venv/bin/python benchmarks/across.py [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

from omniarb.bridges import AcrossBridge
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.devnet import Devnet
from omniarb.devnet.accounts import dev_account
from omniarb.devnet.bridges import AcrossParams

ROUTES = (
    ("ethereum", "arbitrum", "USDC", 5_000 * 10**6),
    ("arbitrum", "ethereum", "WETH", 2 * 10**18),
    ("polygon", "optimism", "USDC", 100 * 10**6),
    ("bnb", "polygon", "USDC", 100 * 10**18),
)
_SENDER_INDEX = 3


async def _transfer(
    across: AcrossBridge, rpcs: dict[str, RpcClient], route: tuple[str, str, str, int]
) -> dict[str, Any]:
    src, dst, token, amount = route
    sender = dev_account(_SENDER_INDEX).address
    quote = await across.quote(src, dst, token, token, amount)
    receipt: dict[str, Any] | None = None
    for call in across.deposit_calls(quote, sender=sender, recipient=sender):
        tx = {"from": sender, "to": call.to, "data": "0x" + call.data.hex(), "gas": hex(call.gas)}
        tx_hash = await rpcs[src].call("eth_sendTransaction", tx)
        receipt = await wait_for_receipt(rpcs[src], tx_hash, timeout_s=60)
        if receipt is None or receipt["status"] != "0x1":
            raise RuntimeError(f"{src}: {tx_hash} failed")
    assert receipt is not None
    deposit = await across.find_deposit(src, receipt["transactionHash"])
    if deposit is None:
        raise RuntimeError(f"{src}: no deposit")
    seen_s = time.perf_counter()
    while (arrival := await across.arrival(deposit)) is None:
        await asyncio.sleep(0.1)
    fill_s = time.perf_counter() - seen_s
    fill = await rpcs[dst].call("eth_getTransactionReceipt", arrival.tx_hash)
    return {
        "route": f"{src}->{dst} {token}",
        "fill_after_deposit_s": round(fill_s, 2),
        "deposit_gas": int(receipt["gasUsed"], 16),
        "fill_gas": int(fill["gasUsed"], 16),
        "exact": arrival.amount_received == quote.amount_out,
    }


async def measure() -> dict[str, Any]:
    params = AcrossParams()
    with tempfile.TemporaryDirectory(prefix="omniarb-bench-") as tmp:
        devnet = Devnet(home=Path(tmp), relays=["ethereum"], bridges=True, across=params)
        async with devnet as net, AsyncExitStack() as stack:
            rpcs = {
                c.name: await stack.enter_async_context(RpcClient(c.rpc_http))
                for c in net.manifest.chains
            }
            across = await stack.enter_async_context(AcrossBridge(net.manifest, rpcs))
            transfers = [await _transfer(across, rpcs, route) for route in ROUTES]
    return {"delay_s": params.delay_s, "transfers": transfers}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    result = asyncio.run(measure())
    if args.json:
        print(json.dumps(result))
    else:
        print(f"relayer delay {result['delay_s']:g} s")
        for t in result["transfers"]:
            print(
                f"  {t['route']:<24} fill {t['fill_after_deposit_s']:>5.2f} s after the "
                f"deposit's receipt; deposit {t['deposit_gas']:,} gas, fill {t['fill_gas']:,} "
                f"gas; exact: {t['exact']}"
            )
    return 0 if all(t["exact"] for t in result["transfers"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
