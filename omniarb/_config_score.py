"""`[score]`: the profit predictor's model store and when a model may be used. Part of
`omniarb.config`, which re-exports every name here.

    [score]
    enabled = true                      # false: the baseline decides (p = 1, EV = net profit)
    store_url = "s3://models/omniarb"   # default: $OMNIARB_HOME/models (a local directory)
    endpoint_url = "http://127.0.0.1:9000"  # an S3-compatible server (MinIO, moto, ...)
    max_model_age_s = 604800            # an older model is not used (0: no limit)
    reload_s = 60                       # how often a running bot looks for a newer model
                                        # (`omniarb demo`: 10 unless set)
    demo_train_after_trades = 150       # the demo trains a model at this many settled trades
                                        # when the store has no valid one (0: never; else >= 10)
    demo_retrain_every_trades = 0       # and again every this many more (0: once)

S3 credentials come from the environment (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), never
from this file.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_validator
from pydantic_core import PydanticCustomError

from omniarb._config_errors import DOMAIN_ERROR, Problem
from omniarb._config_services import MODEL, check_url

__all__ = ["ScoreSettings"]

# The model store's URL schemes this install can open (fsspec's built-in ones and s3fs).
_STORE_SCHEMES = ("file", "s3", "memory")
# The fewest settled trades `omniarb train` accepts (`omniarb.score.train.TrainSettings`).
_MIN_TRAIN_TRADES = 10


class ScoreSettings(BaseModel):
    """The score stage: where trained models live and how old one may be."""

    model_config = MODEL

    enabled: bool = Field(default=True, description="true or false")
    store_url: str | None = Field(
        default=None,
        description="a directory path or a URL with scheme file://, s3:// or memory:// "
        "(default: $OMNIARB_HOME/models)",
    )
    endpoint_url: str | None = Field(
        default=None, description="an http:// or https:// URL of an S3-compatible server"
    )
    max_model_age_s: float = Field(
        default=604_800.0, ge=0, description="seconds, a number >= 0 (0: no limit)"
    )

    reload_s: float = Field(
        default=60.0, ge=0, le=86_400, description="seconds, a number from 0 to 86400 (0: never)"
    )
    # Demo-only: `omniarb demo` trains in a child process once the history holds this many
    # settled trades, so a first demo ends on a model rather than the baseline throughout.
    demo_train_after_trades: int = Field(
        default=150, ge=0, le=1_000_000, description="an integer, 0 or from 10 to 1000000"
    )
    demo_retrain_every_trades: int = Field(
        default=0, ge=0, le=1_000_000, description="an integer from 0 to 1000000 (0: once)"
    )

    @field_validator("demo_train_after_trades")
    @classmethod
    def _check_train_after(cls, trades: int) -> int:
        # `omniarb train` refuses fewer than 10 settled trades: a lower threshold only fails.
        if 0 < trades < _MIN_TRAIN_TRADES:
            raise ValueError(f"must be 0 (never) or at least {_MIN_TRAIN_TRADES}, got {trades}")
        return trades

    @field_validator("store_url")
    @classmethod
    def _check_store_url(cls, url: str | None) -> str | None:
        if url is None:
            return None
        if not url.strip():
            raise ValueError("empty")
        scheme = urlsplit(url).scheme
        if "://" in url and scheme not in _STORE_SCHEMES:
            raise ValueError(f"unsupported scheme {scheme!r}")
        if "@" in urlsplit(url).netloc:
            # Secrets never come from the file, and the message must not echo this one.
            problem = Problem(
                path="score.store_url",
                message="credentials do not belong in the config file (the S3 client reads "
                "them from the environment); the value is not shown",
            )
            raise PydanticCustomError(
                DOMAIN_ERROR,
                "{summary}",
                {"summary": f"{problem.path}: {problem.message}", "problems": [problem]},
            )
        return url

    @field_validator("endpoint_url")
    @classmethod
    def _check_endpoint(cls, url: str | None) -> str | None:
        return None if url is None else check_url(url, ("http", "https"))
