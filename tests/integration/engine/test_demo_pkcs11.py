"""`omniarb demo --signer pkcs11`: the bot's key is generated inside a SoftHSM2 token under the
home (`$OMNIARB_HOME/softhsm`) and never leaves it; every trade of the run is signed by it
(the receipts' sender is the token's key, not a devnet account), the token's key is not
extractable, and the profits still reach the chain's Safe."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from _cli_helpers import kept_demo, private_home, write_config

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.accounts import BOT_INDEX, dev_account
from omniarb.devnet.bot_keys import DEVNET_TOKEN_LABEL
from omniarb.devnet.record import read_record
from omniarb.network import Manifest

pytestmark = pytest.mark.xdist_group("devnet-cli")

_BLOCKS = 12

# Run in a process of its own: SoftHSM2 reads its configuration once per process.
_TOKEN_KEYS = """
import json, os, sys
from pathlib import Path
from omniarb.keys.pkcs11 import Pkcs11Backend
from omniarb.keys.softhsm import dev_softhsm_token
dev = dev_softhsm_token(Path(sys.argv[1]), label=sys.argv[2])
os.environ.update(dev.token.environ())
import pkcs11
from pkcs11 import Attribute, ObjectClass
backend = Pkcs11Backend(dev.token.module_path, dev.token.label, dev.pin)
keys = [k.address for k in backend.list_keys() if not k.retired]
backend.close()  # one login per process: the backend's ends before ours
lib = pkcs11.lib(dev.token.module_path)
token = lib.get_token(token_label=dev.token.label)
with token.open(user_pin=dev.pin) as session:
    private = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}))
    flags = [(k[Attribute.EXTRACTABLE], k[Attribute.SENSITIVE]) for k in private]
print(json.dumps({"keys": keys, "flags": flags}))
"""


def _token_keys(home: Path) -> dict[str, list[object]]:
    done = subprocess.run(
        [sys.executable, "-c", _TOKEN_KEYS, str(home / "softhsm"), DEVNET_TOKEN_LABEL],
        env={k: v for k, v in os.environ.items() if k != "SOFTHSM2_CONF"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, list[object]] = json.loads(done.stdout)
    return answer


async def _senders(rpc_url: str, hashes: list[str]) -> set[str]:
    async with RpcClient(rpc_url) as rpc:
        txs = await rpc.batch([("eth_getTransactionByHash", [h]) for h in hashes])
    return {str(tx["from"]).lower() for tx in txs}


def test_demo_signs_every_trade_with_a_key_inside_the_token(
    tmp_path: Path, omniarb_home: Path
) -> None:
    home = private_home(tmp_path, omniarb_home)
    config = write_config(tmp_path / "fast.toml", block_times_s={"ethereum": 0.4})
    summary_path = tmp_path / "summary.json"
    with kept_demo(
        home,
        blocks=_BLOCKS,
        summary=summary_path,
        config=config,
        timeout_s=240,
        args=("--signer", "pkcs11"),
    ) as demo:
        summary = json.loads(summary_path.read_text())
        hashes = [t["tx_hash"] for t in summary["trades"] if t["status"] == "success"]
        assert hashes, summary["chains"]
        record = read_record(home)
        assert record is not None, "the kept devnet is not running"
        chain = Manifest.read(Path(record.manifest)).chain("ethereum")
        senders = asyncio.run(_senders(chain.rpc_http, hashes))
        token = _token_keys(home)
        [hsm_key] = token["keys"]
        assert senders == {str(hsm_key).lower()}
        assert dev_account(BOT_INDEX).address.lower() not in senders
        # Generated in the token: never extractable, always sensitive.
        assert token["flags"] == [[False, True]]
        assert "to Safe 0x" in demo.stdout
