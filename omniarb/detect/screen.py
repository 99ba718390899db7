"""A float64 screen over every cycle at once: which cycles might be profitable right now.

Each hop is the Möbius map x ↦ K·x / (M + N·x) with K = γ·r_out, M = r_in, N = γ
(γ = 1 − fee). For each (pool, direction) we keep (K, M, N) in flat NumPy arrays; a cycle is a row
of up to three slot indices (a 2-hop cycle is padded with the identity slot K = M = 1, N = 0),
so composing a whole batch of cycles is a handful of gathers and multiplications:

    K = K₁K₂K₃,  M = M₁M₂M₃,  N = N₁M₂M₃ + N₂K₁M₃ + N₃K₁K₂.

A cycle is a candidate when K > M·(1 + ε) and its continuous maximum profit (√K − √M)² / N is at
least `min_profit_units` base units; only candidates get the exact integer sizing. Float64 keeps
~16 significant digits, far more than the relative gap ε this needs (reserves up to 2¹¹² give
K up to ~10¹⁰², well inside float64's range).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["CycleScreen", "ScreenResult", "pool_coefficients"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

_MAX_HOPS = 3
_IDENTITY_SLOT = 0


# (K, M, N, K/M) of one direction of a pool.
Coefficients = tuple[float, float, float, float]


def pool_coefficients(
    reserve0: int, reserve1: int, fee_bps: int
) -> tuple[Coefficients, Coefficients]:
    """A pool's screen coefficients (K, M, N, K/M) token0 → token1, then token1 → token0."""
    if reserve0 <= 0 or reserve1 <= 0:
        # An empty pool: K = 0 makes every cycle through it unprofitable.
        return (0.0, 1.0, 0.0, 0.0), (0.0, 1.0, 0.0, 0.0)
    gamma = (10_000 - fee_bps) / 10_000
    r0, r1 = float(reserve0), float(reserve1)
    return (gamma * r1, r0, gamma, gamma * r1 / r0), (gamma * r0, r1, gamma, gamma * r0 / r1)


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class ScreenResult:
    """Candidate cycle ids with their float profit estimates (in each cycle's start token's
    base units), best estimate first, and how many cycles were screened."""

    cycle_ids: IntArray
    estimated_profit: FloatArray
    screened: int

    def __len__(self) -> int:
        return int(self.cycle_ids.shape[0])


class CycleScreen:
    """Per-(pool, direction) coefficients and per-cycle slot rows, grown as pools and cycles appear.

    Pool ids and cycle ids are dense integers assigned by the caller (the graph), in order.
    The full pass first multiplies each cycle's spot rates K_i/M_i (that product is K/M) into
    preallocated buffers, then composes K, M, N only for the flagged cycles: the same test as
    K > M·(1 + ε), with a third of the memory traffic and no allocation per scan.
    """

    def __init__(self, *, epsilon: float = 1e-9, min_profit_units: float = 0.5) -> None:
        self.epsilon = epsilon
        self.min_profit_units = min_profit_units
        self._k = np.ones(2, dtype=np.float64)
        self._m = np.ones(2, dtype=np.float64)
        self._n = np.zeros(2, dtype=np.float64)
        self._rate = np.ones(2, dtype=np.float64)  # K/M per slot: the hop's spot rate after fee
        self._pool_count = 0
        self._slots = np.zeros((_MAX_HOPS, 0), dtype=np.intp)  # one row per hop position
        self._product = np.zeros(0, dtype=np.float64)
        self._factor = np.zeros(0, dtype=np.float64)
        self._cycle_count = 0

    @property
    def cycle_count(self) -> int:
        return self._cycle_count

    @staticmethod
    def slot(pool_id: int, zero_for_one: bool) -> int:
        """The coefficient slot of a pool in one direction (slots 0 and 1 are the identity)."""
        return 2 * (pool_id + 1) + (0 if zero_for_one else 1)

    def _grow_pools(self, pool_count: int) -> None:
        size = 2 * (pool_count + 1)
        if size <= self._k.shape[0]:
            return
        capacity = max(size, 2 * self._k.shape[0])
        for name, fill in (("_k", 0.0), ("_m", 1.0), ("_n", 0.0), ("_rate", 0.0)):
            old = getattr(self, name)
            new = np.full(capacity, fill, dtype=np.float64)
            new[: old.shape[0]] = old
            setattr(self, name, new)

    def set_pool(self, pool_id: int, reserve0: int, reserve1: int, fee_bps: int) -> None:
        """Store a pool's current coefficients for both directions."""
        if pool_id >= self._pool_count:
            self._pool_count = pool_id + 1
            self._grow_pools(self._pool_count)
        forward, backward = self.slot(pool_id, True), self.slot(pool_id, False)
        for slot, (k, m, n, rate) in zip(
            (forward, backward), pool_coefficients(reserve0, reserve1, fee_bps), strict=True
        ):
            self._k[slot], self._m[slot], self._n[slot], self._rate[slot] = k, m, n, rate

    def add_cycles(self, rows: Sequence[Sequence[tuple[int, bool]]]) -> None:
        """Append cycles (each a sequence of (pool id, zero_for_one)); ids continue in order."""
        if not rows:
            return
        needed = self._cycle_count + len(rows)
        if needed > self._slots.shape[1]:
            capacity = max(needed, 2 * self._slots.shape[1], 1024)
            grown = np.zeros((_MAX_HOPS, capacity), dtype=np.intp)
            grown[:, : self._cycle_count] = self._slots[:, : self._cycle_count]
            self._slots = grown
            self._product = np.zeros(capacity, dtype=np.float64)
            self._factor = np.zeros(capacity, dtype=np.float64)
        block = np.full((_MAX_HOPS, len(rows)), _IDENTITY_SLOT, dtype=np.intp)
        for i, row in enumerate(rows):
            if not 1 <= len(row) <= _MAX_HOPS:
                raise ValueError(f"a screened cycle has 1 to {_MAX_HOPS} hops, not {len(row)}")
            for j, (pool_id, zero_for_one) in enumerate(row):
                block[j, i] = self.slot(pool_id, zero_for_one)
        self._slots[:, self._cycle_count : needed] = block
        self._cycle_count = needed

    def coefficients(self, cycle_ids: IntArray | None = None) -> tuple[FloatArray, ...]:
        """(K, M, N) of the given cycles (all cycles when None), as float64 arrays."""
        slots = self._slots[:, : self._cycle_count]
        if cycle_ids is not None:
            slots = slots[:, cycle_ids]
        k0, k1, k2 = (self._k[row] for row in slots)
        m0, m1, m2 = (self._m[row] for row in slots)
        n0, n1, n2 = (self._n[row] for row in slots)
        m12 = m1 * m2
        k01 = k0 * k1
        return k01 * k2, m0 * m12, n0 * m12 + n1 * k0 * m2 + n2 * k01

    def _flag_all(self) -> IntArray:
        count = self._cycle_count
        product, factor = self._product[:count], self._factor[:count]
        rows = self._slots[:, :count]
        np.take(self._rate, rows[0], out=product)
        for row in rows[1:]:
            np.take(self._rate, row, out=factor)
            np.multiply(product, factor, out=product)
        return np.flatnonzero(product > 1.0 + self.epsilon)

    def screen(self, cycle_ids: IntArray | None = None) -> ScreenResult:
        """Candidates among `cycle_ids` (all cycles when None), best float estimate first."""
        if cycle_ids is None:
            flagged = self._flag_all()
            screened = self._cycle_count
        else:
            rates = self._rate[self._slots[:, cycle_ids]]
            flagged = cycle_ids[np.flatnonzero(rates.prod(axis=0) > 1.0 + self.epsilon)]
            screened = int(cycle_ids.shape[0])
        if flagged.shape[0] == 0:
            return self._result(flagged, np.zeros(0), screened)
        big_k, big_m, big_n = self.coefficients(flagged)
        return self._ranked(flagged, big_k, big_m, big_n, screened)

    def screen_patched(
        self, cycle_ids: IntArray, pools: Mapping[int, tuple[int, int, int]]
    ) -> ScreenResult:
        """`screen` of `cycle_ids` as if the pools in `pools` (pool id → reserve0, reserve1,
        fee in basis points, as `set_pool` takes them) had those reserves, leaving the stored
        coefficients as they are: a what-if (a pending swap's post-state) on a few cycles."""
        slots = self._slots[:, : self._cycle_count][:, cycle_ids]
        k, m, n, rate = self._k[slots], self._m[slots], self._n[slots], self._rate[slots]
        for pool_id, (reserve0, reserve1, fee_bps) in pools.items():
            directions = pool_coefficients(reserve0, reserve1, fee_bps)
            for zero_for_one, (k_new, m_new, n_new, rate_new) in zip(
                (True, False), directions, strict=True
            ):
                mask = slots == self.slot(pool_id, zero_for_one)
                k[mask], m[mask], n[mask], rate[mask] = k_new, m_new, n_new, rate_new
        screened = int(cycle_ids.shape[0])
        keep = np.flatnonzero(rate.prod(axis=0) > 1.0 + self.epsilon)
        if keep.shape[0] == 0:
            return self._result(cycle_ids[keep], np.zeros(0), screened)
        k, m, n = k[:, keep], m[:, keep], n[:, keep]
        m12 = m[1] * m[2]
        k01 = k[0] * k[1]
        big_k, big_m = k01 * k[2], m[0] * m12
        big_n = n[0] * m12 + n[1] * k[0] * m[2] + n[2] * k01
        return self._ranked(cycle_ids[keep], big_k, big_m, big_n, screened)

    def _ranked(
        self,
        flagged: IntArray,
        big_k: FloatArray,
        big_m: FloatArray,
        big_n: FloatArray,
        screened: int,
    ) -> ScreenResult:
        estimate = (np.sqrt(big_k) - np.sqrt(big_m)) ** 2 / big_n
        keep = (big_k > big_m * (1.0 + self.epsilon)) & (estimate >= self.min_profit_units)
        flagged, estimate = flagged[keep], estimate[keep]
        order = np.argsort(-estimate, kind="stable")
        return self._result(flagged[order], estimate[order], screened)

    @staticmethod
    def _result(cycle_ids: IntArray, estimate: FloatArray, screened: int) -> ScreenResult:
        return ScreenResult(
            cycle_ids=cycle_ids.astype(np.int64), estimated_profit=estimate, screened=screened
        )
