"""Real predictor networks for the scorer tests: a seeded random one, and one whose output is
fixed (zero weights, the answer in the head's bias) so a test knows p and profit exactly."""

from __future__ import annotations

from datetime import UTC, datetime

import torch

from omniarb.score.features import FEATURE_VERSION, FEATURES
from omniarb.score.model import HIDDEN, Normalization, ProfitNet, build_net
from omniarb.score.scorer import ActiveModel
from omniarb.score.store import ModelMeta

CREATED = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def meta(**changes: object) -> ModelMeta:
    values: dict[str, object] = {
        "id": "m-test",
        "feature_version": FEATURE_VERSION,
        "features": FEATURES,
        "created_at": CREATED,
        "hidden": HIDDEN,
        "n_train": 70,
        "n_test": 30,
        "metrics": {"auc": 0.9, "brier": 0.1},
    }
    values.update(changes)
    return ModelMeta(**values)  # type: ignore[arg-type]


def random_net(norm: Normalization | None = None, seed: int = 3) -> ProfitNet:
    torch.manual_seed(seed)
    net = build_net(len(FEATURES))
    if norm is not None:
        net.set_normalization(norm)
    net.eval()
    return net


def fixed_net(*, logit: float, share: float) -> ProfitNet:
    """A network answering p = sigmoid(`logit`) and the realized `share` for every input."""
    net = build_net(len(FEATURES))
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.zero_()
        net.head.bias.copy_(torch.tensor([logit, share]))
    net.eval()
    return net


def active(net: ProfitNet, **meta_changes: object) -> ActiveModel:
    return ActiveModel(net=net, meta=meta(**meta_changes))
