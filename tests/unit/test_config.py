"""Settings from TOML: defaults, partial merges, and one clear line for each kind of mistake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from omniarb.chains.spec import CHAINS
from omniarb.config import (
    DEFAULT_DEVNET_BLOCK_TIME_S,
    Settings,
    load_secrets,
    load_settings,
)
from omniarb.errors import ConfigError

# A valid key in our test vectors; never a real one.
VALID_KEY = "0x" + "ab" * 32


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "omniarb.toml"
    path.write_text(text)
    return path


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    return str(caught.value)


def test_defaults_need_no_file() -> None:
    settings = load_settings(None)
    assert settings == Settings()
    assert [c.name for c in settings.devnet.enabled_chains()] == [c.name for c in CHAINS]
    times = {name: chain.block_time_s for name, chain in settings.devnet.chains.items()}
    assert times == dict(DEFAULT_DEVNET_BLOCK_TIME_S)
    # The real networks' pace: Arbitrum fastest, Ethereum slowest.
    assert min(times, key=times.__getitem__) == "arbitrum"
    assert max(times, key=times.__getitem__) == "ethereum"
    assert settings.market.seed == 7
    assert settings.chains == {}
    assert settings.log.level == "INFO"


def test_empty_file_is_the_defaults(tmp_path: Path) -> None:
    assert load_settings(write(tmp_path, "")) == Settings()


def test_partial_tables_merge_with_the_defaults(tmp_path: Path) -> None:
    text = """
[devnet.chains.polygon]
block_time_s = 2
[devnet.chains.bnb]
enabled = false
[market]
seed = 11
[log]
level = "debug"
"""
    settings = load_settings(write(tmp_path, text))
    chains = settings.devnet.chains
    assert chains["polygon"].block_time_s == 2.0
    assert chains["polygon"].enabled
    assert not chains["bnb"].enabled
    assert chains["bnb"].block_time_s == 1.5
    assert chains["ethereum"].block_time_s == 3.0
    assert "bnb" not in [c.name for c in settings.devnet.enabled_chains()]
    assert settings.market.seed == 11
    assert settings.market.traders == 6
    assert settings.devnet.host == "127.0.0.1"
    assert settings.log.level == "DEBUG"


def test_a_network_table_gets_its_chain_id_and_all_its_dexes(tmp_path: Path) -> None:
    text = '[chains.polygon]\nrpc_http = "https://polygon.example"\n'
    network = load_settings(write(tmp_path, text)).chains["polygon"]
    assert network.chain_id == 137
    assert network.dexes == (
        "quickswap",
        "sushiswap",
        "uniswap-v3",
        "algebra-integral",
        "uniswap-v4",
        "balancer-weighted",
        "balancer-stable",
    )
    assert network.rpc_ws is None


def test_public_dict_is_json_and_validates_back_to_the_same_settings(tmp_path: Path) -> None:
    text = '[chains.arbitrum]\nrpc_http = "http://a.example"\nrpc_ws = "wss://a.example"\n'
    settings = load_settings(write(tmp_path, text))
    data = json.loads(json.dumps(settings.to_public_dict()))
    assert Settings.model_validate(data) == settings


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(ValidationError):
        settings.market.seed = 1


BAD_CONFIGS = {
    "unknown key": (
        "[market]\nsed = 3\n",
        ["market.sed", "unknown key", "allowed keys in [market]: seed, swaps_per_block"],
    ),
    "unknown table": ("[foo]\nx = 1\n", ["foo", "unknown key", "at the top level", "devnet"]),
    "wrong type": ('[market]\nseed = "abc"\n', ["market.seed", "expected an integer", '"abc"']),
    "number as a string": ('[market]\nseed = "7"\n', ["market.seed", "expected an integer"]),
    "negative block time": (
        "[devnet.chains.polygon]\nblock_time_s = -1\n",
        ["devnet.chains.polygon.block_time_s", "> 0 and <= 60", "got -1"],
    ),
    "zero block time": (
        "[devnet.chains.arbitrum]\nblock_time_s = 0\n",
        ["devnet.chains.arbitrum.block_time_s", "> 0 and <= 60", "got 0"],
    ),
    "block time too long": (
        "[devnet.chains.ethereum]\nblock_time_s = 61.5\n",
        ["devnet.chains.ethereum.block_time_s", "<= 60", "got 61.5"],
    ),
    "bad chain id": (
        '[chains.polygon]\nchain_id = 999\nrpc_http = "https://polygon.example"\n',
        ["chains.polygon.chain_id", "polygon's chain id is 137", "999"],
    ),
    "unknown network chain": (
        '[chains.polygn]\nrpc_http = "https://polygon.example"\n',
        ["chains.polygn", "unknown chain", "ethereum, bnb, polygon, arbitrum, optimism"],
    ),
    "unknown devnet chain": (
        "[devnet.chains.solana]\nenabled = true\n",
        ["devnet.chains.solana", "unknown chain", "polygon"],
    ),
    "unknown dex": (
        '[chains.polygon]\nrpc_http = "https://polygon.example"\ndexes = ["quickswap", "foo"]\n',
        ["chains.polygon.dexes[1]", 'unknown DEX "foo" on polygon', "quickswap, sushiswap"],
    ),
    "no dexes": (
        '[chains.bnb]\nrpc_http = "https://bnb.example"\ndexes = []\n',
        ["chains.bnb.dexes", "non-empty list of DEX names"],
    ),
    "missing rpc url": ("[chains.optimism]\n", ["chains.optimism.rpc_http", "missing", "https://"]),
    "bad rpc url": (
        '[chains.optimism]\nrpc_http = "ftp://x"\n',
        ["chains.optimism.rpc_http", "http:// or https:// URL", '"ftp://x"'],
    ),
    "bad ws url": (
        '[chains.optimism]\nrpc_http = "http://x"\nrpc_ws = "http://y"\n',
        ["chains.optimism.rpc_ws", "ws:// or wss:// URL"],
    ),
    "probability above one": (
        "[market]\nwhale_probability = 1.5\n",
        ["market.whale_probability", "from 0 to 1", "1.5"],
    ),
    "too many traders": ("[market]\ntraders = 9\n", ["market.traders", "from 1 to 8", "got 9"]),
    "not a number": ("[market]\nvolatility_bps = nan\n", ["market.volatility_bps", ">= 0"]),
    "int for bool": ("[devnet]\ncache = 1\n", ["devnet.cache", "true or false", "got 1"]),
    "bad log level": ('[log]\nlevel = "loud"\n', ["log.level", '"DEBUG"', '"loud"']),
    "value for a table": ("market = 5\n", ["market", "expected a table", "got 5"]),
    "empty host": ('[devnet]\nhost = ""\n', ["devnet.host", "IP address or host name"]),
    "the old global tip": (
        "[bot]\npriority_fee_gwei = 3.0\n",
        ["bot.priority_fee_gwei", "removed", "[fees.<chain>] tip_min_gwei"],
    ),
    "tip bounds crossed": (
        "[fees.polygon]\ntip_min_gwei = 40\ntip_max_gwei = 30\n",
        ["fees.polygon", "minimum 40 gwei is above its maximum 30 gwei"],
    ),
    "a minimum above the chain's maximum": (
        "[fees.arbitrum]\ntip_min_gwei = 1\n",
        ["fees.arbitrum", "minimum 1 gwei is above its maximum 0 gwei"],
    ),
    "fees of an unknown chain": (
        "[fees.solana]\ntip_blocks = 5\n",
        ["fees.solana", "unknown chain"],
    ),
    "too many fee history blocks": (
        "[fees.ethereum]\ntip_blocks = 2000\n",
        ["fees.ethereum.tip_blocks", "from 1 to 1024"],
    ),
    "unknown remote pre-check policy": (
        '[execute]\nremote_precheck = "sometimes"\n',
        ["execute.remote_precheck", '"unproven", "always", "never"', '"sometimes"'],
    ),
    "audit rate above one": (
        "[execute]\nprecheck_audit_rate = 2\n",
        ["execute.precheck_audit_rate", "a fraction from 0 to 1", "got 2"],
    ),
    "negative deadline blocks": (
        "[execute]\ndeadline_blocks = -1\n",
        ["execute.deadline_blocks", "blocks from 0 to 256", "got -1"],
    ),
}


def test_the_execute_table_sets_the_precheck_policy(tmp_path: Path) -> None:
    assert Settings().execute.remote_precheck == "unproven"
    assert Settings().execute.precheck_audit_rate == 0.05
    text = '[execute]\nremote_precheck = "never"\nprecheck_audit_rate = 0.25\n'
    settings = load_settings(write(tmp_path, text))
    assert settings.execute.remote_precheck == "never"
    assert settings.execute.precheck_audit_rate == 0.25


def test_the_execute_table_sets_the_plans_deadline_allowance(tmp_path: Path) -> None:
    assert Settings().execute.deadline_blocks == 2
    settings = load_settings(write(tmp_path, "[execute]\ndeadline_blocks = 0\n"))
    assert settings.execute.deadline_blocks == 0


@pytest.mark.parametrize(("text", "expected"), BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
def test_a_bad_config_names_file_key_value_and_expectation(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    message = error_for(tmp_path, text)
    assert message.count("\n") == 0, message
    assert message.startswith(f"{tmp_path / 'omniarb.toml'}: ")
    for part in expected:
        assert part in message


def test_fee_tables_override_a_chains_tip_policy(tmp_path: Path) -> None:
    text = "[fees.polygon]\ntip_min_gwei = 30\ntip_blocks = 20\ntip_percentile = 60\n"
    settings = load_settings(write(tmp_path, text))
    polygon = next(c for c in CHAINS if c.name == "polygon")
    ethereum = next(c for c in CHAINS if c.name == "ethereum")
    policy = settings.tip_policy(polygon)
    assert (policy.bounds.min_wei, policy.bounds.max_wei) == (30 * 10**9, polygon.tips.max_wei)
    assert (policy.blocks, policy.percentile) == (20, 60.0)
    assert settings.tip_policy(ethereum).bounds == ethereum.tips


def test_each_problem_is_one_line(tmp_path: Path) -> None:
    text = '[market]\nseed = -1\ntraders = 0\n[devnet.chains.bnb]\nblock_time_s = "fast"\n'
    lines = error_for(tmp_path, text).splitlines()
    assert len(lines) == 3
    assert {line.split(": ")[1] for line in lines} == {
        "market.seed",
        "market.traders",
        "devnet.chains.bnb.block_time_s",
    }


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match=r"nope\.toml: cannot read the config file: no such file"):
        load_settings(path)


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory, expected a TOML file"):
        load_settings(tmp_path)


def test_no_permission(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Simulated: tests may run as root, who can read any file.
    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    path = write(tmp_path, "")
    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(
        ConfigError, match=r"omniarb\.toml: cannot read the config file: permission"
    ):
        load_settings(path)


def test_invalid_toml_gives_the_line(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[market]\nseed = \n")
    assert "invalid TOML" in message
    assert "line 2" in message


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[devnet]\nhost = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_settings(path)


@pytest.mark.parametrize(
    ("text", "path", "variable"),
    [
        ('private_key = "0xfeedfacecafe"\n', "private_key", "OMNIARB_PRIVATE_KEY"),
        (
            '[devnet]\ndb_url = "postgresql://u:feedfacecafe@h/db"\n',
            "devnet.db_url",
            "OMNIARB_DB_URL",
        ),
        (
            '[chains.polygon]\nrpc_http = "https://p.example"\napi_token = "feedfacecafe"\n',
            "chains.polygon.api_token",
            "OMNIARB_API_TOKEN",
        ),
        ('[log]\npassword = "feedfacecafe"\n', "log.password", "OMNIARB_DB_URL"),
    ],
)
def test_secrets_in_the_file_are_refused_without_showing_them(
    tmp_path: Path, text: str, path: str, variable: str
) -> None:
    message = error_for(tmp_path, text)
    assert f"{path}: secrets are never read from the config file" in message
    assert variable in message
    assert "feedfacecafe" not in message


def test_no_secrets_in_the_environment() -> None:
    secrets = load_secrets({})
    assert secrets.to_public_dict() == {
        "private_key": None,
        "api_token": None,
        "db_url": None,
        "slack_webhook_url": None,
        "telegram_bot_token": None,
        "telegram_chat_id": None,
        "relay_key": None,
        "keystore_passphrase": None,
    }


def test_secrets_from_the_environment_are_masked() -> None:
    secrets = load_secrets(
        {
            "OMNIARB_PRIVATE_KEY": VALID_KEY.removeprefix("0x").upper() + "\n",
            "OMNIARB_API_TOKEN": "tok-feedfacecafe",
            "OMNIARB_DB_URL": "",
        }
    )
    assert secrets.to_public_dict() == {
        "private_key": "***",
        "api_token": "***",
        "db_url": None,
        "slack_webhook_url": None,
        "telegram_bot_token": None,
        "telegram_chat_id": None,
        "relay_key": None,
        "keystore_passphrase": None,
    }
    for shown in (str(secrets), repr(secrets), secrets.model_dump_json()):
        assert "feedfacecafe" not in shown
        assert "abab" not in shown.lower()
    assert secrets.private_key is not None
    assert secrets.private_key.get_secret_value() == VALID_KEY
    assert secrets.api_token is not None
    assert secrets.api_token.get_secret_value() == "tok-feedfacecafe"


@pytest.mark.parametrize(
    "value",
    [
        "0x" + "ab" * 31,  # 31 bytes
        "ab" * 33,  # 33 bytes
        "0x" + "zz" * 32,  # not hex
        "0x" + "00" * 32,  # zero
        "f" * 64,  # above the curve order
    ],
    ids=["short", "long", "not-hex", "zero", "above-order"],
)
def test_a_bad_private_key_is_named_but_never_shown(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_secrets({"OMNIARB_PRIVATE_KEY": value})
    message = str(caught.value)
    assert "OMNIARB_PRIVATE_KEY" in message
    assert value not in message
    assert value.removeprefix("0x")[:8] not in message


def test_the_api_s_view_of_the_settings_cuts_urls_to_their_endpoints() -> None:
    """An RPC URL's path (a provider's API key), a webhook's token and URL credentials stay
    out of `/config`; bare endpoints and Redis's database number stay as they are."""
    settings = Settings.model_validate(
        {
            "chains": {
                "polygon": {
                    "rpc_http": ["https://polygon.example/v2/PROVIDERKEY", "https://b.example"],
                    "rpc_ws": "wss://polygon.example/ws?key=PROVIDERKEY",
                    "dexes": ["quickswap"],
                }
            },
            "monitor": {
                "alerts": {"webhook_url": "https://hooks.example/T000/PROVIDERKEY"},
                "influx": {"url": "http://user:PROVIDERKEY@influx.example:8086"},
            },
        }
    )
    masked = settings.to_public_dict(mask_urls=True)
    assert "PROVIDERKEY" not in json.dumps(masked)
    assert masked["chains"]["polygon"]["rpc_http"] == [
        "https://polygon.example/***",
        "https://b.example",
    ]
    assert masked["monitor"]["influx"]["url"] == "http://influx.example:8086/***"
    assert masked["redis"]["url"] == "redis://127.0.0.1:6379/0"
    assert "PROVIDERKEY" in json.dumps(settings.to_public_dict())
