"""`omniarb quote`: our exact swap math on freshly synced pool state, one JSON line per input.

Reads JSON lines on stdin, each `{"chain": …, "pool": …, "token_in": …, "amount_in": …}`:
`chain` a name or chain id, `pool` an address from the devnet manifest, `token_in` the address
or symbol of one of the pool's tokens, `amount_in` a positive integer in base units (a JSON
number or a string of digits); for a pool of more than two tokens (a Balancer pool) the
optional `token_out` says which to buy, and is required where two could be meant. For each
non-blank line it writes one JSON line, in order, with
`amount_out` (an integer) computed by our math on the pool's state read from the running
devnet at the chain's latest block, through the adapter of the pool's kind (its book reads the
state; the state's `swap_report` adds what the kind knows of the swap, such as a V3 pool's tick
after it), or with `error` saying what was wrong with that line. A bad
line never stops the command. Exit code 0 when every line was answered with an amount, 1 when
at least one got an error, 3 when no devnet is running.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from omniarb.chains.blocks import read_head
from omniarb.chains.rpc import RpcClient
from omniarb.cli import Subparsers
from omniarb.config import Settings
from omniarb.devnet.record import read_record
from omniarb.dex.base import PoolBook, PoolState
from omniarb.dex.deployments import traded_deployments
from omniarb.dex.registry import ADAPTERS, adapter, is_traded
from omniarb.errors import NotRunningError, OmniarbError
from omniarb.network import ChainManifest, Manifest, PoolEntry

__all__ = ["QuoteRequest", "Quoter", "parse_request", "register"]

log = logging.getLogger(__name__)

_FIELDS = ("chain", "pool", "token_in", "amount_in")
_OPTIONAL_FIELDS = ("token_out",)
_INT256_LIMIT = 2**255


class QuoteLineError(ValueError):
    """A line that cannot be quoted; the message is what the user reads in `error`."""


@dataclass(frozen=True, slots=True, kw_only=True)
class QuoteRequest:
    """One validated input line: the chain and pool from the manifest, the side, the amount."""

    chain: ChainManifest
    pool: PoolEntry
    zero_for_one: bool
    amount_in: int

    @property
    def token_in(self) -> str:
        return self.pool.token0 if self.zero_for_one else self.pool.token1

    @property
    def token_out(self) -> str:
        return self.pool.token1 if self.zero_for_one else self.pool.token0


def register(subparsers: Subparsers) -> None:
    """Add `quote`."""
    parser = subparsers.add_parser(
        "quote",
        help="quote swaps with our exact math on the running devnet (JSON lines in and out)",
        description='Reads JSON lines like {"chain": "ethereum", "pool": "0x…", "token_in": '
        '"WETH", "amount_in": 1000000000000000000} on stdin and writes one JSON line per input '
        "with amount_out, computed by omni-arb's exact math for the pool's kind (any kind the bot "
        f"trades: {', '.join(ADAPTERS)}) on pool state read fresh from the running devnet, or "
        "with error. Exit code 1 if any line had an error.",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    record = read_record()
    if record is None:
        raise NotRunningError("no devnet is running (start one with `omniarb devnet up --detach`)")
    manifest = Manifest.read(Path(record.manifest))
    return asyncio.run(serve(manifest, sys.stdin, sys.stdout))


async def serve(manifest: Manifest, source: IO[str], sink: IO[str]) -> int:
    """Answer every line of `source` on `sink`; 1 if any answer is an error, else 0."""
    failed = False
    async with Quoter(manifest) as quoter:
        number = 0
        while line := await asyncio.to_thread(source.readline):
            number += 1
            if not line.strip():
                continue
            answer = await quoter.answer(line, number)
            failed = failed or "error" in answer
            sink.write(json.dumps(answer) + "\n")
            sink.flush()
    return 1 if failed else 0


def parse_request(manifest: Manifest, line: str) -> QuoteRequest:
    """Validate one input line against the manifest; `QuoteLineError` says what is wrong."""
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise QuoteLineError(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise QuoteLineError("expected a JSON object with chain, pool, token_in and amount_in")
    missing = [key for key in _FIELDS if key not in data]
    if missing:
        raise QuoteLineError(f"missing {', '.join(missing)}")
    chain_key = data["chain"]
    if isinstance(chain_key, bool) or not isinstance(chain_key, str | int):
        raise QuoteLineError(f"chain must be a name or a chain id, got {chain_key!r}")
    chain = manifest.chain(chain_key)
    pool = _pool(chain, data["pool"], data["token_in"], data.get("token_out"))
    return QuoteRequest(
        chain=chain,
        pool=pool,
        zero_for_one=_zero_for_one(pool, data["token_in"]),
        amount_in=_amount(data["amount_in"]),
    )


def _holds(pool: PoolEntry, token: Any) -> bool:
    lowered = str(token).lower()
    return lowered in (pool.token0.lower(), pool.symbol0.lower(), pool.token1.lower()) or (
        lowered == pool.symbol1.lower()
    )


def _pool(chain: ChainManifest, address: Any, token_in: Any, token_out: Any) -> PoolEntry:
    """The manifest's entry of `address`; for a pool of more tokens (one entry per pair), the
    pair of `token_in` and `token_out`."""
    if not isinstance(address, str):
        raise QuoteLineError(f"pool must be an address string, got {address!r}")
    entries = [pool for pool in chain.pools if pool.address.lower() == address.lower()]
    if not entries:
        raise QuoteLineError(f"unknown pool {address} on {chain.name}")
    if len(entries) == 1 and token_out is None:
        return entries[0]
    pairs = [
        pool
        for pool in entries
        if _holds(pool, token_in) and (token_out is None or _holds(pool, token_out))
    ]
    if len(pairs) == 1:
        return pairs[0]
    held = sorted({symbol for pool in entries for symbol in (pool.symbol0, pool.symbol1)})
    if not pairs:
        raise QuoteLineError(
            f"pool {address} has no pair of {token_in!r} and {token_out!r} "
            f"(it holds {', '.join(held)})"
        )
    raise QuoteLineError(f"pool {address} holds {', '.join(held)}: say which to buy with token_out")


def _zero_for_one(pool: PoolEntry, token: Any) -> bool:
    if isinstance(token, str):
        lowered = token.lower()
        if lowered in (pool.token0.lower(), pool.symbol0.lower()):
            return True
        if lowered in (pool.token1.lower(), pool.symbol1.lower()):
            return False
    raise QuoteLineError(
        f"token_in {token!r} is not in pool {pool.address} "
        f"({pool.symbol0} {pool.token0} / {pool.symbol1} {pool.token1})"
    )


def _amount(value: Any) -> int:
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise QuoteLineError(
            f"amount_in must be an integer number of base units (a JSON integer or a string "
            f"of digits), got {value!r}"
        )
    if value <= 0:
        raise QuoteLineError(f"amount_in must be > 0, got {value}")
    if value >= _INT256_LIMIT:
        raise QuoteLineError(f"amount_in must be below 2**255, got {value}")
    return value


class Quoter:
    """Quotes requests on the devnet's chains, one RPC client per chain, reading each pool's
    state at most once per block."""

    def __init__(self, manifest: Manifest) -> None:
        self._manifest = manifest
        self._stack = AsyncExitStack()
        self._clients: dict[int, RpcClient] = {}
        self._states: dict[tuple[int, str, str, str], PoolState] = {}
        self._books: dict[tuple[int, str], PoolBook[Any]] = {}

    async def __aenter__(self) -> Quoter:
        await self._stack.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self._stack.aclose()

    async def answer(self, line: str, number: int) -> dict[str, Any]:
        """The output object for input line `number`."""
        try:
            request = parse_request(self._manifest, line)
            return await self.quote(request)
        except (QuoteLineError, OmniarbError) as exc:
            return {**_echo(line), "line": number, "error": str(exc)}

    async def quote(self, request: QuoteRequest) -> dict[str, Any]:
        """`amount_out` of `request` on the pool's state at the chain's latest block."""
        state = await self._state(request.chain, request.pool)
        answer: dict[str, Any] = {
            "chain": request.chain.name,
            "chain_id": request.chain.chain_id,
            "pool": request.pool.address,
            "dex": request.pool.dex,
            "kind": request.pool.kind,
            "token_in": request.token_in,
            "token_out": request.token_out,
            "amount_in": request.amount_in,
            "block": state.block_number,
        }
        answer.update(state.swap_report(request.token_in, request.amount_in))
        return answer

    async def _state(self, chain: ChainManifest, pool: PoolEntry) -> PoolState:
        if not is_traded(pool.kind):
            raise QuoteLineError(
                f"pool {pool.address} is {pool.kind}, which quote cannot price "
                f"(it prices {', '.join(ADAPTERS)})"
            )
        rpc = await self._client(chain)
        head = await read_head(rpc, chain.chain_id)
        key = (chain.chain_id, pool.address, pool.token0, pool.token1)
        cached = self._states.get(key)
        if cached is not None and cached.block_number == head.number:
            return cached
        # A pool's address asks for every state of it: one, or one per pair of its tokens. A
        # state names a side of the native coin by the wrapped token; its `currency` is the
        # coin, as the manifest names it.
        states = await self._book(chain, pool.kind, rpc).read([pool.address], head)
        pair = {pool.token0.lower(), pool.token1.lower()}
        fresh: PoolState | None = next(
            (
                state
                for state in states.values()
                if state is not None
                and {state.currency(t).lower() for t in (state.token0, state.token1)} == pair
            ),
            None,
        )
        if fresh is None:
            raise QuoteLineError(f"{pool.address} is not a {pool.kind} pool of {pool.dex}")
        self._states[key] = fresh
        log.debug("read %s %s at block %d", chain.name, pool.address, head.number)
        return fresh

    def _book(self, chain: ChainManifest, kind: str, rpc: RpcClient) -> PoolBook[Any]:
        book = self._books.get((chain.chain_id, kind))
        if book is None:
            dexes = traded_deployments(chain).get(kind, [])
            book = adapter(kind).book(rpc=rpc, chain_id=chain.chain_id, dexes=dexes)
            self._books[(chain.chain_id, kind)] = book
        return book

    async def _client(self, chain: ChainManifest) -> RpcClient:
        client = self._clients.get(chain.chain_id)
        if client is None:
            client = await self._stack.enter_async_context(RpcClient(chain.rpc_http))
            self._clients[chain.chain_id] = client
        return client


def _echo(line: str) -> dict[str, Any]:
    """The recognizable input fields of a bad line, so the user can match the answer to it."""
    try:
        data = json.loads(line)
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {key: data[key] for key in (*_FIELDS, *_OPTIONAL_FIELDS) if key in data}
