"""`[score]`: the model store's URL and endpoint, the model's age and the reload period, each
bad value a clear error naming its key."""

from __future__ import annotations

from pathlib import Path

import pytest

from omniarb.config import Settings, load_settings
from omniarb.errors import ConfigError


def _load(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "omniarb.toml"
    path.write_text(text)
    return load_settings(path)


def test_defaults_use_the_local_store_and_a_week_old_model_at_most() -> None:
    score = Settings().score
    assert score.enabled
    assert score.store_url is None
    assert score.endpoint_url is None
    assert score.max_model_age_s == 604_800
    assert score.reload_s == 60


def test_an_s3_store_with_its_endpoint(tmp_path: Path) -> None:
    score = _load(
        tmp_path,
        '[score]\nstore_url = "s3://models/omniarb"\nendpoint_url = "http://127.0.0.1:9000"\n'
        "max_model_age_s = 0\nreload_s = 5\n",
    ).score
    assert score.store_url == "s3://models/omniarb"
    assert score.endpoint_url == "http://127.0.0.1:9000"
    assert (score.max_model_age_s, score.reload_s) == (0, 5)


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ('store_url = "ftp://host/models"', "score.store_url"),
        ('store_url = "s3://key:secret@bucket/models"', "score.store_url"),
        ('store_url = ""', "score.store_url"),
        ('endpoint_url = "ftp://127.0.0.1"', "score.endpoint_url"),
        ("max_model_age_s = -1", "score.max_model_age_s"),
        ("reload_s = 100000", "score.reload_s"),
        ("model = 1", "score.model"),
    ],
)
def test_a_bad_value_names_its_key(tmp_path: Path, line: str, key: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, f"[score]\n{line}\n")
    assert key in str(caught.value)
    assert "secret" not in str(caught.value)
