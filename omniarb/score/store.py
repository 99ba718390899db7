"""The model store: each trained predictor saved with its feature list, version and metrics.

    <root>/<model id>/meta.json     # `ModelMeta.to_json()`
    <root>/<model id>/weights.pt    # the network's state dict (`torch.save`)

`root` is a local directory (default `$OMNIARB_HOME/models`) or any fsspec URL, e.g.
`s3://bucket/prefix` with `endpoint_url` for an S3-compatible server; credentials come from the
environment as the S3 client reads them (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`), never
from the configuration. Listing and reading metadata need no torch; only `save`/`load` import it.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import fsspec

from omniarb.errors import NotFoundError, OmniarbError
from omniarb.paths import omniarb_home

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

    from omniarb.score.model import ProfitNet

__all__ = ["ModelMeta", "ModelStore", "ModelStoreError", "default_store_url"]

log = logging.getLogger(__name__)

_META = "meta.json"
_WEIGHTS = "weights.pt"


class ModelStoreError(OmniarbError):
    """The model store cannot be read or written (unreachable, refused, or a corrupt model)."""


def default_store_url() -> str:
    """`$OMNIARB_HOME/models`."""
    return str(omniarb_home() / "models")


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelMeta:
    """What a saved model is: its inputs, when it was made, and how it did on held-out data."""

    id: str
    feature_version: int
    features: tuple[str, ...]
    created_at: datetime
    hidden: int
    n_train: int
    n_test: int
    metrics: Mapping[str, float | None] = field(default_factory=dict)

    def age_s(self, now: datetime | None = None) -> float:
        """Seconds since the model was created."""
        return ((now or datetime.now(UTC)) - self.created_at).total_seconds()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "feature_version": self.feature_version,
            "features": list(self.features),
            "created_at": self.created_at.isoformat(),
            "hidden": self.hidden,
            "n_train": self.n_train,
            "n_test": self.n_test,
            "metrics": dict(self.metrics),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModelMeta:
        try:
            return cls(
                id=str(data["id"]),
                feature_version=int(data["feature_version"]),
                features=tuple(str(f) for f in data["features"]),
                created_at=datetime.fromisoformat(str(data["created_at"])),
                hidden=int(data["hidden"]),
                n_train=int(data["n_train"]),
                n_test=int(data["n_test"]),
                metrics={
                    str(k): (None if v is None else float(v)) for k, v in data["metrics"].items()
                },
            )
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ModelStoreError(f"malformed model metadata: {exc!r}") from exc


class ModelStore:
    """Saves, lists and loads models under one root URL (blocking I/O: call from a thread)."""

    def __init__(self, url: str, *, endpoint_url: str | None = None) -> None:
        if "@" in url.split("://", 1)[-1].split("/", 1)[0]:
            # Credentials come from the environment; the message must not echo these.
            raise ModelStoreError("credentials do not belong in the model store URL (not shown)")
        self.url = url.rstrip("/")
        options: dict[str, Any] = {}
        if endpoint_url is not None:
            options["endpoint_url"] = endpoint_url
        try:
            fs, root = fsspec.core.url_to_fs(self.url, **options)
        except (ImportError, ValueError, TypeError) as exc:
            raise ModelStoreError(f"cannot open the model store {self.url!r}: {exc}") from exc
        self._fs: AbstractFileSystem = fs
        self._root: str = root

    @contextmanager
    def _boundary(self, what: str) -> Iterator[None]:
        """Map the backend's errors to ours, once: each fsspec backend raises its own tree
        (OSError, botocore's, aiohttp's), and callers only need "missing" or "unusable"."""
        try:
            yield
        except (FileNotFoundError, OmniarbError):
            raise
        except Exception as exc:
            raise ModelStoreError(f"{what} ({self.url}): {exc}") from exc

    def _path(self, model_id: str, name: str) -> str:
        return f"{self._root}/{model_id}/{name}"

    def save(self, net: ProfitNet, meta: ModelMeta) -> None:
        """Write the weights, then the metadata: a model is listed only once complete."""
        import torch

        buffer = io.BytesIO()
        torch.save(net.state_dict(), buffer)
        with self._boundary(f"cannot write model {meta.id}"):
            self._fs.makedirs(f"{self._root}/{meta.id}", exist_ok=True)
            with self._fs.open(self._path(meta.id, _WEIGHTS), "wb") as out:
                out.write(buffer.getvalue())
            with self._fs.open(self._path(meta.id, _META), "wb") as out:
                out.write(json.dumps(meta.to_json(), indent=2).encode())

    def list(self) -> list[ModelMeta]:
        """Every complete model, newest first; an absent root is an empty store."""
        with self._boundary("cannot list the model store"):
            if not self._fs.exists(self._root):
                return []
            entries = self._fs.ls(self._root, detail=False)
        metas = []
        for entry in entries:
            model_id = str(entry).rstrip("/").rsplit("/", 1)[-1]
            try:
                metas.append(self.meta(model_id))
            except NotFoundError:
                continue  # weights written, metadata not yet (or a foreign folder)
            except ModelStoreError as exc:
                log.warning("skipping model %s: %s", model_id, exc)
        return sorted(metas, key=lambda m: (m.created_at, m.id), reverse=True)

    def meta(self, model_id: str) -> ModelMeta:
        """The metadata of `model_id` (`NotFoundError` if there is no such model)."""
        path = self._path(model_id, _META)
        try:
            with self._boundary(f"cannot read model {model_id}"), self._fs.open(path, "rb") as src:
                raw = src.read()
        except FileNotFoundError:
            raise NotFoundError(f"no model {model_id!r} in {self.url}") from None
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ModelStoreError(f"malformed metadata of model {model_id}: {exc}") from exc
        return ModelMeta.from_json(data)

    def newest(self, feature_version: int) -> ModelMeta | None:
        """The newest model trained on `feature_version`, or None."""
        return next((m for m in self.list() if m.feature_version == feature_version), None)

    def load(self, model_id: str) -> tuple[ProfitNet, ModelMeta]:
        """The network of `model_id` in inference mode, with its metadata."""
        import torch

        from omniarb.score.model import build_net

        meta = self.meta(model_id)
        try:
            with self._boundary(f"cannot load model {model_id}"):
                with self._fs.open(self._path(model_id, _WEIGHTS), "rb") as src:
                    raw = src.read()
                state = torch.load(io.BytesIO(raw), weights_only=True)
                net = build_net(len(meta.features), meta.hidden)
                net.load_state_dict(state)
        except FileNotFoundError:
            raise NotFoundError(f"model {model_id!r} has no weights in {self.url}") from None
        net.eval()
        return net, meta
