"""The optional InfluxDB sink: the same figures as `/metrics`, as line protocol, batched.

Every `interval_s` the sink reads the Prometheus registry of `Metrics` and turns each sample
into one point, laid out as InfluxDB's own Prometheus bridge does (measurement = the series
name such as `omniarb_trade_profit_usd_bucket`, tags = the labels, one field `value`), so the
figures are the same in both places and a Grafana board can be pointed at either. Events worth
keeping at full resolution (each trade) can be added with `add`.

Lines are POSTed to an InfluxDB 1.x HTTP API (`POST /write?db=...&precision=ns`) in batches of
`batch_lines`. A write that fails for a transient reason (connection refused, timeout, 5xx)
keeps its lines for the next attempt; the buffer is bounded (`max_buffered_lines`, oldest lines
dropped first and counted), so a dead InfluxDB never grows the bot's memory.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import aiohttp
from prometheus_client import CollectorRegistry

from omniarb.errors import OmniarbError, RejectedError, RetryableError

__all__ = ["FieldValue", "InfluxSink", "InfluxStats", "line", "registry_lines"]

log = logging.getLogger(__name__)

FieldValue = float | int | bool | str


def _escape(text: str, specials: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in specials:
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def _field(value: FieldValue) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value}i"
    if isinstance(value, float):
        # Line protocol has no NaN or infinity: such a field is left out.
        return repr(value) if math.isfinite(value) else None
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def line(
    measurement: str,
    tags: Mapping[str, str],
    fields: Mapping[str, FieldValue],
    ts_ns: int,
) -> str | None:
    """One line of InfluxDB line protocol; None when no field has a writable value.

    Escaping follows the line protocol reference: commas and spaces in measurements; commas,
    equals signs and spaces in tag keys, tag values and field keys; quotes in string fields.
    Tags are sorted (InfluxDB's fastest path) and empty tag values are left out (not allowed).
    """
    parts = [_escape(measurement, ", ")]
    parts += [
        f"{_escape(key, ',= ')}={_escape(tags[key], ',= ')}" for key in sorted(tags) if tags[key]
    ]
    encoded = []
    for key, value in fields.items():
        text = _field(value)
        if text is not None:
            encoded.append(f"{_escape(key, ',= ')}={text}")
    if not encoded:
        return None
    return f"{','.join(parts)} {','.join(encoded)} {ts_ns}"


def registry_lines(registry: CollectorRegistry, ts_ns: int) -> list[str]:
    """Every sample of `registry` as a line (`_created` stamps are bookkeeping, not figures)."""
    lines = []
    for family in registry.collect():
        for sample in family.samples:
            if sample.name.endswith("_created"):
                continue
            text = line(sample.name, sample.labels, {"value": float(sample.value)}, ts_ns)
            if text is not None:
                lines.append(text)
    return lines


@dataclass(frozen=True, slots=True, kw_only=True)
class InfluxStats:
    written: int
    batches: int
    failures: int
    dropped: int
    buffered: int


class InfluxSink:
    """Buffers line-protocol points and writes them to one InfluxDB 1.x database.

    `registry` (from `Metrics.registry`) is snapshotted by `run()` every `interval_s`;
    `close()` takes a last snapshot and writes everything buffered.
    """

    def __init__(
        self,
        *,
        url: str,
        database: str,
        registry: CollectorRegistry | None = None,
        interval_s: float = 10.0,
        batch_lines: int = 5000,
        max_buffered_lines: int = 200_000,
        timeout_s: float = 10.0,
        clock_ns: Callable[[], int] = time.time_ns,
    ) -> None:
        self._write_url = f"{url.rstrip('/')}/write"
        self._query_url = f"{url.rstrip('/')}/query"
        # For messages: the URL may carry credentials (http://user:password@host).
        parts = urlsplit(url)
        self._where = f"{parts.scheme}://{parts.hostname}:{parts.port or ''}".rstrip(":")
        self._database = database
        self._registry = registry
        self._interval_s = interval_s
        self._batch_lines = batch_lines
        self._clock_ns = clock_ns
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None
        self._buffer: deque[str] = deque(maxlen=max_buffered_lines)
        self._written = self._batches = self._failures = self._dropped = 0

    @property
    def stats(self) -> InfluxStats:
        return InfluxStats(
            written=self._written,
            batches=self._batches,
            failures=self._failures,
            dropped=self._dropped,
            buffered=len(self._buffer),
        )

    def add(
        self,
        measurement: str,
        *,
        tags: Mapping[str, str],
        fields: Mapping[str, FieldValue],
        ts_ns: int | None = None,
    ) -> None:
        """Buffer one point (default time: now)."""
        text = line(measurement, tags, fields, self._clock_ns() if ts_ns is None else ts_ns)
        if text is not None:
            self._extend((text,))

    def snapshot(self) -> int:
        """Buffer every sample of the registry, stamped now; returns how many."""
        if self._registry is None:
            return 0
        lines = registry_lines(self._registry, self._clock_ns())
        self._extend(lines)
        return len(lines)

    async def ensure_database(self) -> None:
        """`CREATE DATABASE` (a no-op when it exists, in InfluxDB 1.x)."""
        statement = f'CREATE DATABASE "{_escape(self._database, chr(34))}"'
        await self._post(self._query_url, params={"q": statement}, data=b"")

    async def flush(self) -> int:
        """Write everything buffered, batch by batch; returns the lines written.

        Raises `RetryableError` when InfluxDB is unreachable or failing (the unwritten lines
        stay buffered for the next flush).
        """
        written = 0
        while self._buffer:
            count = min(self._batch_lines, len(self._buffer))
            batch = [self._buffer[i] for i in range(count)]
            try:
                await self._post(
                    self._write_url,
                    params={"db": self._database, "precision": "ns"},
                    data="\n".join(batch).encode(),
                )
            except _RefusedError as exc:
                # Malformed lines never become writable: drop them rather than retry forever.
                self._dropped += count
                log.warning("InfluxDB refused %d lines: %s", count, exc)
            except RetryableError:
                self._failures += 1
                raise
            else:
                written += count
                self._written += count
                self._batches += 1
            for _ in range(count):
                self._buffer.popleft()
        return written

    async def run(self) -> None:
        """Snapshot and write every `interval_s`, forever (cancel it, then `close()`)."""
        created = False
        while True:
            await asyncio.sleep(self._interval_s)
            self.snapshot()
            try:
                if not created:
                    await self.ensure_database()
                    created = True
                await self.flush()
            except RetryableError as exc:
                log.warning("InfluxDB write failed, keeping %d lines: %s", len(self._buffer), exc)
            except OmniarbError as exc:
                log.warning("InfluxDB refused the database %r: %s", self._database, exc)

    async def close(self) -> None:
        """A last snapshot and flush (best effort), then release the HTTP session."""
        try:
            self.snapshot()
            await self.ensure_database()
            await self.flush()
        except OmniarbError as exc:
            log.warning("InfluxDB: %d lines not written at close: %s", len(self._buffer), exc)
        finally:
            if self._session is not None:
                await self._session.close()
                self._session = None

    def _extend(self, lines: Iterable[str]) -> None:
        for text in lines:
            if len(self._buffer) == self._buffer.maxlen:
                self._dropped += 1  # the deque drops the oldest line
            self._buffer.append(text)

    async def _post(self, url: str, *, params: Mapping[str, str], data: bytes) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.post(url, params=params, data=data) as response:
                body = await response.text()
                status = response.status
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise RetryableError(f"InfluxDB at {self._where}: {type(exc).__name__}") from exc
        if status in (200, 204):
            return
        reason = " ".join(body.split())[:300]
        if 400 <= status < 500 and status not in (408, 429):
            raise _RefusedError(f"HTTP {status}: {reason}")
        raise RetryableError(f"InfluxDB at {self._where}: HTTP {status}: {reason}")


class _RefusedError(RejectedError):
    """InfluxDB answered 4xx: the request itself is wrong, retrying cannot help."""
