"""Market parameters refuse nonsense with the configuration key that holds it."""

from __future__ import annotations

import pytest

from omniarb.devnet.market.params import MarketParams
from omniarb.errors import ConfigError


def test_defaults_match_the_configuration_defaults() -> None:
    params = MarketParams()
    assert (params.seed, params.swaps_per_block, params.traders) == (7, 3, 6)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("seed", -1),
        ("swaps_per_block", -1),
        ("whale_probability", 1.5),
        ("volatility_bps", -0.1),
        ("traders", 0),
        ("traders", 9),
        ("min_step_interval_s", -1.0),
        ("router_share", -0.1),
        ("router_share", 1.5),
    ],
)
def test_out_of_range_values_name_their_key(field: str, value: float) -> None:
    with pytest.raises(ConfigError, match=rf"market\.{field}: expected"):
        MarketParams(**{field: value})  # type: ignore[arg-type]
