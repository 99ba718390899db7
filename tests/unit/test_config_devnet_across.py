"""`[devnet.bridges]`: whether the devnet starts its bridge agents and the Across relayer's delay
and fee — and clear errors naming the key when a value is wrong."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from omniarb.cli.devnet_cmd import across_params
from omniarb.config import load_settings
from omniarb.devnet.bridges import AcrossParams
from omniarb.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "omniarb.toml"
    path.write_text(text)
    return path


def test_the_demo_runs_the_bridges_with_a_few_seconds_delay_and_5_bps() -> None:
    settings = load_settings(None)
    assert settings.devnet.bridges.enabled
    assert across_params(settings) == AcrossParams(
        delay_s=3.0, fee_bps=5, fixed_fee_usd=Fraction(1, 2)
    )


def test_the_table_becomes_the_relayer_params(tmp_path: Path) -> None:
    text = (
        "[devnet.bridges]\nenabled = false\nacross_delay_s = 12.5\nacross_fee_bps = 8\n"
        "across_fixed_fee_usd = 0.25\n"
    )
    settings = load_settings(write(tmp_path, text))
    assert not settings.devnet.bridges.enabled
    assert across_params(settings) == AcrossParams(
        delay_s=12.5, fee_bps=8, fixed_fee_usd=Fraction(1, 4)
    )


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ("across_delay_s = -1", "devnet.bridges.across_delay_s"),
        ("across_fee_bps = 10000", "devnet.bridges.across_fee_bps"),
        ("across_fee_bps = 2.5", "devnet.bridges.across_fee_bps"),
        ("across_fixed_fee_usd = -0.1", "devnet.bridges.across_fixed_fee_usd"),
        ("relayer = 1", "devnet.bridges.relayer"),
    ],
)
def test_bad_tables_are_refused_with_the_key(tmp_path: Path, table: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, f"[devnet.bridges]\n{table}\n"))
    assert says in str(caught.value)
