"""`GET /params`: each chain's tuned parameters now and the optimizer's changes, newest first.

The current values come from the live figures (`LiveFigures.params`, each chain's
`omniarb.optimize.setup.ChainOptimizer`: empty when no engine is attached); the changes from
the history (`param_changes`, each with its reason, its measured effect and whether it was
reverted). A wei tip is a decimal string, as every amount of the API.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from omniarb.api._schema_base import BODY, Amount
from omniarb.api.state import ApiState
from omniarb.optimize.change import ParamChange
from omniarb.optimize.params import Params, ParamValue
from omniarb.optimize.setup import ChainOptimizer

__all__ = [
    "ChainParamsItem",
    "ParamChangeItem",
    "ParamsBody",
    "ParamsItem",
    "params_body",
    "register_params",
]

# A parameter's value: a number, or a decimal string for a tip in wei.
_Value = int | float | str


class ParamsItem(BaseModel):
    """One chain's parameters as its stages read them now."""

    model_config = BODY

    bribe_share_bps: int
    min_net_profit_usd: float
    tip_wei: Amount = Field(description="the least priority fee bid, wei; 0: the fee quote's")
    max_hops: int


class ParamChangeItem(BaseModel):
    """One change of one parameter of one chain, and (once measured) its effect."""

    model_config = BODY

    id: str
    chain: str
    param: str
    old_value: _Value
    new_value: _Value
    reason: str
    baseline_reward_usd: float = Field(
        description="reward per opportunity judged before the change"
    )
    baseline_samples: int
    changed_at: str
    effect_reward_usd: float | None = Field(
        description="reward per opportunity judged after the change minus the baseline; "
        "null: measuring"
    )
    effect_samples: int
    evaluated_at: str | None
    reverted: bool


class ChainParamsItem(BaseModel):
    """A chain's current parameters, which of them the optimizer tunes, and the change it is
    measuring (if any)."""

    model_config = BODY

    chain: str
    online: bool
    tuned: list[str]
    params: ParamsItem
    pending: ParamChangeItem | None


class ParamsBody(BaseModel):
    """`GET /params`."""

    model_config = BODY

    chains: list[ChainParamsItem]
    history: list[ParamChangeItem]


def _value(name: str, value: ParamValue) -> _Value:
    return str(value) if name == "tip_wei" else value


def _params(params: Params) -> ParamsItem:
    return ParamsItem(
        bribe_share_bps=params.bribe_share_bps,
        min_net_profit_usd=params.min_net_profit_usd,
        tip_wei=str(params.tip_wei),
        max_hops=params.max_hops,
    )


def change_item(change: ParamChange) -> ParamChangeItem:
    """The API's shape of a `ParamChange`."""
    return ParamChangeItem(
        id=change.id,
        chain=change.chain,
        param=change.param,
        old_value=_value(change.param, change.old_value),
        new_value=_value(change.param, change.new_value),
        reason=change.reason,
        baseline_reward_usd=change.baseline_reward_usd,
        baseline_samples=change.baseline_samples,
        changed_at=change.changed_at.isoformat(),
        effect_reward_usd=change.effect_reward_usd,
        effect_samples=change.effect_samples,
        evaluated_at=None if change.evaluated_at is None else change.evaluated_at.isoformat(),
        reverted=change.reverted,
    )


def params_body(optimizers: list[ChainOptimizer], history: list[ParamChange]) -> ParamsBody:
    """The body of `/params` for the chains' `optimizers` and the stored `history`."""
    chains = []
    for optimizer in optimizers:
        tuner = optimizer.tuner
        pending = None if tuner is None else tuner.pending
        chains.append(
            ChainParamsItem(
                chain=optimizer.live.chain,
                online=tuner is not None,
                tuned=[] if tuner is None else list(tuner.board.arms),
                params=_params(optimizer.live.current),
                pending=None if pending is None else change_item(pending),
            )
        )
    return ParamsBody(chains=chains, history=[change_item(c) for c in history])


def register_params(routes: APIRouter, state: ApiState) -> None:
    """Add `GET /params` to `routes`."""

    @routes.get("/params")
    async def params(
        chain: Annotated[str | None, Query(description="one chain's changes only")] = None,
        limit: Annotated[int, Query(ge=1, le=1000, description="at most this many changes")] = 50,
    ) -> ParamsBody:
        """Each chain's tuned parameters now, and the optimizer's changes, newest first."""
        live = state.live() if state.live is not None else None
        optimizers = [] if live is None else list(live.params)
        if chain is not None:
            optimizers = [o for o in optimizers if o.live.chain == chain]
        history = await asyncio.to_thread(state.history.param_changes, chain=chain, limit=limit)
        return params_body(optimizers, history)
