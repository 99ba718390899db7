"""`AsyncResource`: the `async with` protocol written once for the objects that hold a connection,
a session or processes open.

    async with RpcClient(url) as rpc:  # opened on entry, closed on exit however the block ends
        await rpc.call("eth_chainId")

A subclass says what opening and closing mean (`_open`, `_close`); its public methods
(`connect`, `close`, `start`, `stop`, ...) stay as they are for callers that manage the lifetime
themselves.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType
from typing import Self

__all__ = ["AsyncResource"]


class AsyncResource(ABC):
    """Opened when an `async with` block is entered, closed when it is left, exception or not.

    The exit never suppresses the block's exception: closing is all it does.
    """

    async def _open(self) -> None:  # noqa: B027 - deliberately optional, unlike `_close`
        """Acquire what the object holds; by default nothing (it opens lazily or in `__init__`)."""

    @abstractmethod
    async def _close(self) -> None:
        """Release what the object holds."""

    async def __aenter__(self) -> Self:
        await self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._close()
