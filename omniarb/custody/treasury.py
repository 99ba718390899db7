"""The treasury sweep: what the executor holds above its float goes to the treasury (the Safe).

For each start token of the chain (its wrapped native token and stablecoins) and its native
coin, the executor's balance above the token's float (`[treasury] floats`, at least one base
unit) is withdrawn with the executor's `withdraw(token, excess, to)` (`withdrawNative` for the
coin) through the owner (`OwnerActions`: a `SafeOwner` where the Safe owns the executor). Each
token is its own owner transaction, so one token that fails (a paused token, say) leaves the
others' sweeps standing; no `delegatecall` (MultiSend) is asked of the Safe's signers. Every
sent withdrawal writes an audit row (`treasury.sweep`), its amounts as decimal strings.

    sweep = TreasurySweep(rpc=rpc, chain=chain, executor=address, owner=safe_owner,
                          settings=settings.treasury, audit=database)
    result = await sweep.run(dry_run=False)
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from eth_utils.address import to_checksum_address

from omniarb._config_treasury import TreasurySettings
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import CHAINS
from omniarb.custody.owner import OwnerActions
from omniarb.errors import ConfigError, OmniarbError
from omniarb.execute.executor_calldata import withdraw_calldata, withdraw_native_calldata
from omniarb.network import ChainManifest
from omniarb.store.audit import AuditEntry
from omniarb.store.database import HistoryDatabase
from omniarb.wiring import STABLECOINS

__all__ = ["SWEEP_ACTION", "Holding", "SweepResult", "TreasurySweep", "sweep_tokens"]

log = logging.getLogger(__name__)

SWEEP_ACTION = "treasury.sweep"
_NATIVE_DECIMALS = 18


@dataclass(frozen=True, slots=True, kw_only=True)
class Holding:
    """One asset of the executor: `token` is None for the native coin; amounts in base units.
    `tx_hash` is the withdrawal's, once sent."""

    symbol: str
    token: str | None
    decimals: int
    balance: int
    float_amount: int
    tx_hash: str | None = None

    @property
    def excess(self) -> int:
        return max(self.balance - self.float_amount, 0)


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepResult:
    """A sweep of one chain: the holdings before it, with the withdrawals sent (none dry)."""

    chain: str
    executor: str
    destination: str
    dry_run: bool
    holdings: tuple[Holding, ...]

    @property
    def swept(self) -> tuple[Holding, ...]:
        return tuple(h for h in self.holdings if h.tx_hash is not None)


def _native_symbol(chain: ChainManifest) -> str:
    spec = next((c for c in CHAINS if c.chain_id == chain.chain_id), None)
    return spec.native_symbol if spec is not None else "native"


def sweep_tokens(chain: ChainManifest) -> list[tuple[str, str | None, int]]:
    """(symbol, token address or None for the coin, decimals) of what a sweep looks at."""
    starts = [t for t in chain.tokens if t.wrapped_native]
    starts += [t for t in chain.tokens if t.symbol in STABLECOINS and not t.wrapped_native]
    return [
        *((t.symbol, t.address, t.decimals) for t in starts),
        (_native_symbol(chain), None, _NATIVE_DECIMALS),
    ]


class TreasurySweep:
    """Sweeps one chain's executor to the destination through its owner."""

    def __init__(
        self,
        *,
        rpc: RpcClient,
        chain: ChainManifest,
        executor: str,
        owner: OwnerActions,
        settings: TreasurySettings,
        audit: HistoryDatabase | None = None,
        actor: str = "cli",
    ) -> None:
        destination = settings.destination or (chain.safe.address if chain.safe else "")
        if not destination:
            raise ConfigError(
                f"treasury.destination: {chain.name} names no Safe; set where sweeps go"
            )
        self._rpc = rpc
        self._chain = chain
        self._executor = str(to_checksum_address(executor))
        self._owner = owner
        self._settings = settings
        self._destination = str(to_checksum_address(destination))
        self._audit = audit
        self._actor = actor

    @property
    def destination(self) -> str:
        return self._destination

    async def holdings(self) -> list[Holding]:
        """The executor's balance and float of each swept asset, read at the latest block."""
        found = []
        for symbol, token, decimals in sweep_tokens(self._chain):
            if token is None:
                balance = int(await self._rpc.call("eth_getBalance", self._executor, "latest"), 16)
            else:
                call = {"to": token, "data": encode_call("balanceOf(address)", self._executor)}
                answer = await self._rpc.call("eth_call", call, "latest")
                balance = int(decode(["uint256"], answer)[0])
            found.append(
                Holding(
                    symbol=symbol,
                    token=token,
                    decimals=decimals,
                    balance=balance,
                    float_amount=self._settings.float_base_units(symbol, decimals),
                )
            )
        return found

    async def run(self, *, dry_run: bool = False) -> SweepResult:
        """Withdraw each excess to the destination (nothing is sent when `dry_run`)."""
        holdings = await self.holdings()
        done = []
        for holding in holdings:
            if dry_run or holding.excess == 0:
                done.append(holding)
                continue
            done.append(await self._withdraw(holding))
        return SweepResult(
            chain=self._chain.name,
            executor=self._executor,
            destination=self._destination,
            dry_run=dry_run,
            holdings=tuple(done),
        )

    async def _withdraw(self, holding: Holding) -> Holding:
        excess = holding.excess
        data = (
            withdraw_native_calldata(excess, self._destination)
            if holding.token is None
            else withdraw_calldata(holding.token, excess, self._destination)
        )
        details: dict[str, object] = {
            "symbol": holding.symbol,
            "token": holding.token or "native",
            "amount": str(excess),
            "balance_before": str(holding.balance),
            "float": str(holding.float_amount),
            "destination": self._destination,
            "owner": self._owner.owner_address,
        }
        try:
            result = await self._owner.call(to=self._executor, data=data)
        except OmniarbError as exc:
            await self._record("failed", {**details, "error": str(exc)[:500]})
            raise
        await self._record(
            "ok", {**details, "tx_hash": result.tx_hash, "block": result.block_number}
        )
        log.info(
            "%s: swept %d of %s from %s to %s in %s",
            self._chain.name,
            excess,
            holding.symbol,
            self._executor,
            self._destination,
            result.tx_hash,
        )
        return Holding(
            symbol=holding.symbol,
            token=holding.token,
            decimals=holding.decimals,
            balance=holding.balance,
            float_amount=holding.float_amount,
            tx_hash=result.tx_hash,
        )

    async def _record(self, outcome: str, details: dict[str, object]) -> None:
        if self._audit is None:
            return
        entry = AuditEntry.now(
            actor=self._actor,
            action=SWEEP_ACTION,
            subject=self._executor,
            outcome="ok" if outcome == "ok" else "failed",
            chain=self._chain.name,
            details=details,
        )
        await asyncio.to_thread(self._audit.append_audit, entry)
