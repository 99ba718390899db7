"""`omniarb doctor` on this machine (set up by `make setup`), and with each kind of failure."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from omniarb.cli._checks import CHECK_NAMES
from omniarb.devnet.record import DevnetRecord, write_record

RunCli = Callable[..., subprocess.CompletedProcess[str]]  # the `run_cli` fixture


def doctor_json(run_cli: RunCli, *args: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    done = run_cli(*args, "doctor", "--json", **kwargs)
    assert "Traceback" not in done.stderr
    return done.returncode, json.loads(done.stdout)


def by_name(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {check["name"]: check for check in report["checks"]}


def test_this_machine_is_ready(run_cli: RunCli) -> None:
    code, report = doctor_json(run_cli)
    assert report["ok"] is True, report
    assert code == 0
    assert [check["name"] for check in report["checks"]] == list(CHECK_NAMES)
    for check in report["checks"]:
        assert set(check) == {"name", "ok", "detail", "fix"}
        assert check["ok"] is True
        assert check["fix"] is None
    checks = by_name(report)
    assert checks["config"]["detail"] == "built-in defaults (no --config)"
    assert checks["devnet"]["detail"].startswith("not running")


def test_the_table_form(run_cli: RunCli) -> None:
    done = run_cli("doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "all checks passed" in done.stdout
    for name in CHECK_NAMES:
        assert name in done.stdout


def test_a_bogus_anvil_path_fails_with_a_fix(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "omniarb.toml"
    config.write_text(f'[devnet]\nanvil_path = "{tmp_path / "no-anvil"}"\n')
    code, report = doctor_json(run_cli, "--config", str(config))
    assert code == 1
    assert report["ok"] is False
    checks = by_name(report)
    assert checks["anvil"]["ok"] is False
    assert "no-anvil" in checks["anvil"]["detail"]
    assert "devnet.anvil_path" in checks["anvil"]["fix"]
    assert str(config) in checks["anvil"]["fix"]
    assert checks["config"] == {
        "name": "config",
        "ok": True,
        "detail": f"loaded {config}",
        "fix": None,
    }
    assert [name for name, check in checks.items() if not check["ok"]] == ["anvil"]


def test_a_host_that_is_not_ours_fails_the_port_check(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "omniarb.toml"
    config.write_text('[devnet]\nhost = "192.0.2.1"\n')  # TEST-NET-1: never a local address
    code, report = doctor_json(run_cli, "--config", str(config))
    assert code == 1
    ports = by_name(report)["ports"]
    assert ports["ok"] is False
    assert "192.0.2.1" in ports["detail"]
    assert "devnet.host" in ports["fix"]


def test_a_bad_private_key_fails_without_showing_it(run_cli: RunCli) -> None:
    code, report = doctor_json(run_cli, env={"OMNIARB_PRIVATE_KEY": "0xfeedfacecafe"})
    assert code == 1
    secrets = by_name(report)["secrets"]
    assert secrets["ok"] is False
    assert "OMNIARB_PRIVATE_KEY" in secrets["detail"]
    assert secrets["fix"]
    assert "feedfacecafe" not in json.dumps(report)


def test_a_bad_config_exits_4_before_any_check(run_cli: RunCli, tmp_path: Path) -> None:
    config = tmp_path / "omniarb.toml"
    config.write_text("[market]\ntraders = 0\n")
    done = run_cli("--config", str(config), "doctor", "--json")
    assert done.returncode == 4
    assert done.stdout == ""
    assert done.stderr.startswith("error: ")
    assert "market.traders" in done.stderr


class _ChainIdHandler(BaseHTTPRequestHandler):
    """Answers every JSON-RPC request with Polygon's chain id, 137."""

    def do_POST(self) -> None:
        request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        body = json.dumps({"jsonrpc": "2.0", "id": request["id"], "result": "0x89"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: an access log would only clutter the test output."""


@pytest.fixture
def polygon_node() -> Iterator[str]:
    """The URL of a JSON-RPC server that says it is Polygon."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChainIdHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def refused_url() -> Iterator[str]:
    """A URL whose port is bound but not listening, so connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def record_devnet(home: str, rpc_http: dict[str, str]) -> None:
    # Our own pid: the record must name a live process to count as running.
    record = DevnetRecord(pid=os.getpid(), manifest="", started_at=time.time(), rpc_http=rpc_http)
    write_record(record, Path(home))


def test_a_running_devnet_that_answers(
    run_cli: RunCli, cli_env: dict[str, str], polygon_node: str
) -> None:
    record_devnet(cli_env["OMNIARB_HOME"], {"polygon": polygon_node})
    code, report = doctor_json(run_cli)
    devnet = by_name(report)["devnet"]
    assert devnet["ok"] is True, devnet
    assert devnet["detail"] == f"running (pid {os.getpid()}), answering: polygon"
    assert code == 0


def test_a_running_devnet_that_does_not_answer(
    run_cli: RunCli, cli_env: dict[str, str], polygon_node: str, refused_url: str
) -> None:
    rpc_http = {"polygon": polygon_node, "bnb": refused_url, "ethereum": polygon_node}
    record_devnet(cli_env["OMNIARB_HOME"], rpc_http)
    code, report = doctor_json(run_cli)
    assert code == 1
    devnet = by_name(report)["devnet"]
    assert devnet["ok"] is False
    assert f"bnb at {refused_url}" in devnet["detail"]
    assert "ethereum" in devnet["detail"]
    assert "chain id 137, expected 1" in devnet["detail"]
    assert "polygon at" not in devnet["detail"]
    assert "omniarb devnet up --detach" in devnet["fix"]
