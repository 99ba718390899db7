"""`[execute]`: how a trade is checked before it is sent.

    [execute]
    remote_precheck = "unproven"   # "always" | "never"
    precheck_audit_rate = 0.05     # of the trades sent without the remote pre-check
    deadline_blocks = 2            # blocks a trade may still run in after the one it targets

Every trade is simulated locally on the synced pool state (exact math, microseconds). The
remote `eth_call` pre-check (a node round trip on the hot path) runs on top of it for every
trade ("always"), for none ("never"), or ("unproven", the default) only for a route through a
token no trade has yet proven to behave, or one flagged since. A `precheck_audit_rate` share of
the trades sent without it get the `eth_call` after the send, off the hot path, compared with
the local prediction. A dry run always runs the remote pre-check: it is its whole point.

Every plan carries an on-chain deadline block (`OmniArbExecutor` reverts `Expired` past it,
first thing): the block the trade targets (the one after the block it was priced on) plus
`deadline_blocks`; a bundle's plan is good at least through the last block the bundles target.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from omniarb._config_services import MODEL

__all__ = ["ExecuteSettings", "RemotePrecheckMode"]

RemotePrecheckMode = Literal["unproven", "always", "never"]


class ExecuteSettings(BaseModel):
    """The pre-check policy of the execute stage (see the module docstring)."""

    model_config = MODEL

    remote_precheck: RemotePrecheckMode = Field(
        default="unproven", description='one of "unproven", "always", "never"'
    )
    precheck_audit_rate: float = Field(
        default=0.05, ge=0.0, le=1.0, description="a fraction from 0 to 1"
    )
    deadline_blocks: int = Field(default=2, ge=0, le=256, description="blocks from 0 to 256")
