"""The token graph of one chain and its arbitrage cycles, enumerated as pools appear.

Nodes are tokens, edges are pools of every traded kind alike (a hop's `kind` and `fee_pips` say
which, so cycles may mix them). A cycle is a `Route` of 2 or 3 hops that
starts and ends in a base token (wrapped native, stablecoins): 2 hops through two distinct pools
of the same pair (the same pair on two DEXes, or a V2 pair and a V3 pool), or 3 hops around a
triangle of tokens. A pool's states are keyed by `state_key`, so each pair of a multi-token pool
(a Balancer pool of three stablecoins) is an edge of its own; a cycle never swaps twice in one
pool (two of its edges share the pool's address): the second swap would meet the state the
first left, not the one the cycle was priced on. `add_pools` enumerates exactly the cycles
that a new pool completes, so adding pools one block at a time and adding them all at once
give the same cycles; `cycles_of(pool)` lists the cycles a pool update can change.

One start per cycle. A cycle through several base tokens could start at any of them; those
rotations trade the same pools in the same direction, so they are one opportunity (mutually
exclusive on chain), and they are profitable together or not at all: the product of the hops'
spot rates, K/M, is the same from any start. We keep the rotation that opens with a pool that
lends by flash swap (its adapter's `flash_swap_hop`: a V2 pair) from a base token when there is
one: that pool lends the start token for free as a flash swap,
with no extra gas, while any other opening needs a lender outside the route (a fee, or 28k to
124k more gas), and the optimal profits of the rotations differ only at second order. Among
equals, the base token listed first in `base_tokens` starts (so list wrapped native first:
profit then needs no conversion to pay gas). A chain that pays bribes (`first_start`: its
wrapped native token) starts every cycle through that token there instead, whatever lends the
first hop: the executor pays a block's coinbase only in the native coin, out of a profit in its
wrapped token, and a bundle without a bribe loses its block to one that pays. Opposite
directions are different cycles and are both kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from omniarb.dex.base import PoolState
from omniarb.dex.registry import adapter
from omniarb.types import Hop, Route

__all__ = ["Cycle", "CycleGraph", "GraphPool"]


@dataclass(frozen=True, slots=True, kw_only=True)
class GraphPool:
    """A pool's static facts, with its two directed hops built once and shared by all cycles.

    `key` is its state's `state_key`; `kind` is the pool's kind; `fee_bps` is its fee rounded
    down to basis points (its hops carry the exact `fee_pips`); `lends_free` whether it lends
    a route it opens its input by flash swap.
    """

    id: int
    key: str
    address: str
    dex: str
    token0: str
    token1: str
    fee_bps: int
    forward: Hop  # token0 → token1
    backward: Hop  # token1 → token0
    kind: str
    lends_free: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class Cycle:
    """A cycle: its dense id, the route, and per hop the pool id and direction."""

    id: int
    route: Route
    pool_ids: tuple[int, ...]
    zero_for_one: tuple[bool, ...]

    @property
    def start_token(self) -> str:
        return self.route.token_in


# A directed hop during enumeration: (pool id, zero_for_one).
_Edge = tuple[int, bool]


class CycleGraph:
    """Pools, the token adjacency, the cycles and the pool → cycles index of one chain.

    Token addresses are matched case-insensitively; routes keep the pools' own spelling.
    """

    def __init__(
        self, *, chain_id: int, base_tokens: Sequence[str], first_start: str | None = None
    ) -> None:
        if not base_tokens:
            raise ValueError("at least one base token is needed to start cycles")
        self.chain_id = chain_id
        self._base_rank = {token.lower(): rank for rank, token in enumerate(base_tokens)}
        if first_start is not None and first_start.lower() not in self._base_rank:
            raise ValueError(f"the preferred start {first_start} is no base token")
        self._first_start = None if first_start is None else first_start.lower()
        self.pools: list[GraphPool] = []
        self.cycles: list[Cycle] = []
        self._pool_ids: dict[str, int] = {}
        # token → neighbour token → pool ids (all keys lower-case)
        self._adjacency: dict[str, dict[str, list[int]]] = {}
        self._pool_cycles: list[list[int]] = []

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and key.lower() in self._pool_ids

    def pool_id(self, key: str) -> int:
        """The id of the pool whose state key is `key` (the address, for a pool with one
        state; any case)."""
        return self._pool_ids[key.lower()]

    def pool(self, key: str) -> GraphPool:
        return self.pools[self.pool_id(key)]

    def hop_pool_id(self, hop: Hop) -> int | None:
        """The id of the pool `hop` swaps through: the state of its pool (by address) between
        its two tokens; None for a pool not in the graph."""
        token_in, token_out = hop.token_in.lower(), hop.token_out.lower()
        for pool_id in self.pair_pool_ids(token_in, token_out):
            if self.pools[pool_id].address.lower() == hop.pool.lower():
                return pool_id
        return None

    def cycles_of(self, pool_id: int) -> list[int]:
        """Ids of the cycles through a pool (the ones its state change can affect)."""
        return self._pool_cycles[pool_id]

    def is_base(self, token: str) -> bool:
        return token.lower() in self._base_rank

    def pair_pool_ids(self, token_a: str, token_b: str) -> list[int]:
        """Ids of every pool between two tokens."""
        return self._adjacency.get(token_a.lower(), {}).get(token_b.lower(), [])

    def add_pools(self, states: Iterable[PoolState]) -> list[Cycle]:
        """Add pools not yet in the graph; return the cycles they complete, in id order."""
        start = len(self.cycles)
        for state in states:
            if state.state_key not in self._pool_ids:
                self._add_pool(state)
        return self.cycles[start:]

    def _add_pool(self, state: PoolState) -> None:
        pool_id = len(self.pools)
        kind, fee_pips = state.kind, state.fee_pips
        # Pools with ticks have a spacing (a V4 hop's key needs it); a V2 pair has none.
        tick_spacing: int | None = getattr(state, "tick_spacing", None)

        def hop(zero_for_one: bool) -> Hop:
            token_in = state.token0 if zero_for_one else state.token1
            token_out = state.token1 if zero_for_one else state.token0
            # The pool's own currency where the route carries another token for it (the
            # native coin, traded as its wrapped token): the executor converts it.
            currency_in, currency_out = state.currency(token_in), state.currency(token_out)
            return Hop(
                pool=state.address,
                dex=state.dex,
                kind=kind,
                token_in=token_in,
                token_out=token_out,
                zero_for_one=zero_for_one,
                fee_pips=fee_pips,
                tick_spacing=tick_spacing,
                currency_in=None if currency_in == token_in else currency_in,
                currency_out=None if currency_out == token_out else currency_out,
            )

        pool = GraphPool(
            id=pool_id,
            key=state.state_key,
            address=state.address,
            dex=state.dex,
            token0=state.token0,
            token1=state.token1,
            fee_bps=fee_pips // 100,
            forward=hop(True),
            backward=hop(False),
            kind=kind,
            lends_free=adapter(kind).flash_swap_hop,
        )
        self.pools.append(pool)
        self._pool_ids[state.state_key] = pool_id
        self._pool_cycles.append([])
        a, b = state.token0.lower(), state.token1.lower()
        # Enumerate before linking the pool: each cycle is found once, when its last pool arrives.
        for edges in self._two_hop(pool_id, a, b):
            self._record(edges)
        for edges in self._three_hop(pool_id, a, b):
            self._record(edges)
        self._adjacency.setdefault(a, {}).setdefault(b, []).append(pool_id)
        self._adjacency.setdefault(b, {}).setdefault(a, []).append(pool_id)

    def _two_hop(self, pool_id: int, a: str, b: str) -> Iterable[list[_Edge]]:
        if a not in self._base_rank and b not in self._base_rank:
            return
        for other in self.pair_pool_ids(a, b):
            other_a_to_b = self.pools[other].token0.lower() == a
            # a → b through the new pool and back through the other, and the reverse.
            yield [(pool_id, True), (other, not other_a_to_b)]
            yield [(other, other_a_to_b), (pool_id, False)]

    def _three_hop(self, pool_id: int, a: str, b: str) -> Iterable[list[_Edge]]:
        near_a = self._adjacency.get(a, {})
        near_b = self._adjacency.get(b, {})
        if a in self._base_rank or b in self._base_rank:
            small, large = (near_a, near_b) if len(near_a) <= len(near_b) else (near_b, near_a)
            thirds: Iterable[str] = [c for c in small if c in large and c not in (a, b)]
        else:
            # Neither end is a base token, so the third token must be one.
            thirds = [c for c in self._base_rank if c in near_a and c in near_b]
        address = self.pools[pool_id].address.lower()
        for c in thirds:
            for q in near_b[c]:  # b – c
                q_address = self.pools[q].address.lower()
                if q_address == address:
                    continue
                q_b_to_c = self.pools[q].token0.lower() == b
                for r in near_a[c]:  # c – a
                    if self.pools[r].address.lower() in (address, q_address):
                        continue
                    r_c_to_a = self.pools[r].token0.lower() == c
                    # a → b → c → a, and its reverse a → c → b → a.
                    yield [(pool_id, True), (q, q_b_to_c), (r, r_c_to_a)]
                    yield [(r, not r_c_to_a), (q, not q_b_to_c), (pool_id, False)]

    def _record(self, edges: list[_Edge]) -> None:
        """Rotate a directed cycle to its canonical start and store it."""
        starts = [self._token_in(edge).lower() for edge in edges]
        *_, index = min(
            (
                token != self._first_start if self._first_start is not None else False,
                not self.pools[edge[0]].lends_free,
                self._base_rank[token],
                i,
            )
            for i, (edge, token) in enumerate(zip(edges, starts, strict=True))
            if token in self._base_rank
        )
        rotated = edges[index:] + edges[:index]
        cycle_id = len(self.cycles)
        hops = tuple(
            self.pools[pool_id].forward if zfo else self.pools[pool_id].backward
            for pool_id, zfo in rotated
        )
        self.cycles.append(
            Cycle(
                id=cycle_id,
                route=Route(chain_id=self.chain_id, hops=hops),
                pool_ids=tuple(pool_id for pool_id, _ in rotated),
                zero_for_one=tuple(zfo for _, zfo in rotated),
            )
        )
        for pool_id, _ in rotated:
            self._pool_cycles[pool_id].append(cycle_id)

    def _token_in(self, edge: _Edge) -> str:
        pool = self.pools[edge[0]]
        return pool.token0 if edge[1] else pool.token1
