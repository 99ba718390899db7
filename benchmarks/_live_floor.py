"""The floor of the live path, measured on one chain's node while the bot runs against it.

- `block_number`: round trips of `eth_blockNumber`;
- `send_raw_transaction`: round trips of `eth_sendRawTransaction` of a plain value transfer;
- `send_on_head`: from a block's `newHeads` notification (read on a WebSocket of our own) to the
  node's answer to such a send issued at once: the target's own measure (notification ->
  acknowledged) with no decision in between, at the moment the bot's sends also go out, right
  after a block, when the node and the market are busiest.

The first two are spread over the run at jittered intervals, so they fall at every phase of the
block interval. Each call is timed from just before the request to its answer, through the
project's `RpcClient` with the bot's RPC policy (a kept-alive HTTP connection). The transfers
come from a funded devnet account that neither the market nor the bot uses, signed by the
project's `Signer` before the clock starts, with local nonces.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from dataclasses import dataclass

from omniarb.chains.rpc import RpcClient
from omniarb.chains.ws import SubscriptionSpec, WsClient
from omniarb.config import Settings
from omniarb.devnet import dev_account
from omniarb.execute.signer import SignedTx, Signer

# Anvil's accounts 0-10 are the deployer's, the traders', the bot's and the L1 price setter's
# (omniarb.devnet.accounts); the devnet funds 12, so 11 is nobody's.
FLOOR_ACCOUNT_INDEX = 11
_BURN = "0x000000000000000000000000000000000000dEaD"
_TRANSFER_GAS = 21_000
_WARMUP_CALLS = 5
# A priced transfer must still pay after the base fee rose for a few blocks.
_GAS_PRICE_HEADROOM = 10
_POLL_STOP_S = 0.5


@dataclass(frozen=True, slots=True, kw_only=True)
class FloorPlan:
    """How many floor calls one chain gets, over how long, at which block time."""

    block_number_calls: int
    sends: int
    spread_s: float
    block_time_s: float


class _Transfers:
    """Signs the floor account's transfers with local nonces (both measuring tasks share it)."""

    def __init__(self, signer: Signer, nonce: int, gas_price_wei: int) -> None:
        self._signer = signer
        self._nonce = nonce
        self.gas_price_wei = gas_price_wei

    def next(self) -> SignedTx:
        signed = self._signer.sign_legacy(
            nonce=self._nonce,
            to=_BURN,
            data=b"",
            gas=_TRANSFER_GAS,
            gas_price_wei=self.gas_price_wei,
            value=1,
        )
        self._nonce += 1
        return signed

    async def reprice(self, rpc: RpcClient) -> None:
        self.gas_price_wei = _GAS_PRICE_HEADROOM * int(await rpc.call("eth_gasPrice"), 16)


async def _timed_send(rpc: RpcClient, signed: SignedTx, started_ns: int) -> int:
    answer = await rpc.call("eth_sendRawTransaction", signed.raw_hex)
    elapsed_ns = time.perf_counter_ns() - started_ns
    if answer != signed.tx_hash:
        raise SystemExit(f"the node answered {answer} for {signed.tx_hash}")
    return elapsed_ns


async def _spread(
    rpc: RpcClient, transfers: _Transfers, plan: FloorPlan, stop: asyncio.Event, seed: int
) -> dict[str, list[int]]:
    rng = random.Random(seed)
    taken: dict[str, list[int]] = {"block_number": [], "send_raw_transaction": []}
    interval_s = plan.spread_s / max(plan.block_number_calls, 1)
    # Which of the block-number rounds also send: `sends` of them, evenly spaced.
    calls, sends = plan.block_number_calls, plan.sends
    send_rounds = {round(i * calls / sends) for i in range(sends)} if sends else set()
    for index in range(calls):
        if stop.is_set():
            break
        started_ns = time.perf_counter_ns()
        await rpc.call("eth_blockNumber")
        taken["block_number"].append(time.perf_counter_ns() - started_ns)
        if index in send_rounds:
            await transfers.reprice(rpc)
            signed = transfers.next()
            taken["send_raw_transaction"].append(
                await _timed_send(rpc, signed, time.perf_counter_ns())
            )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), interval_s * rng.uniform(0.5, 1.5))
    return taken


async def _on_heads(
    rpc: RpcClient, ws_url: str, transfers: _Transfers, plan: FloorPlan, stop: asyncio.Event
) -> list[int]:
    taken: list[int] = []
    blocks = plan.spread_s / plan.block_time_s
    # Every how many heads to send: `sends` of them over the run's blocks.
    every = max(1, int(blocks / plan.sends)) if plan.sends else 0
    heads = 0
    async with WsClient(ws_url) as ws:
        await ws.subscribe(SubscriptionSpec(kind="newHeads"))
        signed = transfers.next()
        while every and len(taken) < plan.sends and not stop.is_set():
            try:
                async with asyncio.timeout(_POLL_STOP_S):
                    await ws.next_notification()
            except TimeoutError:
                continue
            # The same moment the bot's `notified` stamp takes: the notification just read.
            started_ns = time.perf_counter_ns()
            heads += 1
            if heads % every:
                continue
            taken.append(await _timed_send(rpc, signed, started_ns))
            await transfers.reprice(rpc)
            signed = transfers.next()
    return taken


async def measure_floor(
    url: str, plan: FloorPlan, *, stop: asyncio.Event, seed: int
) -> dict[str, list[int]]:
    """Round trips in ns, by floor name (`block_number`, `send_raw_transaction`,
    `send_on_head`), taken over `plan.spread_s` seconds or until `stop` is set (then fewer:
    the bot is no longer running)."""
    settings = Settings()
    async with RpcClient(
        url, timeout_s=settings.rpc.timeout_s, policy=settings.rpc.policy()
    ) as rpc:
        chain_id = int(await rpc.call("eth_chainId"), 16)
        signer = Signer(dev_account(FLOOR_ACCOUNT_INDEX).private_key, chain_id=chain_id)
        nonce = int(await rpc.call("eth_getTransactionCount", signer.address, "pending"), 16)
        transfers = _Transfers(signer, nonce, 0)
        await transfers.reprice(rpc)
        for _ in range(_WARMUP_CALLS):
            await rpc.call("eth_blockNumber")
        # HTTP and WebSocket share the node's port (anvil).
        ws_url = "ws" + url.removeprefix("http")
        async with asyncio.TaskGroup() as tasks:
            spread = tasks.create_task(_spread(rpc, transfers, plan, stop, seed))
            on_heads = tasks.create_task(_on_heads(rpc, ws_url, transfers, plan, stop))
    return {**spread.result(), "send_on_head": on_heads.result()}
