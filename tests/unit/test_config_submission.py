"""`[submission.<chain>]` and `submission_for`: each chain's channel, relay, bribe share, bundle
blocks and mempool watching, and a clear error for each impossible combination."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from omniarb.chains.spec import CHAINS, SubmissionPolicy, chain_by_name
from omniarb.config import (
    Settings,
    Submission,
    load_secrets,
    load_settings,
    relay_reputation_key,
    submission_for,
)
from omniarb.errors import ConfigError
from omniarb.execute.relay_auth import RelayAuth
from omniarb.network import ChainManifest
from omniarb.types import SubmitChannel

RELAY = "http://127.0.0.1:18545"


def network(name: str, relay_url: str | None) -> ChainManifest:
    spec = chain_by_name(name)
    return ChainManifest(
        chain_id=spec.chain_id,
        name=name,
        rpc_http="http://127.0.0.1:8545",
        rpc_ws="ws://127.0.0.1:8545",
        tokens=(),
        dexes=(),
        pools=(),
        deployer="",
        traders=(),
        relay_url=relay_url,
    )


def settings_from(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "omniarb.toml"
    path.write_text(text)
    return load_settings(path)


def error_for(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as caught:
        settings_from(tmp_path, text)
    return str(caught.value)


def test_each_chain_has_its_policy() -> None:
    policies = {spec.name: spec.submission for spec in CHAINS}
    assert policies == {
        "ethereum": SubmissionPolicy.BUNDLE,
        "bnb": SubmissionPolicy.BUNDLE_OR_PUBLIC,
        "polygon": SubmissionPolicy.PUBLIC,
        "arbitrum": SubmissionPolicy.SEQUENCER,
        "optimism": SubmissionPolicy.SEQUENCER,
    }


def test_on_a_devnet_with_relays_the_bundle_chains_bundle() -> None:
    got = {
        spec.name: submission_for(spec, Settings(), network=network(spec.name, RELAY), devnet=True)
        for spec in CHAINS
    }
    assert got["ethereum"] == Submission(
        chain="ethereum",
        policy=SubmissionPolicy.BUNDLE,
        channel=SubmitChannel.BUNDLE,
        relay_url=RELAY,
        bribe_share_bps=5_000,
        target_blocks_ahead=2,
        watch_mempool=True,
    )
    assert got["bnb"].channel is SubmitChannel.BUNDLE
    assert got["bnb"].bribe_share_bps == 5_000
    # A relay in the description of a chain that takes no bundles is not used.
    assert got["polygon"].channel is SubmitChannel.PUBLIC
    assert got["polygon"].relay_url is None
    assert got["polygon"].bribe_share_bps == 0
    assert got["polygon"].watch_mempool
    for name in ("arbitrum", "optimism"):
        assert got[name].channel is SubmitChannel.SEQUENCER
        assert got[name].relay_url is None
        assert got[name].bribe_share_bps == 0
        assert not got[name].watch_mempool


def test_on_a_devnet_without_a_relay_bundles_fall_back_to_the_public_mempool() -> None:
    for name in ("ethereum", "bnb"):
        got = submission_for(
            chain_by_name(name), Settings(), network=network(name, None), devnet=True
        )
        assert got.channel is SubmitChannel.PUBLIC
        assert got.relay_url is None
        assert got.bribe_share_bps == 0


def test_a_described_network_needs_a_relay_for_ethereum() -> None:
    with pytest.raises(ConfigError) as caught:
        submission_for(chain_by_name("ethereum"), Settings(), network=network("ethereum", None))
    message = str(caught.value)
    assert "submission.ethereum.relay_url" in message
    assert "bundle" in message


def test_bnb_without_a_relay_uses_the_public_mempool_on_a_described_network() -> None:
    got = submission_for(chain_by_name("bnb"), Settings(), network=network("bnb", None))
    assert got.channel is SubmitChannel.PUBLIC


def test_the_table_overrides_the_description(tmp_path: Path) -> None:
    settings = settings_from(
        tmp_path,
        """
[submission.ethereum]
relay_url = "https://relay.example/"
bribe_share_bps = 9000
target_blocks_ahead = 5
watch_mempool = false
[submission.bnb]
bribe_share_bps = 1200
""",
    )
    eth = submission_for(chain_by_name("ethereum"), settings, network=network("ethereum", RELAY))
    assert eth.relay_url == "https://relay.example/"
    assert (eth.bribe_share_bps, eth.target_blocks_ahead, eth.watch_mempool) == (9000, 5, False)
    # An explicit share holds on the public fallback too.
    bnb = submission_for(chain_by_name("bnb"), settings, network=network("bnb", None))
    assert (bnb.channel, bnb.bribe_share_bps) == (SubmitChannel.PUBLIC, 1200)


@pytest.mark.parametrize(
    ("text", "path", "words"),
    [
        ("[submission.ethereum]\nbribe_share_bps = -1\n", "bribe_share_bps", "0 to 10000"),
        ("[submission.ethereum]\nbribe_share_bps = 10001\n", "bribe_share_bps", "0 to 10000"),
        ("[submission.ethereum]\ntarget_blocks_ahead = 0\n", "target_blocks_ahead", "1 to 25"),
        ("[submission.bnb]\ntarget_blocks_ahead = 26\n", "target_blocks_ahead", "1 to 25"),
        ('[submission.ethereum]\nrelay_url = "ftp://x"\n', "relay_url", "http"),
        ('[submission.polygon]\nrelay_url = "https://r.example"\n', "relay_url", "no bundles"),
        ("[submission.arbitrum]\nbribe_share_bps = 1\n", "bribe_share_bps", "first come"),
        ("[submission.optimism]\nwatch_mempool = true\n", "watch_mempool", "no public mempool"),
        ("[submission.ethereum]\nbribe = 1\n", "bribe", "unknown key"),
    ],
)
def test_impossible_tables_are_refused_with_their_key(
    tmp_path: Path, text: str, path: str, words: str
) -> None:
    message = error_for(tmp_path, text)
    chain = text.split(".")[1].split("]")[0]
    assert f"submission.{chain}.{path}" in message
    assert words in message


def test_an_unknown_chain_is_refused(tmp_path: Path) -> None:
    message = error_for(tmp_path, "[submission.solana]\nbribe_share_bps = 1\n")
    assert "submission.solana" in message
    assert "unknown chain" in message


def test_a_hand_built_impossible_table_is_refused_by_submission_for(tmp_path: Path) -> None:
    settings = settings_from(tmp_path, "[submission.ethereum]\nbribe_share_bps = 1\n")
    # Settings are frozen and validated; a copy bypassing validation is what a caller could make.
    bad = settings.model_copy(update={"submission": {"arbitrum": settings.submission["ethereum"]}})
    with pytest.raises(ConfigError, match=r"submission\.arbitrum\.bribe_share_bps"):
        submission_for(chain_by_name("arbitrum"), bad, devnet=True)


def test_a_submission_value_keeps_its_invariants() -> None:
    good = submission_for(chain_by_name("ethereum"), Settings(), network=network("ethereum", RELAY))
    with pytest.raises(ValueError, match="bps"):
        replace(good, bribe_share_bps=10_001)
    with pytest.raises(ValueError, match="relay URL"):
        replace(good, relay_url=None)


def test_the_relay_key_comes_from_the_environment_masked() -> None:
    secrets = load_secrets({"OMNIARB_RELAY_KEY": "0x" + "ef" * 32})
    assert secrets.to_public_dict()["relay_key"] == "***"
    assert "efef" not in repr(secrets) + secrets.model_dump_json()
    key = relay_reputation_key(secrets, devnet=False)
    assert key == bytes.fromhex("ef" * 32)


def test_a_bad_relay_key_is_named_but_never_shown() -> None:
    with pytest.raises(ConfigError) as caught:
        load_secrets({"OMNIARB_RELAY_KEY": "0xfeedfacecafe"})
    assert "OMNIARB_RELAY_KEY" in str(caught.value)
    assert "feedfacecafe" not in str(caught.value)


def test_without_a_relay_key_the_devnet_makes_a_fresh_one_per_run() -> None:
    secrets = load_secrets({})
    first = relay_reputation_key(secrets, devnet=True)
    second = relay_reputation_key(secrets, devnet=True)
    assert first != second
    assert RelayAuth(first).address != RelayAuth(second).address
    with pytest.raises(ConfigError, match="OMNIARB_RELAY_KEY is not set"):
        relay_reputation_key(secrets, devnet=False)
