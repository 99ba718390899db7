"""The rebalancer: keeps each chain's inventory inside its band by bridge transfers that are
recorded before they are sent, tracked until they arrive, and resumed after a restart.

    rebalancer = Rebalancer(settings=settings.rebalance, bands=bands, tokens=tokens,
                            chains={name: ChainAccess(...)}, bridges=[across, canonical],
                            store=BridgeTransferStore(engine), balances=balances,
                            prices={"ETH": 3000.0, ...}, recipients={"arbitrum": account, ...})
    await rebalancer.run()      # resume(), then every poll: track; every interval_s: plan

A planned transfer goes: quote on every allowed bridge → the cheapest route
(`rebalance_plan.choose_route`) → `deposit_calls` → nonces from the account's shared manager
(`omniarb.crosschain.nonces`) → sign → WRITE the row (planned, with the raw transactions) →
broadcast → sent → deposited → arrived (`transfer_track.step`). Past `stuck_after_s` a transfer
is stuck: one alert through the alert manager, and still tracked. `resume()` (first thing in
`run`) loads every row not final and steps it: the stored bytes are re-broadcast, never
re-signed.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from omniarb._config_rebalance import RebalanceSettings
from omniarb.bridges.base import Bridge, BridgeQuote, TransferStatus
from omniarb.crosschain.rebalance_plan import (
    Band,
    Holding,
    InFlight,
    Move,
    RouteChoice,
    choose_route,
    gross_up,
    plan_moves,
)
from omniarb.crosschain.transfer_send import ChainAccess, sign_calls
from omniarb.crosschain.transfer_track import step
from omniarb.errors import NotFoundError, OmniarbError
from omniarb.monitor.alerts import Alert, Severity
from omniarb.network import TokenEntry
from omniarb.store.bridge_transfers import BridgeTransfer, BridgeTransferStore

__all__ = ["BRIDGE_STUCK", "Rebalancer", "RebalancerHooks", "TransferObserver"]

log = logging.getLogger(__name__)

# The alert rule of a transfer past its deadline (`omniarb.monitor.alerts`).
BRIDGE_STUCK = "bridge_stuck"


class TransferObserver(Protocol):
    """Who hears of each transfer's new status (`omniarb.telemetry.Telemetry`: metrics and
    the live hub's `bridge_transfer` messages)."""

    def bridge_transfer(
        self, transfer: BridgeTransfer, open_transfers: list[BridgeTransfer]
    ) -> None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class RebalancerHooks:
    """Points a test (or an operator's tooling) may observe: `recorded` runs after a new row
    is written and before its first broadcast."""

    recorded: Callable[[BridgeTransfer], Awaitable[None]] | None = None


class Rebalancer:
    """Plans, sends and tracks bridge transfers (see the module docstring)."""

    def __init__(
        self,
        *,
        settings: RebalanceSettings,
        bands: Sequence[Band],
        tokens: Mapping[tuple[str, str], TokenEntry],
        chains: Mapping[str, ChainAccess],
        bridges: Sequence[Bridge],
        store: BridgeTransferStore,
        balances: Callable[[], Awaitable[Sequence[Holding]]],
        prices: Mapping[str, float],
        recipients: Mapping[str, str],
        native_assets: Mapping[str, str] | None = None,
        on_change: Callable[[BridgeTransfer], None] | None = None,
        alerts: Callable[[Alert], object] | None = None,
        observer: TransferObserver | None = None,
        hooks: RebalancerHooks | None = None,
        poll_s: float = 1.0,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._settings = settings
        self._bands = tuple(bands)
        self._tokens = tokens
        self._chains = chains
        self._bridges = {b.name: b for b in bridges if settings.allows(b.name)}
        self._store = store
        self._balances = balances
        self._prices = prices
        self._recipients = recipients
        self._native_assets = native_assets or {}
        self._on_change = on_change
        self._alerts = alerts
        self._observer = observer
        self._hooks = hooks or RebalancerHooks()
        self._poll_s = poll_s
        self._clock = clock
        self._open: dict[str, BridgeTransfer] = {}
        self._last_plan: datetime | None = None

    @property
    def open_transfers(self) -> list[BridgeTransfer]:
        """The transfers not final, as last seen."""
        return list(self._open.values())

    async def run(self) -> None:
        """Resume, then track every `poll_s` and plan every `interval_s`, until cancelled."""
        await self.resume()
        while True:
            try:
                await self.tick()
            except OmniarbError as exc:
                # One bad answer (a node, a quote) skips this round; the next one retries.
                log.warning("rebalance round failed: %s", exc)
            await asyncio.sleep(self._poll_s)

    async def resume(self) -> list[BridgeTransfer]:
        """Load every transfer not final and step it once (re-broadcasting stored bytes)."""
        for transfer in await self._store.in_flight():
            self._open[transfer.id] = transfer
        await self.track()
        for access in self._chains.values():
            # A stored transaction may hold a nonce a fresh book would hand out again.
            access.nonces.invalidate()
        return self.open_transfers

    async def tick(self) -> None:
        """Track every open transfer; plan new ones when `interval_s` has passed."""
        await self.track()
        now = self._clock()
        due = self._last_plan is None or now - self._last_plan >= timedelta(
            seconds=self._settings.interval_s
        )
        if due:
            self._last_plan = now
            await self.rebalance()

    async def track(self) -> None:
        """Step every open transfer once."""
        for transfer in list(self._open.values()):
            bridge = self._bridges.get(transfer.bridge)
            access = self._chains.get(transfer.src_chain)
            if bridge is None or access is None:
                log.error("transfer %s: no %s bridge or chain here", transfer.id, transfer.bridge)
                continue
            moved = await step(transfer, bridge=bridge, source=access, now=self._clock())
            if moved != transfer:
                await self._store.save(moved)
                self._changed(transfer, moved)

    async def rebalance(self) -> list[BridgeTransfer]:
        """Plan against the bands now and send each planned transfer; returns those sent."""
        moves = plan_moves(
            await self._balances(),
            self._bands,
            [_in_flight(t) for t in self._open.values()],
            price_usd=self._prices,
            min_transfer_usd=self._settings.min_transfer_usd,
            max_transfer_usd=self._settings.max_transfer_usd,
        )
        sent: list[BridgeTransfer] = []
        for move in moves:
            transfer = await self.send(move)
            if transfer is not None:
                sent.append(transfer)
        return sent

    async def send(self, move: Move) -> BridgeTransfer | None:
        """Quote, choose, sign, record, broadcast one move; None when no bridge serves it."""
        choice = await self._route(move)
        if choice is None:
            log.warning(
                "no bridge moves %s from %s to %s", move.asset, move.src_chain, move.dst_chain
            )
            return None
        quote = choice.quote
        access = self._chains[move.src_chain]
        bridge = self._bridges[quote.bridge]
        recipient = self._recipients[move.dst_chain]
        calls = bridge.deposit_calls(quote, sender=access.account, recipient=recipient)
        src_txs = await sign_calls(access, calls, await access.fees())
        now = self._clock()
        transfer = BridgeTransfer(
            id=f"{quote.bridge}-{uuid.uuid4().hex}"[:64],
            bridge=quote.bridge,
            src_chain=move.src_chain,
            dst_chain=move.dst_chain,
            asset=move.asset,
            token_in=quote.token_in,
            token_out=quote.token_out,
            sender=access.account,
            recipient=recipient,
            amount_in=quote.amount_in,
            amount_out_expected=quote.amount_out,
            fee_usd=choice.cost_usd,
            status=TransferStatus.PLANNED,
            src_txs=src_txs,
            deposit_tx_hash=src_txs[-1].tx_hash,
            created_at=now,
            deadline_at=now + timedelta(seconds=self._settings.stuck_after_s),
            updated_at=now,
        )
        try:
            await self._store.insert(transfer)
        except BaseException:
            for tx in reversed(src_txs):
                access.nonces.release(tx.nonce)
            raise
        self._open[transfer.id] = transfer
        self._changed(None, transfer)
        for tx in src_txs:
            # Recorded: from here on these nonces belong to the row, sent or not.
            access.nonces.mark_sent(tx.nonce)
        if self._hooks.recorded is not None:
            await self._hooks.recorded(transfer)
        moved = await step(transfer, bridge=bridge, source=access, now=self._clock())
        if moved.status is not TransferStatus.SENT:
            access.nonces.invalidate()  # not taken: the next reservation asks the node
        if moved != transfer:
            await self._store.save(moved)
            self._changed(transfer, moved)
        return moved

    async def _route(self, move: Move) -> RouteChoice | None:
        token_in = self._token(move.src_chain, move.asset)
        token_out = self._token(move.dst_chain, move.asset)
        quotes: list[BridgeQuote] = []
        for bridge in self._bridges.values():
            args = (move.src_chain, move.dst_chain, token_in.address, token_out.address)
            if not bridge.supports(*args):
                continue
            try:
                quote = await bridge.quote(*args, move.amount_in)
                amount_in = gross_up(move, quote)
                if amount_in != quote.amount_in:
                    quote = await bridge.quote(*args, amount_in)
            except OmniarbError as exc:
                # One bridge without a quote leaves the others to choose from.
                log.warning("no %s quote for %s %s→%s: %s", bridge.name, move.asset,
                            move.src_chain, move.dst_chain, exc)  # fmt: skip
                continue
            quotes.append(quote)
        if not quotes:
            return None
        access = self._chains[move.src_chain]
        fees = await access.fees()
        native_usd = self._prices.get(self._native_assets.get(move.src_chain, ""), 0.0)
        return choose_route(
            quotes,
            token_decimals=token_in.decimals,
            price_usd=self._prices.get(move.asset, 0.0),
            gas_usd_per_unit=fees.fee_cap_wei * native_usd / 10**18,
        )

    def _token(self, chain: str, asset: str) -> TokenEntry:
        token = self._tokens.get((chain, asset))
        if token is None:
            raise NotFoundError(f"no {asset} token on {chain} for the rebalancer")
        return token

    def _changed(self, before: BridgeTransfer | None, after: BridgeTransfer) -> None:
        if after.final:
            self._open.pop(after.id, None)
        else:
            self._open[after.id] = after
        new_status = before is None or before.status is not after.status
        if new_status:
            log.info("transfer %s: %s", after.id, after.status)
            if self._observer is not None:
                self._observer.bridge_transfer(after, self.open_transfers)
            if after.status is TransferStatus.STUCK:
                self._alert_stuck(after)
        # Balances change twice: the deposit takes from the source, the arrival pays the
        # destination.
        deposited = after.deposit_id is not None and (before is None or before.deposit_id is None)
        arrived = new_status and after.status is TransferStatus.ARRIVED
        if self._on_change is not None and (deposited or arrived):
            self._on_change(after)

    def _alert_stuck(self, transfer: BridgeTransfer) -> None:
        if self._alerts is None:
            return
        age_s = (self._clock() - transfer.created_at).total_seconds()
        self._alerts(
            Alert.new(
                rule=BRIDGE_STUCK,
                severity=Severity.WARNING,
                key=f"{BRIDGE_STUCK}:{transfer.id}",
                summary=(
                    f"bridge transfer {transfer.id} ({transfer.bridge}, {transfer.asset} "
                    f"{transfer.src_chain}→{transfer.dst_chain}) not arrived after {age_s:.0f} s"
                ),
                chain=transfer.dst_chain,
                value=age_s,
                threshold=self._settings.stuck_after_s,
            )
        )


def _in_flight(transfer: BridgeTransfer) -> InFlight:
    return InFlight(
        asset=transfer.asset,
        src_chain=transfer.src_chain,
        dst_chain=transfer.dst_chain,
        amount_in=transfer.amount_in,
        amount_out=transfer.amount_out_expected,
        left_source=transfer.deposit_id is not None,
    )
