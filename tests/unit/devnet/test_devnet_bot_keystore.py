"""The devnet bot signs from a keystore of its run: anvil account 9's key, imported once under a
passphrase made for the run, both private to the user."""

from __future__ import annotations

import json
from pathlib import Path

from omniarb.devnet.accounts import BOT_INDEX, INVENTORY_INDEX, dev_account
from omniarb.devnet.bot_access import DevnetAccess
from omniarb.devnet.bot_keystore import bot_keystore
from omniarb.network import ChainManifest


def _chain(chain_id: int) -> ChainManifest:
    return ChainManifest.from_dict(
        {
            "chain_id": chain_id,
            "name": "polygon",
            "rpc_http": "http://127.0.0.1:9",
            "rpc_ws": "ws://127.0.0.1:9",
            "tokens": [],
            "dexes": [],
            "devnet": True,
        }
    )


def test_the_bot_key_is_imported_once_into_a_private_keystore(tmp_path: Path) -> None:
    bot = dev_account(BOT_INDEX)
    first = bot_keystore(tmp_path)
    again = bot_keystore(tmp_path)
    assert [k.address for k in again.list_keys()] == [bot.address]
    assert first.directory == tmp_path / "keystore"
    (key_file,) = first.directory.glob("*.json")
    passphrase = tmp_path / "keystore.passphrase"
    assert first.directory.stat().st_mode & 0o777 == 0o700
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert passphrase.stat().st_mode & 0o777 == 0o600
    assert len(passphrase.read_text().strip()) >= 32
    assert bot.private_key.hex() not in key_file.read_text()
    assert json.loads(key_file.read_text())["crypto"]["kdf"] == "scrypt"


def test_devnet_access_signs_as_the_bot_through_the_keystore(tmp_path: Path) -> None:
    manifest = tmp_path / "manifest.json"
    access = DevnetAccess(manifest)
    signers = [access.signer(_chain(chain_id)) for chain_id in (1, 137)]
    assert {s.address for s in signers} == {dev_account(BOT_INDEX).address}
    assert [s.chain_id for s in signers] == [1, 137]
    assert (tmp_path / "keystore").is_dir()
    # A second process of the run (a fresh access) unlocks the same file.
    assert DevnetAccess(manifest).signer(_chain(10)).address == dev_account(BOT_INDEX).address
    assert len(list((tmp_path / "keystore").glob("*.json"))) == 1


def test_the_inventory_signs_from_a_keystore_of_its_own(tmp_path: Path) -> None:
    access = DevnetAccess(tmp_path / "manifest.json")
    signer = access.inventory_signer(_chain(42161))
    assert signer.address == dev_account(INVENTORY_INDEX).address
    assert signer.chain_id == 42161
    assert access.signer(_chain(1)).address == dev_account(BOT_INDEX).address
    # The bot's keystore keeps the bot's key alone (its key rotation manages it).
    assert [k.address for k in bot_keystore(tmp_path).list_keys()] == [
        dev_account(BOT_INDEX).address
    ]
    assert len(list((tmp_path / "inventory-keystore").glob("*.json"))) == 1
    assert dev_account(INVENTORY_INDEX).private_key.hex() not in repr(signer)
