"""Debian's InfluxDB 1.x server for a test: free ports, a temporary data directory, stopped after.

Missing `influxd` is a failure, never a skip: the set-up installs it (`apt-get install influxdb`).
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from omniarb.devnet.anvil import free_port

_CONFIG = """\
reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"
[meta]
  dir = "{root}/meta"
[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  query-log-enabled = false
[http]
  bind-address = "127.0.0.1:{http_port}"
  log-enabled = false
[monitor]
  store-enabled = false
[continuous_queries]
  enabled = false
[subscriber]
  enabled = false
"""


def influxd_binary() -> str:
    path = shutil.which("influxd")
    if path is None:
        pytest.fail("influxd not found: install Debian's InfluxDB 1.x (apt-get install influxdb)")
    return path


def wait_until_up(url: str, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{url}/ping", timeout=1) as answer:
                if answer.status == 204:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"influxd did not answer /ping within {timeout_s} s")
        time.sleep(0.05)


@contextmanager
def influxd(root: Path, http_port: int | None = None) -> Iterator[str]:
    """A running influxd storing under `root`; yields its base URL."""
    binary = influxd_binary()
    http_port = http_port or free_port("127.0.0.1")
    config = root / "influxdb.conf"
    config.write_text(
        _CONFIG.format(root=root, http_port=http_port, rpc_port=free_port("127.0.0.1"))
    )
    log = (root / "influxd.log").open("wb")
    process = subprocess.Popen([binary, "run", "-config", str(config)], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{http_port}"
    try:
        wait_until_up(url)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
