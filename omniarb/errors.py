"""The one exception tree of omni-arb.

The second level tells the caller what to do::

    OmniarbError
    ├── ConfigError        stop and show the key path (exit code 4)
    ├── NotFoundError      a named thing does not exist (exit code 2)
    ├── NotRunningError    a service we need is not running (exit code 3)
    ├── TimeoutError_      waited too long (exit code 5)
    ├── RetryableError     timeouts, dropped sockets, 429s: try again later
    │   └── RpcTransportError      no usable answer from a node
    │       ├── RpcConnectError    the request never reached it (safe to send anything again)
    │       ├── RpcTimeoutError    no answer in time (the node may have acted on it)
    │       ├── RpcHttpError       an HTTP status other than 200 (5xx, 408...)
    │       │   └── RateLimitedError   HTTP 429, or a node's own "too many requests"
    │       └── MalformedAnswerError   an answer that is not the JSON-RPC it should be
    ├── RejectedError      skip this one item and go on
    │   └── BridgeAnswerError  a bridge's quote API refused the request or answered nonsense
    ├── RevertError        a transaction or call reverted on chain
    │   └── ExecutionRevertedError  a node said the call's execution failed, with its data
    ├── RpcError           a node refused the request with an error object (not a revert):
    │                      repeating the same request will not help
    └── FatalError         halt: key or nonce corruption, broken invariants
        ├── DevnetError    the local devnet could not be started or deployed
        └── StaleLeaseError  another worker holds this key's signer lease: step down

A node's answer can therefore raise any of `NODE_ERRORS` (retryable, revert, refusal); a step
that reads the chain and must survive all three catches that tuple.

Third-party exceptions are translated once, at the boundary that calls the library, with
``raise ... from exc``. Messages never contain a private key.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

__all__ = [
    "NODE_ERRORS",
    "BridgeAnswerError",
    "ConfigError",
    "DevnetError",
    "ExecutionRevertedError",
    "FatalError",
    "MalformedAnswerError",
    "NotFoundError",
    "NotRunningError",
    "OmniarbError",
    "RateLimitedError",
    "RejectedError",
    "RetryableError",
    "RevertError",
    "RpcConnectError",
    "RpcError",
    "RpcHttpError",
    "RpcTimeoutError",
    "RpcTransportError",
    "TimeoutError_",
    "endpoint_label",
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
    """No usable answer from the node at `url`: unreachable, dropped, slow or garbled.

    The message names the endpoint by scheme, host and port only: a provider's URL often
    carries an API key in its path.
    """

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(f"{message} ({endpoint_label(url)})")
        self.url = url


class RpcConnectError(RpcTransportError):
    """The connection could not be made: the request never reached the node."""


class RpcTimeoutError(RpcTransportError):
    """No answer within the deadline; the node may have received (and acted on) the request."""


class RpcHttpError(RpcTransportError):
    """The endpoint answered with an HTTP status other than 200."""

    def __init__(self, message: str, *, url: str, status: int) -> None:
        super().__init__(message, url=url)
        self.status = status


class RateLimitedError(RpcHttpError):
    """The endpoint refused the request for its rate (HTTP 429, or a node's "limit exceeded"
    error object); `retry_after_s` is its own hint when it gave one."""

    def __init__(
        self, message: str, *, url: str, status: int = 429, retry_after_s: float | None = None
    ) -> None:
        super().__init__(message, url=url, status=status)
        self.retry_after_s = retry_after_s


class MalformedAnswerError(RpcTransportError):
    """The answer is not the JSON-RPC it should be (not JSON, no result nor error, a batch of
    the wrong length); another endpoint, or the same one later, may answer properly."""


class RejectedError(OmniarbError):
    """This item (an opportunity, a token, a trade) is skipped; the run goes on."""


class BridgeAnswerError(RejectedError):
    """A bridge's quote API refused the request (a 4xx) or answered a body we cannot use:
    this transfer is not quoted; asking again unchanged will not help."""


class RevertError(OmniarbError):
    """A call or transaction reverted."""


class _NodeObjectError(Exception):
    """The fields of a node's JSON-RPC error object, kept on the error raised for it."""

    _verb = "failed"

    def __init__(self, *, method: str, code: int, message: str, data: Any = None) -> None:
        super().__init__(f"{method} {self._verb}: {message} (code {code})")
        self.method = method
        self.code = code
        self.rpc_message = message
        self.data = data


class ExecutionRevertedError(_NodeObjectError, RevertError):
    """A node answered that the execution of `method` failed: a revert (`data` holds the revert
    data, hex) or an exceptional halt such as running out of gas."""

    _verb = "reverted"


class RpcError(_NodeObjectError, OmniarbError):
    """A JSON-RPC error object returned by a node that is not a revert: bad parameters, an
    unknown method, a refused transaction. The same request would be refused again."""


class FatalError(OmniarbError):
    """The process must stop: continuing could lose money or records."""


class DevnetError(FatalError):
    """The local devnet could not be started, deployed or reached."""


class StaleLeaseError(FatalError):
    """Our fencing token is no longer the key's newest: another worker holds the signer lease
    (`omniarb.cluster.lease`; the history database refuses a claim with a stale token too).

    `ours` is the token this process holds (None if it never held one), `newest` the newest
    known where it was checked (None when there is none: the lease lapsed and nobody took it)."""

    def __init__(self, message: str, *, ours: int | None, newest: int | None) -> None:
        super().__init__(message)
        self.ours = ours
        self.newest = newest


# Everything a node's answer may raise: catch this where a failed read must not stop the run.
NODE_ERRORS: tuple[type[OmniarbError], ...] = (RetryableError, RevertError, RpcError)


def endpoint_label(url: str) -> str:
    """`url` without its path, query and credentials (`https://host:port`): safe to log."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        return "<endpoint>"
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    port = f":{parts.port}" if parts.port is not None else ""
    return f"{parts.scheme}://{host}{port}"
