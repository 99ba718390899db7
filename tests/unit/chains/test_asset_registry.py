"""Token identity across chains: bridged variants are other assets unless declared equivalent,
on the devnet's own catalog; and `[cross_chain]` errors name their key."""

from __future__ import annotations

from pathlib import Path

import pytest

from omniarb.chains.assets import AssetRegistry, variant_key
from omniarb.chains.spec import CHAINS
from omniarb.config import load_settings
from omniarb.devnet.catalog import catalog_for
from omniarb.errors import ConfigError
from omniarb.network import TokenEntry


def _tokens(chain: str) -> list[TokenEntry]:
    spec = next(c for c in CHAINS if c.name == chain)
    return [
        TokenEntry(
            symbol=t.symbol,
            address=f"0x{index + 16 * spec.chain_id % 10**6:040x}",
            decimals=t.decimals,
            name=t.name,
            asset=t.asset,
            wrapped_native=t.wrapped_native,
            bridged=t.bridged,
        )
        for index, t in enumerate(catalog_for(spec).tokens)
    ]


def _registry(equivalent: dict[str, str] | None = None) -> AssetRegistry:
    chains = ("ethereum", "bnb", "polygon", "arbitrum", "optimism")
    return AssetRegistry({c: _tokens(c) for c in chains}, equivalent)


def test_the_devnet_marks_its_bridged_tokens() -> None:
    keys = {c: {t.symbol: variant_key(t) for t in _tokens(c)} for c in ("bnb", "polygon")}
    assert keys["bnb"]["USDC"] == "USDC@binance-peg"
    assert keys["bnb"]["ETH"] == "ETH@binance-peg"
    assert keys["bnb"]["BTCB"] == "BTC@binance-peg"
    assert keys["bnb"]["WBNB"] == "BNB"
    assert keys["bnb"]["CAKE"] == "CAKE"
    assert keys["polygon"]["WETH"] == "ETH@pos"
    assert keys["polygon"]["USDC"] == "USDC"


def test_variants_are_distinct_unless_declared_equivalent() -> None:
    plain = _registry()
    bnb_usdc = next(t for t in _tokens("bnb") if t.symbol == "USDC")
    assert plain.identity("bnb", bnb_usdc.address.upper().replace("0X", "0x")) == (
        "USDC@binance-peg"
    )
    assert "bnb" not in plain.chains("USDC")
    assert plain.chains("USDC@binance-peg") == ("bnb",)
    assert plain.chains("ETH") == ("arbitrum", "ethereum", "optimism")
    assert plain.token("ETH", "polygon") is None
    equivalent = _registry({"USDC@binance-peg": "USDC", "ETH@pos": "ETH"})
    assert equivalent.identity("bnb", bnb_usdc.address) == "USDC"
    assert equivalent.chains("USDC") == ("arbitrum", "bnb", "ethereum", "optimism", "polygon")
    polygon_weth = equivalent.token("ETH", "polygon")
    assert polygon_weth is not None
    assert polygon_weth.symbol == "WETH"
    assert "USDC@binance-peg" not in equivalent.assets()
    assert equivalent.wrapped_native("polygon") is not None


def test_the_own_issue_wins_over_an_equivalent_variant_on_one_chain() -> None:
    own = TokenEntry(symbol="USDC", address="0x" + "11" * 20, decimals=6, name="U", asset="USDC")
    bridged = TokenEntry(
        symbol="USDC.e",
        address="0x" + "22" * 20,
        decimals=6,
        name="U",
        asset="USDC",
        bridged="pos",
    )
    for order in ([own, bridged], [bridged, own]):
        registry = AssetRegistry({"polygon": order}, {"USDC@pos": "USDC"})
        assert registry.token("USDC", "polygon") == own
        assert registry.identity("polygon", bridged.address) is None


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "omniarb.toml"
    path.write_text(text)
    return path


def test_cross_chain_settings_are_read_and_default_off(tmp_path: Path) -> None:
    text = (
        '[cross_chain]\nenabled = true\nassets = ["ETH", "BTC"]\n'
        'equivalent_assets = { "USDC@binance-peg" = "USDC" }\nrisk_z = 1.5\n'
    )
    settings = load_settings(_write(tmp_path, text)).cross_chain
    assert settings.enabled
    assert settings.assets == ("ETH", "BTC")
    assert settings.equivalent_assets == {"USDC@binance-peg": "USDC"}
    assert settings.leg_kinds == ("uniswap-v2", "uniswap-v3")
    assert not load_settings(None).cross_chain.enabled


@pytest.mark.parametrize(
    ("table", "says"),
    [
        ("risk_z = -1", "cross_chain.risk_z: expected a number from 0 to 10"),
        ('assets = ["E TH"]', "cross_chain.assets.0: expected an asset identity"),
        ('assets = ["USDC"]', "cross_chain.assets: the quote asset 'USDC'"),
        (
            'equivalent_assets = { "A@x" = "A@x" }',
            "cross_chain.equivalent_assets.A@x: a variant equivalent to itself",
        ),
        (
            'equivalent_assets = { "A@x" = "B@y", "B@y" = "B" }',
            "cross_chain.equivalent_assets.A@x: 'B@y' is itself a variant",
        ),
        ("leg_kinds = []", "cross_chain.leg_kinds: expected a non-empty list"),
        ("volatility_window = 3", "cross_chain.volatility_window"),
    ],
)
def test_cross_chain_errors_name_the_key(tmp_path: Path, table: str, says: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_write(tmp_path, f"[cross_chain]\n{table}\n"))
    assert says in str(caught.value)
