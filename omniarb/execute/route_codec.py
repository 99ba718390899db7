"""Packs a route, its amount in and its minimum profit into calldata for `OmniArbExecutor`.

The contract's entry point is `execute(bytes plan)`; the plan is packed bytes, laid out as the
contract's notes describe (contracts/executor/OmniArbExecutor.sol, which is the reference):

    offset  size  field
    0       1     flash source (FlashSource: 0 = V2 flash swap from the last hop's pair)
    1       16    amount in, uint128 big-endian, of the route's start token
    17      16    minimum profit, uint128 big-endian, in the start token
    33      64·n  n ≥ 2 hops: pool (20) ‖ token in (20) ‖ factory (20) ‖ kind (1) ‖ fee pips (3)

Hop directions are not encoded: the contract derives them from the token addresses, and the
encoder checks `Hop.zero_for_one` agrees. This runs on the hot path (opportunity → signed
transaction), so each hop's 64 bytes are packed once per `RouteCodec` and reused; encoding a
route is then a join, two `int.to_bytes` and one concatenation (a few µs), with no eth-abi.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum

from omniarb.chains.abi import selector
from omniarb.chains.spec import DexKind
from omniarb.errors import RejectedError
from omniarb.types import Hop, Route

__all__ = [
    "EXECUTE_SIGNATURE",
    "DecodedPlan",
    "FlashSource",
    "HopKind",
    "PlanHop",
    "RouteCodec",
    "RouteEncodingError",
    "decode_plan",
    "encode_execute_calldata",
    "wrap_plan",
]

EXECUTE_SIGNATURE = "execute(bytes)"
_EXECUTE_SELECTOR = selector(EXECUTE_SIGNATURE)
# The ABI head of `execute(bytes)`: the offset of the one dynamic argument is always 32.
_ABI_OFFSET = (32).to_bytes(32, "big")
_HEADER_BYTES = 33
_HOP_BYTES = 64
_MAX_UINT128 = 2**128 - 1
_PIPS = 1_000_000


class FlashSource(IntEnum):
    """Where the contract borrows the start token; only `V2_PAIR` is implemented (issue #6)."""

    V2_PAIR = 0  # flash swap from the route's last pair
    BALANCER_VAULT = 1
    AAVE_V3 = 2
    UNISWAP_V3 = 3


class HopKind(IntEnum):
    """The protocol of a hop's pool; the contract reverts `UnsupportedHopKind` past V2."""

    UNISWAP_V2 = 0
    UNISWAP_V3 = 1


_KIND_BY_NAME: Mapping[str, HopKind] = {
    DexKind.UNISWAP_V2.value: HopKind.UNISWAP_V2,
    DexKind.UNISWAP_V3.value: HopKind.UNISWAP_V3,
}


class RouteEncodingError(RejectedError):
    """The route cannot be expressed as a plan (unknown DEX, inconsistent hops, bad amounts)."""


def _address(text: str) -> bytes:
    raw = bytes.fromhex(text.removeprefix("0x"))
    if len(raw) != 20:
        raise RouteEncodingError(f"not a 20-byte address: {text!r}")
    return raw


class RouteCodec:
    """Encodes routes for one chain's executor.

    `factories` maps each DEX name (`Hop.dex`) to its factory address, which the contract uses
    to recompute the lending pair's address. Packed hops are cached per `Hop` value; a chain has
    two directions per pool, so the cache is bounded by the pools the detector knows.

        codec = RouteCodec({"uniswap-v2": "0x5C69…", "sushiswap": "0xC0AE…"})
        data = codec.calldata(route, amount_in=10**18, min_profit=10**15)
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
        factory = self._factories.get(hop.dex)
        if factory is None:
            raise RouteEncodingError(f"hop through {hop.pool}: no factory known for {hop.dex!r}")
        if not 0 <= hop.fee_pips < _PIPS:
            raise RouteEncodingError(f"hop through {hop.pool}: fee {hop.fee_pips} pips")
        token_in, token_out = _address(hop.token_in), _address(hop.token_out)
        # The contract takes token0 to be the smaller address (UniswapV2Factory.createPair).
        if hop.zero_for_one != (token_in < token_out):
            raise RouteEncodingError(
                f"hop through {hop.pool}: zero_for_one={hop.zero_for_one} contradicts its tokens"
            )
        return (
            _address(hop.pool)
            + token_in
            + factory
            + bytes((kind,))
            + hop.fee_pips.to_bytes(3, "big")
        )

    def plan(
        self,
        route: Route,
        amount_in: int,
        min_profit: int,
        flash_source: FlashSource = FlashSource.V2_PAIR,
    ) -> bytes:
        """The packed plan `execute` takes (without the ABI wrapping)."""
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
        return (
            bytes((flash_source,))
            + amount_in.to_bytes(16, "big")
            + min_profit.to_bytes(16, "big")
            + b"".join([self.hop_bytes(hop) for hop in hops])
        )

    def calldata(
        self,
        route: Route,
        amount_in: int,
        min_profit: int,
        flash_source: FlashSource = FlashSource.V2_PAIR,
    ) -> bytes:
        """Transaction input for `execute(plan)`: selector, ABI offset and length, padded plan."""
        plan = self.plan(route, amount_in, min_profit, flash_source)
        return wrap_plan(plan)


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
    flash_source: FlashSource = FlashSource.V2_PAIR,
) -> bytes:
    """One-off encoding; a long-running caller keeps a `RouteCodec` to reuse packed hops."""
    return RouteCodec(factories).calldata(route, amount_in, min_profit, flash_source)


@dataclass(frozen=True, slots=True, kw_only=True)
class PlanHop:
    """One hop as the contract reads it (addresses lower-case hex with 0x)."""

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
    hops: tuple[PlanHop, ...]


def decode_plan(plan: bytes) -> DecodedPlan:
    """Read a packed plan (not the ABI-wrapped calldata) back into its fields."""
    body = len(plan) - _HEADER_BYTES
    if body < 2 * _HOP_BYTES or body % _HOP_BYTES:
        raise ValueError(f"a plan is 33 + 64·n bytes with n ≥ 2, got {len(plan)}")
    hops = []
    for start in range(_HEADER_BYTES, len(plan), _HOP_BYTES):
        hop = plan[start : start + _HOP_BYTES]
        hops.append(
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
        hops=tuple(hops),
    )
