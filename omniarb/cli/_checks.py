"""The checks behind `omniarb doctor`: is this machine ready to run the devnet and the bot?

Each check returns a `Check` with a one-line `detail` and, when it fails, a `fix` the user can act
on. Checks never raise: a failure to check is itself a failed check.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import CHAINS
from omniarb.config import SECRET_ENV_VARS, DevnetSettings, Settings, load_secrets
from omniarb.contracts import load_artifact
from omniarb.contracts.v2_forks import FORKS, fork_artifact
from omniarb.devnet.record import read_record
from omniarb.errors import OmniarbError
from omniarb.paths import build_dir, node_modules

__all__ = ["CHECK_NAMES", "Check", "run_checks"]

CHECK_NAMES = (
    "python",
    "node",
    "anvil",
    "solc",
    "contracts",
    "ports",
    "config",
    "secrets",
    "devnet",
)
MIN_NODE_MAJOR = 20
DEVNET_PORTS = 5  # one anvil per chain
RPC_TIMEOUT_S = 2.0
_TOOL_TIMEOUT_S = 15.0
_SETUP_FIX = "run `make setup` in the project root"


@dataclass(frozen=True, slots=True, kw_only=True)
class Check:
    """One doctor check: `fix` says what to do, and is None when the check passed."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _passed(name: str, detail: str) -> Check:
    return Check(name=name, ok=True, detail=detail)


def _failed(name: str, detail: str, fix: str) -> Check:
    return Check(name=name, ok=False, detail=detail, fix=fix)


def _first_line(argv: list[str]) -> str:
    """The first line a tool prints; OSError or SubprocessError when it cannot run or fails."""
    done = subprocess.run(argv, capture_output=True, text=True, timeout=_TOOL_TIMEOUT_S, check=True)
    lines = (done.stdout or done.stderr).strip().splitlines()
    return lines[0] if lines else ""


def _why(exc: Exception) -> str:
    if isinstance(exc, subprocess.CalledProcessError):
        said = (exc.stderr or exc.stdout or "").strip().splitlines()
        return f"exited with code {exc.returncode}" + (f": {said[0]}" if said else "")
    if isinstance(exc, subprocess.TimeoutExpired):
        return f"did not answer within {_TOOL_TIMEOUT_S:g} s"
    return str(exc)


def check_python() -> Check:
    version = ".".join(str(part) for part in sys.version_info[:3])
    if sys.version_info[:2] == (3, 11):
        return _passed("python", f"Python {version} ({sys.executable})")
    return _failed(
        "python", f"Python {version}; omni-arb needs 3.11", "install Python 3.11, then `make setup`"
    )


def check_node() -> Check:
    fix = f"install Node.js {MIN_NODE_MAJOR} or newer and put `node` on PATH"
    node = shutil.which("node")
    if node is None:
        return _failed("node", "`node` is not on PATH", fix)
    try:
        version = _first_line([node, "--version"])
        major = int(version.removeprefix("v").split(".")[0])
    except (OSError, subprocess.SubprocessError, ValueError) as exc:
        return _failed("node", f"{node} --version failed: {_why(exc)}", fix)
    if major < MIN_NODE_MAJOR:
        return _failed("node", f"Node.js {version} at {node} is older than {MIN_NODE_MAJOR}", fix)
    return _passed("node", f"Node.js {version} ({node})")


def check_anvil(devnet: DevnetSettings, config_path: Path | None) -> Check:
    path = devnet.anvil_binary()
    if devnet.anvil_path:
        where = config_path or "the config"
        fix = (
            f"set devnet.anvil_path in {where} to an anvil binary, "
            'or to "" to use the one `make setup` installs'
        )
    else:
        fix = _SETUP_FIX
    if not path.is_file():
        return _failed("anvil", f"no anvil at {path}", fix)
    try:
        version = _first_line([str(path), "--version"])
    except (OSError, subprocess.SubprocessError) as exc:
        return _failed("anvil", f"{path} --version failed: {_why(exc)}", fix)
    return _passed("anvil", f"{version} ({path})")


def check_solc() -> Check:
    package = node_modules() / "solc" / "package.json"
    try:
        version = json.loads(package.read_text())["version"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return _failed("solc", f"solc-js not readable at {package}: {exc}", _SETUP_FIX)
    return _passed("solc", f"solc-js {version} ({package.parent})")


def check_contracts() -> Check:
    directory = build_dir() / "contracts"
    try:
        artifact = load_artifact("DevToken", directory)
    except (OmniarbError, OSError, ValueError, KeyError) as exc:
        return _failed("contracts", f"compiled contracts missing in {directory}: {exc}", _SETUP_FIX)
    forks = build_dir() / "v2-forks"
    try:
        for fork in FORKS:
            for name in (fork.factory, fork.pair, fork.router):
                fork_artifact(name, forks)
    except (OmniarbError, OSError, ValueError, KeyError) as exc:
        return _failed("contracts", f"V2 fork contracts missing in {forks}: {exc}", _SETUP_FIX)
    count = len(list(directory.glob("*.json")))
    return _passed(
        "contracts",
        f"{count} compiled, {artifact.name} among them ({directory}); "
        f"{3 * len(FORKS)} V2 fork contracts ({forks})",
    )


def check_ports(host: str, count: int = DEVNET_PORTS) -> Check:
    """Whether the OS hands out `count` free TCP ports on `host` at once (bind to port 0)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM)[0]
        with ExitStack() as stack:
            ports = []
            for _ in range(count):
                sock = stack.enter_context(socket.socket(family, kind, proto))
                sock.bind(address)
                ports.append(sock.getsockname()[1])
    except OSError as exc:
        return _failed(
            "ports",
            f"cannot bind {count} TCP ports on {host}: {exc.strerror or exc}",
            "set devnet.host to an address of this machine (127.0.0.1 works everywhere), "
            "or free some ports",
        )
    return _passed("ports", f"{count} free TCP ports on {host}, e.g. {ports[0]}")


def check_config(config_path: Path | None) -> Check:
    # Reaching doctor means the settings loaded: main reports a bad config with exit code 4.
    source = f"loaded {config_path}" if config_path else "built-in defaults (no --config)"
    return _passed("config", source)


def check_secrets() -> Check:
    try:
        secrets = load_secrets().to_public_dict()
    except OmniarbError as exc:
        fix = "set the variable to 64 hex digits (0x optional) or unset it to use devnet accounts"
        return _failed("secrets", str(exc), fix)
    states = [f"{env} {'set' if secrets[f] else 'not set'}" for f, env in SECRET_ENV_VARS.items()]
    return _passed("secrets", ", ".join(states))


async def _chain_answers(name: str, url: str) -> str | None:
    """None when the node at `url` answers eth_chainId with `name`'s id, else what went wrong."""
    expected = next((c.chain_id for c in CHAINS if c.name == name), None)
    try:
        async with RpcClient(url, timeout_s=RPC_TIMEOUT_S) as rpc:
            chain_id = int(await rpc.call("eth_chainId"), 16)
    except (OmniarbError, ValueError, TypeError) as exc:
        return f"{name} at {url}: {exc}"
    if expected is not None and chain_id != expected:
        return f"{name} at {url} has chain id {chain_id}, expected {expected}"
    return None


async def check_devnet(home: Path | None = None) -> Check:
    """Whether every chain of the running devnet answers; a devnet that is not running is fine."""
    record = read_record(home)
    if record is None:
        return _passed("devnet", "not running (start it with `omniarb devnet up --detach`)")
    names = sorted(record.rpc_http)
    answers = await asyncio.gather(*(_chain_answers(n, record.rpc_http[n]) for n in names))
    problems = [answer for answer in answers if answer is not None]
    if problems:
        return _failed(
            "devnet",
            "; ".join(problems),
            "restart it: `omniarb devnet down`, then `omniarb devnet up --detach`",
        )
    return _passed("devnet", f"running (pid {record.pid}), answering: {', '.join(names)}")


def run_checks(settings: Settings, config_path: Path | None) -> list[Check]:
    """Every check, in `CHECK_NAMES` order."""
    return [
        check_python(),
        check_node(),
        check_anvil(settings.devnet, config_path),
        check_solc(),
        check_contracts(),
        check_ports(settings.devnet.host),
        check_config(config_path),
        check_secrets(),
        asyncio.run(check_devnet()),
    ]
