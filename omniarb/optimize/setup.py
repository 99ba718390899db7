"""One chain's optimizer from `[optimize]`: its live parameters and, when online, its tuner."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from omniarb.errors import ConfigError
from omniarb.optimize.params import LiveParams, ParamName, Params, ParamValue
from omniarb.optimize.tuner import Tuner

if TYPE_CHECKING:
    from omniarb._config_optimize import OptimizeSettings

__all__ = ["ChainOptimizer", "chain_optimizer"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainOptimizer:
    """A chain's live parameters, and its tuner when the optimizer is online (else None)."""

    live: LiveParams
    tuner: Tuner | None


def chain_optimizer(
    chain: str, start: Params, settings: OptimizeSettings, *, bundles: bool
) -> ChainOptimizer:
    """The optimizer of `chain`, starting at its configured `start`; the bribe share is tuned
    only where trades go in bundles (`bundles`): elsewhere a bribe buys nothing. A starting
    value outside its bounds is a `ConfigError`."""
    live = LiveParams(chain, start)
    if not settings.online:
        return ChainOptimizer(live=live, tuner=None)
    arms: dict[ParamName, tuple[ParamValue, ...]] = {
        name: settings.arms(name)
        for name in settings.bounds
        if bundles or name != "bribe_share_bps"
    }
    for name, values in arms.items():
        value = start.value(name)
        if not min(values) <= value <= max(values):
            raise ConfigError(
                f"optimize.bounds.{name}: {chain} starts at {value}, outside "
                f"{min(values)}..{max(values)}"
            )
    if not arms:
        return ChainOptimizer(live=live, tuner=None)
    tuner = Tuner(live=live, arms=arms, min_samples=settings.min_samples, seed=settings.seed)
    return ChainOptimizer(live=live, tuner=tuner)
