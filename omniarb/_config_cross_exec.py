"""The `[cross_chain.execution]` table: how a cross-chain trade's legs are sent, and what is done
with the exposure a failed leg leaves.

    [cross_chain.execution]
    key = ""                    # the inventory account's key id in the [keys] backend
                                # (described networks; the devnet uses its own account)
    max_open_exposure_usd = 50000.0  # new trades wait while open exposure is above this
    unwind = "complete"         # complete | reverse | hold
    unwind_max_loss_bps = 300   # complete: redo the failed leg only within this loss
    unwind_max_attempts = 3     # unwind transactions tried per exposure before it is abandoned
    receipt_timeout_s = 60.0    # a leg without a receipt by then is dropped
    deadline_s = 120            # the routers' deadline after sending
    gas_limit_factor = 2.0      # gas limit = the leg's gas estimate × this
    tip_wei = 1000000000        # priority fee bid per gas
    leg_gas = 150000            # one leg's gas, as the detector prices it (V2 ~87k, V3 ~120k)
    latency_ewma_alpha = 0.2    # weight of the newest leg latency in the per-pair average
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from omniarb._config_services import MODEL

__all__ = ["CrossChainExecutionSettings", "UnwindPolicy"]

UnwindPolicy = Literal["complete", "reverse", "hold"]


class CrossChainExecutionSettings(BaseModel):
    """`[cross_chain.execution]`."""

    model_config = MODEL

    key: str = ""
    max_open_exposure_usd: float = Field(default=50_000.0, ge=0)
    unwind: UnwindPolicy = "complete"
    unwind_max_loss_bps: int = Field(default=300, ge=0, le=10_000)
    unwind_max_attempts: int = Field(default=3, ge=1)
    receipt_timeout_s: float = Field(default=60.0, gt=0)
    deadline_s: int = Field(default=120, gt=0)
    gas_limit_factor: float = Field(default=2.0, ge=1.0)
    tip_wei: int = Field(default=10**9, ge=0)
    leg_gas: int = Field(default=150_000, gt=0)
    latency_ewma_alpha: float = Field(default=0.2, gt=0, le=1)
