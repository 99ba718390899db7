"""The model the score stage starts with: the store's newest model of this code's feature
version, or none (the baseline decides). A store that cannot be read is logged and means no
model: the bot trades on the baseline rather than not at all."""

from __future__ import annotations

import logging

from omniarb._config_score import ScoreSettings
from omniarb.errors import OmniarbError
from omniarb.score.features import FEATURE_VERSION
from omniarb.score.recent import RecentOutcomes
from omniarb.score.scorer import ActiveModel, ProfitScorer
from omniarb.score.store import ModelStore, default_store_url

__all__ = ["load_active", "open_store", "scorer_for"]

log = logging.getLogger(__name__)


def open_store(settings: ScoreSettings, url: str | None = None) -> ModelStore:
    """The model store `url` names, else the configured one, else `$OMNIARB_HOME/models`."""
    return ModelStore(
        url or settings.store_url or default_store_url(), endpoint_url=settings.endpoint_url
    )


def load_active(settings: ScoreSettings) -> ActiveModel | None:
    """The newest model of `FEATURE_VERSION` (blocking I/O; the scorer checks its age)."""
    if not settings.enabled:
        return None
    try:
        store = open_store(settings)
        meta = store.newest(FEATURE_VERSION)
        if meta is None:
            log.info("no model of feature version %d in %s: baseline", FEATURE_VERSION, store.url)
            return None
        net, meta = store.load(meta.id)
    except OmniarbError as exc:
        log.warning("model store unusable, scoring on the baseline: %s", exc)
        return None
    log.info("score model %s loaded from %s", meta.id, store.url)
    return ActiveModel(net=net, meta=meta)


def scorer_for(settings: ScoreSettings, model: ActiveModel | None) -> ProfitScorer:
    """One chain's score stage on `model` (shared), with its own recent-outcome record."""
    return ProfitScorer(model=model, max_age_s=settings.max_model_age_s, recent=RecentOutcomes())
