"""`TxSender`: what a part of a chain's deployment (a flash lender, a pool kind's DEX) is handed
to send its transactions with: the deployment's sender, `omniarb.devnet.deploy`'s `Sender`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from omniarb.chains.rpc import RpcClient
from omniarb.contracts import Artifact

__all__ = ["TxSender"]


class TxSender(Protocol):
    """The devnet deployment's sender (an unlocked account of the deployment node, which mines
    whenever someone waits for a receipt): sends are checked together at the end of the
    chain's deployment. `rpc` reaches the deployment node, for the reads and receipts a part
    waits on."""

    address: str
    rpc: RpcClient

    async def send(
        self, label: str, to: str | None, data: str, *, value: int = 0, gas: int = ...
    ) -> str: ...

    async def deploy(
        self, label: str, artifact: Artifact, types: Sequence[str] = (), args: Sequence[Any] = ()
    ) -> str: ...
