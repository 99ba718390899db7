"""`RivalsParams`: the rivals of a devnet run, derived from one seed.

The field names match `[devnet.rivals]` in the configuration (`RivalsSettings`), so a caller
can build one with `RivalsParams(**settings.devnet.rivals.model_dump())`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from omniarb.devnet.rivals.policy import PRESETS, RivalPolicy, draw_policy
from omniarb.errors import ConfigError

__all__ = ["MAX_RIVALS", "RivalsParams"]

# Rivals sign as dev accounts RIVAL_FIRST_INDEX … + MAX_RIVALS - 1 (omniarb.devnet.accounts).
MAX_RIVALS = 16


@dataclass(frozen=True, slots=True, kw_only=True)
class RivalsParams:
    """How many rivals, of which presets, drawn from which seed.

    Rival i takes preset `presets[i % len(presets)]` and draws its latency, tip, profit floor
    and bribe from a generator seeded with (`seed`, i), so the same seed gives the same rivals
    whatever their count. `policies`, when given, are used as they are instead (tests, a
    hand-picked field); `count` and `presets` are then ignored.
    """

    seed: int = 11
    count: int = 3
    presets: tuple[str, ...] = ("fast-greedy", "slow", "relay")
    policies: tuple[RivalPolicy, ...] | None = None

    def __post_init__(self) -> None:
        if self.seed < 0:
            raise ConfigError(f"devnet.rivals.seed: expected an integer >= 0, got {self.seed!r}")
        if not 0 <= self.count <= MAX_RIVALS:
            raise ConfigError(
                f"devnet.rivals.count: expected an integer from 0 to {MAX_RIVALS}, "
                f"got {self.count!r}"
            )
        if not self.presets:
            raise ConfigError("devnet.rivals.presets: expected at least one preset")
        unknown = [p for p in self.presets if p not in PRESETS]
        if unknown:
            raise ConfigError(
                f"devnet.rivals.presets: unknown preset(s) {', '.join(map(repr, unknown))} "
                f"(known: {', '.join(PRESETS)})"
            )
        if self.policies is not None:
            if len(self.policies) > MAX_RIVALS:
                raise ConfigError(f"devnet.rivals: at most {MAX_RIVALS} rivals")
            names = [p.name for p in self.policies]
            if len(set(names)) != len(names):
                raise ConfigError(f"devnet.rivals: rival names repeat: {names}")

    def resolved(self) -> tuple[RivalPolicy, ...]:
        """Each rival's policy, in rival order (deterministic for the seed)."""
        if self.policies is not None:
            return self.policies
        policies = []
        for i in range(self.count):
            preset = self.presets[i % len(self.presets)]
            rng = random.Random(f"{self.seed}:{i}")
            policies.append(draw_policy(preset, rng=rng, name=f"{preset}-{i}"))
        return tuple(policies)
