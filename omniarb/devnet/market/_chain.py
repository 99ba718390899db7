"""One chain's market: read the pools, decide, send, wait for every receipt; repeat.

A step finishes only when all of its swaps are settled (mined, reverted, refused or given up
on), so the next step reads a state that no longer depends on timing: with the same seed and the
same starting state, a chain replays the same swaps whatever the load on the machine or how the
chains interleave. A chain's client (`ChainMarket.client`) retries its reads without limit (a
node that dropped out is waited for, not fatal) and a send cut off in flight is sent again here,
so one unreachable node stalls only its own chain. A swap the node lost from its pool (neither
pooled nor mined for a whole block) is broadcast again, as a wallet would (`_resend_vanished`).
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

from omniarb.backoff import Backoff
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RetryPolicy, RpcClient, RpcPolicy
from omniarb.chains.spec import chain_by_id
from omniarb.devnet.accounts import L1_PRICE_INDEX, dev_account
from omniarb.devnet.market._ledger import ChainLedger
from omniarb.devnet.market._reader import StateReader
from omniarb.devnet.market._sender import SignedSwap, SwapSender
from omniarb.devnet.market.flow import FlowModel, decide_swaps
from omniarb.devnet.market.l1_price import L1PriceWalk
from omniarb.devnet.market.params import MarketParams
from omniarb.devnet.market.reference import ReferenceWalk, reference_step
from omniarb.devnet.market.routes import SwapRoutes
from omniarb.devnet.market.state import ChainState
from omniarb.errors import RetryableError, RpcError, RpcTransportError
from omniarb.monitor.market_view import ChainStats, SwapRecord, SwapStatus
from omniarb.network import ChainManifest
from omniarb.outage import OutageLog

__all__ = ["ChainMarket"]

log = logging.getLogger(__name__)

# The L1 price setters write a few storage slots: far below this.
_L1_PRICE_GAS = 200_000

T = TypeVar("T")

# 1 gwei, plus one wei per later swap of the step, counted down: the swaps are sent one after
# another; a node ordering by tip lands them in the order decided, and so does one mining in
# arrival order (`--order fifo`, a chain whose blocks the devnet relay builds).
_TIP_WEI = 10**9
_RESEND = Backoff(initial_s=0.1, max_s=5.0)
_RECEIPT_POLL_S = 0.005
_RECEIPT_TIMEOUT_MIN_S = 30.0
_BLOCK_POLL_MAX_S = 0.05
# How often a step still waiting for receipts asks whether the node still knows its swaps.
_VANISH_CHECK_S = 0.2


class ChainMarket:
    """The market on one chain; `MarketActivity` runs one per chain in a task group."""

    def __init__(
        self,
        chain: ChainManifest,
        params: MarketParams,
        walk: ReferenceWalk,
        *,
        model: FlowModel,
        log_limit: int,
    ) -> None:
        self.chain = chain
        self._params = params
        self._walk = walk
        self._model = model
        # Seeded from (seed, chain id) alone: chains draw independently of how they interleave.
        self._rng = random.Random(f"{params.seed}:{chain.chain_id}")
        self._reader = StateReader(chain)
        routes = SwapRoutes(chain, seed=params.seed, share=params.router_share)
        self._sender = SwapSender(chain, traders=params.traders, routes=routes)
        self._ledger = ChainLedger(chain, log_limit=log_limit)
        self._step_s = max(chain.block_time_s or 0.0, params.min_step_interval_s)
        # The waits' jitter only: the swaps' draws stay on `_rng`, so a seed replays them.
        self._rng_for_waits = random.Random()
        # On an L2, the L1 price moves too, set from an account of its own (not a trader's:
        # their nonces are the sender's to keep; not the deployer's, which seeds executors).
        self._l1_walk = L1PriceWalk.for_chain(chain_by_id(chain.chain_id), params.seed)
        self._outage = OutageLog(log, f"{chain.name}: market")
        self.step = 0

    @property
    def reference_position(self) -> int:
        """The walk step this chain's next step will read."""
        return reference_step(self.step, self._step_s)

    def swap_log(self) -> tuple[SwapRecord, ...]:
        return self._ledger.swap_log()

    def stats(self) -> ChainStats:
        return self._ledger.stats(step=self.step)

    async def run(
        self, rpc: RpcClient, *, steps: int | None, after_step: Callable[[], None]
    ) -> None:
        """Run `steps` steps (forever if None), pacing them at least `min_step_interval_s` apart."""
        self._ledger.start()
        # Every run starts from the node's count: a run cancelled mid-send may have signed a
        # nonce that never reached the node.
        await self._sender.sync_nonces(rpc)
        done = 0
        while steps is None or done < steps:
            started = time.monotonic()
            await self._run_step(rpc)
            self._outage.recovered()
            done += 1
            after_step()
            rest_s = self._params.min_step_interval_s - (time.monotonic() - started)
            if rest_s > 0 and (steps is None or done < steps):
                await asyncio.sleep(rest_s)
        # A last read, so `stats()` after a bounded run shows the state the swaps left behind.
        self._ledger.observe(await self._reader.read(rpc))

    async def _run_step(self, rpc: RpcClient) -> None:
        state = await self._read_next_block(rpc)
        reference_usd = self._walk.prices_usd(self.reference_position)
        intents = decide_swaps(
            state,
            reference_usd,
            self._rng,
            swaps=self._params.swaps_per_block,
            whale_probability=self._params.whale_probability,
            traders=self._params.traders,
            model=self._model,
        )
        self._ledger.observe(state, reference_usd)
        l1_tx = await self._move_l1_price(rpc)
        in_flight: list[SignedSwap] = []
        for index, intent in enumerate(intents):
            tip_wei = _TIP_WEI + len(intents) - 1 - index
            swap = self._sender.sign(intent, base_fee_wei=state.base_fee_wei, tip_wei=tip_wei)
            if await self._send(rpc, swap):
                in_flight.append(swap)
        await self._settle(rpc, in_flight)
        if l1_tx is not None:
            await self._settle_l1_price(rpc, l1_tx)
        self.step += 1

    async def _move_l1_price(self, rpc: RpcClient) -> str | None:
        """One step of the L1 price walk, sent (its hash), or None on an L1 or if refused."""
        if self._l1_walk is None:
            return None
        to, data = self._l1_walk.step()
        sender = dev_account(L1_PRICE_INDEX).address
        try:
            tx_hash: str = await rpc.call(
                # A limit of our own: anvil's estimate for Optimism's setter falls short on every
                # other step (measured: 36,126 gas used, reverted; 38,678 with room to spare).
                "eth_sendTransaction",
                {"from": sender, "to": to, "data": data, "gas": hex(_L1_PRICE_GAS)},
            )
        except (RetryableError, RpcError) as exc:
            log.warning("%s: L1 price not moved: %s", self.chain.name, exc)
            return None
        return tx_hash

    async def _settle_l1_price(self, rpc: RpcClient, tx_hash: str) -> None:
        timeout_s = max(_RECEIPT_TIMEOUT_MIN_S, 20 * (self.chain.block_time_s or 0.0))
        receipt = await wait_for_receipt(rpc, tx_hash, timeout_s=timeout_s)
        if receipt is None or int(receipt["status"], 16) != 1:
            log.warning("%s: L1 price update %s not mined", self.chain.name, tx_hash)

    async def _read_next_block(self, rpc: RpcClient) -> ChainState:
        """The pools at a block newer than the last read, when the chain has a block time.

        A step that sent nothing (all sizes zero, or no swaps asked for) would otherwise run
        again at once and race through the reference walk; waiting for the next block keeps
        one step per block. Automine chains make blocks only from transactions: no wait there.
        """
        while True:
            state = await self._reader.read(rpc)
            block_time_s = self.chain.block_time_s
            last = self._ledger.state
            if block_time_s is None or last is None or state.block_number > last.block_number:
                return state
            await asyncio.sleep(min(block_time_s / 10, _BLOCK_POLL_MAX_S))

    async def _send(self, rpc: RpcClient, swap: SignedSwap) -> bool:
        """Send one swap; False (and logged as rejected) if the node refuses it."""
        attempt = 0
        waits = _RESEND.waits(self._rng_for_waits)
        while True:
            try:
                await self._sender.send(rpc, swap)
                break
            except RpcTransportError as exc:
                # Not resent by the client: the node may hold it. The same signed swap again is
                # harmless, and the receipt tells what happened.
                delay_s = next(waits)
                self._retried("send swap", exc, delay_s)
                await asyncio.sleep(delay_s)
                attempt += 1
            except RpcError as exc:
                if attempt:
                    # A send cut off in flight may have arrived (the node now calls it known or
                    # its nonce used); the receipt will tell.
                    log.info(
                        "%s: resent swap %s: %s; waiting for its receipt",
                        self.chain.name,
                        swap.tx_hash,
                        exc.rpc_message,
                        extra={"chain": self.chain.name, "step": self.step},
                    )
                    break
                log.warning(
                    "%s: swap %s refused: %s",
                    self.chain.name,
                    swap.tx_hash,
                    exc.rpc_message,
                    extra={"chain": self.chain.name, "step": self.step},
                )
                self._ledger.record(swap, SwapStatus.REJECTED, step=self.step, block=None)
                slot = (swap.intent.trader,)
                await self._sender.sync_nonces(rpc, slot)
                return False
        self._ledger.sent += 1
        return True

    async def _settle(self, rpc: RpcClient, swaps: list[SignedSwap]) -> None:
        """Wait for every receipt of the step, then log the swaps in sending order."""
        receipts: dict[str, dict[str, Any]] = {}
        timeout_s = max(_RECEIPT_TIMEOUT_MIN_S, 20 * (self.chain.block_time_s or 0.0))
        deadline = time.monotonic() + timeout_s
        waiting = list(swaps)
        unknown_since: dict[str, int] = {}
        next_check = time.monotonic() + _VANISH_CHECK_S
        while waiting:
            requests = [("eth_getTransactionReceipt", [s.tx_hash]) for s in waiting]
            answers = await rpc.batch(requests)
            for swap, receipt in zip(waiting, answers, strict=True):
                if receipt is not None:
                    receipts[swap.tx_hash] = receipt
            waiting = [s for s in waiting if s.tx_hash not in receipts]
            if not waiting or time.monotonic() > deadline:
                break
            if time.monotonic() >= next_check:
                await self._resend_vanished(rpc, waiting, unknown_since)
                next_check = time.monotonic() + _VANISH_CHECK_S
            await asyncio.sleep(_RECEIPT_POLL_S)
        mined = 0
        for swap in swaps:
            receipt = receipts.get(swap.tx_hash)
            if receipt is None:
                self._ledger.record(swap, SwapStatus.DROPPED, step=self.step, block=None)
                continue
            block = int(receipt["blockNumber"], 16)
            status = SwapStatus.MINED if int(receipt["status"], 16) == 1 else SwapStatus.REVERTED
            mined += status is SwapStatus.MINED
            self._ledger.record(swap, status, step=self.step, block=block)
        self._ledger.step_settled(mined)
        if waiting:
            log.warning(
                "%s: %d swaps not mined within %.0f s; re-reading nonces",
                self.chain.name,
                len(waiting),
                timeout_s,
                extra={"chain": self.chain.name, "step": self.step},
            )
            await self._sender.sync_nonces(rpc)

    async def _resend_vanished(
        self, rpc: RpcClient, waiting: list[SignedSwap], unknown_since: dict[str, int]
    ) -> None:
        """Send again, same signed bytes, every waiting swap the node has not known (neither
        pooled nor mined) since an earlier block: it was dropped, and nothing else would ever
        mine it, so the step would wait out its whole timeout and the chain's market would stall.

        anvil drops a pending transaction's later-nonce siblings with it (`anvil_dropTransaction`,
        1.7.1): the devnet relay takes the pool out that way before it builds a block, so a
        trader's second swap arriving while the relay takes the first is lost. A swap unknown
        only while the relay holds it is back in the pool or mined before the next block, hence
        the wait for a new head with no sighting in between.
        """
        answers = await rpc.batch(
            [("eth_blockNumber", []), *(("eth_getTransactionByHash", [s.tx_hash]) for s in waiting)]
        )
        head = int(answers[0], 16)
        for swap, known in zip(waiting, answers[1:], strict=True):
            if known is not None:
                unknown_since.pop(swap.tx_hash, None)
                continue
            first_head = unknown_since.setdefault(swap.tx_hash, head)
            if head <= first_head:
                continue
            unknown_since[swap.tx_hash] = head
            log.info(
                "%s: swap %s vanished from the node's pool; sent again",
                self.chain.name,
                swap.tx_hash,
                extra={"chain": self.chain.name, "step": self.step},
            )
            try:
                await self._sender.send(rpc, swap)
            except (RetryableError, RpcError) as exc:
                # Its receipt, or the step's timeout, still decides what happened to it.
                log.info("%s: swap %s not sent again: %s", self.chain.name, swap.tx_hash, exc)

    def client(self, *, timeout_s: float) -> RpcClient:
        """The RPC client this chain's market runs on: reads retried until they get through,
        each retry counted in the chain's figures."""
        policy = RpcPolicy(retry=RetryPolicy(max_attempts=None, backoff=_RESEND))
        return RpcClient(
            self.chain.rpc_http, timeout_s=timeout_s, policy=policy, on_retry=self._retried
        )

    def _retried(self, what: str, exc: RetryableError, delay_s: float) -> None:
        self._ledger.retries += 1
        # A dead node: logged when it goes, once a minute after, and when a step works again.
        self._outage.failed(f"{what} failed ({exc}); retrying")
