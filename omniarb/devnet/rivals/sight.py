"""`ChainSight`: what every rival on one chain sees of a new block — the product's own exact
search over the pools' states after it.

The rivals share one sight per chain, as searchers reading the same blocks would: on each head
it reads every pool of a traded kind through the kinds' own books (one batch per kind), lays
the states into a `CycleDetector` (the bot's detector: NumPy screen, exact integer sizing,
gas and USD pricing) and keeps the cycles it can trade through its executor without a lender:
those whose first hop is a flash-swap pool (a V2 pair lends the route its input).
"""

from __future__ import annotations

import logging
from typing import Any

from omniarb.chain_events import NewHead
from omniarb.chains.rpc import RpcClient
from omniarb.detect import CycleDetector
from omniarb.dex.base import PoolBook, PoolState
from omniarb.dex.deployments import traded_deployments
from omniarb.dex.registry import ADAPTERS, adapter
from omniarb.network import ChainManifest
from omniarb.types import Opportunity
from omniarb.wiring import EXECUTOR_GAS, STABLECOINS

__all__ = ["ChainSight", "flash_swap_route"]

log = logging.getLogger(__name__)

# The tip the sight prices gas with; each rival bids its own, and its profit floor absorbs it.
_PRICING_TIP_WEI = 10**9


def flash_swap_route(opportunity: Opportunity) -> bool:
    """Whether the route's first pool lends its input by flash swap (no lender needed)."""
    first = opportunity.route.hops[0]
    kind = ADAPTERS.get(first.kind)
    return kind is not None and kind.flash_swap_hop


class ChainSight:
    """Every rival's view of `chain` through `rpc`: `await sight.look(head)` → the tradeable cycles
    through the pools that changed since the last look, best net profit (USD) first."""

    def __init__(self, chain: ChainManifest, rpc: RpcClient) -> None:
        self.chain = chain
        wrapped = next(t for t in chain.tokens if t.wrapped_native)
        stables = [chain.token(symbol) for symbol in STABLECOINS if _has(chain, symbol)]
        self.detector = CycleDetector(
            chain_id=chain.chain_id,
            base_tokens=[wrapped.address, *(t.address for t in stables)],
            wrapped_native=wrapped.address,
            stablecoin_decimals={t.address: t.decimals for t in stables},
            gas_model=EXECUTOR_GAS,
            priority_fee_wei=_PRICING_TIP_WEI,
        )
        self.wrapped_native = wrapped.address
        self._books: dict[str, PoolBook[Any]] = {
            kind: adapter(kind).book(rpc=rpc, chain_id=chain.chain_id, dexes=dexes)
            for kind, dexes in traded_deployments(chain).items()
        }
        self._keys: dict[str, list[str]] = {}

    async def look(self, head: NewHead) -> list[Opportunity]:
        """The flash-swap cycles with a positive net profit on the state after `head`."""
        states: list[PoolState] = []
        for kind, book in self._books.items():
            keys = self._keys.get(kind)
            if keys is None:
                found = list(await book.discover_at(head))
                self._keys[kind] = [s.state_key for s in found]
                states += found
                continue
            read = await book.read(keys, head)
            states += [s for s in read.values() if s is not None]
        found_opps = self.detector.detect_states(
            states, block_number=head.number, base_fee_wei=head.base_fee_wei
        )
        return [o for o in found_opps if o.net_profit > 0 and flash_swap_route(o)]


def _has(chain: ChainManifest, symbol: str) -> bool:
    return any(t.symbol == symbol for t in chain.tokens)
