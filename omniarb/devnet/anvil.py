"""One anvil node as a child process that cannot outlive us.

The node gets `PR_SET_PDEATHSIG(SIGTERM)`, so even if the Python process is killed with SIGKILL
the kernel stops the node; and its own session, so a Ctrl-C in the terminal reaches only us and we
stop the nodes in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import socket
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from omniarb.chains.rpc import RpcClient
from omniarb.errors import DevnetError
from omniarb.paths import node_modules

__all__ = ["AnvilNode", "AnvilOptions", "anvil_binary", "free_port", "wait_pool_drained"]

log = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
_READY_TIMEOUT_S = 15.0


def anvil_binary(configured: str = "") -> Path:
    """The anvil executable: the configured path, else the pinned npm package's."""
    path = Path(configured) if configured else node_modules() / ".bin" / "anvil"
    if not path.exists():
        raise DevnetError(f"anvil not found at {path}; run `make setup` (npm ci)")
    return path


def free_port(host: str) -> int:
    """A TCP port the OS reports free on `host` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


async def wait_pool_drained(rpc: RpcClient, *, timeout_s: float = 2.0) -> None:
    """Wait until the node's transaction pool is empty.

    anvil takes a mined transaction out of its pool a moment after the receipt shows. An
    `evm_revert` before that leaves it in the pool, to be mined again: the sender's next
    transaction then gets the following nonce and runs on the state the re-mined one changed.
    """
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        status = await rpc.call("txpool_status")
        if int(status["pending"], 16) == 0 and int(status["queued"], 16) == 0:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise DevnetError("anvil's transaction pool does not drain")
        await asyncio.sleep(0.002)


def _die_with_parent() -> None:
    libc = ctypes.CDLL("libc.so.6", use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


@dataclass(frozen=True, slots=True, kw_only=True)
class AnvilOptions:
    """What a node is started with; `block_time_s=None` means automine (one block per tx);
    `extra_args` go to anvil after the others (the deployment node's, for one)."""

    chain_id: int
    host: str = "127.0.0.1"
    port: int = 0
    block_time_s: float | None = None
    load_state: Path | None = None
    accounts: int = 12
    balance_ether: int = 1_000_000_000
    binary: str = ""
    extra_args: tuple[str, ...] = ()
    # Mine the pool in arrival order, not by tip: a chain whose blocks the devnet relay builds
    # (it sends each block's transactions in order, omniarb.devnet.relay.builder). Every other
    # chain orders by tip, as a public mempool's block producers do.
    fifo: bool = False

    def argv(self, port: int) -> list[str]:
        args = [
            str(anvil_binary(self.binary)),
            "--host",
            self.host,
            "--port",
            str(port),
            "--chain-id",
            str(self.chain_id),
            "--accounts",
            str(self.accounts),
            "--balance",
            str(self.balance_ether),
            "--silent",
        ]
        if self.fifo:
            args += ["--order", "fifo"]
        if self.block_time_s is not None:
            args += ["--block-time", f"{self.block_time_s:g}"]
        if self.load_state is not None:
            args += ["--load-state", str(self.load_state)]
        return [*args, *self.extra_args]


class AnvilNode:
    """A running anvil: `node = await AnvilNode.start(options)`, then `await node.stop()`."""

    def __init__(self, process: asyncio.subprocess.Process, options: AnvilOptions, port: int):
        self.process = process
        self.options = options
        self.port = port

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def rpc_http(self) -> str:
        return f"http://{self.options.host}:{self.port}"

    @property
    def rpc_ws(self) -> str:
        return f"ws://{self.options.host}:{self.port}"

    @classmethod
    async def start(cls, options: AnvilOptions, *, attempts: int = 3) -> AnvilNode:
        """Start a node, retrying on another port if the chosen one was taken meanwhile."""
        last_error = ""
        for _ in range(attempts):
            port = options.port or free_port(options.host)
            process = await asyncio.create_subprocess_exec(
                *options.argv(port),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                preexec_fn=_die_with_parent,
                start_new_session=True,
            )
            node = cls(process, options, port)
            try:
                await node._wait_ready()
            except DevnetError as exc:
                last_error = str(exc)
                await node.stop()
                if options.port:
                    break
                continue
            log.debug("anvil chain %d ready on port %d", options.chain_id, port)
            return node
        raise DevnetError(f"anvil for chain {options.chain_id} did not start: {last_error}")

    async def _wait_ready(self) -> None:
        payload = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        deadline = asyncio.get_running_loop().time() + _READY_TIMEOUT_S
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as session:
            while asyncio.get_running_loop().time() < deadline:
                if self.process.returncode is not None:
                    stderr = b""
                    if self.process.stderr is not None:
                        stderr = await self.process.stderr.read()
                    raise DevnetError(
                        f"exited with code {self.process.returncode}: "
                        f"{stderr.decode(errors='replace').strip()[-300:]}"
                    )
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.post(self.rpc_http, json=payload) as response:
                        answer = await response.json()
                        if int(answer["result"], 16) == self.options.chain_id:
                            return
                await asyncio.sleep(0.02)
        raise DevnetError(f"no answer on {self.rpc_http} within {_READY_TIMEOUT_S:g} s")

    async def stop(self, *, timeout_s: float = 5.0) -> None:
        """SIGTERM, then SIGKILL if it has not exited within `timeout_s`."""
        if self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
                # A frozen node (SIGSTOP) handles the SIGTERM only once it runs again.
                self.process.send_signal(signal.SIGCONT)
            try:
                await asyncio.wait_for(self.process.wait(), timeout_s)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.process.pid, signal.SIGKILL)
                await self.process.wait()
        # Drain the pipe so the transport closes without a ResourceWarning.
        if self.process.stderr is not None:
            with contextlib.suppress(Exception):
                await self.process.stderr.read()
