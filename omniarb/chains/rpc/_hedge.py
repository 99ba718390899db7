"""The hedge layer: a write sent to every healthy endpoint at once, the first acknowledgment its
answer.

A chain with several endpoints reaches the block builders through whichever node hears of a
transaction first; waiting on the preferred endpoint alone pays its slowness on every send.
So the methods in `methods` (by default `eth_sendRawTransaction`) go to every endpoint the
failover layer would use now (not cooling down, not stale), in parallel:

- the first acknowledgment is the answer: a result, or a refusal that says the node already
  holds the request ("already known", anvil's "already imported"), which the caller reads as
  any single node's such answer;
- the other requests run on in the background, never cancelled (a request cut off mid-flight
  loses its outcome); each outcome updates its endpoint's health as a normal call does and is
  reported to the observer (`HedgeAnswer`: ack, refused or failed; the winner marked). A refusal
  after another endpoint acknowledged is logged and counted, not raised;
- with no acknowledgment, once every endpoint answered, the error raised is the one that says
  most (`most_telling_error`): a node's refusal wins over transport errors that prove the
  request never left (no connection, HTTP 429), but a transport error after which a node may
  hold the request wins over a refusal, because that refusal may be caused by our own request
  reaching the chain through the other node ("nonce too low" for our transaction mined there):
  the caller must treat the send as possibly made, never sign the next one with a new nonce.

With one usable endpoint (one configured, or the others set aside) the request goes through
the failover layer unchanged; so do batches and every other method. `close` of the client
waits for the requests still running (`drain`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from omniarb.chains.rpc._failover import Failover, HedgeTarget
from omniarb.chains.rpc._layer import RpcRequest, may_resend
from omniarb.errors import RetryableError, RevertError, RpcError

__all__ = [
    "ALREADY_KNOWN",
    "HEDGED_BY_DEFAULT",
    "Hedge",
    "HedgeAnswer",
    "HedgeObserver",
    "HedgeOutcome",
    "already_known",
    "most_telling_error",
]

log = logging.getLogger(__name__)

# A node's wordings for "I already hold this transaction" (geth `core/txpool/errors.go`
# ErrAlreadyKnown, anvil, besu): the request reached it, as surely as a result says.
ALREADY_KNOWN = ("already known", "already imported", "known transaction")
HEDGED_BY_DEFAULT = frozenset({"eth_sendRawTransaction"})

HedgeOutcome = Literal["ack", "refused", "failed"]


def already_known(error: BaseException) -> bool:
    """Whether `error` is a node's refusal saying it already holds the request."""
    if not isinstance(error, RpcError):
        return False
    wording = error.rpc_message.lower()
    return any(fragment in wording for fragment in ALREADY_KNOWN)


@dataclass(frozen=True, slots=True, kw_only=True)
class HedgeAnswer:
    """One endpoint's answer to a hedged request (`endpoint` is scheme://host:port only).

    `won`: the first acknowledgment, the caller's answer; `after_ack`: it came after another
    endpoint's acknowledgment (the caller had its answer already); `error`: the class name of a
    refusal or failure.
    """

    method: str
    endpoint: str
    outcome: HedgeOutcome
    won: bool
    after_ack: bool
    latency_s: float
    error: str | None


HedgeObserver = Callable[[HedgeAnswer], None]


def most_telling_error(method: str, errors: Iterable[BaseException]) -> BaseException:
    """The error a hedged `method` raises when no endpoint acknowledged (`errors` in the order
    they arrived; see the module docstring for the ranking)."""
    errors = list(errors)
    if not errors:
        raise ValueError("no error to choose from")
    maybe_taken = [
        e for e in errors if isinstance(e, RetryableError) and not may_resend((method,), e)
    ]
    if maybe_taken:
        return maybe_taken[0]
    refusals = [e for e in errors if isinstance(e, RpcError | RevertError)]
    if refusals:
        return refusals[0]
    never_left = [e for e in errors if isinstance(e, RetryableError)]
    return never_left[0] if never_left else errors[0]


@dataclass(slots=True, kw_only=True)
class _Race:
    """One hedged request's answers so far; `settled` once it has its answer."""

    method: str
    pending: int
    settled: asyncio.Event = field(default_factory=asyncio.Event)
    winner: str | None = None
    result: Any = None
    ack_error: BaseException | None = None
    errors: list[BaseException] = field(default_factory=list)


class Hedge:
    """Wraps `failover`: `methods` are hedged over its usable endpoints (module docstring)."""

    def __init__(
        self,
        failover: Failover,
        *,
        methods: frozenset[str] = HEDGED_BY_DEFAULT,
        observer: HedgeObserver | None = None,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        self._failover = failover
        self.methods = methods
        self._observer = observer
        self._clock = clock
        # The requests of hedged calls still running; `drain` awaits them.
        self._running: set[asyncio.Task[None]] = set()
        self.hedged = 0

    async def call(self, method: str, *params: Any) -> Any:
        if method not in self.methods:
            return await self._failover.call(method, *params)
        targets = await self._failover.hedge_targets()
        if len(targets) < 2:
            return await self._failover.call(method, *params)
        return await self._hedge(method, params, targets)

    async def batch(self, requests: Sequence[RpcRequest]) -> list[Any]:
        return await self._failover.batch(requests)

    async def drain(self) -> None:
        """Until every request of earlier hedged calls has its outcome."""
        while self._running:
            # `wait`, not `gather`: a drain that is cancelled leaves the requests running.
            await asyncio.wait(set(self._running))

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._running.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: the race already holds it, or raised it

    async def _hedge(
        self, method: str, params: Sequence[Any], targets: Sequence[HedgeTarget]
    ) -> Any:
        self.hedged += 1
        race = _Race(method=method, pending=len(targets))
        for target in targets:
            # Owned by the layer, not the caller: a caller that stops waiting (cancelled, or
            # answered by a faster endpoint) leaves each request to finish and be counted.
            task = asyncio.create_task(self._ask(race, target, params))
            self._running.add(task)
            task.add_done_callback(self._forget)
        await race.settled.wait()
        if race.winner is not None:
            if race.ack_error is not None:
                raise race.ack_error
            return race.result
        error = most_telling_error(method, race.errors)
        others = [e for e in race.errors if e is not error]
        if others:
            log.warning(
                "%s failed on every endpoint: %s; also %s",
                method,
                error,
                "; ".join(str(e) for e in others),
            )
        raise error

    async def _ask(self, race: _Race, target: HedgeTarget, params: Sequence[Any]) -> None:
        started = self._clock()
        outcome: HedgeOutcome = "failed"
        error: BaseException | None = None
        result: Any = None
        try:
            result = await target.layer.call(race.method, *params)
            outcome = "ack"
        except RetryableError as exc:
            error = exc
            self._failover.failed(target, exc)
        except (RevertError, RpcError) as exc:
            error = exc
            outcome = "ack" if already_known(exc) else "refused"
            self._failover.answered(target, self._clock() - started)
        except BaseException as exc:
            # Not an answer of the node (a bug, or the loop shutting down): the race still
            # settles, and this error is raised if nothing better arrives.
            error = exc
            self._settle(race, target, "failed", error, None, self._clock() - started)
            raise
        else:
            self._failover.answered(target, self._clock() - started)
        self._settle(race, target, outcome, error, result, self._clock() - started)

    def _settle(
        self,
        race: _Race,
        target: HedgeTarget,
        outcome: HedgeOutcome,
        error: BaseException | None,
        result: Any,
        latency_s: float,
    ) -> None:
        race.pending -= 1
        after_ack = race.winner is not None
        won = outcome == "ack" and not after_ack
        if won:
            race.winner, race.result, race.ack_error = target.label, result, error
            race.settled.set()
        elif outcome != "ack" and error is not None:
            race.errors.append(error)
            if after_ack and outcome == "refused":
                # Common when the acknowledging node's block reached this one first ("nonce
                # too low"): counted, and logged below warning level.
                log.info(
                    "%s: %s refused after %s acknowledged: %s",
                    race.method,
                    target.label,
                    race.winner,
                    error,
                )
        if race.pending == 0:
            race.settled.set()
        if self._observer is not None:
            self._observer(
                HedgeAnswer(
                    method=race.method,
                    endpoint=target.label,
                    outcome=outcome,
                    won=won,
                    after_ack=after_ack,
                    latency_s=latency_s,
                    error=None if error is None else type(error).__name__,
                )
            )
