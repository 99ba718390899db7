"""The `[rpc]` table and several HTTP and WebSocket endpoints per network: parsed, checked, and
turned into the client and the collector the bot runs on."""

from __future__ import annotations

from pathlib import Path

import pytest

from omniarb.bot import rpc_client
from omniarb.chain_events import LogFilter
from omniarb.cli.run_cmd import with_endpoints
from omniarb.config import Settings, load_settings
from omniarb.errors import ConfigError
from omniarb.network import ChainManifest, Manifest
from omniarb.wiring import head_collector


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "omniarb.toml"
    path.write_text(text)
    return path


def chain(name: str = "polygon", chain_id: int = 137) -> ChainManifest:
    return ChainManifest(
        chain_id=chain_id,
        name=name,
        rpc_http="http://127.0.0.1:1",
        rpc_ws="ws://127.0.0.1:1",
        tokens=(),
        dexes=(),
        pools=(),
        deployer="",
        traders=(),
    )


def test_one_url_still_works_and_a_list_gives_the_failover_order(tmp_path: Path) -> None:
    one = load_settings(write(tmp_path, '[chains.polygon]\nrpc_http = "https://a.example"\n'))
    assert one.chains["polygon"].rpc_urls == ("https://a.example",)
    text = '[chains.polygon]\nrpc_http = ["https://a.example/KEY", "http://b.example:8545"]\n'
    several = load_settings(write(tmp_path, text))
    assert several.chains["polygon"].rpc_urls == ("https://a.example/KEY", "http://b.example:8545")


def test_the_rpc_table_becomes_the_client_policy(tmp_path: Path) -> None:
    text = """
[rpc]
timeout_s = 5
max_attempts = 4
backoff_initial_s = 0.1
backoff_max_s = 2
rate_limit_per_s = 25
rate_limit_burst = 10
max_lag_blocks = 2
head_check_interval_s = 0.5
"""
    settings = load_settings(write(tmp_path, text))
    policy = settings.rpc.policy()
    assert policy.retry.max_attempts == 4
    assert (policy.retry.backoff.initial_s, policy.retry.backoff.max_s) == (0.1, 2.0)
    assert (policy.rate_limit_per_s, policy.rate_limit_burst) == (25.0, 10)
    assert (policy.failover.max_lag_blocks, policy.failover.head_check_interval_s) == (2, 0.5)
    # The default: no rate limit (a local node, or a provider whose quota is not known).
    assert Settings().rpc.policy().rate_limit_per_s is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[chains.polygon]\nrpc_http = []\n", ["chains.polygon.rpc_http", "non-empty list"]),
        (
            '[chains.polygon]\nrpc_http = ["https://a.example", "ftp://b"]\n',
            ["chains.polygon.rpc_http", "http:// or https:// URL"],
        ),
        (
            "[rpc]\nbackoff_initial_s = 2.0\nbackoff_max_s = 1.0\n",
            ["rpc.backoff_max_s", "must be >= rpc.backoff_initial_s (2), got 1"],
        ),
        ("[rpc]\nmax_attempts = 0\n", ["rpc.max_attempts", "from 1 to 100", "got 0"]),
        ("[rpc]\nrate_limit_per_s = -1\n", ["rpc.rate_limit_per_s", ">= 0"]),
        ("[rpc]\nretries = 3\n", ["rpc.retries"]),
        (
            '[chains.polygon]\nrpc_http = "https://a.example"\nrpc_ws = []\n',
            ["chains.polygon.rpc_ws", "non-empty list"],
        ),
        (
            '[chains.polygon]\nrpc_http = "https://a.example"\nrpc_ws = ["wss://a", "https://b"]\n',
            ["chains.polygon.rpc_ws", "ws:// or wss:// URL"],
        ),
    ],
    ids=[
        "empty-list",
        "bad-url-in-list",
        "backoff-order",
        "no-attempts",
        "negative-rate",
        "typo",
        "empty-ws-list",
        "http-in-ws-list",
    ],
)
def test_a_bad_rpc_setting_is_named(tmp_path: Path, text: str, expected: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, text))
    for part in expected:
        assert part in str(caught.value)


def test_the_bot_connects_to_every_configured_endpoint(tmp_path: Path) -> None:
    text = """
[rpc]
max_attempts = 5
timeout_s = 7
[chains.polygon]
rpc_http = ["https://a.example/KEY", "http://b.example:8545"]
"""
    settings = load_settings(write(tmp_path, text))
    manifest = with_endpoints(Manifest(chains=(chain(), chain("bnb", 56))), settings.chains)
    polygon, bnb = manifest.chains
    assert polygon.rpc_http == "https://a.example/KEY"
    client = rpc_client(polygon, settings)
    assert client.urls == ("https://a.example/KEY", "http://b.example:8545")
    assert client.policy.retry.max_attempts == 5
    # Health is reported by scheme, host and port: the key in the path stays out of it.
    assert [h.endpoint for h in client.health()] == ["https://a.example", "http://b.example:8545"]
    # A chain without a table keeps the manifest's one URL.
    assert rpc_client(bnb, settings).urls == (bnb.rpc_http,)


def test_the_collector_subscribes_on_every_configured_websocket(tmp_path: Path) -> None:
    text = """
[rpc]
max_lag_blocks = 5
head_check_interval_s = 0.5
[chains.polygon]
rpc_http = "https://a.example"
rpc_ws = ["wss://a.example/KEY", "ws://b.example:8546"]
[chains.bnb]
rpc_http = "https://c.example"
rpc_ws = "wss://c.example"
"""
    settings = load_settings(write(tmp_path, text))
    assert settings.chains["bnb"].ws_urls == ("wss://c.example",)
    manifest = with_endpoints(
        Manifest(chains=(chain(), chain("bnb", 56), chain("base", 8453))), settings.chains
    )
    polygon, bnb, base = manifest.chains
    # The manifest keeps one URL per chain (its format is unchanged): the first one.
    assert (polygon.rpc_ws, bnb.rpc_ws) == ("wss://a.example/KEY", "wss://c.example")
    filters = (LogFilter(topics=(("0x" + "11" * 32,),)),)
    subscriptions = head_collector(polygon, settings, filters).subscriptions
    assert tuple(subscriptions.urls) == ("wss://a.example/KEY", "ws://b.example:8546")
    assert subscriptions.policy.failover.max_lag_blocks == 5
    assert subscriptions.policy.failover.head_check_interval_s == 0.5
    # Health is reported by scheme, host and port, in order of preference.
    health = subscriptions.health()
    assert [h.endpoint for h in health] == ["wss://a.example", "ws://b.example:8546"]
    assert all(h.score == 1.0 and not h.stale and not h.cooling_down for h in health)
    # A chain without a table keeps the manifest's one URL.
    assert tuple(head_collector(base, settings, filters).subscriptions.urls) == (base.rpc_ws,)


def test_sends_are_hedged_over_several_endpoints_unless_the_chain_says_not(
    tmp_path: Path,
) -> None:
    several = '[chains.polygon]\nrpc_http = ["https://a.example", "http://b.example:8545"]\n'
    settings = load_settings(write(tmp_path, several))
    manifest = with_endpoints(Manifest(chains=(chain(), chain("bnb", 56))), settings.chains)
    polygon, bnb = manifest.chains
    hedged = rpc_client(polygon, settings)
    assert hedged.hedge is not None
    assert hedged.hedge.methods == frozenset({"eth_sendRawTransaction"})
    # One endpoint: nothing to hedge over, the stack is the one it always was.
    assert rpc_client(bnb, settings).hedge is None
    off = load_settings(write(tmp_path, several + "hedge_sends = false\n"))
    assert rpc_client(polygon, off).hedge is None
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, several + 'hedge_sends = "yes"\n'))
    assert "chains.polygon.hedge_sends" in str(caught.value)
