"""The profit predictor: a small PyTorch network with two heads over the standardized features,
p(success) (a logit) and the share of its predicted net profit a trade realizes if it lands
(about 1 where the simulation is exact; less where a price moved or a fee was mispriced).
Predicting the share rather than USD keeps the target on one scale from a 1-cent trade to a
1,000-dollar one; the scorer multiplies it by the opportunity's own predicted net profit.

Only `omniarb.score.train` and the model store import this module: torch takes a second to
import, and a bot without a model never pays for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

__all__ = ["HIDDEN", "Normalization", "ProfitNet", "build_net"]

# Small on purpose: a few hundred to a few thousand trades, and a p99 under 200 µs per call.
HIDDEN = 32


@dataclass(frozen=True, slots=True, kw_only=True)
class Normalization:
    """The training set's feature means and spreads, and the realized share's, to undo its scale."""

    feature_mean: tuple[float, ...]
    feature_std: tuple[float, ...]
    share_mean: float
    share_std: float


class ProfitNet(nn.Module):
    """features → (p(success), realized share if it lands); normalization folded in as buffers."""

    feature_mean: torch.Tensor
    feature_std: torch.Tensor
    share_scale: torch.Tensor

    def __init__(self, n_features: int, hidden: int = HIDDEN) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(n_features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU()
        )
        self.head = nn.Linear(hidden, 2)
        self.register_buffer("feature_mean", torch.zeros(n_features))
        self.register_buffer("feature_std", torch.ones(n_features))
        self.register_buffer("share_scale", torch.tensor([0.0, 1.0]))

    def set_normalization(self, norm: Normalization) -> None:
        """Fold the training set's scales into the network (saved with its weights)."""
        self.feature_mean.copy_(torch.tensor(norm.feature_mean))
        self.feature_std.copy_(torch.tensor(norm.feature_std))
        self.share_scale.copy_(torch.tensor([norm.share_mean, norm.share_std]))

    def raw(self, features: torch.Tensor) -> torch.Tensor:
        """(logit, standardized share) per row: what training's losses compare."""
        scaled = (features - self.feature_mean) / self.feature_std
        out: torch.Tensor = self.head(self.body(scaled))
        return out

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """p(success) and the realized share if it lands, for each row of `features`."""
        out = self.raw(features)
        p = torch.sigmoid(out[:, 0])
        share = out[:, 1] * self.share_scale[1] + self.share_scale[0]
        return p, share


def build_net(n_features: int, hidden: int = HIDDEN) -> ProfitNet:
    """A fresh network, seeded by the caller (`torch.manual_seed`) for reproducible training."""
    return ProfitNet(n_features, hidden)
