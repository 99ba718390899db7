"""The model the score stage starts with: the store's newest model of this code's feature
version, or none (the baseline decides). A store that cannot be read is logged and means no
model: the bot trades on the baseline rather than not at all."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

from omniarb._config_score import ScoreSettings
from omniarb.errors import OmniarbError
from omniarb.score.features import FEATURE_VERSION
from omniarb.score.recent import RecentOutcomes
from omniarb.score.scorer import ActiveModel, PendingView, ProfitScorer
from omniarb.score.store import ModelStore, default_store_url

__all__ = ["ModelSource", "load_active", "open_store", "scorer_for"]

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
    # Inference batches are tiny: intra-op threads only add wake-up jitter beside the loop.
    import torch

    torch.set_num_threads(1)
    log.info("score model %s loaded from %s", meta.id, store.url)
    return ActiveModel(net=net, meta=meta)


class ModelSource:
    """The model the score stage runs on, re-read from the store every `reload_s` off the hot
    path (`await source.refresh()` from a chain's per-block chores), so a model trained while
    the bot runs is used within `reload_s`, and the baseline decides until one exists."""

    def __init__(self, settings: ScoreSettings, model: ActiveModel | None = None) -> None:
        self._settings = settings
        self.model = model
        self._checked_ns = time.monotonic_ns()

    def reload(self) -> None:
        """Load the store's newest model if it is not the one in use (blocking I/O)."""
        if not self._settings.enabled:
            return
        try:
            meta = open_store(self._settings).newest(FEATURE_VERSION)
        except OmniarbError as exc:
            log.warning("model store unusable, keeping the model in use: %s", exc)
            return
        current = self.model
        if meta is None or (current is not None and current.meta.id == meta.id):
            return
        loaded = load_active(self._settings)
        if loaded is not None:
            self.model = loaded

    async def refresh(self) -> None:
        """`reload` in a worker thread, at most once per `reload_s`."""
        reload_s = self._settings.reload_s
        now_ns = time.monotonic_ns()
        if reload_s <= 0 or now_ns - self._checked_ns < reload_s * 1e9:
            return
        self._checked_ns = now_ns  # before the await: one reload at a time
        await asyncio.to_thread(self.reload)


def scorer_for(
    settings: ScoreSettings,
    source: ModelSource,
    *,
    tip_wei: Callable[[], int] | None = None,
    pending: PendingView | None = None,
) -> ProfitScorer:
    """One chain's score stage on `source`'s model, with its own recent-outcome record, the
    chain's current tip (`tip_wei`) and its recent pending swaps (`pending`)."""
    return ProfitScorer(
        model=None,
        source=source,
        max_age_s=settings.max_model_age_s,
        recent=RecentOutcomes(),
        tip_wei=tip_wei,
        pending=pending,
    )
