"""A whole demo run with known secrets leaks none of them: not to a log line (stdout, stderr, any
file the run writes), a row of the history, an API answer (every read route, error answers,
the WebSocket), or the Prometheus metrics.

The known secrets are every anvil dev key the devnet hands out (the bot signs with one, the
market's traders and the deployer with others), a private key, relay key, API token, keystore
passphrase and PKCS#11 PIN set in the environment. Searching for the passphrase and the PIN as
well as the keys keeps the test meaningful when the demo signs from a keystore or a token: a
key is searched for in hex with or without 0x and in any case, a text secret in any case.

The demo also runs with core dumps off: its limits are read from /proc while it trades."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import websockets
from _plans import ENGINE_TEST_DEADLINE_BLOCKS
from _waits import eventually

from omniarb.devnet.accounts import dev_account

pytestmark = pytest.mark.xdist_group("devnet-cli")

_CHAINS = ("ethereum", "bnb", "polygon", "arbitrum", "optimism")
_CONFIG = (
    "\n".join(f"[devnet.chains.{name}]\nblock_time_s = 0.4\n" for name in _CHAINS)
    + "[devnet.rivals]\ncount = 0\n[market]\nwhale_probability = 0.5\n"
    # A bot starved of CPU on the shared machine must not see its trades expire (`_plans`).
    + f"[execute]\ndeadline_blocks = {ENGINE_TEST_DEADLINE_BLOCKS}\n"
)
# Every account the devnet may derive: its funded accounts, the L1 price setter and the rivals
# (index 20 and up); far more than one run uses.
_DEV_INDICES = range(40)
_ENV_SECRETS = {
    "OMNIARB_PRIVATE_KEY": "0x" + "5eed1e55" * 8,
    "OMNIARB_RELAY_KEY": "0x" + "0ddba11c" * 8,
    "OMNIARB_API_TOKEN": "leak-test-api-token-Zq81xW",
    "OMNIARB_KEYSTORE_PASSPHRASE": "leak-test passphrase 7fA9!",
    # Not digits only: six digits turn up by chance in a history full of amounts.
    "OMNIARB_PKCS11_PIN": "pin-Qx7w-864209",
}
_TOKEN = _ENV_SECRETS["OMNIARB_API_TOKEN"]
_API_LINE = re.compile(r"API and dashboard: (http://\S+?)/?$")
_START_TIMEOUT_S = 150.0
_TRADE_TIMEOUT_S = 120.0


@dataclass(frozen=True, slots=True)
class Secret:
    """A secret and how to find it: hex keys by their digits (any case, 0x or not)."""

    label: str
    value: str

    @property
    def pattern(self) -> re.Pattern[bytes]:
        digits = self.value.removeprefix("0x")
        is_key = len(digits) == 64 and all(c in "0123456789abcdefABCDEF" for c in digits)
        text = digits if is_key else self.value
        return re.compile(re.escape(text.encode()), re.IGNORECASE)


def _secrets() -> list[Secret]:
    keys = [Secret(f"anvil key {i}", dev_account(i).private_key.hex()) for i in _DEV_INDICES]
    return keys + [Secret(name, value) for name, value in _ENV_SECRETS.items()]


def _hits(corpus: dict[str, bytes], secrets: list[Secret]) -> list[str]:
    """`where: which secret` for every secret found in a part of the corpus."""
    return [
        f"{where}: {secret.label}"
        for where, data in corpus.items()
        for secret in secrets
        if secret.pattern.search(data)
    ]


def test_the_search_finds_every_spelling() -> None:
    """The search itself: a key with or without 0x, in upper case, a text secret in any case."""
    secrets = _secrets()
    key = secrets[9].value
    samples = {
        "plain": f"k={key}".encode(),
        "0x upper": f"k=0x{key.upper()}".encode(),
        "token upper": _TOKEN.upper().encode(),
        "pin": b"the pin PIN-QX7W-864209 ok",
    }
    assert _hits(samples, secrets) == [
        "plain: anvil key 9",
        "0x upper: anvil key 9",
        "token upper: OMNIARB_API_TOKEN",
        "pin: OMNIARB_PKCS11_PIN",
    ]
    assert _hits({"hash": ("0x" + "ab" * 32).encode()}, secrets) == []


def _sqlite_dump(path: Path) -> bytes:
    """Every row of every table (and the schema) as text."""
    lines: list[str] = []
    with sqlite3.connect(path) as db:
        tables = [row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            lines += [f"{table}: {row!r}" for row in db.execute(f'SELECT * FROM "{table}"')]
        lines += [str(row) for row in db.execute("SELECT * FROM sqlite_master")]
    return "\n".join(lines).encode()


_CLUSTER_ONLY = frozenset({"/cluster/workers"})


def _files(home: Path) -> Iterator[tuple[str, bytes]]:
    """Every file the run wrote under its home (the shared deployment cache aside)."""
    for path in sorted(home.rglob("*")):
        if path.is_file() and not path.is_relative_to(home / "cache"):
            yield str(path.relative_to(home)), path.read_bytes()


def _core_limit(pid: int) -> list[str]:
    """The process's core-size limits (soft, hard) as the kernel reports them."""
    limits = Path(f"/proc/{pid}/limits").read_text().splitlines()
    return next(line for line in limits if line.startswith("Max core file size")).split()[4:6]


async def _read_api(url: str) -> dict[str, bytes]:
    """Every GET route of the API (from its OpenAPI), some error answers, and /ws messages."""
    answers: dict[str, bytes] = {}
    auth = {"Authorization": f"Bearer {_TOKEN}"}
    async with httpx.AsyncClient(base_url=url, headers=auth, timeout=30) as client:
        spec = (await client.get("/openapi.json")).json()
        get_routes = [path for path, ops in spec["paths"].items() if "get" in ops]
        assert {"/status", "/config", "/trades", "/metrics", "/pnl"} <= set(get_routes)
        for path in [*get_routes, "/openapi.json", "/"]:
            answer = await client.get(path)
            # The cluster's registry exists only when the roles run as separate processes
            # (`omniarb api`); one process answers 503 there, and its answer is checked too.
            expected = 503 if path in _CLUSTER_ONLY else 200
            assert answer.status_code == expected, (path, answer.text)
            answers[f"GET {path}"] = answer.content
        errors = {
            "no token": await client.get("/status", headers={"Authorization": "Bearer wrong"}),
            "bad query": await client.get("/trades", params={"chain": "NOT A CHAIN"}),
            "bad body": await client.post(
                "/breaker/trip", content=b"{not json", headers={"Content-Type": "application/json"}
            ),
            "unknown route": await client.get("/nowhere"),
        }
        assert [a.status_code for a in errors.values()] == [401, 422, 422, 404]
        answers |= {f"error: {name}": a.content for name, a in errors.items()}
    ws_url = url.replace("http://", "ws://") + "/ws"
    messages: list[bytes] = []
    async with websockets.connect(ws_url, additional_headers=auth) as ws:
        async with asyncio.timeout(30):
            while len(messages) < 20:
                message = await ws.recv()
                messages.append(message.encode() if isinstance(message, str) else message)
    answers["/ws messages"] = b"\n".join(messages)
    return answers


async def test_a_demo_run_leaks_no_secret(tmp_path: Path, omniarb_home: Path) -> None:
    home = tmp_path / "home"
    (home / "cache").mkdir(parents=True)
    (omniarb_home / "cache" / "devnet").mkdir(parents=True, exist_ok=True)
    (home / "cache" / "devnet").symlink_to(omniarb_home / "cache" / "devnet")
    config = tmp_path / "leak.toml"
    config.write_text(_CONFIG)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OMNIARB_")}
    env |= {"OMNIARB_HOME": str(home), **_ENV_SECRETS}
    stderr_path = tmp_path / "demo.err"
    stdout_lines: list[bytes] = []
    with stderr_path.open("wb") as stderr:
        demo = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "omniarb",
            "--config",
            str(config),
            "demo",
            "--blocks",
            "1000",  # a bound only: the test stops the demo with SIGTERM once it has read it
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    try:
        assert demo.stdout is not None
        async with asyncio.timeout(_START_TIMEOUT_S):
            while not (found := _API_LINE.search((line := await demo.stdout.readline()).decode())):
                stdout_lines.append(line)
                assert line, stderr_path.read_text()
        stdout_lines.append(line)
        api_url = found.group(1)

        async def follow() -> None:
            assert demo.stdout is not None
            while line := await demo.stdout.readline():
                stdout_lines.append(line)

        reader = asyncio.create_task(follow())
        assert _core_limit(demo.pid) == ["0", "0"]

        async def traded() -> bool:
            async with httpx.AsyncClient(headers={"Authorization": f"Bearer {_TOKEN}"}) as c:
                trades = (await c.get(f"{api_url}/trades")).json()
            return any(t["status"] == "succeeded" for t in trades)

        await eventually(traded, what="a succeeded trade", timeout_s=_TRADE_TIMEOUT_S, interval_s=1)
        answers = await _read_api(api_url)
        demo.send_signal(signal.SIGTERM)
        async with asyncio.timeout(120):
            await demo.wait()
            await reader
        assert demo.returncode == 0, stderr_path.read_text()
    finally:
        if demo.returncode is None:
            demo.kill()
            await demo.wait()

    history = _sqlite_dump(home / "history.sqlite")
    trades = json.loads(answers["GET /trades"])
    # The corpus is the real thing: the run's trades are in the history and the API answers.
    assert trades
    assert all(t["tx_hash"].encode() in history for t in trades if t.get("tx_hash"))
    assert b"omniarb_" in answers["GET /metrics"]
    corpus = {
        "stdout": b"".join(stdout_lines),
        "stderr": stderr_path.read_bytes(),
        "history rows": history,
        **{f"file {name}": data for name, data in _files(home)},
        **answers,
    }
    assert _hits(corpus, _secrets()) == []
