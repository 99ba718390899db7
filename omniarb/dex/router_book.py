"""A chain's routers and the dispatch of a pending transaction's calldata to its router's
decoder: the mempool issue's first step, from a pending swap to the pool moves to backrun.

`RouterBook.from_manifest(chain)` knows every router of the chain: each DEX's own
(`DexEntry.router`, decoded by its pool kind's decoder, `omniarb.dex.routers.DEX_ROUTERS`; one
address may be the router of several DEXes, as Balancer's Vault is of both its pool kinds) and
those over several DEXes (`ChainManifest.routers`, by `RouterEntry.kind`). `book.decode(to,
data, value_wei)` gives a `DecodedCall`: the swaps, each with the DEX and pool kind of every
hop where the book can tell, or why there are none:

- `not-a-router`: `to` is no router of the chain (or the transaction creates a contract);
- `unknown-function`: the router's decoder reads no function of that selector (a liquidity
  call, an approval, calldata shorter than a selector);
- `malformed`: a function it reads whose arguments give no swap (they do not decode, or name
  what the router would refuse), or a decoder that raised (a bug: caught here, logged once per
  router kind, never passed on).

Every outcome is counted through a `DecodeObserver` (`DecodeCounts` by default: plain counters
by outcome and router kind, for the monitor to export). A hop's DEX comes from the pool the call
names (a Balancer pool id, a V4 PoolId, a pool address) when the manifest lists it, else from
the router's DEXes: its only one, or its only one of the swap's `pool_kind`. A swap whose path
stops short of its named pools (the PancakeSwap dev router names no token out) is completed
with the pool's other token.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Final, Literal, Protocol

from omniarb.dex.router_decoder import RouterDecoder
from omniarb.dex.router_swap import RouterSwap
from omniarb.dex.routers import dex_router, shared_router
from omniarb.errors import ConfigError
from omniarb.network import ChainManifest, PoolEntry

__all__ = [
    "OUTCOMES",
    "DecodeCounts",
    "DecodeObserver",
    "DecodedCall",
    "Outcome",
    "RoutedSwap",
    "RouterBook",
    "RouterRoute",
]

log = logging.getLogger(__name__)

Outcome = Literal["swaps", "not-a-router", "unknown-function", "malformed"]
OUTCOMES: Final[tuple[Outcome, ...]] = ("swaps", "not-a-router", "unknown-function", "malformed")
_POOL_ID_HEX = 66  # "0x" and 32 bytes
_ADDRESS_HEX = 42  # "0x" and 20 bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class RoutedSwap:
    """A decoded swap with what it goes through, hop by hop (one entry per pair of adjacent
    tokens of its path): the DEX's name, the pool kind, and the pool's address where the call
    names the pool (empty where the book cannot tell)."""

    swap: RouterSwap
    dexes: tuple[str, ...]
    pool_kinds: tuple[str, ...]
    pools: tuple[str, ...]

    @property
    def dex(self) -> str:
        """The DEX every hop goes through; empty when they differ or one is unknown."""
        return self.dexes[0] if self.dexes and len(set(self.dexes)) == 1 else ""

    @property
    def pool_kind(self) -> str:
        """The pool kind of every hop; empty when they differ or one is unknown."""
        kinds = self.pool_kinds
        return kinds[0] if kinds and len(set(kinds)) == 1 else ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DecodedCall:
    """What one call asks of the chain's routers: `swaps` when `outcome` is `swaps`, else
    the reason there are none. `router` is the lower-cased address called where it is a
    router, `router_kind` its decoder's kind."""

    outcome: Outcome
    router: str | None = None
    router_kind: str | None = None
    swaps: tuple[RoutedSwap, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RouterRoute:
    """One router of a chain: its lower-cased address, its decoder, and the DEXes (by name)
    whose pools it swaps through."""

    address: str
    decoder: RouterDecoder
    dexes: tuple[str, ...]

    @property
    def kind(self) -> str:
        return self.decoder.kind


class DecodeObserver(Protocol):
    """Told every decoding's outcome (`router_kind` empty for `not-a-router`)."""

    def observe(self, outcome: Outcome, router_kind: str) -> None: ...


class DecodeCounts:
    """Counts of outcomes by router kind: the default observer, read by the monitor."""

    def __init__(self) -> None:
        self._counts: Counter[tuple[Outcome, str]] = Counter()

    def observe(self, outcome: Outcome, router_kind: str) -> None:
        self._counts[(outcome, router_kind)] += 1

    def count(self, outcome: Outcome, router_kind: str | None = None) -> int:
        """How many calls had `outcome` (through routers of `router_kind`, or all)."""
        return sum(
            n
            for (seen, kind), n in self._counts.items()
            if seen == outcome and router_kind in (None, kind)
        )

    def snapshot(self) -> Mapping[tuple[Outcome, str], int]:
        """Every (outcome, router kind) seen, with its count."""
        return dict(self._counts)


class RouterBook:
    """A chain's routers by address, and the decoding of calls to them."""

    def __init__(
        self,
        *,
        routes: Sequence[RouterRoute],
        dex_kinds: Mapping[str, str],
        pools: Sequence[PoolEntry] = (),
        wrapped_native: str | None = None,
        observer: DecodeObserver | None = None,
    ) -> None:
        self._routes = {route.address.lower(): route for route in routes}
        self._dex_kinds = dict(dex_kinds)
        self._pools: dict[str, PoolEntry] = {}
        for pool in pools:
            self._pools.setdefault(pool.address.lower(), pool)
            if pool.pool_id is not None:
                self._pools.setdefault(pool.pool_id.lower(), pool)
        self._wrapped_native = wrapped_native
        self.observer: DecodeObserver = observer if observer is not None else DecodeCounts()
        self._failed_kinds: set[str] = set()

    @classmethod
    def from_manifest(
        cls, chain: ChainManifest, *, observer: DecodeObserver | None = None
    ) -> RouterBook:
        """The routers of `chain`: each DEX's own of a kind with a decoder, and the routers over
        several DEXes whose kind has a decoder (others are left out, with a warning)."""
        dexes: dict[str, list[str]] = {}
        decoders: dict[str, RouterDecoder] = {}
        for dex in chain.dexes:
            decoder = dex_router(dex.kind)
            if decoder is None:
                log.warning(
                    "%s: no router decoder for %s's kind %s", chain.name, dex.name, dex.kind
                )
                continue
            _add(decoders, dexes, dex.router.lower(), decoder, (dex.name,), chain.name)
        for entry in chain.routers:
            decoder = shared_router(entry.kind, entry.address)
            if decoder is None:
                log.warning("%s: no decoder for router kind %s", chain.name, entry.kind)
                continue
            _add(decoders, dexes, entry.address.lower(), decoder, entry.dexes, chain.name)
        wrapped = next((t.address for t in chain.tokens if t.wrapped_native), None)
        return cls(
            routes=[
                RouterRoute(address=address, decoder=decoders[address], dexes=tuple(names))
                for address, names in dexes.items()
            ],
            dex_kinds={dex.name: dex.kind for dex in chain.dexes},
            pools=chain.pools,
            wrapped_native=wrapped,
            observer=observer,
        )

    @property
    def routes(self) -> Mapping[str, RouterRoute]:
        """The routers by lower-cased address."""
        return self._routes

    def decode(self, to: str | None, data: bytes, value_wei: int) -> DecodedCall:
        """What the call of `data` with `value_wei` to `to` asks of the routers; never raises."""
        route = self._routes.get(to.lower()) if to else None
        if route is None:
            return self._done(DecodedCall(outcome="not-a-router"))
        call = DecodedCall(outcome="unknown-function", router=route.address, router_kind=route.kind)
        if not route.decoder.knows(data):
            return self._done(call)
        try:
            swaps = route.decoder.decode(
                bytes(data), value_wei=value_wei, wrapped_native=self._wrapped_native
            )
            routed = tuple(self._routed(route, swap) for swap in swaps)
        except Exception:  # a decoder's bug: counted as malformed, never passed on
            if route.kind not in self._failed_kinds:
                self._failed_kinds.add(route.kind)
                log.exception("the %s decoder raised (logged once per kind)", route.kind)
            return self._done(replace(call, outcome="malformed"))
        if not routed:
            return self._done(replace(call, outcome="malformed"))
        return self._done(replace(call, outcome="swaps", swaps=routed))

    def _done(self, call: DecodedCall) -> DecodedCall:
        self.observer.observe(call.outcome, call.router_kind or "")
        return call

    def _routed(self, route: RouterRoute, swap: RouterSwap) -> RoutedSwap:
        named = tuple(self._named_pool(route, pool_id) for pool_id in swap.pool_ids)
        swap = self._completed(swap, named)
        hops = max(len(swap.path) - 1, len(named))
        dexes, kinds, pools = [], [], []
        for hop in range(hops):
            pool = named[hop] if hop < len(named) else None
            if pool is not None:
                dex, kind, address = pool.dex, pool.kind, pool.address
            else:
                dex = self._only_dex(route, swap.pool_kind)
                kind = self._dex_kinds.get(dex, swap.pool_kind)
                address = ""
            dexes.append(dex)
            kinds.append(kind)
            pools.append(address)
        return RoutedSwap(
            swap=swap, dexes=tuple(dexes), pool_kinds=tuple(kinds), pools=tuple(pools)
        )

    def _named_pool(self, route: RouterRoute, pool_id: str) -> PoolEntry | None:
        key = pool_id.lower()
        pool = self._pools.get(key)
        if pool is None and len(key) == _POOL_ID_HEX:
            # A V4 pool is named by its id's leading 20 bytes (`uniswap_v4.pool_key`).
            pool = self._pools.get(key[:_ADDRESS_HEX])
        return pool if pool is not None and pool.dex in route.dexes else None

    def _only_dex(self, route: RouterRoute, pool_kind: str) -> str:
        """The router's only DEX (of `pool_kind`, where the swap names one); else empty."""
        names = [
            dex for dex in route.dexes if not pool_kind or self._dex_kinds.get(dex) == pool_kind
        ]
        return names[0] if len(names) == 1 else ""

    @staticmethod
    def _completed(swap: RouterSwap, named: Sequence[PoolEntry | None]) -> RouterSwap:
        """`swap` with the token out its last named pool implies, where its path stops short."""
        if not named or len(swap.path) != len(named) or named[-1] is None:
            return swap
        pool, last = named[-1], swap.path[-1].lower()
        if last not in (pool.token0.lower(), pool.token1.lower()):
            return swap
        token_out = pool.token1 if last == pool.token0.lower() else pool.token0
        return replace(swap, path=(*swap.path, token_out))


def _add(
    decoders: dict[str, RouterDecoder],
    dexes: dict[str, list[str]],
    address: str,
    decoder: RouterDecoder,
    names: Sequence[str],
    chain: str,
) -> None:
    known = decoders.setdefault(address, decoder)
    if known.kind != decoder.kind:
        raise ConfigError(
            f"{chain}: router {address} is listed as {known.kind} and as {decoder.kind}"
        )
    listed = dexes.setdefault(address, [])
    for name in names:
        if name not in listed:
            listed.append(name)
