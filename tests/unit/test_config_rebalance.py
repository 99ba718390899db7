"""`[rebalance]`: bands in whole tokens turned into exact base units with each token's decimals,
the bridges allowed, and clear errors naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from omniarb.config import load_settings
from omniarb.errors import ConfigError

ARB = '[[rebalance.bands]]\nasset = "ETH"\nchain = "arbitrum"\n'


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "omniarb.toml"
    path.write_text(text)
    return path


def test_bands_are_exact_base_units_and_defaults_are_off(tmp_path: Path) -> None:
    text = (
        "[rebalance]\nenabled = true\ninterval_s = 5\nstuck_after_s = 60\n"
        'bridges = ["across"]\nmin_transfer_usd = 10\nmax_transfer_usd = 1000\n'
        '[[rebalance.bands]]\nasset = "ETH"\nchain = "arbitrum"\nlow = "20"\ntarget = "40.1"\n'
        'high = "80"\n'
        '[[rebalance.bands]]\nasset = "USDC"\nchain = "bnb"\nlow = 0.1\ntarget = 1000\n'
        "high = 2000.5\n"
    )
    rebalance = load_settings(write(tmp_path, text)).rebalance
    eth, usdc = rebalance.bands
    assert eth.base_units(18) == (20 * 10**18, 401 * 10**17, 80 * 10**18)
    assert usdc.base_units(6) == (10**5, 1000 * 10**6, 2_000_500_000)  # 0.1 exactly
    assert usdc.base_units(18) == (10**17, 1000 * 10**18, 20_005 * 10**17)
    assert rebalance.allows("across")
    assert not rebalance.allows("canonical")
    assert (rebalance.enabled, rebalance.interval_s, rebalance.stuck_after_s) == (True, 5, 60)
    defaults = load_settings(None).rebalance
    assert not defaults.enabled
    assert defaults.bands == ()
    assert defaults.allows("canonical")


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ("interval_s = 0", "rebalance.interval_s"),
        ("stuck_after_s = -1", "rebalance.stuck_after_s"),
        ("min_transfer_usd = 10\nmax_transfer_usd = 5", "min_transfer_usd 10 is above"),
        ("surprise = 1", "rebalance.surprise"),
        (
            ARB + 'low = "x"\ntarget = 1\nhigh = 2',
            r"rebalance.bands\[0\].low",
        ),
        (
            ARB + "low = 5\ntarget = 1\nhigh = 2",
            "low 5 <= target 1",
        ),
        (
            ARB + "low = 1\ntarget = 1\nhigh = 2\n" + ARB + "low = 1\ntarget = 1\nhigh = 2",
            "a second band",
        ),
        (
            '[[rebalance.bands]]\nasset = "ETH"\nchain = "mars"\nlow = 1\ntarget = 1\nhigh = 2',
            r"rebalance.bands\[0\].chain",
        ),
    ],
)
def test_bad_values_name_their_key(tmp_path: Path, table: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        load_settings(write(tmp_path, f"[rebalance]\n{table}\n"))
