"""Packs a route, its amount in and its minimum profit into calldata for `OmniArbExecutor`.

The contract's entry point is `execute(bytes plan)` (or, paying a share of the profit to the
block's coinbase, `executeAndPayCoinbase(bytes plan, uint256 bribeBps)`: `execute.bribe`); the
plan is packed bytes, laid out as the contract's notes describe (contracts/executor/
OmniArbExecutor.sol, which is the reference):

    offset  size  field
    0       1     flash source (FlashSource: 0 V2 flash swap, 1 Balancer, 2 Aave V3, 3 V3 flash,
                  4 V4 PoolManager)
    1       16    amount in, uint128 big-endian, of the route's start token
    17      16    minimum profit, uint128 big-endian, in the start token, net of the flash fee
    33      8     deadline block, uint64 big-endian: the last block the trade may run in (the
                  contract reverts `Expired(blockNumber, deadline)` in any later one, first)
    41      64·n  n ≥ 2 hops: pool (20) ‖ token in (20) ‖ factory (20) ‖ kind (1) ‖ fee pips (3)
                  kind 0 = Uniswap V2 pair, 1 = Uniswap V3 pool, 2 = Algebra pool, 3 = Uniswap
                  V4 pool; fee = the pool's fee in pips. A V4 hop's pool field is its id's
                  leading 17 bytes ‖ its tick spacing (`uniswap_v4.adapter.plan_pool_field`),
                  its factory the PoolManager; a V4 hop whose input (output) is the pool's
                  native coin sets bit 6 (bit 5) of its kind byte, its token in the plan
                  being the wrapped native token (`Hop.currency_in`, `Hop.currency_out`)
    41+64n  64    lender record (sources 3 and 4 always, source 0 optionally): the pool lent
                  from, in the hop layout with the pool's OTHER token (not the start token) in
                  the token-in field and kind 0x80 | pool kind (0x80 V2 pair, 0x81 V3 pool,
                  0x82 Algebra pool; 0x83 a V4 PoolManager, in the pool and factory fields,
                  with the start token)

Hop directions are not encoded: the contract derives them from the token addresses (the native
coin, address 0, in its place on a flagged side), and the encoder checks `Hop.zero_for_one`
agrees. Source 0 without a record borrows from the route's
last pair when every hop is V2 (no fee beyond the hops' own), else from its first pair, which
must then be V2 (the encoder checks); with a record it borrows from that V2 pair and repays
ceil(amount · 10^6 / (10^6 − fee)). Sources 1 and 2 borrow from the Vault / Pool registered in
the contract; source 3 from the V3 pool of the record. A record's pool must hold the start token
and not be a pool of the route (it is locked while it lends).

This runs on the hot path (opportunity → signed transaction), so each hop's 64 bytes are packed
once per `RouteCodec` and reused; encoding a route is then a join, two `int.to_bytes` and one
concatenation (a few µs), with no eth-abi.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import ParamSpec

from omniarb.chains.abi import selector
from omniarb.dex.registry import ADAPTERS
from omniarb.dex.uniswap_v4.adapter import ADAPTER as UNISWAP_V4
from omniarb.dex.uniswap_v4.adapter import plan_pool_field
from omniarb.errors import RejectedError
from omniarb.types import FlashLoan, FlashPool, Hop, Route

__all__ = [
    "EXECUTE_SIGNATURE",
    "PLAN_SOURCE",
    "DecodedPlan",
    "FlashPool",
    "FlashSource",
    "PlanHop",
    "RouteCodec",
    "RouteEncodingError",
    "decode_plan",
    "encode_execute_calldata",
    "plan_source",
    "wrap_plan",
]

EXECUTE_SIGNATURE = "execute(bytes)"
_EXECUTE_SELECTOR = selector(EXECUTE_SIGNATURE)
# The ABI head of `execute(bytes)`: the offset of the one dynamic argument is always 32.
_ABI_OFFSET = (32).to_bytes(32, "big")
_HEADER_BYTES = 41
_HOP_BYTES = 64
_MAX_UINT128 = 2**128 - 1
_MAX_UINT64 = 2**64 - 1
_PIPS = 1_000_000

_P = ParamSpec("_P")


class FlashSource(IntEnum):
    """Where the contract borrows the start token (the plan's first byte)."""

    V2_PAIR = 0  # flash swap from the route's last pair (all-V2 route) or first pair (mixed)
    BALANCER_VAULT = 1  # Balancer V2 Vault flashLoan: no fee
    AAVE_V3 = 2  # Aave V3 flashLoanSimple: the market's premium (devnet: 5 bps)
    UNISWAP_V3 = 3  # a V3 pool's flash (the pool's fee), or an Algebra pool's (0.01%)
    UNISWAP_V4 = 4  # a V4 PoolManager's `take` inside `unlock`: no fee
    INVENTORY = 5  # no loan: the executor's own balance of the start token


# The plan byte of each way to borrow: a V2 pair lends by flash swap whether it opens the route
# or stands outside it (then with a lender record).
PLAN_SOURCE: Mapping[FlashLoan, FlashSource] = {
    FlashLoan.OWN_PAIR: FlashSource.V2_PAIR,
    FlashLoan.V2_PAIR: FlashSource.V2_PAIR,
    FlashLoan.V3_POOL: FlashSource.UNISWAP_V3,
    # An Algebra pool's `flash` is the same call from a lender record (kind byte 0x82).
    FlashLoan.ALGEBRA_POOL: FlashSource.UNISWAP_V3,
    FlashLoan.BALANCER_V2: FlashSource.BALANCER_VAULT,
    FlashLoan.AAVE_V3: FlashSource.AAVE_V3,
    FlashLoan.V4_POOL_MANAGER: FlashSource.UNISWAP_V4,
    FlashLoan.INVENTORY: FlashSource.INVENTORY,
}


def plan_source(loan: FlashLoan | None) -> FlashSource:
    """The plan byte of `loan`; a decision without a loan cannot be encoded."""
    source = PLAN_SOURCE.get(loan) if loan is not None else None
    if source is None:
        raise RouteEncodingError(f"no flash source for a loan {loan!r}")
    return source


# Each traded kind's hop byte in the plan, as its adapter gives it.
_KIND_BY_NAME: Mapping[str, int] = {kind: adapter.hop_kind for kind, adapter in ADAPTERS.items()}


class RouteEncodingError(RejectedError):
    """The route cannot be expressed as a plan (unknown DEX, inconsistent hops, bad amounts)."""


# Plain ints for the hot path: comparing them is cheaper than looking up enum members.
_SOURCE_V2_PAIR = int(FlashSource.V2_PAIR)
_SOURCE_UNISWAP_V3 = int(FlashSource.UNISWAP_V3)
# The sources that borrow from the pool (or PoolManager) of a lender record, always.
_RECORD_SOURCES = frozenset((int(FlashSource.UNISWAP_V3), int(FlashSource.UNISWAP_V4)))
# The hop kind whose pool field is not the pool's address: a V4 pool has none.
_V4_HOP_KIND = UNISWAP_V4.hop_kind
# Kind-byte flags of a V4 hop whose input or output side is the pool's native coin (currency
# 0, address 0), named in the plan by the wrapped native token (OmniArbExecutor.NATIVE_IN/OUT).
_NATIVE_IN = 0x40
_NATIVE_OUT = 0x20
_NATIVE_COIN = b"\0" * 20
# The kinds whose opening hop lends the route's input (a flash swap, plan source 0).
_FLASH_SWAP_KINDS = frozenset(kind for kind, a in ADAPTERS.items() if a.flash_swap_hop)
# A lender record's kind byte: bit 7 set, so no hop can pass for a record (or one for a hop).
_RECORD_FLAG = 0x80
# What a pool of each kind lends through, as its adapter gives it.
_RECORD_SOURCE: Mapping[int, FlashSource] = {
    adapter.hop_kind: PLAN_SOURCE[adapter.pool_loan] for adapter in ADAPTERS.values()
}


def _address(text: str) -> bytes:
    raw = bytes.fromhex(text.removeprefix("0x"))
    if len(raw) != 20:
        raise RouteEncodingError(f"not a 20-byte address: {text!r}")
    return raw


def _pack_pool_entry(pool: str, token: bytes, factory: bytes, kind: int, fee_pips: int) -> bytes:
    """The 64 bytes of a hop or a lender record: pool ‖ token ‖ factory ‖ kind ‖ fee pips."""
    return _address(pool) + token + factory + bytes((kind,)) + fee_pips.to_bytes(3, "big")


def _as_execute_calldata(pack_plan: Callable[_P, bytes]) -> Callable[_P, bytes]:
    """A function that takes what `pack_plan` takes and returns the `execute(plan)` transaction
    input for its plan; sharing the parameters keeps `RouteCodec.calldata` in step with `plan`."""

    def calldata(*args: _P.args, **kwargs: _P.kwargs) -> bytes:
        """Transaction input for `execute(plan)`: selector, ABI offset and length, padded plan."""
        return wrap_plan(pack_plan(*args, **kwargs))

    return calldata


class RouteCodec:
    """Encodes routes for one chain's executor.

    `factories` maps each DEX name (`Hop.dex`) to its factory address (V2 and V3 alike), which
    the contract uses to prove each pool genuine. Packed hops are cached per `Hop` value; a
    chain has two directions per pool, so the cache is bounded by the pools the detector knows.

        codec = RouteCodec({"uniswap-v2": "0x5C69…", "uniswap-v3": "0x1F98…"})
        data = codec.calldata(route, amount_in=10**18, min_profit=10**15, deadline_block=head + 3)
        data = codec.calldata(route, 10**18, 10**15, FlashSource.UNISWAP_V3, flash_pool=lender,
                              deadline_block=head + 3)
    """

    def __init__(self, factories: Mapping[str, str]) -> None:
        self._factories = {dex: _address(factory) for dex, factory in factories.items()}
        self._hops: dict[Hop, bytes] = {}

    def hop_bytes(self, hop: Hop) -> bytes:
        """The 64 bytes of one hop, packed once and then served from the cache."""
        packed = self._hops.get(hop)
        if packed is None:
            packed = self._pack_hop(hop)
            self._hops[hop] = packed
        return packed

    def _pack_hop(self, hop: Hop) -> bytes:
        kind = _KIND_BY_NAME.get(hop.kind)
        if kind is None:
            raise RouteEncodingError(f"hop through {hop.pool}: unknown pool kind {hop.kind!r}")
        factory = self._factory(f"hop through {hop.pool}", hop.dex, hop.fee_pips)
        token_in, token_out = _address(hop.token_in), _address(hop.token_out)
        flags = self._native_flags(hop, kind)
        # The contract takes token0 to be the smaller address (UniswapV2Factory.createPair);
        # the native coin, address 0, is always a V4 pool's currency 0.
        currency_in = _NATIVE_COIN if flags & _NATIVE_IN else token_in
        currency_out = _NATIVE_COIN if flags & _NATIVE_OUT else token_out
        if hop.zero_for_one != (currency_in < currency_out):
            raise RouteEncodingError(
                f"hop through {hop.pool}: zero_for_one={hop.zero_for_one} contradicts its tokens"
            )
        if kind == _V4_HOP_KIND:
            if hop.tick_spacing is None:
                raise RouteEncodingError(f"V4 hop through {hop.pool} has no tick spacing")
            pool_field = plan_pool_field(hop.pool, hop.tick_spacing)
            meta = bytes((kind | flags,)) + hop.fee_pips.to_bytes(3, "big")
            return pool_field + token_in + factory + meta
        return _pack_pool_entry(hop.pool, token_in, factory, kind, hop.fee_pips)

    @staticmethod
    def _native_flags(hop: Hop, kind: int) -> int:
        """The kind-byte flags of the hop's sides that are the native coin: only a V4 hop may
        have one (the executor unwraps into and wraps out of the manager), and only that."""
        flags = 0
        for currency, flag in ((hop.currency_in, _NATIVE_IN), (hop.currency_out, _NATIVE_OUT)):
            if currency is None:
                continue
            if kind != _V4_HOP_KIND or _address(currency) != _NATIVE_COIN:
                raise RouteEncodingError(
                    f"hop through {hop.pool}: the executor trades no {hop.kind} pool's "
                    f"currency {currency} for the route's token"
                )
            flags |= flag
        if flags == _NATIVE_IN | _NATIVE_OUT:
            raise RouteEncodingError(f"hop through {hop.pool}: both sides are the native coin")
        return flags

    def _pack_flash_pool(
        self, flash_pool: FlashPool, route: Route, flash_source: FlashSource
    ) -> bytes:
        label = f"flash pool {flash_pool.pool}"
        kind = _KIND_BY_NAME.get(flash_pool.kind)
        if kind is None or _RECORD_SOURCE[kind] is not flash_source:
            raise RouteEncodingError(
                f"{label}: a {flash_pool.kind} pool cannot lend for flash source {flash_source!r}"
            )
        start = route.token_in.lower()
        tokens = (flash_pool.token0.lower(), flash_pool.token1.lower())
        if start not in tokens:
            raise RouteEncodingError(f"{label} does not hold the start token {route.token_in}")
        if flash_pool.pool.lower() in {hop.pool.lower() for hop in route.hops}:
            raise RouteEncodingError(f"{label} is a pool of the route (locked while it lends)")
        factory = self._factory(label, flash_pool.dex, flash_pool.fee_pips)
        other = tokens[1] if start == tokens[0] else tokens[0]
        return _pack_pool_entry(
            flash_pool.pool, _address(other), factory, _RECORD_FLAG | kind, flash_pool.fee_pips
        )

    def _factory(self, label: str, dex: str, fee_pips: int) -> bytes:
        """The factory address of `dex`, once the pool's fee is known to fit the plan's 3 bytes
        below 100%: what a hop and a lender record both need before they are packed."""
        factory = self._factories.get(dex)
        if factory is None:
            raise RouteEncodingError(f"{label}: no factory known for {dex!r}")
        if not 0 <= fee_pips < _PIPS:
            raise RouteEncodingError(f"{label}: fee {fee_pips} pips")
        return factory

    def plan(
        self,
        route: Route,
        amount_in: int,
        min_profit: int,
        flash_source: FlashSource = FlashSource.V2_PAIR,
        *,
        deadline_block: int,
        flash_pool: FlashPool | None = None,
    ) -> bytes:
        """The packed plan `execute` takes (without the ABI wrapping).

        `deadline_block` is the last block the trade may run in (required: every plan expires).

        `flash_pool` names the lender: a V3 pool, required for `FlashSource.UNISWAP_V3`; a V4
        PoolManager (`FlashPool.pool` the manager, both tokens the start token), required for
        `FlashSource.UNISWAP_V4`; or a V2
        pair outside the route for `FlashSource.V2_PAIR` (optional); refused for the others.
        """
        hops = route.hops
        if len(hops) < 2:
            raise RouteEncodingError(f"a route needs at least 2 hops, got {len(hops)}")
        previous = hops[-1].token_out
        for hop in hops:
            if hop.token_in != previous:
                raise RouteEncodingError(
                    f"route is not a cycle of chained hops at {hop.pool}: "
                    f"{hop.token_in} follows {previous}"
                )
            previous = hop.token_out
        if not 0 < amount_in <= _MAX_UINT128:
            raise RouteEncodingError(f"amount_in {amount_in} is outside 1..2**128-1")
        if not 0 <= min_profit <= _MAX_UINT128:
            raise RouteEncodingError(f"min_profit {min_profit} is outside 0..2**128-1")
        if not 0 <= deadline_block <= _MAX_UINT64:
            raise RouteEncodingError(f"deadline_block {deadline_block} is outside 0..2**64-1")
        packed = [self.hop_bytes(hop) for hop in hops]
        if flash_pool is not None:
            packed.append(self._pack_flash_pool(flash_pool, route, flash_source))
        elif flash_source in _RECORD_SOURCES:
            raise RouteEncodingError(
                f"flash source {FlashSource(flash_source).name} needs the flash_pool to borrow from"
            )
        elif flash_source == _SOURCE_V2_PAIR and hops[0].kind not in _FLASH_SWAP_KINDS:
            # An all-V2 route borrows from its last pair; any V3 hop moves the loan to the
            # first pool, which must then be a V2 pair (or to a pair named by a record).
            raise RouteEncodingError(
                "a V2 flash swap for a route with V3 hops borrows from its first pool, which must "
                f"be a V2 pair, not {hops[0].pool} ({hops[0].kind}); or name a flash_pool"
            )
        return (
            bytes((flash_source,))
            + amount_in.to_bytes(16, "big")
            + min_profit.to_bytes(16, "big")
            + deadline_block.to_bytes(8, "big")
            + b"".join(packed)
        )

    calldata = _as_execute_calldata(plan)


def wrap_plan(plan: bytes) -> bytes:
    """ABI-encode `execute(bytes plan)` by hand: selector, offset 32, length, data padded."""
    padding = b"\0" * (-len(plan) % 32)
    return _EXECUTE_SELECTOR + _ABI_OFFSET + len(plan).to_bytes(32, "big") + plan + padding


def encode_execute_calldata(
    route: Route,
    amount_in: int,
    min_profit: int,
    *,
    factories: Mapping[str, str],
    deadline_block: int,
    flash_source: FlashSource = FlashSource.V2_PAIR,
    flash_pool: FlashPool | None = None,
) -> bytes:
    """One-off encoding; a long-running caller keeps a `RouteCodec` to reuse packed hops."""
    codec = RouteCodec(factories)
    return codec.calldata(
        route,
        amount_in,
        min_profit,
        flash_source,
        flash_pool=flash_pool,
        deadline_block=deadline_block,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanHop:
    """One hop as the contract reads it (addresses lower-case hex with 0x); in a lender record,
    `token_in` is the lending pool's other token and `kind` has bit 7 set (0x80 | pool kind)."""

    pool: str
    token_in: str
    factory: str
    kind: int
    fee_pips: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DecodedPlan:
    """A plan read back from its bytes: for logs, tests and checking what was sent."""

    flash_source: int
    amount_in: int
    min_profit: int
    deadline_block: int
    hops: tuple[PlanHop, ...]
    flash_pool: PlanHop | None = None


def decode_plan(plan: bytes) -> DecodedPlan:
    """Read a packed plan (not the ABI-wrapped calldata) back into its fields."""
    body = len(plan) - _HEADER_BYTES
    records = 1 if body >= _HOP_BYTES and plan[-4] & _RECORD_FLAG else 0
    if body < (2 + records) * _HOP_BYTES or body % _HOP_BYTES:
        raise ValueError(
            f"a plan is 41 + 64·n bytes with n ≥ 2 hops (+ 1 lender record), got {len(plan)}"
        )
    entries = []
    for start in range(_HEADER_BYTES, len(plan), _HOP_BYTES):
        hop = plan[start : start + _HOP_BYTES]
        entries.append(
            PlanHop(
                pool="0x" + hop[0:20].hex(),
                token_in="0x" + hop[20:40].hex(),
                factory="0x" + hop[40:60].hex(),
                kind=hop[60],
                fee_pips=int.from_bytes(hop[61:64], "big"),
            )
        )
    return DecodedPlan(
        flash_source=plan[0],
        amount_in=int.from_bytes(plan[1:17], "big"),
        min_profit=int.from_bytes(plan[17:33], "big"),
        deadline_block=int.from_bytes(plan[33:41], "big"),
        hops=tuple(entries[: len(entries) - records]),
        flash_pool=entries[-1] if records else None,
    )
