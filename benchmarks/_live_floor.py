"""The floor of the live path, measured on one chain's node while the bot runs against it:
round trips of `eth_blockNumber` and of `eth_sendRawTransaction` of a plain value transfer.

Each call is timed from just before the request to its answer, through the project's
`RpcClient` with the bot's RPC policy (one kept-alive HTTP connection, one request in flight).
The transfers come from a funded devnet account that neither the market nor the bot uses, with
local nonces, so no send waits on a nonce query. The calls are spread over the run at jittered
intervals, so they fall at every phase of the block interval, as the bot's sends do not: those
follow a block by a few ms, when the node is busiest. That is part of the gap, and is said so in
the report.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time

from omniarb.chains.rpc import RpcClient
from omniarb.config import Settings
from omniarb.devnet import dev_account
from omniarb.execute.signer import Signer

# Anvil's accounts 0-10 are the deployer's, the traders', the bot's and the L1 price setter's
# (omniarb.devnet.accounts); the devnet funds 12, so 11 is nobody's.
FLOOR_ACCOUNT_INDEX = 11
_BURN = "0x000000000000000000000000000000000000dEaD"
_TRANSFER_GAS = 21_000
_WARMUP_CALLS = 5


async def measure_floor(
    url: str,
    *,
    block_number_calls: int,
    sends: int,
    spread_s: float,
    stop: asyncio.Event,
    seed: int,
) -> dict[str, list[int]]:
    """Round trips in ns, `block_number` and `send_raw_transaction`, taken over `spread_s`
    seconds or until `stop` is set (then fewer: the bot is no longer running)."""
    settings = Settings()
    rng = random.Random(seed)
    taken: dict[str, list[int]] = {"block_number": [], "send_raw_transaction": []}
    async with RpcClient(
        url, timeout_s=settings.rpc.timeout_s, policy=settings.rpc.policy()
    ) as rpc:
        chain_id = int(await rpc.call("eth_chainId"), 16)
        signer = Signer(dev_account(FLOOR_ACCOUNT_INDEX).private_key, chain_id=chain_id)
        nonce = int(await rpc.call("eth_getTransactionCount", signer.address, "pending"), 16)
        for _ in range(_WARMUP_CALLS):
            await rpc.call("eth_blockNumber")
        interval_s = spread_s / max(block_number_calls, 1)
        # Which of the block-number rounds also send: `sends` of them, evenly spaced.
        send_rounds = (
            {round(i * block_number_calls / sends) for i in range(sends)} if sends else set()
        )
        for index in range(block_number_calls):
            if stop.is_set():
                break
            started = time.perf_counter_ns()
            await rpc.call("eth_blockNumber")
            taken["block_number"].append(time.perf_counter_ns() - started)
            if index in send_rounds:
                # Priced and signed before the clock starts: the floor is the send alone.
                gas_price_wei = 2 * int(await rpc.call("eth_gasPrice"), 16)
                signed = signer.sign_legacy(
                    nonce=nonce,
                    to=_BURN,
                    data=b"",
                    gas=_TRANSFER_GAS,
                    gas_price_wei=gas_price_wei,
                    value=1,
                )
                started = time.perf_counter_ns()
                answer = await rpc.call("eth_sendRawTransaction", signed.raw_hex)
                taken["send_raw_transaction"].append(time.perf_counter_ns() - started)
                if answer != signed.tx_hash:
                    raise SystemExit(f"the node answered {answer} for {signed.tx_hash}")
                nonce += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval_s * rng.uniform(0.5, 1.5))
    return taken
