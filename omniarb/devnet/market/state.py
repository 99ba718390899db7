"""What the market reads from a chain before each step: one `ChainState` of `PoolState`s.

Every pool kind is described the same way, so the decision logic needs no branch on the kind:
`virtual0`/`virtual1` are the reserves a constant-product pool would need to have the pool's
current price and marginal depth, and `balance0`/`balance1` are the tokens the pool really
holds, which bound how much can sensibly be traded into it. Each kind says how its pools give
them (`DevnetKind.reserves`, `omniarb.devnet.kinds`).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ChainState", "PoolState", "pool_key"]


def pool_key(address: str, symbol0: str, symbol1: str) -> str:
    """What names one manifest pool entry to the market: a pool of more than two tokens (a
    Balancer pool) has an entry per pair, all with its address."""
    return f"{address}:{symbol0}:{symbol1}"


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolState:
    """One pool at one block, with the token facts the decision needs (assets, decimals)."""

    address: str
    dex: str
    kind: str
    fee_pips: int
    symbol0: str
    symbol1: str
    asset0: str
    asset1: str
    decimals0: int
    decimals1: int
    balance0: int
    balance1: int
    virtual0: int
    virtual1: int

    @property
    def key(self) -> str:
        """`pool_key` of the pool: what a swap intent names it by."""
        return pool_key(self.address, self.symbol0, self.symbol1)

    @property
    def pair(self) -> str:
        return f"{self.symbol0}/{self.symbol1}"

    def price(self) -> float:
        """Whole token1 per whole token0 at the pool's current price (display and steering)."""
        if self.virtual0 == 0:
            return 0.0
        return self.virtual1 / self.virtual0 * 10.0 ** (self.decimals0 - self.decimals1)

    def balance_in(self, zero_for_one: bool) -> int:
        return self.balance0 if zero_for_one else self.balance1

    def virtual_in(self, zero_for_one: bool) -> int:
        return self.virtual0 if zero_for_one else self.virtual1


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainState:
    """Every pool of one chain as of `block_number`, plus the fee input for the next swaps."""

    chain_id: int
    block_number: int
    base_fee_wei: int
    pools: tuple[PoolState, ...]
