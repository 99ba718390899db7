"""The rebalancer's bridge transfers in the history database: written before the first send,
updated as they move, listed when a process restarts.

    transfers = BridgeTransferStore(database.engine)      # a migrated history's engine
    await transfers.insert(transfer)                      # durable before it returns
    await transfers.save(replace(transfer, status=TransferStatus.SENT))
    for transfer in await transfers.in_flight(): ...      # everything not arrived or failed

Every method runs its SQL in a worker thread (`asyncio.to_thread`), so the event loop never
waits on the database; the `*_sync` twins serve the command line. A row holds the signed source
transactions (public data: no key), so a restarted rebalancer re-broadcasts those exact bytes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select, update
from sqlalchemy.engine import Engine

from omniarb.bridges.base import TransferStatus
from omniarb.errors import NotFoundError
from omniarb.store.cross_chain_models import BridgeTransferRow
from omniarb.store.engine import begin_write, database_errors

__all__ = ["FINAL_STATUSES", "BridgeTransfer", "BridgeTransferStore", "SourceTx"]

_TABLE: Table = BridgeTransferRow.__table__  # type: ignore[assignment]
# A transfer in one of these is done with: nothing more will happen to it.
FINAL_STATUSES = frozenset({TransferStatus.ARRIVED, TransferStatus.FAILED})


@dataclass(frozen=True, slots=True, kw_only=True)
class SourceTx:
    """One signed source-chain transaction of a transfer: `raw` is what
    `eth_sendRawTransaction` takes, `tx_hash` its hash."""

    nonce: int
    tx_hash: str
    raw: str

    def to_json(self) -> dict[str, Any]:
        return {"nonce": self.nonce, "hash": self.tx_hash, "raw": self.raw}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SourceTx:
        return cls(nonce=int(data["nonce"]), tx_hash=str(data["hash"]), raw=str(data["raw"]))


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeTransfer:
    """One transfer of the rebalancer (a `bridge_transfers` row as a value). Amounts are base
    units: `amount_in` of `token_in` on `src_chain`, the others of `token_out` on `dst_chain`."""

    id: str
    bridge: str
    src_chain: str
    dst_chain: str
    asset: str
    token_in: str
    token_out: str
    sender: str
    recipient: str
    amount_in: int
    amount_out_expected: int
    fee_usd: float
    status: TransferStatus
    src_txs: tuple[SourceTx, ...]
    created_at: datetime
    deadline_at: datetime
    updated_at: datetime
    amount_received: int | None = None
    deposit_tx_hash: str | None = None
    deposit_id: str | None = None
    deposit_block: int | None = None
    arrival_tx_hash: str | None = None
    arrival_block: int | None = None
    arrived_at: datetime | None = None
    attempts: int = 0
    error: str | None = None

    @property
    def final(self) -> bool:
        return self.status in FINAL_STATUSES

    def to_row(self) -> dict[str, Any]:
        return {
            **{name: getattr(self, name) for name in _COLUMNS if name not in ("status", "src_txs")},
            "status": str(self.status),
            "src_txs": [tx.to_json() for tx in self.src_txs],
        }

    def to_json(self) -> dict[str, Any]:
        """JSON-able: amounts as decimal strings (exact past 2**53), times ISO 8601 UTC; the
        raw transactions left out (long, and only a resumed sender needs them)."""
        data: dict[str, Any] = {}
        for name in _COLUMNS:
            value = getattr(self, name)
            if name == "src_txs":
                value = [tx.tx_hash for tx in self.src_txs]
            elif isinstance(value, datetime):
                value = value.isoformat()
            elif (isinstance(value, int) and name.startswith("amount")) or isinstance(
                value, TransferStatus
            ):
                value = str(value)
            data[name] = value
        return data

    @classmethod
    def from_row(cls, row: Any) -> BridgeTransfer:
        values = {name: getattr(row, name) for name in _COLUMNS}
        values["status"] = TransferStatus(values["status"])
        values["src_txs"] = tuple(SourceTx.from_json(tx) for tx in values["src_txs"])
        return cls(**values)


_COLUMNS = tuple(column.name for column in _TABLE.columns)


class BridgeTransferStore:
    """`bridge_transfers` over a migrated history engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def insert(self, transfer: BridgeTransfer) -> None:
        """Write a new transfer; committed when it returns."""
        await asyncio.to_thread(self.insert_sync, transfer)

    async def save(self, transfer: BridgeTransfer) -> None:
        """Replace the stored transfer of `transfer.id` by `transfer` (NotFoundError if none)."""
        await asyncio.to_thread(self.save_sync, transfer)

    async def get(self, transfer_id: str) -> BridgeTransfer:
        return await asyncio.to_thread(self.get_sync, transfer_id)

    async def in_flight(self) -> list[BridgeTransfer]:
        """Every transfer not arrived and not failed, oldest first."""
        return await asyncio.to_thread(self.in_flight_sync)

    async def recent(self, limit: int = 50) -> list[BridgeTransfer]:
        """The last `limit` transfers, newest first."""
        return await asyncio.to_thread(self.recent_sync, limit)

    def insert_sync(self, transfer: BridgeTransfer) -> None:
        with (
            database_errors(self._engine.url, "record a bridge transfer"),
            begin_write(self._engine) as connection,
        ):
            connection.execute(_TABLE.insert().values(**transfer.to_row()))

    def save_sync(self, transfer: BridgeTransfer) -> None:
        row = transfer.to_row()
        del row["id"]
        with (
            database_errors(self._engine.url, "update a bridge transfer"),
            begin_write(self._engine) as connection,
        ):
            result = connection.execute(
                update(_TABLE).where(_TABLE.c.id == transfer.id).values(**row)
            )
        if result.rowcount != 1:
            raise NotFoundError(f"no bridge transfer {transfer.id!r}")

    def get_sync(self, transfer_id: str) -> BridgeTransfer:
        rows = self._select(select(_TABLE).where(_TABLE.c.id == transfer_id))
        if not rows:
            raise NotFoundError(f"no bridge transfer {transfer_id!r}")
        return rows[0]

    def in_flight_sync(self) -> list[BridgeTransfer]:
        final = [str(status) for status in FINAL_STATUSES]
        query = select(_TABLE).where(_TABLE.c.status.not_in(final))
        return self._select(query.order_by(_TABLE.c.created_at, _TABLE.c.id))

    def recent_sync(self, limit: int = 50) -> list[BridgeTransfer]:
        query = select(_TABLE).order_by(_TABLE.c.created_at.desc(), _TABLE.c.id.desc())
        return self._select(query.limit(limit))

    def _select(self, query: Any) -> list[BridgeTransfer]:
        with (
            database_errors(self._engine.url, "read bridge transfers"),
            self._engine.connect() as connection,
        ):
            rows: Sequence[Any] = connection.execute(query).all()
        return [BridgeTransfer.from_row(row) for row in rows]
