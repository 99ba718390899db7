"""What a pending router swap will do to the pools: its hops resolved to the detector's pools,
and each moved pool's exact post-swap state (the mempool issue's backruns).

    effect = apply_swaps(book, swaps, router_dexes=frozenset({"uniswap-v2"}), next_timestamp=t)
    effect.states    # pool id -> state after the swaps; every other pool is as it is

A hop is resolved among the pools between its two tokens that belong to a DEX the router
routes through (`router_dexes`, the DEX names the chain's manifest gives the router), and:
- of the swap's `pool_kind` where it names one (a router over several kinds);
- the pool the call names itself where it does (`pool_ids`: a Uniswap V4 PoolId or a Balancer
  pool id, whose leading 20 bytes are the pool's `address` here, or a plain pool address);
- else of the hop's fee where the router picks a pool by pair and fee (V3's `fees_pips`);
- else the one pool of the pair (a V2 router finds its pair by CREATE2 from the two tokens).
A hop that finds no pool, or more than one, skips the transaction: a backrun priced on a guess
of which pool moved would be priced on the wrong state.

The swaps then run on the states in the order the router runs them, each hop through the pool
state's own exact math (`PoolState.after_exact_input` / `after_exact_output`): an exact input
feeds each hop's output to the next; an exact output is computed from the last hop back, which
is the order Uniswap V3's SwapRouter swaps in, and gives Router02's `getAmountsIn` amounts. A
swap through one pair of a multi-token pool moves its other pairs too (`with_pool_of`).

A transaction that would revert moves nothing, so it is skipped, with the reason counted: its
deadline before the next block's timestamp, its output under `amount_out_min` or its input over
`amount_in_max`, or a hop that reverts in the pool's math. So are the swaps whose outcome cannot
be known before they are mined (fee-on-transfer variants: the token's tax is not in any pool
state), those with a price limit (a partial fill), and a path that goes through one pool twice
(Router02 prices the whole path on the states before the first hop, so its amounts would not
be what the pools pay). The calls of one transaction (a multicall) are atomic: one skip skips
them all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from omniarb.detect.state_book import StateBook
from omniarb.dex.base import PoolState
from omniarb.dex.router_swap import RouterSwap
from omniarb.errors import OmniarbError, RejectedError

__all__ = ["PoolMove", "SkipReason", "SkippedSwapError", "SwapEffect", "apply_swaps"]

_ADDRESS_CHARS = 42  # "0x" and 20 bytes of hex: the leading bytes of a pool id are its address


class SkipReason(StrEnum):
    """Why a pending transaction gives no backrun state."""

    UNKNOWN_POOL = "unknown-pool"
    AMBIGUOUS_POOL = "ambiguous-pool"
    FEE_ON_TRANSFER = "fee-on-transfer"
    PRICE_LIMIT = "price-limit"
    REPEATED_POOL = "repeated-pool"
    NO_AMOUNT = "no-amount"
    DEADLINE = "deadline"
    OUTPUT_BELOW_MINIMUM = "output-below-minimum"
    INPUT_ABOVE_MAXIMUM = "input-above-maximum"
    REVERTS = "reverts"
    NO_SWAP = "no-swap"


class SkippedSwapError(RejectedError):
    """A pending transaction that leaves no state to backrun, and why (`reason`)."""

    def __init__(self, reason: SkipReason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolMove:
    """One hop of a pending swap through one pool: what it pays in and takes out."""

    pool_id: int
    state_key: str
    token_in: str
    token_out: str
    amount_in: int
    amount_out: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SwapEffect:
    """The moves of a pending transaction's swaps, in the order they run, and the states they
    leave (by pool id, the other pairs of a moved multi-token pool included)."""

    moves: tuple[PoolMove, ...]
    states: Mapping[int, PoolState]


def apply_swaps(
    book: StateBook,
    swaps: Sequence[RouterSwap],
    *,
    router_dexes: frozenset[str],
    next_timestamp: int,
) -> SwapEffect:
    """The effect of one pending transaction's `swaps` on `book`'s states, which it leaves as
    they are; raises `SkippedSwapError` when it has none to backrun."""
    if not swaps:
        raise SkippedSwapError(SkipReason.NO_SWAP)
    states: dict[int, PoolState] = {}
    moves: list[PoolMove] = []
    for swap in swaps:
        moves += _apply(book, swap, router_dexes, next_timestamp, states)
    return SwapEffect(moves=tuple(moves), states=states)


def _apply(
    book: StateBook,
    swap: RouterSwap,
    router_dexes: frozenset[str],
    next_timestamp: int,
    states: dict[int, PoolState],
) -> list[PoolMove]:
    if swap.fee_on_transfer:
        raise SkippedSwapError(SkipReason.FEE_ON_TRANSFER, swap.function)
    if swap.sqrt_price_limit_x96:
        raise SkippedSwapError(SkipReason.PRICE_LIMIT, swap.function)
    if swap.deadline is not None and swap.deadline < next_timestamp:
        raise SkippedSwapError(
            SkipReason.DEADLINE, f"deadline {swap.deadline} < next block {next_timestamp}"
        )
    pool_ids = [_pool_id(book, swap, hop, router_dexes) for hop in range(len(swap.path) - 1)]
    if len(set(pool_ids)) != len(pool_ids):
        raise SkippedSwapError(SkipReason.REPEATED_POOL, swap.function)
    try:
        if swap.exact_input:
            return _exact_input(book, swap, pool_ids, states)
        return _exact_output(book, swap, pool_ids, states)
    except SkippedSwapError:
        raise
    except (OmniarbError, ValueError, ArithmeticError) as exc:
        # The pool's math raises where its contract reverts; untrusted amounts (zero, huge)
        # end here too, never in the caller's stream.
        raise SkippedSwapError(SkipReason.REVERTS, str(exc)) from exc


def _pool_id(book: StateBook, swap: RouterSwap, hop: int, router_dexes: frozenset[str]) -> int:
    graph = book.graph
    token_a, token_b = swap.path[hop], swap.path[hop + 1]
    named = swap.pool_ids[hop][:_ADDRESS_CHARS].lower() if hop < len(swap.pool_ids) else None
    fee_pips = swap.fees_pips[hop] if hop < len(swap.fees_pips) else None
    found = []
    for pool_id in graph.pair_pool_ids(token_a, token_b):
        pool = graph.pools[pool_id]
        if pool.dex not in router_dexes or (swap.pool_kind and pool.kind != swap.pool_kind):
            continue
        if named is not None:
            if pool.address.lower() != named:
                continue
        elif fee_pips is not None and pool.forward.fee_pips != fee_pips:
            continue
        found.append(pool_id)
    if len(found) == 1:
        return found[0]
    reason = SkipReason.UNKNOWN_POOL if not found else SkipReason.AMBIGUOUS_POOL
    raise SkippedSwapError(reason, f"hop {token_a} -> {token_b} of {swap.function}")


def _state(book: StateBook, states: Mapping[int, PoolState], pool_id: int) -> PoolState:
    state = states.get(pool_id)
    return book.state_by_id(pool_id) if state is None else state


def _move(
    book: StateBook,
    states: dict[int, PoolState],
    pool_id: int,
    new: PoolState,
) -> None:
    """Record `new` as the pool's state, and move the other views of the same contract."""
    states[pool_id] = new
    for other in book.views_of(new.address):
        if other != pool_id:
            states[other] = _state(book, states, other).with_pool_of(new)


def _sides(book: StateBook, pool_id: int, token_in: str) -> tuple[str, str]:
    """(token in, token out) as the pool spells them."""
    pool = book.graph.pools[pool_id]
    if pool.token0.lower() == token_in.lower():
        return pool.token0, pool.token1
    return pool.token1, pool.token0


def _exact_input(
    book: StateBook, swap: RouterSwap, pool_ids: list[int], states: dict[int, PoolState]
) -> list[PoolMove]:
    if not swap.amount_in:
        raise SkippedSwapError(SkipReason.NO_AMOUNT, swap.function)
    amount = swap.amount_in
    moves = []
    for hop, pool_id in enumerate(pool_ids):
        token_in, token_out = _sides(book, pool_id, swap.path[hop])
        amount_out, new = _state(book, states, pool_id).after_exact_input(token_in, amount)
        _move(book, states, pool_id, new)
        moves.append(_pool_move(book, pool_id, token_in, token_out, amount, amount_out))
        amount = amount_out
    if swap.amount_out_min is not None and amount < swap.amount_out_min:
        raise SkippedSwapError(SkipReason.OUTPUT_BELOW_MINIMUM, f"{amount} < {swap.amount_out_min}")
    return moves


def _exact_output(
    book: StateBook, swap: RouterSwap, pool_ids: list[int], states: dict[int, PoolState]
) -> list[PoolMove]:
    if not swap.amount_out:
        raise SkippedSwapError(SkipReason.NO_AMOUNT, swap.function)
    amount = swap.amount_out
    moves = []
    for hop in reversed(range(len(pool_ids))):
        pool_id = pool_ids[hop]
        token_in, token_out = _sides(book, pool_id, swap.path[hop])
        amount_in, new = _state(book, states, pool_id).after_exact_output(token_out, amount)
        _move(book, states, pool_id, new)
        moves.append(_pool_move(book, pool_id, token_in, token_out, amount_in, amount))
        amount = amount_in
    if swap.amount_in_max is not None and amount > swap.amount_in_max:
        raise SkippedSwapError(SkipReason.INPUT_ABOVE_MAXIMUM, f"{amount} > {swap.amount_in_max}")
    moves.reverse()
    return moves


def _pool_move(
    book: StateBook, pool_id: int, token_in: str, token_out: str, amount_in: int, amount_out: int
) -> PoolMove:
    return PoolMove(
        pool_id=pool_id,
        state_key=book.graph.pools[pool_id].key,
        token_in=token_in,
        token_out=token_out,
        amount_in=amount_in,
        amount_out=amount_out,
    )
