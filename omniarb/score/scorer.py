"""The score stage: p(success) and expected value of each approved decision, from the trained
predictor when a valid one is loaded, else the baseline (the trade at face value).

    EV = p × share × predicted net profit − (1 − p) × cost of a failed attempt − bribe   (USD)

(`share`: the model's realized share of the predicted net profit if the trade lands.)

A decision whose EV is not above 0 is declined with the figures as its reason. A model is used
only while its feature list and version are this code's and it is younger than `max_age_s`;
otherwise the baseline decides (p = 1, EV = predicted net profit), as before the predictor, and
`status()` says why. Every decision gets its feature vector either way, so the history keeps
collecting what the next training needs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from omniarb.score.features import FEATURE_VERSION, FEATURES, FeatureContext, extract
from omniarb.score.metrics import expected_value
from omniarb.score.recent import RecentOutcomes

if TYPE_CHECKING:
    from omniarb.score.active import ModelSource
    from omniarb.score.model import ProfitNet
    from omniarb.score.store import ModelMeta
    from omniarb.types import Decision, Outcome

__all__ = [
    "ActiveModel",
    "PendingView",
    "ProfitScorer",
    "ScorerStatus",
    "expected_value_usd",
    "invalid_reason",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ActiveModel:
    """A loaded network and its metadata (one per process, shared by every chain's scorer)."""

    net: ProfitNet
    meta: ModelMeta


class PendingView(Protocol):
    """The chain's recent decoded pending swaps, read-only (`collect.PendingActivity`)."""

    def route_swaps(self, pools: Sequence[str], now_ns: int) -> int:
        """Swaps of the last window through any of `pools`."""
        ...

    def swaps(self, now_ns: int) -> int:
        """Swaps of the last window in all."""
        ...


@dataclass(frozen=True, slots=True, kw_only=True)
class ScorerStatus:
    """What the score stage runs on: the model (if any), its age and whether it is in use."""

    model_id: str | None
    feature_version: int | None
    metrics: dict[str, float | None]
    age_s: float | None
    max_age_s: float
    fallback: bool
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "model_id": self.model_id,
            "feature_version": self.feature_version,
            "code_feature_version": FEATURE_VERSION,
            "metrics": self.metrics,
            "age_s": self.age_s,
            "max_age_s": self.max_age_s,
            "fallback": self.fallback,
            "reason": self.reason,
        }


def _usd_per_unit(decision: Decision) -> float:
    opp = decision.opportunity
    return opp.net_profit_usd / opp.net_profit if opp.net_profit != 0 else 0.0


def expected_value_usd(decision: Decision, p_success: float, profit_if_landed_usd: float) -> float:
    """EV of taking `decision`: a failed attempt still pays the route's gas (and an L2's L1 fee);
    the bribe is the one already set on the decision (the execute stage sets it later, and the
    share head learned realized profit after the bribes paid)."""
    opp = decision.opportunity
    rate = _usd_per_unit(decision)
    return expected_value(
        p_success,
        profit_if_landed_usd,
        failed_cost_usd=(opp.gross_profit - opp.net_profit) * rate,
        bribe_usd=decision.bribe_wei * rate,
    )


def invalid_reason(meta: ModelMeta, max_age_s: float, now: datetime) -> str | None:
    """Why the model of `meta` may not decide at `now` (None: it may): trained on another
    feature list or version than this code's, or older than `max_age_s` (0: no limit)."""
    if meta.feature_version != FEATURE_VERSION or meta.features != FEATURES:
        return (
            f"model {meta.id} has feature version {meta.feature_version}, this code "
            f"{FEATURE_VERSION}: baseline"
        )
    age_s = meta.age_s(now)
    if max_age_s > 0 and age_s > max_age_s:
        return f"model {meta.id} is {age_s:.0f} s old (max {max_age_s:.0f} s): baseline"
    return None


class ProfitScorer:
    """The score stage of one chain: `await scorer.process(decision)`, or `score(batch)`.

    `tip_wei` gives the priority fee the execute stage would bid now (the chain's fee quote's);
    `pending` the chain's recent pending swaps (None: a chain that does not watch its mempool).
    Both are read from memory: scoring makes no node round trip.
    """

    def __init__(
        self,
        *,
        model: ActiveModel | None,
        max_age_s: float,
        source: ModelSource | None = None,
        recent: RecentOutcomes | None = None,
        tip_wei: Callable[[], int] | None = None,
        pending: PendingView | None = None,
        clock_ns: Callable[[], int] = time.monotonic_ns,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._fixed = model
        self._tip_wei = tip_wei
        self._pending = pending
        self._source = source
        self._max_age_s = max_age_s
        self._recent = recent or RecentOutcomes()
        self._clock_ns = clock_ns
        self._wall = wall

    @property
    def _model(self) -> ActiveModel | None:
        return self._source.model if self._source is not None else self._fixed

    async def refresh(self) -> None:
        """Pick up a newly trained model (a no-op without a model source)."""
        if self._source is not None:
            await self._source.refresh()

    async def process(self, decision: Decision) -> Decision:
        """The score stage for one decision."""
        return self.score((decision,))[0]

    def on_outcome(self, outcome: Outcome) -> None:
        """Count a settled trade in its route's and pools' recent record."""
        self._recent.on_outcome(outcome)

    def status(self) -> ScorerStatus:
        """The model in use, or why the baseline decides."""
        model = self._model
        reason = self._invalid_reason()
        return ScorerStatus(
            model_id=None if model is None else model.meta.id,
            feature_version=None if model is None else model.meta.feature_version,
            metrics={} if model is None else dict(model.meta.metrics),
            age_s=None if model is None else model.meta.age_s(self._wall()),
            max_age_s=self._max_age_s,
            fallback=reason is not None,
            reason=reason or "model in use",
        )

    def _invalid_reason(self) -> str | None:
        model = self._model
        if model is None:
            return "no trained model: baseline (p=1, EV = predicted net profit)"
        return invalid_reason(model.meta, self._max_age_s, self._wall())

    def score(self, decisions: Sequence[Decision]) -> list[Decision]:
        """Score a batch in one pass of the network (the same result as one by one)."""
        now_ns = self._clock_ns()
        tip_wei = self._tip_wei() if self._tip_wei is not None else 0
        pending = self._pending
        swaps = pending.swaps(now_ns) if pending is not None else 0
        vectors = [
            extract(d, self._context(d, now_ns, tip_wei=tip_wei, swaps=swaps)) for d in decisions
        ]
        model = self._model if self._invalid_reason() is None else None
        if model is None:
            return [_baseline(d, v) for d, v in zip(decisions, vectors, strict=True)]
        predictions = _predict(model.net, vectors)
        return [
            _judged(d, v, p, share * d.opportunity.net_profit_usd)
            for d, v, (p, share) in zip(decisions, vectors, predictions, strict=True)
        ]

    def _context(
        self, decision: Decision, now_ns: int, *, tip_wei: int, swaps: int
    ) -> FeatureContext:
        pending = self._pending
        pools = decision.opportunity.route.pools
        return self._recent.context(
            decision,
            now_ns,
            tip_wei=tip_wei,
            pending_route_swaps=0 if pending is None else pending.route_swaps(pools, now_ns),
            pending_swaps=swaps,
        )


def _predict(net: ProfitNet, vectors: Sequence[tuple[float, ...]]) -> list[tuple[float, float]]:
    import torch

    with torch.inference_mode():
        p, share = net(torch.tensor(vectors, dtype=torch.float32))
    return list(zip(p.tolist(), share.tolist(), strict=True))


def _baseline(decision: Decision, vector: tuple[float, ...]) -> Decision:
    return replace(
        decision,
        p_success=1.0,
        expected_value_usd=decision.opportunity.net_profit_usd,
        features=vector,
        feature_version=FEATURE_VERSION,
    )


def _judged(decision: Decision, vector: tuple[float, ...], p: float, profit: float) -> Decision:
    ev = expected_value_usd(decision, p, profit)
    scored = replace(
        decision,
        p_success=p,
        expected_value_usd=ev,
        features=vector,
        feature_version=FEATURE_VERSION,
    )
    if not decision.approved or ev > 0:
        return scored
    reason = f"expected value {ev:.4f} USD <= 0 (p(success) {p:.3f}, profit {profit:.4f} USD)"
    return replace(scored, approved=False, reasons=(*decision.reasons, reason))
