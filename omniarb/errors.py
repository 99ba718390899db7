"""The one exception tree of omni-arb.

The second level tells the caller what to do::

    OmniarbError
    ├── ConfigError        stop and show the key path (exit code 4)
    ├── NotFoundError      a named thing does not exist (exit code 2)
    ├── NotRunningError    a service we need is not running (exit code 3)
    ├── TimeoutError_      waited too long (exit code 5)
    ├── RetryableError     timeouts, dropped sockets, 429s: try again later
    │   └── RpcTransportError
    ├── RejectedError      skip this one item and go on
    ├── RevertError        a transaction or call reverted on chain
    │   └── RpcError       a JSON-RPC error object from a node
    └── FatalError         halt: key or nonce corruption, broken invariants
        └── DevnetError    the local devnet could not be started or deployed

Third-party exceptions are translated once, at the boundary that calls the library, with
``raise ... from exc``. Messages never contain a private key.
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ConfigError",
    "DevnetError",
    "FatalError",
    "NotFoundError",
    "NotRunningError",
    "OmniarbError",
    "RejectedError",
    "RetryableError",
    "RevertError",
    "RpcError",
    "RpcTransportError",
    "TimeoutError_",
]


class OmniarbError(Exception):
    """Root of every error omni-arb raises on purpose."""

    exit_code: int = 1


class ConfigError(OmniarbError):
    """The configuration is unreadable or invalid; the message names the key path."""

    exit_code = 4


class NotFoundError(OmniarbError):
    """Something the user named (a file, a chain, a pool) does not exist."""

    exit_code = 2


class NotRunningError(OmniarbError):
    """A service the command needs (the devnet, a node) is not running."""

    exit_code = 3


class TimeoutError_(OmniarbError):  # noqa: N801, N818 - not shadowing the builtin
    """An operation did not finish within its deadline."""

    exit_code = 5


class RetryableError(OmniarbError):
    """A transient failure: the same call may succeed later."""


class RpcTransportError(RetryableError):
    """The node could not be reached or the connection dropped."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(f"{message} ({url})")
        self.url = url


class RejectedError(OmniarbError):
    """This item (an opportunity, a token, a trade) is skipped; the run goes on."""


class RevertError(OmniarbError):
    """A call or transaction reverted."""


class RpcError(RevertError):
    """A JSON-RPC error object returned by a node."""

    def __init__(self, *, method: str, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{method} failed: {message} (code {code})")
        self.method = method
        self.code = code
        self.rpc_message = message
        self.data = data


class FatalError(OmniarbError):
    """The process must stop: continuing could lose money or records."""


class DevnetError(FatalError):
    """The local devnet could not be started, deployed or reached."""
