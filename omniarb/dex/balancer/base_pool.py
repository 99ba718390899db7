"""What every Balancer V2 pool shares as a state value: its identity in the Vault, its tokens
and balances as `Vault.getPoolTokens` lists them, its scaling factors and swap fee; and the
steps of a single swap around the pool's own math (v2-pool-utils `BasePool.sol` fees,
v2-solidity-utils `ScalingHelpers.sol`, v2-vault `Swaps.sol` and `BalanceAllocation.sol`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Self

from omniarb.dex.balancer.errors import (
    ADD_OVERFLOW,
    BALANCE_TOTAL_OVERFLOW,
    CANNOT_SWAP_SAME_TOKEN,
    PAUSED,
    SUB_OVERFLOW,
    UNKNOWN_AMOUNT_IN_FIRST_SWAP,
    BalancerRevertError,
)
from omniarb.dex.balancer.fixed_point import (
    UINT256_CEILING,
    complement,
    div_down,
    div_up,
    mul_down,
    mul_up,
    sub,
)

__all__ = [
    "BalancerPoolState",
    "add_swap_fee_amount",
    "downscale_down",
    "downscale_up",
    "subtract_swap_fee_amount",
    "upscale",
]

# BalanceAllocation.toBalance: a pool's total balance of a token must stay below 2**112.
_MAX_BALANCE_CEILING = 1 << 112


def subtract_swap_fee_amount(amount: int, swap_fee_percentage: int) -> int:
    """`BasePool._subtractSwapFeeAmount`: amount less its fee, the fee rounded up."""
    return sub(amount, mul_up(amount, swap_fee_percentage))


def add_swap_fee_amount(amount: int, swap_fee_percentage: int) -> int:
    """`BasePool._addSwapFeeAmount`: amount / (1 - fee), rounded up."""
    return div_up(amount, complement(swap_fee_percentage))


def upscale(amount: int, scaling_factor: int) -> int:
    """`ScalingHelpers._upscale`: to 18 decimals (times the token's rate), rounded down."""
    return mul_down(amount, scaling_factor)


def downscale_down(amount: int, scaling_factor: int) -> int:
    """`ScalingHelpers._downscaleDown`: back to the token's decimals, rounded down."""
    return div_down(amount, scaling_factor)


def downscale_up(amount: int, scaling_factor: int) -> int:
    """`ScalingHelpers._downscaleUp`: back to the token's decimals, rounded up."""
    return div_up(amount, scaling_factor)


@dataclass(frozen=True, slots=True, kw_only=True)
class BalancerPoolState:
    """A Balancer V2 pool as of `block_number` (after that block's transactions).

    `tokens` and `balances` are in the Vault's order (`getPoolTokens`: sorted by address),
    balances in each token's base units; the pool's `scaling_factors` (`getScalingFactors`:
    10^(18 - decimals) · 1e18, times a rate where a rate provider is set) and
    `swap_fee_percentage` (1e18 = 100%) in the same order; `paused` as `getPausedState` says
    (a paused pool reverts every swap, BAL#402); `rate_providers` as `getRateProviders` lists
    them (the zero address for none). Addresses are EIP-55 checksummed;
    `pool_id` is the 0x-hex bytes32 Vault id. Replaced, never mutated: a Vault `Swap` log gives
    `after_swap(...)`, a `PoolBalanceChanged` log `with_balance_changes(...)`.

    The Vault checks swaps against a token's cash (`decreaseCash`); the balances here are
    totals, cash plus what an asset manager holds, so a pool with a managed balance may
    revert a swap that pays out more than its cash (none of the pools here has a manager).
    """

    chain_id: int
    address: str
    dex: str
    vault: str
    pool_id: str
    tokens: tuple[str, ...]
    balances: tuple[int, ...]
    scaling_factors: tuple[int, ...]
    swap_fee_percentage: int
    block_number: int
    paused: bool = False
    rate_providers: tuple[str, ...] = ()

    @property
    def has_rate_provider(self) -> bool:
        """Whether a token's scaling factor includes a rate read from another contract, which
        may move without any event of the pool (a weighted pool reads it live; a composable
        stable pool caches it and refreshes the cache inside the next swap once it expires)."""
        return any(int(provider, 16) for provider in self.rate_providers)

    def index(self, token: str) -> int:
        """The index of `token` (any case) in `tokens`; ValueError for a token not the pool's."""
        try:
            return self.tokens.index(token)
        except ValueError:
            lowered = token.lower()
            for i, held in enumerate(self.tokens):
                if held.lower() == lowered:
                    return i
        raise ValueError(f"{token} is not a token of Balancer pool {self.address}")

    def _swap_indices(self, token_in: str, token_out: str, amount: int) -> tuple[int, int]:
        """The Vault's checks of a single swap before the pool is asked (`Swaps.swap`)."""
        if amount <= 0:
            raise BalancerRevertError(UNKNOWN_AMOUNT_IN_FIRST_SWAP)
        index_in, index_out = self.index(token_in), self.index(token_out)
        if index_in == index_out:
            raise BalancerRevertError(CANNOT_SWAP_SAME_TOKEN)
        if self.paused:  # `BasePool.onSwap`: `_ensureNotPaused`
            raise BalancerRevertError(PAUSED)
        return index_in, index_out

    def _check_vault_balances(
        self, index_in: int, index_out: int, amount_in: int, amount_out: int
    ) -> None:
        """`BalanceAllocation.increaseCash` then `decreaseCash`: the new balances must stay in
        [0, 2**112)."""
        new_in = self.balances[index_in] + amount_in
        if new_in >= UINT256_CEILING:
            raise BalancerRevertError(ADD_OVERFLOW)
        if new_in >= _MAX_BALANCE_CEILING:
            raise BalancerRevertError(BALANCE_TOTAL_OVERFLOW)
        if amount_out > self.balances[index_out]:
            raise BalancerRevertError(SUB_OVERFLOW)

    def after_swap(
        self, *, token_in: str, token_out: str, amount_in: int, amount_out: int, block_number: int
    ) -> Self:
        """The state after a Vault `Swap` of this pool (its logged amounts): the pool's balance
        of `token_in` grows by `amount_in`, that of `token_out` shrinks by `amount_out`."""
        balances = list(self.balances)
        balances[self.index(token_in)] += amount_in
        balances[self.index(token_out)] -= amount_out
        return replace(self, balances=tuple(balances), block_number=block_number)

    def with_balance_changes(
        self,
        *,
        tokens: Sequence[str],
        deltas: Sequence[int],
        protocol_fee_amounts: Sequence[int],
        block_number: int,
    ) -> Self:
        """The state after a Vault `PoolBalanceChanged` (a join or exit): each balance moves
        by its delta less the protocol fee the Vault took (`PoolBalances._processJoinPoolTransfers`
        / `_processExitPoolTransfers`: the fee is kept out of the pool in both directions)."""
        balances = list(self.balances)
        for token, delta, fee in zip(tokens, deltas, protocol_fee_amounts, strict=True):
            balances[self.index(token)] += delta - fee
        return replace(self, balances=tuple(balances), block_number=block_number)
