"""`GET /model`: the profit predictor a bot with these settings runs on — the model store's
newest model of this code's feature version, its metrics and age, and whether the baseline
decides instead (no model, too old, or the store unreachable) and why.

A running bot re-reads the store every `[score] reload_s`, so within that delay this is the
model its score stage uses.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import BaseModel, Field

from omniarb._config_score import ScoreSettings
from omniarb.api._schema_base import BODY
from omniarb.errors import OmniarbError
from omniarb.score.active import open_store
from omniarb.score.features import FEATURE_VERSION
from omniarb.score.scorer import invalid_reason

__all__ = ["ModelStatus", "load_model_status"]


class ModelStatus(BaseModel):
    """The score stage's model: `fallback` true means the baseline (p=1, EV = net profit)."""

    model_config = BODY

    enabled: bool
    store: str
    code_feature_version: int
    max_age_s: float
    fallback: bool
    reason: str
    model_id: str | None = None
    feature_version: int | None = None
    created_at: datetime | None = None
    age_s: float | None = None
    n_train: int | None = None
    n_test: int | None = None
    metrics: dict[str, float | None] = Field(default_factory=dict)


def load_model_status(settings: ScoreSettings) -> ModelStatus:
    """Read the store (blocking: call from a worker thread)."""
    store = open_store(settings)

    def baseline(reason: str) -> ModelStatus:
        return ModelStatus(
            enabled=settings.enabled,
            store=store.url,
            code_feature_version=FEATURE_VERSION,
            max_age_s=settings.max_model_age_s,
            fallback=True,
            reason=f"{reason}: baseline",
        )

    if not settings.enabled:
        return baseline("[score] enabled = false")
    try:
        meta = store.newest(FEATURE_VERSION)
    except OmniarbError as exc:
        return baseline(f"model store unusable: {exc}")
    if meta is None:
        return baseline("no trained model")
    now = datetime.now(UTC)
    reason = invalid_reason(meta, settings.max_model_age_s, now)
    return ModelStatus(
        enabled=True,
        store=store.url,
        code_feature_version=FEATURE_VERSION,
        max_age_s=settings.max_model_age_s,
        model_id=meta.id,
        feature_version=meta.feature_version,
        created_at=meta.created_at,
        age_s=meta.age_s(now),
        n_train=meta.n_train,
        n_test=meta.n_test,
        metrics=dict(meta.metrics),
        fallback=reason is not None,
        reason=reason or "model in use",
    )
