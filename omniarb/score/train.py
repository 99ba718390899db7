"""Training: the history's settled trades, split by time, fit, judged on the later part.

    rows = database.training_rows(feature_version=FEATURE_VERSION)
    result = fit(rows, TrainSettings(), now=datetime.now(UTC))
    store.save(result.net, result.meta)

The earlier `1 − test_fraction` of the trades (by decision time) train the network; the later
part is held out, as tomorrow's trades are to a model trained today. The held-out report has the
AUC, Brier score and calibration error of p(success), and the realized USD the model's rule
(EV > 0) would have captured against the baseline's (predicted net profit ≥ the threshold).
Imports torch: load it only where training runs.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import torch
from torch import nn

from omniarb.errors import OmniarbError
from omniarb.score.features import FEATURE_VERSION, FEATURES
from omniarb.score.metrics import (
    EvCaptured,
    auc,
    brier,
    calibration_error,
    ev_captured,
    expected_value,
)
from omniarb.score.model import HIDDEN, Normalization, ProfitNet, build_net
from omniarb.score.store import ModelMeta
from omniarb.store.training import TrainingRow

__all__ = ["NotEnoughDataError", "TrainResult", "TrainSettings", "fit"]


_MAX_SHARE = 5.0


class NotEnoughDataError(OmniarbError):
    """The history has too few settled trades with features to train and test a model."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainSettings:
    """How to split and fit; the defaults suit a few hundred to a few thousand trades."""

    test_fraction: float = 0.3
    epochs: int = 400
    learning_rate: float = 0.01
    weight_decay: float = 1e-3
    seed: int = 0
    min_rows: int = 10
    # The baseline's rule: send what the simulation says nets at least this (`[bot]
    # min_net_profit_usd`).
    baseline_threshold_usd: float = 0.01


@dataclass(frozen=True, slots=True, kw_only=True)
class TrainResult:
    """The trained network, its metadata (metrics included) and the held-out comparison."""

    net: ProfitNet
    meta: ModelMeta
    captured: EvCaptured


def _split(rows: Sequence[TrainingRow], test_fraction: float) -> tuple[int, int]:
    n_test = max(1, math.ceil(len(rows) * test_fraction))
    return len(rows) - n_test, n_test


def _share(row: TrainingRow) -> float | None:
    """The realized share of a landed trade's predicted net profit (None: not a label)."""
    if not row.success or row.predicted_net_usd <= 0:
        return None
    # A share far outside this is a pricing artefact of the row, not something to learn.
    return min(max(row.realized_net_usd / row.predicted_net_usd, -_MAX_SHARE), _MAX_SHARE)


def _normalization(train: Sequence[TrainingRow]) -> Normalization:
    x = torch.tensor([r.features for r in train], dtype=torch.float64)
    std = x.std(dim=0, unbiased=False)
    shares = [s for r in train if (s := _share(r)) is not None]
    mean = sum(shares) / len(shares) if shares else 1.0
    spread = math.sqrt(sum((v - mean) ** 2 for v in shares) / len(shares)) if shares else 1.0
    return Normalization(
        feature_mean=tuple(x.mean(dim=0).tolist()),
        # A constant feature (one chain only, say) keeps its scale: nothing to learn from it.
        feature_std=tuple(s if s > 1e-9 else 1.0 for s in std.tolist()),
        share_mean=mean,
        # Shares all but equal (an exact simulation) keep a unit scale: nothing to stretch.
        share_std=spread if spread > 1e-3 else 1.0,
    )


def _fit_net(train: Sequence[TrainingRow], settings: TrainSettings) -> ProfitNet:
    torch.manual_seed(settings.seed)
    net = build_net(len(FEATURES), HIDDEN)
    norm = _normalization(train)
    net.set_normalization(norm)
    x = torch.tensor([r.features for r in train], dtype=torch.float32)
    landed = torch.tensor([r.success for r in train], dtype=torch.float32)
    shares = [_share(r) for r in train]
    share = torch.tensor(
        [0.0 if v is None else (v - norm.share_mean) / norm.share_std for v in shares],
        dtype=torch.float32,
    )
    mask = torch.tensor([v is not None for v in shares])
    optimizer = torch.optim.Adam(
        net.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay
    )
    bce = nn.BCEWithLogitsLoss()
    net.train()
    for _ in range(settings.epochs):
        optimizer.zero_grad()
        out = net.raw(x)
        loss = bce(out[:, 0], landed)
        # The realized share: learned from the trades that landed only.
        if bool(mask.any()):
            loss = loss + nn.functional.huber_loss(out[mask, 1], share[mask])
        loss.backward()
        optimizer.step()
    net.eval()
    return net


def _model_id(created_at: datetime, n_rows: int, net: ProfitNet) -> str:
    digest = hashlib.sha256()
    for tensor in net.state_dict().values():
        digest.update(tensor.numpy().tobytes())
    digest.update(str(n_rows).encode())
    return f"m{created_at:%Y%m%dT%H%M%S}-{digest.hexdigest()[:8]}"


def fit(rows: Sequence[TrainingRow], settings: TrainSettings, *, now: datetime) -> TrainResult:
    """Train on the earlier rows, judge on the later ones (rows in decision order)."""
    if len(rows) < settings.min_rows:
        raise NotEnoughDataError(
            f"{len(rows)} settled trades with version-{FEATURE_VERSION} features in the history;"
            f" training needs at least {settings.min_rows}: run the bot longer"
        )
    n_train, n_test = _split(rows, settings.test_fraction)
    train, test = rows[:n_train], rows[n_train:]
    net = _fit_net(train, settings)
    with torch.inference_mode():
        p_t, share_t = net(torch.tensor([r.features for r in test], dtype=torch.float32))
    p, share = p_t.tolist(), share_t.tolist()
    labels = [r.success for r in test]
    model_ev = [
        expected_value(pi, si * r.predicted_net_usd, r.gas_cost_usd, 0.0)
        for pi, si, r in zip(p, share, test, strict=True)
    ]
    captured = ev_captured(
        [r.realized_net_usd for r in test],
        model_ev,
        [r.predicted_net_usd for r in test],
        settings.baseline_threshold_usd,
    )
    metrics: dict[str, float | None] = {
        "auc": auc(labels, p),
        "brier": brier(labels, p),
        "calibration_error": calibration_error(labels, p),
        "test_success_rate": sum(labels) / len(labels),
        "ev_model_usd": captured.model_usd,
        "ev_baseline_usd": captured.baseline_usd,
        "ev_oracle_usd": captured.oracle_usd,
        "model_taken": float(captured.model_taken),
        "baseline_taken": float(captured.baseline_taken),
    }
    meta = ModelMeta(
        id=_model_id(now, len(rows), net),
        feature_version=FEATURE_VERSION,
        features=FEATURES,
        created_at=now,
        hidden=HIDDEN,
        n_train=n_train,
        n_test=n_test,
        metrics=metrics,
    )
    return TrainResult(net=net, meta=meta, captured=captured)
