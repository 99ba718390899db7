"""The model store round-trips a trained network, its feature list, version and metrics through
a local directory and through a real S3 API server (moto's, over HTTP on a free port)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest
import torch
from _nets import meta, random_net
from _waits import eventually
from moto.server import ThreadedMotoServer

from omniarb.config import Settings
from omniarb.errors import NotFoundError
from omniarb.score.active import ModelSource, load_active, scorer_for
from omniarb.score.features import FEATURE_VERSION, FEATURES
from omniarb.score.model import Normalization
from omniarb.score.store import ModelStore, ModelStoreError

BUCKET = "omniarb-models"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def s3_endpoint(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A moto S3 server on a free port with an empty bucket; test credentials in the env."""
    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    try:
        boto3.client("s3", endpoint_url=endpoint).create_bucket(Bucket=BUCKET)
        yield endpoint
    finally:
        server.stop()


def _norm() -> Normalization:
    n = len(FEATURES)
    return Normalization(
        feature_mean=tuple(float(i) for i in range(n)),
        feature_std=tuple(1.0 + i / 10 for i in range(n)),
        share_mean=0.95,
        share_std=0.25,
    )


def _round_trip(store: ModelStore) -> None:
    assert store.list() == []
    net = random_net(_norm(), seed=11)
    older = meta(id="m-older", created_at=datetime(2026, 12, 1, tzinfo=UTC))
    saved = meta(id="m-newer", metrics={"auc": 0.81, "brier": 0.12, "calibration_error": None})
    store.save(random_net(seed=1), older)
    store.save(net, saved)
    assert [m.id for m in store.list()] == ["m-newer", "m-older"]
    assert store.newest(FEATURE_VERSION) == saved
    assert store.newest(FEATURE_VERSION + 1) is None
    loaded, got = store.load("m-newer")
    assert got == saved
    assert got.features == FEATURES
    assert got.metrics["calibration_error"] is None
    for name, tensor in net.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], tensor), name
    x = torch.randn(5, len(FEATURES))
    with torch.inference_mode():
        assert all(torch.equal(a, b) for a, b in zip(net(x), loaded(x), strict=True))
    with pytest.raises(NotFoundError):
        store.load("m-missing")


def test_round_trip_through_a_local_directory(tmp_path: Path) -> None:
    _round_trip(ModelStore(str(tmp_path / "models")))


def test_round_trip_through_an_s3_api_server(s3_endpoint: str) -> None:
    _round_trip(ModelStore(f"s3://{BUCKET}/omniarb", endpoint_url=s3_endpoint))
    # What the store wrote is plain objects in the bucket.
    listed = boto3.client("s3", endpoint_url=s3_endpoint).list_objects_v2(Bucket=BUCKET)
    keys = sorted(o["Key"] for o in listed["Contents"])
    assert keys == [
        "omniarb/m-newer/meta.json",
        "omniarb/m-newer/weights.pt",
        "omniarb/m-older/meta.json",
        "omniarb/m-older/weights.pt",
    ]


def test_the_bot_loads_the_newest_model_from_s3(s3_endpoint: str) -> None:
    settings = Settings.model_validate(
        {"score": {"store_url": f"s3://{BUCKET}/bot", "endpoint_url": s3_endpoint}}
    )
    assert load_active(settings.score) is None  # an empty store: the baseline
    store = ModelStore(f"s3://{BUCKET}/bot", endpoint_url=s3_endpoint)
    store.save(random_net(seed=2), meta(id="m-bot", created_at=datetime.now(UTC)))
    model = load_active(settings.score)
    assert model is not None
    assert model.meta.id == "m-bot"
    assert model.meta.age_s() < timedelta(minutes=5).total_seconds()


def test_an_unreachable_store_means_the_baseline_not_a_crash(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # one refused connection is enough to know
    dead = f"http://127.0.0.1:{_free_port()}"
    settings = Settings.model_validate({"score": {"store_url": "s3://x/y", "endpoint_url": dead}})
    assert load_active(settings.score) is None
    with pytest.raises(ModelStoreError, match="cannot list the model store"):
        ModelStore("s3://x/y", endpoint_url=dead).list()


async def test_a_running_scorer_picks_up_a_model_trained_after_it_started(
    tmp_path: Path,
) -> None:
    store_url = str(tmp_path / "models")
    settings = Settings.model_validate({"score": {"store_url": store_url, "reload_s": 0.001}})
    source = ModelSource(settings.score, load_active(settings.score))
    scorer = scorer_for(settings.score, source)
    assert scorer.status().fallback
    ModelStore(store_url).save(random_net(seed=5), meta(id="m-late", created_at=datetime.now(UTC)))

    async def picked_up() -> bool:
        await scorer.refresh()
        return not scorer.status().fallback

    await eventually(picked_up, what="the scorer using the new model", timeout_s=10)
    assert scorer.status().model_id == "m-late"


def test_a_store_url_with_credentials_is_refused_without_echoing_them() -> None:
    with pytest.raises(ModelStoreError) as caught:
        ModelStore("s3://key:s3cr3t@bucket/models")
    assert "s3cr3t" not in str(caught.value)
