"""The devnet canonical bridge: what a transfer costs in gas and how long it takes to arrive.

What is measured. On two devnet chains (optimism → arbitrum, automine) with the canonical
messenger running at `--delay` seconds, N transfers of USDC are sent through the product
adapter (`omniarb.bridges.CanonicalBridge`: its exact `approve` and `depositERC20To`), each
waited for until `arrival` reports it:
- the gas the approval, the deposit and the messenger's `finalizeDeposit` used (the first
  deposit pays for the bridge's fresh nonce slot, the later ones do not);
- the seconds from the deposit's block to the finalization's block (block stamps, whole
  seconds), against the configured delay.

Checked before printing: every recipient balance rises by exactly the amount sent, the
adapter's `arrival` reports that amount, and no transfer arrived before its delay (less the
one second block stamps round away).

    .venv/bin/python benchmarks/bridge_canonical.py [--transfers N] [--delay S] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
from pathlib import Path
from typing import Any

from omniarb.bridges import CanonicalBridge
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.devnet import Devnet
from omniarb.devnet.bridges import CanonicalMessenger

SRC, DST = "optimism", "arbitrum"
AMOUNT = 2_500 * 10**6  # 2,500 USDC
_TIMEOUT_S = 120.0


async def _balance(rpc: RpcClient, token: str, holder: str) -> int:
    answer = await rpc.call(
        "eth_call", {"to": token, "data": encode_call("balanceOf(address)", holder)}, "latest"
    )
    return int(decode(["uint256"], answer)[0])


async def _gas_used(rpc: RpcClient, tx_hash: str) -> int:
    receipt = await wait_for_receipt(rpc, tx_hash, timeout_s=_TIMEOUT_S)
    assert receipt is not None, tx_hash
    assert int(receipt["status"], 16) == 1, tx_hash
    return int(receipt["gasUsed"], 16)


async def _stamp(rpc: RpcClient, block: int) -> int:
    return int((await rpc.call("eth_getBlockByNumber", hex(block), False))["timestamp"], 16)


async def _transfer(
    bridge: CanonicalBridge, src: RpcClient, dst: RpcClient, sender: str, recipient: str
) -> dict[str, Any]:
    quote = await bridge.quote(SRC, DST, "USDC", "USDC", AMOUNT)
    gas, tx_hash = [], ""
    for call in bridge.deposit_calls(quote, sender=sender, recipient=recipient):
        tx = {"from": sender, "to": call.to, "data": "0x" + call.data.hex(), "gas": hex(call.gas)}
        tx_hash = await src.call("eth_sendTransaction", tx)
        gas.append(await _gas_used(src, tx_hash))
    deposit = await bridge.find_deposit(SRC, tx_hash)
    assert deposit is not None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + _TIMEOUT_S
    while (arrival := await bridge.arrival(deposit)) is None:
        assert loop.time() < deadline, "the transfer never arrived"
        await asyncio.sleep(0.05)
    assert arrival.amount_received == AMOUNT
    waited_s = await _stamp(dst, arrival.block_number) - await _stamp(src, deposit.block_number)
    return {
        "approve_gas": gas[0],
        "deposit_gas": gas[1],
        "finalize_gas": await _gas_used(dst, arrival.tx_hash),
        "waited_s": waited_s,
    }


async def run(transfers: int, delay_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as home:
        async with Devnet(
            block_times_s={SRC: None, DST: None}, home=Path(home), canonical_delay_s=delay_s
        ) as net:
            src_chain, dst_chain = net.manifest.chain(SRC), net.manifest.chain(DST)
            usdc = dst_chain.token("USDC").address
            recipient = "0x00000000000000000000000000000000000Ca11e"
            async with RpcClient(src_chain.rpc_http) as src, RpcClient(dst_chain.rpc_http) as dst:
                bridge = CanonicalBridge(net.manifest, {SRC: src, DST: dst})
                messenger = CanonicalMessenger(net.manifest, delay_s=delay_s)
                await messenger.start()
                try:
                    results = [
                        await _transfer(bridge, src, dst, src_chain.traders[0], recipient)
                        for _ in range(transfers)
                    ]
                finally:
                    await messenger.stop()
                assert await _balance(dst, usdc, recipient) == transfers * AMOUNT
    assert all(r["waited_s"] >= delay_s - 1 for r in results)
    waits = [r["waited_s"] for r in results]
    return {
        "transfers": transfers,
        "delay_s": delay_s,
        "approve_gas": results[0]["approve_gas"],
        "first_deposit_gas": results[0]["deposit_gas"],
        "later_deposit_gas": results[-1]["deposit_gas"],
        "finalize_gas": [r["finalize_gas"] for r in results],
        "waited_s_median": statistics.median(waits),
        "waited_s_max": max(waits),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=3)
    parser.add_argument("--delay", type=float, default=3.0, help="the messenger's delay, s")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = asyncio.run(run(args.transfers, args.delay))
    if args.json:
        print(json.dumps(figures))
        return
    for key, value in figures.items():
        print(f"{key:>20}: {value}")


if __name__ == "__main__":
    main()
