"""The exposure a failed leg leaves, tracked while open and unwound by policy.

When one leg lands and the other does not, the inventory is no longer hedged: a failed buy
leaves the account short the asset on the buy chain, a failed sell leaves it long the asset on
the sell chain. That is an `exposures` row, open until unwound by `[cross_chain.execution]
unwind`:

- `complete`: redo the failed leg at the current price (quoted by an `eth_call` of the swap),
  if it loses no more than `unwind_max_loss_bps` against the leg's prediction;
- `reverse`: undo the landed leg (swap its output back along the reversed route);
- `hold`: alert and keep it open (an operator closes it).

Each unwind transaction is a `cross_chain_legs` row with role `unwind`; after
`unwind_max_attempts` failed tries the exposure is `abandoned` (and alerted). While the open
exposure's USD is above `max_open_exposure_usd`, `ExposureBook.blocked` holds new trades back.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from omniarb._config_cross_exec import CrossChainExecutionSettings
from omniarb.cross_chain_types import LegRole
from omniarb.crosschain.leg_chain import LegChain, LegOrder
from omniarb.crosschain.leg_result import LegResult
from omniarb.errors import OmniarbError
from omniarb.store.cross_chain import ExposureRecord
from omniarb.types import Route

__all__ = ["ExposureBook", "OpenExposure", "reversed_route"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class OpenExposure:
    """An open exposure with what its unwind needs: the failed leg's order and the landed leg."""

    record: ExposureRecord
    failed: LegOrder
    failed_chain: str
    landed: LegResult
    landed_order: LegOrder
    attempts: int = 0


def reversed_route(route: Route) -> Route:
    """The route back: the same pools in reverse order, each hop the other way."""
    return replace(
        route,
        hops=tuple(
            replace(
                hop,
                token_in=hop.token_out,
                token_out=hop.token_in,
                zero_for_one=not hop.zero_for_one,
                currency_in=hop.currency_out,
                currency_out=hop.currency_in,
            )
            for hop in reversed(route.hops)
        ),
    )


class ExposureBook:
    """The open exposures, their USD per chain, and their unwinding by policy.

    `record` persists a row (`CrossChainStore.record_exposure`), `record_leg` an unwind leg,
    `alert` tells the operator (hold, abandoned)."""

    def __init__(
        self,
        *,
        settings: CrossChainExecutionSettings,
        chains: Mapping[str, LegChain],
        record: Callable[[ExposureRecord], Awaitable[None]],
        alert: Callable[[str], None] | None = None,
    ) -> None:
        self._settings = settings
        self._chains = chains
        self._record = record
        self._alert = alert or (lambda message: log.warning("%s", message))
        self._open: dict[str, OpenExposure] = {}
        # Open rows of an earlier run: counted in the open USD (they still hold trades back),
        # not unwound here (their legs' routes are not stored): an operator closes them.
        self._restored: dict[str, ExposureRecord] = {}

    def restore(self, records: list[ExposureRecord]) -> None:
        """Count the open exposures a previous run left (`CrossChainStore.exposures`)."""
        for record in records:
            if record.status in ("open", "unwinding") and record.id not in self._open:
                self._restored[record.id] = record

    @property
    def open(self) -> tuple[OpenExposure, ...]:
        return tuple(self._open.values())

    def open_usd_by_chain(self) -> dict[str, float]:
        """The open exposures' USD at opening, summed per chain (dashboard and metrics)."""
        totals: dict[str, float] = {}
        records = [e.record for e in self._open.values()] + list(self._restored.values())
        for record in records:
            totals[record.chain] = totals.get(record.chain, 0.0) + record.usd_at_open
        return totals

    @property
    def open_usd(self) -> float:
        return sum(self.open_usd_by_chain().values())

    @property
    def blocked(self) -> bool:
        """New cross-chain trades wait while the open exposure is above the limit."""
        return self.open_usd > self._settings.max_open_exposure_usd

    async def opened(self, exposure: OpenExposure) -> None:
        """Track and persist a new open exposure."""
        self._open[exposure.record.id] = exposure
        await self._record(exposure.record)
        log.warning(
            "cross-chain exposure %s open: %s %d of %s on %s ($%.2f)",
            exposure.record.id,
            exposure.record.side,
            exposure.record.amount,
            exposure.record.token,
            exposure.record.chain,
            exposure.record.usd_at_open,
        )

    def unwind_order(self, exposure: OpenExposure, attempt: int) -> tuple[str, LegOrder] | None:
        """The chain and base order of the policy's unwind (None for hold)."""
        policy = self._settings.unwind
        if policy == "complete":
            return exposure.failed_chain, replace(exposure.failed, role=LegRole.UNWIND)
        if policy == "reverse":
            landed = exposure.landed_order
            return exposure.landed.chain, LegOrder(
                role=LegRole.UNWIND,
                route=reversed_route(landed.route),
                amount_in=exposure.landed.realized_out,
                min_out=0,
                predicted_out=0,
                gas_estimate=landed.gas_estimate,
            )
        return None

    async def unwind(self, exposure_id: str) -> LegResult | None:
        """Try to close an open exposure by policy; the unwind leg sent (None: none was)."""
        exposure = self._open[exposure_id]
        planned = self.unwind_order(exposure, exposure.attempts)
        if planned is None:
            self._alert(f"cross-chain exposure {exposure_id} held open by policy")
            return None
        chain_name, order = planned
        chain = self._chains[chain_name]
        try:
            quoted = await chain.quote(order.route, order.amount_in)
        except OmniarbError as exc:
            return await self._failed(exposure, f"unwind quote failed: {exc}")
        if self._settings.unwind == "complete":
            loss_bps = (
                (exposure.failed.predicted_out - quoted)
                * 10_000
                / max(exposure.failed.predicted_out, 1)
            )
            if loss_bps > self._settings.unwind_max_loss_bps:
                return await self._failed(
                    exposure, f"completing would lose {loss_bps:.1f} bps (limit "
                    f"{self._settings.unwind_max_loss_bps})",
                )  # fmt: skip
        order = replace(order, min_out=quoted, predicted_out=quoted)
        result = await chain.send(order)
        self._open[exposure_id] = replace(exposure, attempts=exposure.attempts + 1)
        if not result.landed:
            await self._failed(self._open[exposure_id], f"unwind leg {result.status}", sent=True)
        return result

    async def closed(self, exposure_id: str, *, unwind_leg_id: str, realized_usd: float) -> None:
        """The exposure's unwind landed: close it with its realized USD."""
        exposure = self._open.pop(exposure_id)
        await self._record(
            replace(
                exposure.record,
                status="unwound",
                unwind_leg_id=unwind_leg_id,
                realized_usd=realized_usd,
                closed_at=datetime.now(UTC),
            )
        )

    async def _failed(
        self, exposure: OpenExposure, reason: str, *, sent: bool = False
    ) -> LegResult | None:
        attempts = exposure.attempts if sent else exposure.attempts + 1
        exposure = replace(exposure, attempts=attempts)
        self._open[exposure.record.id] = exposure
        log.warning("cross-chain exposure %s: %s", exposure.record.id, reason)
        if attempts >= self._settings.unwind_max_attempts:
            self._open.pop(exposure.record.id)
            await self._record(
                replace(exposure.record, status="abandoned", closed_at=datetime.now(UTC))
            )
            self._alert(
                f"cross-chain exposure {exposure.record.id} abandoned after {attempts} "
                f"unwind attempts: {reason}"
            )
        return None

    def attempts(self, exposure_id: str) -> int:
        return self._open[exposure_id].attempts if exposure_id in self._open else 0
