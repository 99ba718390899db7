"""Rows of the records beside the pipeline's: alerts, circuit-breaker trips, the optimizer's
parameter changes and stuck-transaction replacements (`omniarb.store._rows.rows_of` calls
these)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from omniarb.chains.spec import chain_by_id
from omniarb.errors import NotFoundError
from omniarb.monitor.alerts import Alert
from omniarb.optimize.change import ParamChange
from omniarb.risk.breaker import BreakerTrip
from omniarb.types import Replacement

__all__ = ["alert_row", "breaker_trip_row", "chain_name", "param_change_row", "replacement_row"]


def chain_name(chain_id: int) -> str:
    """The chain's name in the store; an unknown chain is kept as `chain-<id>`."""
    try:
        return chain_by_id(chain_id).name
    except NotFoundError:
        return f"chain-{chain_id}"


def alert_row(alert: Alert, at: datetime) -> dict[str, Any]:
    return {
        "id": alert.id,
        "rule": alert.rule,
        "severity": str(alert.severity),
        "key": alert.key,
        "chain": alert.chain,
        "summary": alert.summary,
        "value": alert.value,
        "threshold": alert.threshold,
        "suppressed": alert.suppressed,
        "fired_at": alert.fired_at,
        "recorded_at": at,
    }


def param_change_row(change: ParamChange, at: datetime) -> dict[str, Any]:
    return {
        "id": change.id,
        "chain": change.chain,
        "param": change.param,
        "old_value": str(change.old_value),
        "new_value": str(change.new_value),
        "reason": change.reason,
        "baseline_reward_usd": change.baseline_reward_usd,
        "baseline_samples": change.baseline_samples,
        "changed_at": change.changed_at,
        "effect_reward_usd": change.effect_reward_usd,
        "effect_samples": change.effect_samples,
        "evaluated_at": change.evaluated_at,
        "reverted": change.reverted,
        "recorded_at": at,
    }


def breaker_trip_row(trip: BreakerTrip, at: datetime) -> dict[str, Any]:
    return {
        "id": trip.id,
        "scope": trip.scope,
        "reason": str(trip.reason),
        "detail": trip.detail,
        "consecutive_failures": trip.consecutive_failures,
        "loss_usd": trip.loss_usd,
        "tripped_at": trip.tripped_at,
        "tripped_by": trip.tripped_by,
        "reset_at": trip.reset_at,
        "reset_by": trip.reset_by,
        "recorded_at": at,
    }


def replacement_row(replacement: Replacement, at: datetime) -> dict[str, Any]:
    return {
        "id": replacement.id,
        "chain_id": replacement.chain_id,
        "chain": chain_name(replacement.chain_id),
        "key": replacement.key,
        "nonce": replacement.nonce,
        "original_tx_hash": replacement.original_tx_hash,
        "replaced_tx_hash": replacement.replaced_tx_hash,
        "new_tx_hash": replacement.new_tx_hash,
        "old_max_fee_per_gas_wei": replacement.old_max_fee_per_gas_wei,
        "old_priority_fee_wei": replacement.old_priority_fee_wei,
        "new_max_fee_per_gas_wei": replacement.new_max_fee_per_gas_wei,
        "new_priority_fee_wei": replacement.new_priority_fee_wei,
        "reason": str(replacement.reason),
        "block_number": replacement.block_number,
        "replaced_at": replacement.replaced_at,
        "recorded_at": at,
    }
