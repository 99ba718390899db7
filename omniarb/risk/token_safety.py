"""Token safety: before a route's tokens are traded, simulate a trade of each and refuse the
ones that would cost more than the route shows.

A token can look like a plain ERC-20 and still take a tax on each transfer (the pool or we
receive less than was sent), refuse sells into its pools (a honeypot: the buy works, the
proceeds can never leave), pause every transfer, or blacklist whoever buys. A pool of such a
token shows a price that no trade can realize, which is exactly what an arbitrage detector
finds profitable. `TokenSafety` simulates a buy out of a pool that holds the token, an ordinary
transfer and a sell back into the pool as our executor (`omniarb.risk._token_probe`), and turns
what each leg did into reasons. Nothing is read from a token list or a manifest: the verdict is
what the chain's own code does.

Verdicts are cached per token for `verdict_ttl_s` (`[risk.tokens]`); a verdict that could not be
reached because the node did not answer or refused the call is not cached. The deny list
refuses a token without a simulation and the allow list trusts one without it.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from omniarb._config_tokens import TokenRiskSettings
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import DexKind
from omniarb.errors import OmniarbError, RetryableError, RpcError
from omniarb.risk._token_probe import (
    ProbeLegs,
    find_balance_slot,
    holder_can_transfer,
    probe_trade,
)
from omniarb.types import Decision, Route

__all__ = [
    "TokenReason",
    "TokenSafety",
    "TokenScreen",
    "TokenVerdict",
    "holder_pools",
    "holders_of",
]

log = logging.getLogger(__name__)

_BPS = 10_000
# Pool kinds whose pool contract holds its tokens (a Balancer pool's sit in the Vault, a V4
# pool's in the PoolManager): only those can send the simulated buy.
_HOLDING_KINDS = frozenset(
    {DexKind.UNISWAP_V2, DexKind.UNISWAP_V3, DexKind.PANCAKESWAP_V3, DexKind.ALGEBRA_INTEGRAL}
)


class TokenReason(StrEnum):
    """Why a token is not traded."""

    DENIED = "denied"  # on the deny list
    TRANSFER_TAX = "transfer_tax"  # a recipient got less than was sent
    SELL_REVERTS = "sell_reverts"  # a honeypot: buying works, selling into the pool reverts
    BLACKLIST = "blacklist"  # after buying, the holder can move nothing
    PAUSED = "paused"  # every holder's transfers revert
    BUY_REVERTS = "buy_reverts"  # the pool cannot send it, though other holders can
    UNVERIFIABLE = "unverifiable"  # no pool to simulate with, or the simulation failed


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenVerdict:
    """A token's verdict: safe when `reasons` is empty; `tax_bps` the largest shortfall seen on a
    leg; `checked_s` the clock reading when it was reached (None: from a list, never expires)."""

    token: str
    reasons: tuple[TokenReason, ...]
    tax_bps: int = 0
    detail: str = ""
    checked_s: float | None = None
    # False when no pool could send a simulated buy: nothing was simulated and nothing refused.
    checked: bool = True

    @property
    def safe(self) -> bool:
        return not self.reasons


def holder_pools(route: Route) -> dict[str, str]:
    """Each token of `route` and a pool of the route that holds it (the first one), for the
    tokens some hop's pool holds."""
    return holders_of((hop.pool, hop.kind, (hop.token_in, hop.token_out)) for hop in route.hops)


def holders_of(pools: Iterable[tuple[str, str, Sequence[str]]]) -> dict[str, str]:
    """Each token of `pools` (address, kind, tokens) and the first of them that holds it."""
    held: dict[str, str] = {}
    for address, kind, tokens in pools:
        if kind in _HOLDING_KINDS:
            for token in tokens:
                held.setdefault(token.lower(), address)
    return held


def _shortfall_bps(sent: int, received: int) -> int:
    return 0 if sent == 0 or received >= sent else (sent - received) * _BPS // sent


def judge(legs: ProbeLegs, *, max_tax_bps: int) -> tuple[tuple[TokenReason, ...], int]:
    """The reasons a simulated trade whose buy went through gives, and its largest shortfall in
    bps: a tax above `max_tax_bps` on any leg; a holder that cannot move what it bought (a
    blacklist); a sell that reverts while an ordinary transfer works (a honeypot)."""
    reasons: list[TokenReason] = []
    tax_bps = max(
        _shortfall_bps(legs.bought_sent, legs.bought_received),
        _shortfall_bps(legs.move_sent, legs.move_received) if legs.moved else 0,
        _shortfall_bps(legs.sell_sent, legs.sell_received) if legs.sold else 0,
    )
    if tax_bps > max_tax_bps:
        reasons.append(TokenReason.TRANSFER_TAX)
    if not legs.moved:
        reasons.append(TokenReason.BLACKLIST)
    elif not legs.sold:
        reasons.append(TokenReason.SELL_REVERTS)
    return tuple(reasons), tax_bps


class TokenSafety:
    """Token verdicts for the risk stage, simulated once per token and cached.

    `await safety.verdict_of({token: pool})` gives the reasons to refuse the route that trades
    those tokens (empty: trade). `executor` is the address that will hold the tokens in a trade;
    `holders` names, per token, a pool that holds it, for a route whose own pools hold it in a
    Vault or a singleton (Balancer, Uniswap V4).
    """

    def __init__(
        self,
        *,
        rpc: RpcClient,
        executor: str,
        settings: TokenRiskSettings,
        clock: Callable[[], float] = time.monotonic,
        holders: Mapping[str, str] | None = None,
    ) -> None:
        self._rpc = rpc
        self._holders = {token.lower(): pool for token, pool in (holders or {}).items()}
        self._executor = executor
        self._settings = settings
        self._clock = clock
        self._deny = frozenset(settings.deny)
        self._allow = frozenset(settings.allow)
        self._cache: dict[str, TokenVerdict] = {}

    async def verdict_of(self, tokens: Mapping[str, str | None]) -> tuple[str, ...]:
        """The reasons to refuse trading `tokens` (each mapped to a pool that holds it, or None),
        as `"<token>: <reason>"`; empty when every token is safe."""
        reasons: list[str] = []
        for token, pool in tokens.items():
            verdict = await self.check(token, pool)
            reasons += [f"{verdict.token}: {reason.value}" for reason in verdict.reasons]
        return tuple(reasons)

    async def reasons_for(self, route: Route) -> tuple[str, ...]:
        """`verdict_of` the tokens of `route`, each with a pool of the route that holds it."""
        held = holder_pools(route)
        tokens: dict[str, str | None] = {}
        for hop in route.hops:
            for token in (hop.token_in, hop.token_out):
                tokens.setdefault(token.lower(), held.get(token.lower()))
        return await self.verdict_of(tokens)

    async def check(self, token: str, pool: str | None) -> TokenVerdict:
        """`token`'s verdict: from the lists, the cache, or a fresh simulation with `pool`."""
        token = token.lower()
        if token in self._deny:
            return TokenVerdict(token=token, reasons=(TokenReason.DENIED,))
        if token in self._allow:
            return TokenVerdict(token=token, reasons=())
        now = self._clock()
        cached = self._cache.get(token)
        if (
            cached is not None
            and cached.checked_s is not None
            and now - cached.checked_s < self._settings.verdict_ttl_s
        ):
            return cached
        pool = pool or self._holders.get(token)
        if pool is None:
            # Only Balancer or V4 pools hold it, which cannot send a simulated buy: not judged
            # (and not cached, a later route may name a pool to simulate with).
            return TokenVerdict(token=token, reasons=(), checked=False)
        try:
            verdict = await self._simulate(token, pool, now)
        except (RetryableError, RpcError) as exc:
            # Not the token's doing: the node did not answer, or refused the call (one without
            # state overrides refuses them all). Refused for now, asked again next time.
            log.warning("token %s: simulation not answered: %s", token, exc)
            return TokenVerdict(token=token, reasons=(TokenReason.UNVERIFIABLE,), detail=str(exc))
        except (OmniarbError, ValueError) as exc:
            # A call that reverts or answers what does not decode: that token cannot be trusted.
            verdict = TokenVerdict(
                token=token,
                reasons=(TokenReason.UNVERIFIABLE,),
                detail=f"{type(exc).__name__}: {exc}"[:200],
                checked_s=now,
            )
        if not verdict.safe:
            log.info("token %s refused: %s", token, ", ".join(verdict.reasons))
        self._cache[token] = verdict
        return verdict

    async def _simulate(self, token: str, pool: str, now: float) -> TokenVerdict:
        legs = await probe_trade(self._rpc, token=token, pool=pool, executor=self._executor)
        if legs is None:
            return TokenVerdict(
                token=token,
                reasons=(TokenReason.UNVERIFIABLE,),
                detail=f"pool {pool} holds none",
                checked_s=now,
            )
        if not legs.bought:
            return TokenVerdict(
                token=token, reasons=(await self._why_no_buy(token),), checked_s=now
            )
        reasons, tax_bps = judge(legs, max_tax_bps=self._settings.max_tax_bps)
        return TokenVerdict(token=token, reasons=reasons, tax_bps=tax_bps, checked_s=now)

    async def _why_no_buy(self, token: str) -> TokenReason:
        """The pool could not send: paused if an ordinary holder cannot send either."""
        diff = await find_balance_slot(self._rpc, token)
        if diff is not None and not await holder_can_transfer(self._rpc, token, diff):
            return TokenReason.PAUSED
        return TokenReason.BUY_REVERTS


class TokenScreen:
    """The risk rule over `TokenSafety`: an approved decision whose route trades an unsafe token
    is declined with each token's reason (`"token safety: <token>: <reason>"`), so the history
    shows the apparent profit as a rejected opportunity and why."""

    def __init__(self, *, safety: TokenSafety) -> None:
        self._safety = safety

    async def process(self, decision: Decision) -> Decision:
        if not decision.approved:
            return decision
        reasons = await self._safety.reasons_for(decision.opportunity.route)
        if not reasons:
            return decision
        return replace(
            decision, approved=False, reasons=tuple(f"token safety: {r}" for r in reasons)
        )
