"""How a predictor did on held-out trades: ranking (AUC), calibration (Brier score, expected
calibration error) and the money it would have made against the baseline rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["EvCaptured", "auc", "brier", "calibration_error", "ev_captured", "expected_value"]

_ECE_BINS = 10


def expected_value(
    p_success: float, profit_if_landed_usd: float, failed_cost_usd: float, bribe_usd: float
) -> float:
    """EV = p × profit − (1 − p) × cost of a failed attempt − expected bribe (USD)."""
    return p_success * profit_if_landed_usd - (1.0 - p_success) * failed_cost_usd - bribe_usd


def auc(labels: Sequence[bool], scores: Sequence[float]) -> float | None:
    """Area under the ROC curve (Mann-Whitney, ties count half); None with one class only."""
    positives = sum(labels)
    negatives = len(labels) - positives
    if positives == 0 or negatives == 0:
        return None
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1  # average 1-based rank of the tie group
        i = j + 1
    rank_sum = sum(r for r, y in zip(ranks, labels, strict=True) if y)
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def brier(labels: Sequence[bool], probabilities: Sequence[float]) -> float | None:
    """Mean squared error of the probabilities; None for no rows."""
    if not labels:
        return None
    return sum((p - y) ** 2 for y, p in zip(labels, probabilities, strict=True)) / len(labels)


def calibration_error(
    labels: Sequence[bool], probabilities: Sequence[float], bins: int = _ECE_BINS
) -> float | None:
    """Expected calibration error: |mean p − success rate| per equal-width bin, weighted by
    the bin's share of rows; None for no rows."""
    if not labels:
        return None
    sums = [[0.0, 0.0, 0] for _ in range(bins)]
    for y, p in zip(labels, probabilities, strict=True):
        b = sums[min(int(p * bins), bins - 1)]
        b[0] += p
        b[1] += float(y)
        b[2] += 1
    return sum(abs(s_p - s_y) / len(labels) for s_p, s_y, n in sums if n)


@dataclass(frozen=True, slots=True, kw_only=True)
class EvCaptured:
    """Realized net USD of the trades each rule would have taken, out of the same trades."""

    model_usd: float
    model_taken: int
    baseline_usd: float
    baseline_taken: int
    # Every trade that made money and none that lost: the ceiling.
    oracle_usd: float
    rows: int


def ev_captured(
    realized_usd: Sequence[float],
    model_ev_usd: Sequence[float],
    predicted_net_usd: Sequence[float],
    baseline_threshold_usd: float,
) -> EvCaptured:
    """The model takes a trade when its EV is above 0; the baseline (simulate, then send when
    the predicted net profit clears a fixed threshold) when the prediction is at least it."""
    model = [r for r, ev in zip(realized_usd, model_ev_usd, strict=True) if ev > 0]
    baseline = [
        r
        for r, net in zip(realized_usd, predicted_net_usd, strict=True)
        if net >= baseline_threshold_usd
    ]
    return EvCaptured(
        model_usd=sum(model),
        model_taken=len(model),
        baseline_usd=sum(baseline),
        baseline_taken=len(baseline),
        oracle_usd=sum(r for r in realized_usd if r > 0),
        rows=len(realized_usd),
    )
