"""A chain's `PoolUpdate` as JSON and back, for the bus between a worker and the coordinator.

A generic codec over the frozen dataclasses the adapters' books produce, with an explicit
allow-list of the classes it may build (`STATE_CLASSES`): never pickle, so whoever can write to
Redis can at worst feed a wrong price, never run code. A decoded class is looked up by name in
the allow-list and built through its constructor, so its `__post_init__` checks run again.

Every value is tagged by a one-key object, so nothing depends on type hints:

    int         {"i": "123"}             decimal string: amounts pass 2**53
    tuple       {"t": [...]}             of ints only: {"ti": ["1", "-2"]} (tick tables)
    list        {"l": [...]}
    dict        {"d": [[key, value], ...]}
    frozenset   {"s": [...]}
    bytes       {"b": "hex"}
    enum        {"e": "ClassName", "v": value}
    dataclass   {"c": "ClassName", "f": {"field": value, ...}}   (its init fields only)
    str, bool, None, float: as JSON has them (floats round-trip through `repr`)

A dataclass's fields that are not constructor arguments (`init=False`: a tick table's
`sqrt_prices`, a stable pool's invariant) are caches its constructor recomputes; they are not
sent. Of the `PoolUpdate` itself, `received_ns` and `times` (`StageTimes`) are dropped: they are
`time.monotonic_ns()` stamps of the worker's process, meaningless in another one; the decoded
update carries 0 and `UNSTAMPED`. The coordinator reads the chain, block number and hash, base
fee, the changed states and the new pools, all carried.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping
from typing import Any, cast

from omniarb.dex.algebra.pool import AlgebraPoolState
from omniarb.dex.algebra.ticks import AlgebraTicks
from omniarb.dex.balancer.pair import StablePair, WeightedPair
from omniarb.dex.balancer.stable_pool import ComposableStablePoolState
from omniarb.dex.balancer.weighted_pool import WeightedPoolState
from omniarb.dex.base import PoolState
from omniarb.dex.pancakeswap_v3.pool import PancakeV3PoolState
from omniarb.dex.uniswap_v2.pool import V2PoolState
from omniarb.dex.uniswap_v3.pool import V3PoolState
from omniarb.dex.uniswap_v3.tick_table import TickTable
from omniarb.dex.uniswap_v4.pool import V4PoolState
from omniarb.dex.uniswap_v4.pool_key import PoolKey
from omniarb.errors import RejectedError
from omniarb.types import PoolUpdate

__all__ = [
    "STATE_CLASSES",
    "PoolCodec",
    "PoolCodecError",
    "decode_update",
    "encode_update",
]

# Every class a pool state of the registry's kinds is built from (`omniarb.dex.registry`):
# the states the books emit and the values nested in them. Adding a kind adds its classes here
# (`test_pool_codec` round-trips every kind of a devnet, and fails on a class left out).
STATE_CLASSES: tuple[type, ...] = (
    V2PoolState,
    V3PoolState,
    TickTable,
    PancakeV3PoolState,
    V4PoolState,
    PoolKey,
    AlgebraPoolState,
    AlgebraTicks,
    WeightedPoolState,
    WeightedPair,
    ComposableStablePoolState,
    StablePair,
)


class PoolCodecError(RejectedError):
    """An entry the codec will not decode (a class off the allow-list, a malformed value) or a
    value it will not encode: the entry is dropped, never half applied."""


class PoolCodec:
    """Encodes and decodes values built from `classes` (by class name; names must be unique)."""

    def __init__(self, classes: Iterable[type] = STATE_CLASSES) -> None:
        self._classes: dict[str, type] = {}
        for cls in classes:
            if cls.__name__ in self._classes:
                raise ValueError(f"two allowed classes are named {cls.__name__}")
            self._classes[cls.__name__] = cls

    def encode(self, value: object) -> Any:
        """`value` as a JSON-ready structure (module docstring)."""
        # Enums before str and int (a StrEnum is a str), bool before int (a bool is an int).
        if isinstance(value, enum.Enum):
            self._allowed(type(value))
            return {"e": type(value).__name__, "v": self.encode(value.value)}
        if value is None or isinstance(value, bool | str | float):
            return value
        if isinstance(value, int):
            return {"i": str(value)}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            cls = self._allowed(type(value))
            return {
                "c": cls.__name__,
                "f": {
                    f.name: self.encode(getattr(value, f.name))
                    for f in dataclasses.fields(value)
                    if f.init
                },
            }
        if isinstance(value, tuple):
            if value and all(type(item) is int for item in value):
                return {"ti": [str(item) for item in value]}
            return {"t": [self.encode(item) for item in value]}
        if isinstance(value, list):
            return {"l": [self.encode(item) for item in value]}
        if isinstance(value, frozenset):
            return {"s": [self.encode(item) for item in value]}
        if isinstance(value, dict):
            return {"d": [[self.encode(k), self.encode(v)] for k, v in value.items()]}
        if isinstance(value, bytes):
            return {"b": value.hex()}
        raise PoolCodecError(f"the pool codec cannot encode a {type(value).__name__}")

    def decode(self, raw: Any) -> Any:
        """The value `encode` made `raw` from; `PoolCodecError` on anything else."""
        if raw is None or isinstance(raw, bool | str | float):
            return raw
        if not isinstance(raw, dict) or not raw:
            raise PoolCodecError(f"the pool codec cannot decode {type(raw).__name__} {raw!r:.80}")
        try:
            return self._decode_tagged(raw)
        except PoolCodecError:
            raise
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise PoolCodecError(f"malformed pool codec value: {exc}") from exc

    def _decode_tagged(self, raw: dict[str, Any]) -> Any:
        if "i" in raw:
            return int(_text(raw["i"]))
        if "ti" in raw:
            return tuple(int(_text(item)) for item in raw["ti"])
        if "t" in raw:
            return tuple(self.decode(item) for item in raw["t"])
        if "l" in raw:
            return [self.decode(item) for item in raw["l"]]
        if "s" in raw:
            return frozenset(self.decode(item) for item in raw["s"])
        if "d" in raw:
            return {self.decode(k): self.decode(v) for k, v in raw["d"]}
        if "b" in raw:
            return bytes.fromhex(_text(raw["b"]))
        if "e" in raw:
            enum_cls = cast(type[enum.Enum], self._named(_text(raw["e"])))
            return enum_cls(self.decode(raw["v"]))
        if "c" in raw:
            cls = self._named(_text(raw["c"]))
            fields = raw["f"]
            if not isinstance(fields, dict):
                raise PoolCodecError(f"{cls.__name__}: fields are not an object")
            allowed = {f.name for f in dataclasses.fields(cls) if f.init}
            unknown = set(fields) - allowed
            if unknown:
                raise PoolCodecError(f"{cls.__name__} has no field {sorted(unknown)}")
            return cls(**{name: self.decode(value) for name, value in fields.items()})
        raise PoolCodecError(f"unknown pool codec tag {sorted(raw)}")

    def _allowed(self, cls: type) -> type:
        if self._classes.get(cls.__name__) is not cls:
            raise PoolCodecError(f"{cls.__module__}.{cls.__qualname__} is not on the allow-list")
        return cls

    def _named(self, name: str) -> type:
        found = self._classes.get(name)
        if found is None:
            raise PoolCodecError(f"class {name!r} is not on the pool codec's allow-list")
        return found


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise PoolCodecError(f"expected a string, got {type(value).__name__}")
    return value


def encode_update(chain: str, update: PoolUpdate, codec: PoolCodec) -> dict[str, Any]:
    """The bus entry's data for `chain`'s `update` (what is dropped: module docstring)."""
    return {
        "chain": chain,
        "chain_id": update.chain_id,
        "block_number": update.block_number,
        "block_hash": update.block_hash,
        "base_fee_wei": str(update.base_fee_wei),
        "pools": [codec.encode(state) for state in update.pools],
        "new_pools": list(update.new_pools),
    }


def decode_update(data: Mapping[str, Any], codec: PoolCodec) -> tuple[str, PoolUpdate]:
    """The chain and the update of a bus entry's data (`PoolCodecError` if malformed)."""
    try:
        pools = tuple(cast(PoolState, codec.decode(raw)) for raw in data["pools"])
        update = PoolUpdate(
            chain_id=int(data["chain_id"]),
            block_number=int(data["block_number"]),
            block_hash=_text(data["block_hash"]),
            base_fee_wei=int(_text(data["base_fee_wei"])),
            pools=pools,
            new_pools=tuple(_text(p) for p in data["new_pools"]),
        )
        return _text(data["chain"]), update
    except PoolCodecError:
        raise
    except (TypeError, ValueError, KeyError) as exc:
        raise PoolCodecError(f"malformed pool update: {exc!r}") from exc
