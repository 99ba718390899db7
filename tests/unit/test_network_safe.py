"""The manifest's optional `safe`: a file without it (written before it existed, or a described
network without a Safe) still loads, and one with it round-trips."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from omniarb.network import ChainManifest, Manifest, SafeEntry

_CHAIN = {
    "chain_id": 1,
    "name": "ethereum",
    "rpc_http": "http://127.0.0.1:8545",
    "rpc_ws": "ws://127.0.0.1:8545",
    "tokens": [],
    "dexes": [],
}
_SAFE = SafeEntry(
    address="0x0000000000000000000000000000000000005afe",
    owners=(
        "0x0000000000000000000000000000000000000011",
        "0x0000000000000000000000000000000000000012",
    ),
    threshold=2,
    singleton="0x0000000000000000000000000000000000000001",
    proxy_factory="0x0000000000000000000000000000000000000002",
    fallback_handler="0x0000000000000000000000000000000000000003",
)


def test_a_manifest_without_a_safe_loads(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"chains": [_CHAIN]}))
    assert Manifest.read(path).chain("ethereum").safe is None
    assert ChainManifest.from_dict({**_CHAIN, "safe": None}).safe is None


def test_a_safe_round_trips(tmp_path: Path) -> None:
    chain = ChainManifest.from_dict(_CHAIN)
    path = tmp_path / "new.json"
    Manifest(chains=(replace(chain, safe=_SAFE),)).write(path)
    assert Manifest.read(path).chain("ethereum").safe == _SAFE
    # Only the address is required of a hand-written entry.
    minimal = ChainManifest.from_dict({**_CHAIN, "safe": {"address": _SAFE.address}})
    assert minimal.safe == SafeEntry(address=_SAFE.address, owners=(), threshold=0)
