"""`omniarb treasury status|sweep` on a running devnet (found through its record, as a user's
shell finds it): the Safe's owners and threshold, the executor's balances against the floats
of the config file; a dry run sends nothing; a sweep leaves exactly the float and is audited.
On a described network without a key backend, a sweep is refused with a clear error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _custody_setup import CHAIN, balance_of, mint, safe_owned_executor

from omniarb.chains.rpc import RpcClient
from omniarb.custody.safe_owner import read_safe
from omniarb.custody.treasury import SWEEP_ACTION
from omniarb.devnet.accounts import SAFE_OWNER_INDICES, SAFE_RELAYER_INDEX, dev_account
from omniarb.devnet.supervise import published
from omniarb.keys.keystore import KeystoreBackend
from omniarb.network import write_executor
from omniarb.store import HistoryDatabase

pytestmark = pytest.mark.integration

_USDC_HELD = 5_000_000_001  # 5,000.000001 USDC, one unit of it seeded by DevnetAccess
_CONFIG = "[treasury]\nfloats = { USDC = 1200.25, WETH = 0.0 }\n"


def treasury(
    home: Path, db: Path, config: Path, *args: str | Path
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "OMNIARB_HOME": str(home), "OMNIARB_DB_URL": f"sqlite:///{db}"}
    return subprocess.run(
        [sys.executable, "-m", "omniarb", "--config", str(config), "treasury", *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def test_status_and_sweep_on_the_running_devnet(devnet_factory: Any, tmp_path: Path) -> None:
    home, db, config = tmp_path / "home", tmp_path / "audit.db", tmp_path / "treasury.toml"
    config.write_text(_CONFIG)
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            owned = await safe_owned_executor(net.manifest_path, chain, rpc)
            usdc = chain.token("USDC").address
            await mint(rpc, usdc, owned.executor, _USDC_HELD - 1)
            with published(net, home):
                status = treasury(home, db, config, "status", "--json")
                assert status.returncode == 0, status.stderr
                [entry] = json.loads(status.stdout)
                assert entry["chain"] == CHAIN
                assert entry["executor"] == owned.executor
                assert entry["safe"]["address"] == owned.safe
                assert entry["safe"]["threshold"] == 2
                owners = [dev_account(i).address for i in SAFE_OWNER_INDICES]
                assert sorted(entry["safe"]["owners"]) == sorted(owners)
                usdc_line = next(h for h in entry["holdings"] if h["symbol"] == "USDC")
                assert usdc_line == {
                    "symbol": "USDC",
                    "token": usdc,
                    "balance": str(_USDC_HELD),
                    "float": "1200250000",
                    "excess": str(_USDC_HELD - 1_200_250_000),
                    "tx_hash": None,
                }
                nonce = (await read_safe(rpc, owned.safe))[2]
                text_status = treasury(home, db, config, "status", "--chain", CHAIN)
                assert text_status.returncode == 0, text_status.stderr
                assert f"Safe {owned.safe} (2 of 3:" in text_status.stdout
                usdc_row = next(r for r in text_status.stdout.splitlines() if " USDC " in r)
                cells = [cell.strip() for cell in usdc_row.split("│")[1:5]]
                assert cells == ["USDC", "5000.000001", "1200.25", "3799.750001"], usdc_row

                dry = treasury(home, db, config, "sweep", "--dry-run", "--chain", CHAIN, "--json")
                assert dry.returncode == 0, dry.stderr
                [planned] = json.loads(dry.stdout)
                assert planned["dry_run"] is True
                assert all(h["tx_hash"] is None for h in planned["holdings"])
                assert (await read_safe(rpc, owned.safe))[2] == nonce
                assert await balance_of(rpc, usdc, owned.executor) == _USDC_HELD

                text = treasury(home, db, config, "sweep")
                assert text.returncode == 0, text.stderr
                assert f"{CHAIN}: swept 3799.750001 USDC to {owned.safe}" in text.stdout
                assert await balance_of(rpc, usdc, owned.executor) == 1_200_250_000
                assert await balance_of(rpc, usdc, owned.safe) == _USDC_HELD - 1_200_250_000
                # WETH holds one seeded unit: at its float of one base unit, nothing moves.
                assert (await read_safe(rpc, owned.safe))[2] == nonce + 1

            database = HistoryDatabase.open(f"sqlite:///{db}")
            try:
                [row] = database.audit(action=SWEEP_ACTION)
            finally:
                database.dispose()
            assert row.actor == "cli"
            assert row.details["symbol"] == "USDC"
            assert row.details["amount"] == str(_USDC_HELD - 1_200_250_000)


def _keystore_config(keys: Path, owners: list[int]) -> str:
    """[keys] on a keystore at `keys`; [treasury] owners by devnet account index, relayed by
    the relayer account (whose key the keystore also holds)."""
    listed = ", ".join(f'"{dev_account(i).address}"' for i in owners)
    return (
        f'[keys]\nbackend = "keystore"\nkeystore_dir = "{keys}"\nscrypt_n = 4096\n'
        + _CONFIG
        + f'owners = [{listed}]\nrelayer = "{dev_account(SAFE_RELAYER_INDEX).address}"\n'
    )


async def test_a_described_network_sweep_signs_with_owner_keys_from_the_keystore(
    devnet_factory: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two of the Safe's three owner keys in the keystore sweep; with only one listed the sweep
    is refused before anything is sent (the Safe needs two signatures); without any listed it
    names the settings it needs. --dry-run reads without keys."""
    home, db, config = tmp_path / "home", tmp_path / "audit.db", tmp_path / "treasury.toml"
    keys = tmp_path / "keys"
    monkeypatch.setenv("OMNIARB_KEYSTORE_PASSPHRASE", "treasury test passphrase")
    store = KeystoreBackend(keys, lambda: "treasury test passphrase", scrypt_n=4096)
    for index in {*SAFE_OWNER_INDICES[:2], SAFE_RELAYER_INDEX}:
        store.import_key(dev_account(index).private_key, label=f"owner {index}")
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        network = tmp_path / "network.json"
        network.write_text(net.manifest_path.read_text())
        async with RpcClient(chain.rpc_http) as rpc:
            owned = await safe_owned_executor(net.manifest_path, chain, rpc)
            write_executor(network, chain=CHAIN, address=owned.executor)
            usdc = chain.token("USDC").address
            await mint(rpc, usdc, owned.executor, _USDC_HELD - 1)
            nonce = (await read_safe(rpc, owned.safe))[2]

            config.write_text(_CONFIG)
            unnamed = treasury(home, db, config, "sweep", "--manifest", network)
            assert unnamed.returncode == 4, unnamed.stderr
            assert "treasury.owners and treasury.relayer" in unnamed.stderr
            assert "Traceback" not in unnamed.stderr

            config.write_text(_keystore_config(keys, [SAFE_OWNER_INDICES[0]]))
            refused = treasury(home, db, config, "sweep", "--manifest", network)
            assert refused.returncode == 4, refused.stderr
            assert "needs 2 owner signatures; only 1" in refused.stderr
            assert "Traceback" not in refused.stderr
            assert (await read_safe(rpc, owned.safe))[2] == nonce
            assert await balance_of(rpc, usdc, owned.executor) == _USDC_HELD

            # Reading needs no keys.
            dry = treasury(home, db, config, "sweep", "--manifest", network, "--dry-run", "--json")
            assert dry.returncode == 0, dry.stderr
            [planned] = json.loads(dry.stdout)
            usdc_line = next(h for h in planned["holdings"] if h["symbol"] == "USDC")
            assert usdc_line["excess"] == str(_USDC_HELD - 1_200_250_000)
            assert await balance_of(rpc, usdc, owned.executor) == _USDC_HELD

            config.write_text(_keystore_config(keys, list(SAFE_OWNER_INDICES[:2])))
            swept = treasury(home, db, config, "sweep", "--manifest", network, "--json")
            assert swept.returncode == 0, swept.stderr
            assert await balance_of(rpc, usdc, owned.executor) == 1_200_250_000
            assert await balance_of(rpc, usdc, owned.safe) == _USDC_HELD - 1_200_250_000
            assert (await read_safe(rpc, owned.safe))[2] == nonce + 1
