"""`MarketActivity`: simulated traders on every chain of a devnet, as one async component.

    market = MarketActivity(net.manifest, MarketParams(seed=7, swaps_per_block=3))
    async with asyncio.TaskGroup() as tasks:
        tasks.create_task(market.run())          # until cancelled
        ...                                      # market.snapshot() for a live view

`run(steps=n)` runs n more steps per chain and returns; calling it again continues the same
sequence. The chains share one `ReferenceWalk` and nothing else: each has its own RPC session,
RNG and traders' nonces, so a slow or unreachable node holds back only its own chain.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from omniarb.devnet.market._chain import ChainMarket
from omniarb.devnet.market.flow import FlowModel
from omniarb.devnet.market.params import MarketParams
from omniarb.devnet.market.reference import ReferenceWalk
from omniarb.errors import NotFoundError
from omniarb.monitor.market_view import MarketSnapshot, SwapRecord
from omniarb.network import Manifest

__all__ = ["MarketActivity"]

log = logging.getLogger(__name__)

_RPC_TIMEOUT_S = 10.0


class MarketActivity:
    """Runs the market on `chains` (default: every chain of the manifest).

    `log_limit` bounds each chain's in-memory swap log (the oldest records go first; the
    counters in `snapshot()` keep the totals).
    """

    def __init__(
        self,
        manifest: Manifest,
        params: MarketParams,
        *,
        chains: Sequence[str] | None = None,
        model: FlowModel | None = None,
        log_limit: int = 100_000,
    ) -> None:
        self.params = params
        self._walk = ReferenceWalk(seed=params.seed, volatility_bps=params.volatility_bps)
        selected = [manifest.chain(name) for name in chains] if chains else list(manifest.chains)
        self._markets = tuple(
            ChainMarket(chain, params, self._walk, model=model or FlowModel(), log_limit=log_limit)
            for chain in selected
        )
        self._running = False

    @property
    def chains(self) -> tuple[str, ...]:
        return tuple(m.chain.name for m in self._markets)

    async def run(self, *, steps: int | None = None) -> None:
        """Trade on every chain concurrently until cancelled, or until each did `steps` steps.

        An error that is not a dropped connection (those are retried) stops every chain and is
        raised as is.
        """
        if self._running:
            raise RuntimeError("MarketActivity.run is already running")
        self._running = True
        log.info(
            "market on %s: seed %d, %d swaps per block, whale probability %.3f",
            ", ".join(self.chains),
            self.params.seed,
            self.params.swaps_per_block,
            self.params.whale_probability,
        )
        try:
            async with contextlib.AsyncExitStack() as stack:
                clients = [
                    await stack.enter_async_context(m.client(timeout_s=_RPC_TIMEOUT_S))
                    for m in self._markets
                ]
                async with asyncio.TaskGroup() as group:
                    for market, rpc in zip(self._markets, clients, strict=True):
                        group.create_task(
                            market.run(rpc, steps=steps, after_step=self._forget_passed),
                            name=f"market-{market.chain.name}",
                        )
        except BaseExceptionGroup as group:
            # One failing chain cancels the others; hand the caller that one error, not a group.
            if len(group.exceptions) == 1:
                raise group.exceptions[0] from None
            raise
        finally:
            self._running = False

    def snapshot(self) -> MarketSnapshot:
        """Every chain's live figures (cheap: no RPC, safe to call while `run` is running)."""
        return MarketSnapshot(chains=tuple(m.stats() for m in self._markets))

    def swap_log(self, chain: str) -> tuple[SwapRecord, ...]:
        """Every settled swap on `chain` still in the log, oldest first."""
        for market in self._markets:
            if market.chain.name == chain:
                return market.swap_log()
        raise NotFoundError(f"the market does not run on {chain!r}")

    def _forget_passed(self) -> None:
        self._walk.forget_before(min(m.reference_position for m in self._markets))
