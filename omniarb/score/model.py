"""The profit predictor: a small PyTorch network with two heads over the standardized features,
p(success) (a logit) and the realized net profit in USD if the trade lands.

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
    """The training set's feature means and spreads, and the profit target's, to undo its scale."""

    feature_mean: tuple[float, ...]
    feature_std: tuple[float, ...]
    profit_mean_usd: float
    profit_std_usd: float


class ProfitNet(nn.Module):
    """features → (p(success), profit if it lands in USD); normalization folded in as buffers."""

    feature_mean: torch.Tensor
    feature_std: torch.Tensor
    profit_scale: torch.Tensor

    def __init__(self, n_features: int, hidden: int = HIDDEN) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Linear(n_features, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU()
        )
        self.head = nn.Linear(hidden, 2)
        self.register_buffer("feature_mean", torch.zeros(n_features))
        self.register_buffer("feature_std", torch.ones(n_features))
        self.register_buffer("profit_scale", torch.tensor([0.0, 1.0]))

    def set_normalization(self, norm: Normalization) -> None:
        """Fold the training set's scales into the network (saved with its weights)."""
        self.feature_mean.copy_(torch.tensor(norm.feature_mean))
        self.feature_std.copy_(torch.tensor(norm.feature_std))
        self.profit_scale.copy_(torch.tensor([norm.profit_mean_usd, norm.profit_std_usd]))

    def raw(self, features: torch.Tensor) -> torch.Tensor:
        """(logit, standardized profit) per row: what training's losses compare."""
        scaled = (features - self.feature_mean) / self.feature_std
        out: torch.Tensor = self.head(self.body(scaled))
        return out

    def forward(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """p(success) and profit-if-landed in USD for each row of `features`."""
        out = self.raw(features)
        p = torch.sigmoid(out[:, 0])
        profit = out[:, 1] * self.profit_scale[1] + self.profit_scale[0]
        return p, profit


def build_net(n_features: int, hidden: int = HIDDEN) -> ProfitNet:
    """A fresh network, seeded by the caller (`torch.manual_seed`) for reproducible training."""
    return ProfitNet(n_features, hidden)
