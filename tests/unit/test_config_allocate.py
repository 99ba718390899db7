"""`[allocate]` and `inventory_caps`: each chain's inventory caps from the section, the chain's
table and the token tables, no cap by default, and a clear error for each bad value."""

from __future__ import annotations

from pathlib import Path

import pytest

from omniarb.allocate import InventoryCaps
from omniarb.config import AllocateSettings, Settings, inventory_caps, load_settings
from omniarb.errors import ConfigError
from omniarb.network import TokenEntry

WETH = TokenEntry(symbol="WETH", address="0xAbC0", decimals=18, name="Wrapped Ether", asset="ETH")
USDC = TokenEntry(symbol="USDC", address="0xDeF1", decimals=6, name="USD Coin", asset="USD")


def settings_from(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "omniarb.toml"
    path.write_text(text)
    return load_settings(path)


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        settings_from(tmp_path, text)
    return str(caught.value)


def test_by_default_inventory_is_used_without_caps() -> None:
    assert inventory_caps(AllocateSettings(), "ethereum", (WETH, USDC)) == InventoryCaps()


def test_inventory_off_means_no_inventory(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, "[allocate]\ninventory = false\n")
    assert inventory_caps(settings.allocate, "ethereum", (WETH, USDC)) is None


def test_chain_budget_overrides_the_section_and_tokens_cap_in_base_units(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path,
        """
[allocate]
max_inventory_share_bps = 5000
per_chain_budget_usd = 250000

[allocate.tokens.WETH]
max_amount_in = 1.5

[allocate.tokens.DAI]
max_amount_in = 1

[allocate.chains.ethereum]
per_chain_budget_usd = 50000
""",
    )
    here = inventory_caps(settings.allocate, "ethereum", (WETH, USDC))
    assert here == InventoryCaps(
        max_share_bps=5000, budget_usd=50_000, max_amount_in={"0xabc0": 15 * 10**17}
    )
    there = inventory_caps(settings.allocate, "base", (WETH, USDC))
    assert there is not None
    assert there.budget_usd == 250_000


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("[allocate]\nmax_inventory_share_bps = 0\n", "allocate.max_inventory_share_bps"),
        ("[allocate]\nmax_inventory_share_bps = 10001\n", "allocate.max_inventory_share_bps"),
        ("[allocate]\nper_chain_budget_usd = 0\n", "allocate.per_chain_budget_usd"),
        ("[allocate.tokens.WETH]\nmax_amount_in = -1\n", "allocate.tokens.WETH.max_amount_in"),
        ("[allocate.chains.nowhere]\nper_chain_budget_usd = 1\n", "allocate.chains"),
        ("[allocate]\nbudget = 1\n", "allocate.budget"),
    ],
)
def test_bad_values_name_their_key(tmp_path: Path, text: str, path: str) -> None:
    assert path in error_for(tmp_path, text)


def test_a_token_cap_below_one_base_unit_is_refused() -> None:
    settings = AllocateSettings.model_validate({"tokens": {"USDC": {"max_amount_in": 1e-9}}})
    with pytest.raises(ConfigError, match=r"allocate.tokens.USDC.max_amount_in"):
        inventory_caps(settings, "ethereum", (WETH, USDC))
