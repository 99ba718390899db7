"""A node's answer to an `eth_call` pinned by hash to its latest block, while the next block is
mined: the state of that block, or the state after the next one?

The precheck audit (`omniarb.execute.precheck_audit`) runs a sent trade's call at the block the
local simulation read, named by its hash (EIP-1898). Queued just after the send, it usually
reaches the node while that block is still the latest, and the trade's own block is being
mined. This probe measures what anvil (node_modules/.bin/anvil) answers then.

Method. A fresh anvil mining every `--block-time` seconds. For each of `--blocks` blocks: the
latest block's hash and the balance of a watched account at it (read once, by hash); then
`--txs` transfers sent (the first to the watched account, so the next block changes its
balance); then, until the next block exists, rounds of `--parallel` concurrent calls pinned to
the block's hash, each returning the watched balance (creation code: BALANCE, MSTORE,
RETURN). A wrong answer is one that differs from the balance read at that block: the state
after the next block leaking into a call pinned to the one before. The figures: wrong answers
of all pinned calls, and the blocks with at least one. (The audit now waits for a block after
its own, and so never calls in this window.)

    .venv/bin/python benchmarks/anvil_pinned_call.py [--blocks 30] [--txs 40] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import socket
import subprocess
from pathlib import Path

from omniarb.chains.rpc import RpcClient
from omniarb.errors import NODE_ERRORS

ANVIL = Path(__file__).resolve().parent.parent / "node_modules" / ".bin" / "anvil"
WATCHED = "0x" + "77" * 20
OTHER = "0x" + "66" * 20
# PUSH20 WATCHED, BALANCE, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN: the watched balance.
BALANCE_CODE = "0x73" + WATCHED[2:] + "31" + "600052" + "60206000f3"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def _ready(rpc: RpcClient) -> list[str]:
    for _ in range(200):
        try:
            accounts: list[str] = await rpc.call("eth_accounts")
        except NODE_ERRORS:  # the node is still starting
            await asyncio.sleep(0.05)
        else:
            return accounts
    raise RuntimeError("anvil did not start")


async def probe(*, blocks: int, txs: int, parallel: int, block_time_s: float) -> dict[str, int]:
    port = _free_port()
    node = subprocess.Popen(
        [str(ANVIL), "--port", str(port), "--block-time", str(block_time_s), "--silent"]
    )
    wrong = calls = leaky_blocks = 0
    try:
        async with RpcClient(f"http://127.0.0.1:{port}") as rpc:
            accounts = await _ready(rpc)
            for index in range(blocks):
                block = await rpc.call("eth_getBlockByNumber", "latest", False)
                number, at = int(block["number"], 16), {"blockHash": block["hash"]}
                expected = await rpc.call("eth_call", {"data": BALANCE_CODE}, at)
                for k in range(txs):
                    tx = {
                        "from": accounts[k % len(accounts)],
                        "to": WATCHED if k == 0 else OTHER,
                        "value": hex(10**9 + index),
                    }
                    await rpc.call("eth_sendTransaction", tx)
                leaked = False
                while int(await rpc.call("eth_blockNumber"), 16) == number:
                    answers = await asyncio.gather(
                        *(rpc.call("eth_call", {"data": BALANCE_CODE}, at) for _ in range(parallel))
                    )
                    calls += len(answers)
                    bad = sum(answer != expected for answer in answers)
                    wrong += bad
                    leaked = leaked or bad > 0
                leaky_blocks += leaked
    finally:
        node.terminate()
        node.wait()
    return {
        "blocks": blocks,
        "blocks_with_a_wrong_answer": leaky_blocks,
        "pinned_calls": calls,
        "wrong_answers": wrong,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--blocks", type=int, default=30)
    parser.add_argument("--txs", type=int, default=40, help="transfers per block")
    parser.add_argument("--parallel", type=int, default=8, help="concurrent pinned calls")
    parser.add_argument("--block-time", type=float, default=0.5, help="seconds")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    figures = asyncio.run(
        probe(
            blocks=args.blocks,
            txs=args.txs,
            parallel=args.parallel,
            block_time_s=args.block_time,
        )
    )
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"{figures['wrong_answers']} of {figures['pinned_calls']} calls pinned to the latest "
            "block answered with the next block's state, in "
            f"{figures['blocks_with_a_wrong_answer']} of {figures['blocks']} blocks"
        )


if __name__ == "__main__":
    main()
