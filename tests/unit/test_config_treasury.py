"""`[treasury]`: floats in whole tokens turned into exact base units, the destination and the
owner keys as addresses, and clear errors with the key path."""

from __future__ import annotations

from pathlib import Path

import pytest

from omniarb.config import load_settings
from omniarb.errors import ConfigError

OWNER = "0x71bE63f3384f5fb98995898A86B02Fb2426c5788"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "omniarb.toml"
    path.write_text(text)
    return path


def test_floats_are_exact_base_units_and_defaults_are_the_demo_inventory(tmp_path: Path) -> None:
    text = (
        "[treasury]\nfloats = { USDC = 1000.5, WETH = 0.1, DAI = 0 }\n"
        f'destination = "{OWNER}"\nowners = ["{OWNER}"]\ndemo_sweep_every_blocks = 10\n'
    )
    treasury = load_settings(write(tmp_path, text)).treasury
    assert treasury.float_base_units("USDC", 6) == 1_000_500_000
    assert treasury.float_base_units("WETH", 18) == 10**17  # not 0.1's binary neighbour
    # Never below one base unit: the executor's balance slot stays warm.
    assert treasury.float_base_units("DAI", 18) == 1
    assert treasury.float_base_units("USDT", 6) == 1
    assert treasury.destination == OWNER
    assert treasury.owners == (OWNER,)
    assert treasury.demo_sweep_every_blocks == 10
    defaults = load_settings(None).treasury
    assert defaults.float_base_units("WETH", 18) == 100 * 10**18
    assert defaults.float_base_units("USDC", 6) == 250_000 * 10**6
    assert (defaults.destination, defaults.owners, defaults.relayer) == ("", (), "")


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ("floats = { USDC = -1.0 }", "treasury.floats"),
        ('destination = "0x1234"', "treasury.destination"),
        ('owners = ["nope"]', "treasury.owners"),
        ('relayer = "71bE63f3384f5fb98995898A86B02Fb2426c5788"', "treasury.relayer"),
        ("demo_sweep_every_blocks = -1", "treasury.demo_sweep_every_blocks"),
        ("surprise = 1", "treasury.surprise"),
    ],
)
def test_bad_values_name_their_key(tmp_path: Path, table: str, says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        load_settings(write(tmp_path, f"[treasury]\n{table}\n"))
