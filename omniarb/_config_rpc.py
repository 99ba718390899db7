"""Settings of the RPC client stack: `[rpc]`, shared by every chain's endpoints. Part of
`omniarb.config`, which re-exports every name here."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, Field, model_validator
from pydantic_core import PydanticCustomError

from omniarb._config_errors import DOMAIN_ERROR, Problem
from omniarb._config_services import MODEL
from omniarb.backoff import Backoff
from omniarb.chains.rpc import HEDGED_BY_DEFAULT, FailoverPolicy, RetryPolicy, RpcPolicy

__all__ = ["RpcSettings"]


class RpcSettings(BaseModel):
    """Timeouts, retries, the per-endpoint rate limit and failover of JSON-RPC over HTTP."""

    model_config = MODEL

    timeout_s: float = Field(
        default=30.0, gt=0, le=600, description="seconds, a number > 0 and <= 600"
    )
    max_attempts: int = Field(
        default=3, ge=1, le=100, description="an integer from 1 to 100 (tries per request)"
    )
    backoff_initial_s: float = Field(
        default=0.05, ge=0, le=60, description="seconds, a number from 0 to 60"
    )
    backoff_max_s: float = Field(
        default=1.0, ge=0, le=600, description="seconds, a number from 0 to 600"
    )
    rate_limit_per_s: float = Field(
        default=0.0,
        ge=0,
        description="requests per second per endpoint, a number >= 0 (0: no limit)",
    )
    rate_limit_burst: int = Field(
        default=20, ge=1, description="an integer >= 1 (requests an idle endpoint may take at once)"
    )
    max_lag_blocks: int = Field(
        default=3,
        ge=0,
        description="an integer >= 0 (blocks an endpoint's head may trail the best one's)",
    )
    head_check_interval_s: float = Field(
        default=2.0, gt=0, le=3600, description="seconds, a number > 0 and <= 3600"
    )

    @model_validator(mode="after")
    def _check_backoff(self) -> Self:
        if self.backoff_max_s < self.backoff_initial_s:
            problem = Problem(
                path="rpc.backoff_max_s",
                message=f"must be >= rpc.backoff_initial_s ({self.backoff_initial_s:g}), "
                f"got {self.backoff_max_s:g}",
            )
            raise PydanticCustomError(
                DOMAIN_ERROR,
                "{summary}",
                {"summary": f"{problem.path}: {problem.message}", "problems": [problem]},
            )
        return self

    def policy(self, *, hedge_sends: bool = True) -> RpcPolicy:
        """The client stack's policy for these settings; `hedge_sends` is the chain's
        `[chains.NAME] hedge_sends` (it matters only with several endpoints)."""
        backoff = Backoff(initial_s=self.backoff_initial_s, max_s=self.backoff_max_s)
        return RpcPolicy(
            retry=RetryPolicy(max_attempts=self.max_attempts, backoff=backoff),
            failover=FailoverPolicy(
                max_lag_blocks=self.max_lag_blocks,
                head_check_interval_s=self.head_check_interval_s,
            ),
            rate_limit_per_s=self.rate_limit_per_s or None,
            rate_limit_burst=self.rate_limit_burst,
            hedged_methods=HEDGED_BY_DEFAULT if hedge_sends else frozenset(),
        )
