"""The cross-chain view: per (asset identity, chain) the executable price against the quote
asset, from the synced pools, updated per block per chain.

For each traded identity on each chain the view keeps two legs (`AssetQuote`): **sell** the
asset for the quote asset and **buy** it with the quote asset, each along the best path of
one DEX whose kind may send a leg: a direct pool, or two hops through the chain's wrapped
native token where that pays more (compared exactly at a probe size of a tenth of
`max_trade_usd`). A pool change re-selects the paths only of the identities whose candidate
paths use that pool (a new pool: those of its tokens, and every identity of the chain when it
joins the wrapped native token to the quote asset). The curves over the paths
(`curve.LegCurve`) keep the pool states, so a leg is re-priced exactly.

Each chain's wrapped native coin is priced too (gas is paid in it), traded only if it is a
traded identity. Every identity's mid price feeds the volatility estimate
(`risk_price.Volatility`) at each change. Curves of other workers' chains (`CurveSnapshot`,
mirrored through Redis by `omniarb.bus.curve_mirror`) are held apart in `remote`, each with
exact sample points of its chain's pools: the detector pairs them at those points (`remote`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from omniarb._config_cross_chain import CrossChainSettings
from omniarb.chains.assets import AssetRegistry
from omniarb.cross_chain_types import CurveSnapshot
from omniarb.detect.cross_chain.curve import LegCurve
from omniarb.detect.cross_chain.path import LegPath
from omniarb.detect.cross_chain.risk_price import Volatility
from omniarb.dex.base import PoolState
from omniarb.network import TokenEntry
from omniarb.types import Hop

__all__ = ["AssetQuote", "CrossChainView"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AssetQuote:
    """One identity on one chain: its two legs' curves and its marginal prices in USD per
    whole asset unit (fees included: `sell_usd` is what the margin pays, `buy_usd` what it
    costs; `mid_usd` their geometric mean)."""

    identity: str
    chain: str
    chain_id: int
    block_number: int
    asset: TokenEntry
    quote: TokenEntry
    sell: LegCurve
    buy: LegCurve
    sell_usd: float
    buy_usd: float

    @property
    def mid_usd(self) -> float:
        return math.sqrt(self.sell_usd * self.buy_usd)

    def snapshot(self) -> CurveSnapshot:
        return CurveSnapshot(
            chain=self.chain,
            chain_id=self.chain_id,
            identity=self.identity,
            block_number=self.block_number,
            asset_decimals=self.asset.decimals,
            quote_decimals=self.quote.decimals,
            mid_usd=self.mid_usd,
            sell_points=self.sell.points(),
            buy_points=self.buy.points(),
            sell_hops=self.sell.path.hops,
            buy_hops=self.buy.path.hops,
        )


class CrossChainView:
    """Executable prices of every traded identity on every chain (module docstring)."""

    def __init__(
        self,
        settings: CrossChainSettings,
        registry: AssetRegistry,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._settings = settings
        self._registry = registry
        self.registry = registry
        self._clock = clock
        self._kinds = frozenset(settings.leg_kinds)
        self._probe_usd = settings.max_trade_usd / 10
        quote = settings.quote_asset
        wanted = settings.assets or tuple(
            a for a in registry.assets() if len(registry.chains(a)) >= 2
        )
        self.identities: tuple[str, ...] = tuple(a for a in wanted if a != quote)
        # Priced but not traded: every chain's wrapped native coin, which prices its legs' gas.
        # A coin on one chain only (POL, BNB) is no traded identity, and without its price no
        # leg on its chain could ever be costed.
        self.priced: tuple[str, ...] = self.identities + tuple(
            a for a in registry.native_identities() if a not in self.identities and a != quote
        )
        self.volatility = Volatility(settings.volatility_window_s)
        self.quotes: dict[tuple[str, str], AssetQuote] = {}
        self.remote: dict[tuple[str, str], CurveSnapshot] = {}
        # The last block applied per chain: every held state is current as of it.
        self.heads: dict[str, int] = {}
        self._states: dict[str, dict[str, PoolState]] = {}
        self._pairs: dict[str, dict[frozenset[str], set[str]]] = {}
        self._users: dict[str, dict[str, set[str]]] = {}
        # Each pool's hop per direction and fee (`LegPath.through`): built once, not per block.
        self._hops: dict[tuple[int, str, str, int], Hop] = {}

    def chains_of(self, identity: str) -> list[str]:
        """The chains where this process holds `identity`'s quote."""
        return [c for c in self._registry.chains(identity) if (identity, c) in self.quotes]

    def apply(self, chain: str, block_number: int, states: Iterable[PoolState]) -> set[str]:
        """Take the states of `chain`'s pools that changed in `block_number`; return the
        identities whose quote on `chain` changed."""
        self.heads[chain] = max(block_number, self.heads.get(chain, block_number))
        held = self._states.setdefault(chain, {})
        pairs = self._pairs.setdefault(chain, {})
        users = self._users.setdefault(chain, {})
        touched: set[str] = set()
        hub = self._hub_pair(chain)
        for state in states:
            if state.kind not in self._kinds:
                continue
            key = state.state_key
            if key not in held:
                pair = frozenset((state.token0.lower(), state.token1.lower()))
                pairs.setdefault(pair, set()).add(key)
                touched |= self._identities_of(chain, pair, hub)
            held[key] = state
            touched |= users.get(key, set())
        changed: set[str] = set()
        now_s = self._clock()
        for identity in touched:
            quote = self._quote(chain, identity, block_number)
            if quote is None:
                self.quotes.pop((identity, chain), None)
                continue
            self.quotes[(identity, chain)] = quote
            self.volatility.observe(identity, chain, quote.mid_usd, now_s)
            changed.add(identity)
        return changed

    def merge_remote(self, snapshots: Iterable[CurveSnapshot]) -> None:
        """Hold other workers' curves (read from the mirror) beside this process's own."""
        for snapshot in snapshots:
            self.remote[(snapshot.identity, snapshot.chain)] = snapshot

    def set_remote(self, snapshots: Iterable[CurveSnapshot]) -> None:
        """Hold exactly these curves of other workers: what the mirror returned after a block
        (a curve that expired there is dropped here too)."""
        self.remote = {(s.identity, s.chain): s for s in snapshots}

    def _hub_pair(self, chain: str) -> frozenset[str] | None:
        wrapped = self._registry.wrapped_native(chain)
        quote = self._registry.token(self._settings.quote_asset, chain)
        if wrapped is None or quote is None:
            return None
        return frozenset((wrapped.address.lower(), quote.address.lower()))

    def _identities_of(
        self, chain: str, pair: frozenset[str], hub: frozenset[str] | None
    ) -> set[str]:
        if pair == hub:
            return {i for i in self.priced if self._registry.token(i, chain) is not None}
        found = {self._registry.identity(chain, token) for token in pair}
        return {i for i in found if i is not None and i in self.priced}

    def _pools(self, chain: str, a: str, b: str) -> list[PoolState]:
        held = self._states[chain]
        keys = self._pairs[chain].get(frozenset((a.lower(), b.lower())), set())
        return [held[k] for k in sorted(keys)]

    def _candidates(self, chain: str, asset: str, quote: str) -> list[list[PoolState]]:
        paths: list[list[PoolState]] = [[pool] for pool in self._pools(chain, asset, quote)]
        wrapped = self._registry.wrapped_native(chain)
        if wrapped is not None and wrapped.address.lower() not in (asset.lower(), quote.lower()):
            hub = wrapped.address
            outer = self._pools(chain, hub, quote)
            # One router call per leg: both hops through pools of one DEX.
            paths += [
                [first, second]
                for first in self._pools(chain, asset, hub)
                for second in outer
                if first.dex == second.dex
            ]
        return paths

    def _quote(self, chain: str, identity: str, block_number: int) -> AssetQuote | None:
        asset = self._registry.token(identity, chain)
        quote = self._registry.token(self._settings.quote_asset, chain)
        if asset is None or quote is None:
            return None
        candidates = self._candidates(chain, asset.address, quote.address)
        users = self._users[chain]
        for path in candidates:
            for state in path:
                users.setdefault(state.state_key, set()).add(identity)
        if not candidates:
            return None
        quote_unit = 10**quote.decimals
        probe = int(self._probe_usd * quote_unit)
        sell = _best(candidates, asset.address, probe, sells=True, hops=self._hops)
        buy = _best(
            [p[::-1] for p in candidates], quote.address, probe, sells=False, hops=self._hops
        )
        if sell is None or buy is None:
            return None
        scale = 10 ** (asset.decimals - quote.decimals)
        sell_usd = sell.marginal_rate() * scale
        buy_rate = buy.marginal_rate()
        if sell_usd <= 0 or buy_rate <= 0:
            return None
        buy_usd = scale / buy_rate
        cap_usd = 2 * self._settings.max_trade_usd
        sell_cap = int(cap_usd / sell_usd * 10**asset.decimals)
        return AssetQuote(
            identity=identity,
            chain=chain,
            chain_id=sell.chain_id,
            block_number=block_number,
            asset=asset,
            quote=quote,
            sell=LegCurve(sell, sell_cap),
            buy=LegCurve(buy, int(cap_usd * quote_unit)),
            sell_usd=sell_usd,
            buy_usd=buy_usd,
        )


def _rate(states: list[PoolState], token_in: str) -> float:
    """Raw output per raw input at the margin along `states`, fees included (0: no price)."""
    rate, token = 1.0, token_in.lower()
    for state in states:
        spot = state.spot_price()
        if not spot:
            return 0.0
        forward = token == state.token0.lower()
        rate *= (spot if forward else 1.0 / spot) * (1.0 - state.fee_pips / 1_000_000)
        token = (state.token1 if forward else state.token0).lower()
    return rate


def _best(
    candidates: list[list[PoolState]],
    token_in: str,
    probe_quote: int,
    *,
    sells: bool,
    hops: dict[tuple[int, str, str, int], Hop],
) -> LegPath | None:
    """The path paying most, exactly, at a probe size: `probe_quote` base units of the quote
    asset when buying, the asset worth that at the best margin when selling. One candidate
    is taken as it is (no swap simulated)."""
    rated = [(_rate(states, token_in), states) for states in candidates]
    rated = [(rate, states) for rate, states in rated if rate > 0]
    if not rated:
        return None
    if len(rated) == 1:
        return LegPath.through(rated[0][1], token_in, hops)
    best_rate = max(rate for rate, _ in rated)
    probe_in = max(int(probe_quote / best_rate), 1) if sells else max(probe_quote, 1)
    paths = [LegPath.through(states, token_in, hops) for _, states in rated]
    return max(paths, key=lambda path: path.amount_out(probe_in))
