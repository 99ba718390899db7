"""The devnet's record and manifest carry each chain's bundle relay URL (None when none runs),
and records and manifests written before the field existed still read."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from omniarb.devnet.record import DevnetRecord, read_record, write_record
from omniarb.network import ChainManifest, Manifest

RELAY = "http://127.0.0.1:18545"


def chain(name: str, chain_id: int, relay_url: str | None) -> ChainManifest:
    return ChainManifest(
        chain_id=chain_id,
        name=name,
        rpc_http="http://127.0.0.1:8545",
        rpc_ws="ws://127.0.0.1:8545",
        tokens=(),
        dexes=(),
        pools=(),
        deployer="0x0000000000000000000000000000000000000001",
        traders=(),
        relay_url=relay_url,
    )


def test_the_manifest_round_trips_each_chains_relay(tmp_path: Path) -> None:
    manifest = Manifest(chains=(chain("ethereum", 1, RELAY), chain("polygon", 137, None)))
    path = tmp_path / "manifest.json"
    manifest.write(path)
    assert json.loads(path.read_text())["chains"][1]["relay_url"] is None
    read = Manifest.read(path)
    assert read == manifest
    assert read.chain("ethereum").relay_url == RELAY


def test_a_manifest_without_relay_urls_reads_as_none(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    data = json.loads(Manifest(chains=(chain("bnb", 56, RELAY),)).to_json())
    del data["chains"][0]["relay_url"]
    path.write_text(json.dumps(data))
    assert Manifest.read(path).chain("bnb").relay_url is None


def test_the_record_carries_the_relays_and_old_records_still_read(tmp_path: Path) -> None:
    record = DevnetRecord(
        pid=os.getpid(),
        manifest="m.json",
        started_at=time.time(),
        rpc_http={"ethereum": "http://127.0.0.1:8545"},
        relay_url={"ethereum": RELAY},
    )
    path = write_record(record, tmp_path)
    assert read_record(tmp_path) == record
    data = json.loads(path.read_text())
    del data["relay_url"]
    path.write_text(json.dumps(data))
    old = read_record(tmp_path)
    assert old is not None
    assert old.relay_url == {}
