"""`GET /model`: the baseline until the store holds a model, then that model's id, version,
metrics and age; a model too old is reported and not used."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from _api_server import AUTH, serving

from omniarb.api import ApiState, LiveHub
from omniarb.config import Settings
from omniarb.score.features import FEATURE_VERSION
from omniarb.score.store import ModelStore
from omniarb.store import HistoryStore

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "unit" / "score"))
from _nets import meta, random_net


async def test_model_route_reports_fallback_then_the_trained_model(
    seeded_store: HistoryStore, tmp_path: Path
) -> None:
    store_url = str(tmp_path / "models")
    settings = Settings.model_validate({"score": {"store_url": store_url, "max_model_age_s": 3600}})
    state = ApiState(history=seeded_store.database, hub=LiveHub())
    async with (
        serving(state, settings) as server,
        httpx.AsyncClient(base_url=server.url, headers=AUTH) as client,
    ):
        before = (await client.get("/model")).json()
        assert before["fallback"] is True
        assert before["model_id"] is None
        assert before["reason"] == "no trained model: baseline"
        assert before["store"] == store_url

        store = ModelStore(store_url)
        old = datetime.now(UTC) - timedelta(hours=2)
        store.save(random_net(seed=1), meta(id="m-old", created_at=old))
        stale = (await client.get("/model")).json()
        assert stale["model_id"] == "m-old"
        assert stale["fallback"] is True
        assert "old" in stale["reason"]

        store.save(random_net(seed=2), meta(id="m-new", created_at=datetime.now(UTC)))
        body = (await client.get("/model")).json()
        assert body["model_id"] == "m-new"
        assert body["fallback"] is False
        assert body["reason"] == "model in use"
        assert body["metrics"] == {"auc": 0.9, "brier": 0.1}
        assert body["feature_version"] == body["code_feature_version"] == FEATURE_VERSION
        assert 0 <= body["age_s"] < 60
        assert (body["n_train"], body["n_test"]) == (70, 30)
