"""Who can lend a chain's tokens for one transaction, at what fee, and how much they hold.

A trade borrows its start token and repays it (plus a fee) before the transaction ends. The
lenders of a chain come from its manifest: the Balancer V2 Vault (for any token of the chain:
it lends whatever it holds), the Aave V3 Pool (the reserves it lists), and every pool of a
traded kind, lending as its adapter says (`pool_loan`: a Uniswap V3 pool's `flash`, a Uniswap
V2 pair's flash swap repaid in the borrowed token), except that Uniswap V4 pools hold nothing
themselves: their PoolManager lends every ERC-20 its pools hold (`take` inside `unlock`, no
fee), one lender per manager and token. Each fee is
computed exactly as the lender's contract computes it, since the executor repays to the wei and
the profit it keeps is what is left:

- Balancer V2: `amount.mulUp(flashLoanFeePercentage)`, i.e. ceil(amount · fee_pips / 10^6);
- Aave V3: `amount.percentMul(premiumTotal)` with the premium in basis points, rounded half up;
- Uniswap V3 pool: `FullMath.mulDivRoundingUp(amount, fee, 10^6)`;
- Algebra Integral pool: the same rounding at `Constants.FLASH_FEE` (100 pips, 0.01%), whatever
  the pool's swap fee;
- Uniswap V2 pair: the least repayment its fee-adjusted K check accepts,
  ceil(amount · 10^6 / (10^6 − fee_pips)), minus the amount;
- Uniswap V4 PoolManager: none (fee_pips 0).

How much a lender can lend is its balance of the token (the Vault's, the aToken's, the pool's):
the allocator reads it from memory (the state stage follows `holdings()` from the token logs,
`omniarb.state.LenderBalances`); `balances` reads it from the node, in one batch at the latest
block, for a lender the memory cannot answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.dex.algebra import FLASH_FEE_PIPS as ALGEBRA_FLASH_FEE_PIPS
from omniarb.dex.registry import adapter, is_traded
from omniarb.gas import GasModel
from omniarb.network import ChainManifest
from omniarb.types import FlashLoan, FlashPool

__all__ = ["Lender", "LenderBook", "flash_fee"]

_PIPS = 1_000_000
_BPS = 10_000
_BALANCE_OF = "balanceOf(address)"


def flash_fee(kind: FlashLoan, fee_pips: int, amount: int) -> int:
    """The fee `kind` charges for lending `amount`, in the borrowed token's base units."""
    if kind is FlashLoan.AAVE_V3:
        premium_bps = fee_pips // 100
        return (amount * premium_bps + _BPS // 2) // _BPS
    if kind is FlashLoan.V2_PAIR:
        return -(-amount * _PIPS // (_PIPS - fee_pips)) - amount
    return -(-amount * fee_pips // _PIPS)


class BalanceReader(Protocol):
    """Balances from memory (`omniarb.state.LenderBalances`)."""

    def balance(self, token: str, holder: str) -> int | None: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Lender:
    """One place to borrow `token` from: `address` lends, `holder`'s balance of the token
    bounds the loan, and `extra_gas` is what the loan adds over a V2 flash swap from the
    route's own first pair. `flash_pool` names a pool lender for the executor's plan."""

    kind: FlashLoan
    token: str
    address: str
    holder: str
    fee_pips: int
    extra_gas: int
    flash_pool: FlashPool | None = None

    def fee(self, amount: int) -> int:
        return flash_fee(self.kind, self.fee_pips, amount)

    def can_lend(self, amount: int, balance: int) -> bool:
        # A V2 pair's K check needs a reserve left: it lends strictly less than it holds.
        if self.kind is FlashLoan.V2_PAIR:
            return amount < balance
        return amount <= balance


def _manager_lender(manager: str, dex: str, kind: str, token: str, extra_gas: int) -> Lender:
    """A Uniswap V4 PoolManager lending `token`: the plan's record names the manager, with the
    start token on both sides (it lends whatever it holds)."""
    return Lender(
        kind=FlashLoan.V4_POOL_MANAGER,
        token=token,
        address=manager,
        holder=manager,
        fee_pips=0,
        extra_gas=extra_gas,
        flash_pool=FlashPool(
            pool=manager, dex=dex, kind=kind, token0=token, token1=token, fee_pips=0
        ),
    )


class LenderBook:
    """The lenders of one chain by token, built from its manifest; reads their balances."""

    def __init__(
        self,
        rpc: RpcClient,
        lenders: Sequence[Lender],
        custodians: Mapping[str, str] | None = None,
    ) -> None:
        self._rpc = rpc
        self._by_token: dict[str, list[Lender]] = {}
        for lender in lenders:
            self._by_token.setdefault(lender.token.lower(), []).append(lender)
        self._custodians = {k.lower(): v.lower() for k, v in (custodians or {}).items()}

    def custodian(self, pool: str) -> str | None:
        """Who holds the tokens a traded pool pays out: the pool itself, or the contract that
        keeps its balances (the V4 PoolManager, the Balancer Vault); None if unknown."""
        return self._custodians.get(pool.lower())

    def held_by_custodian(self, balances: BalanceReader) -> Callable[[str, str], int | None]:
        """(pool, token) → what the pool's custodian holds of the token, from `balances`
        (the synced lender balances); None when the custodian or its balance is unknown."""

        def held(pool: str, token: str) -> int | None:
            custodian = self.custodian(pool)
            return None if custodian is None else balances.balance(token, custodian)

        return held

    @classmethod
    def from_manifest(cls, chain: ChainManifest, rpc: RpcClient, gas: GasModel) -> LenderBook:
        lenders: list[Lender] = []
        for entry in chain.lenders:
            kind = FlashLoan(entry.kind)
            if kind is FlashLoan.BALANCER_V2:
                # The Vault lends any token it holds, not only those it was funded with.
                held = [(token.address, entry.address) for token in chain.tokens]
            else:
                held = [(asset.address, asset.holder) for asset in entry.assets]
            extra = gas.loan_gas(kind)
            lenders += [
                Lender(
                    kind=kind,
                    token=token,
                    address=entry.address,
                    holder=holder,
                    fee_pips=entry.fee_pips,
                    extra_gas=extra,
                )
                for token, holder in held
            ]
        managers: dict[tuple[str, str], Lender] = {}
        protocol_loans = {lender.kind: lender.holder for lender in lenders}
        custodians: dict[str, str] = {}
        for pool in chain.pools:
            if not is_traded(pool.kind):
                continue
            kind = adapter(pool.kind).pool_loan
            if kind in protocol_loans:
                # Its pools lend through the protocol's lender (Balancer's Vault), which holds
                # their tokens.
                custodians[pool.address] = protocol_loans[kind]
                continue
            extra = gas.loan_gas(kind)
            if kind is FlashLoan.V4_POOL_MANAGER:
                manager = chain.dex(pool.dex).factory
                custodians[pool.address] = manager
                for token in (pool.token0, pool.token1):
                    if int(token, 16) != 0:  # the native coin is no ERC-20 to lend
                        managers.setdefault(
                            (manager.lower(), token.lower()),
                            _manager_lender(manager, pool.dex, pool.kind, token, extra),
                        )
                continue
            # An Algebra pool's flash fee is a constant of the protocol, not its swap fee.
            fee_pips = ALGEBRA_FLASH_FEE_PIPS if kind is FlashLoan.ALGEBRA_POOL else pool.fee
            flash_pool = pool.flash_pool()
            custodians[pool.address] = pool.address
            lenders += [
                Lender(
                    kind=kind,
                    token=token,
                    address=pool.address,
                    holder=pool.address,
                    fee_pips=fee_pips,
                    extra_gas=extra,
                    flash_pool=flash_pool,
                )
                for token in (pool.token0, pool.token1)
            ]
        return cls(rpc, [*lenders, *managers.values()], custodians)

    def lenders(self, token: str, *, excluding: Sequence[str] = ()) -> list[Lender]:
        """The lenders of `token`, without the pools in `excluding` (a route's own pools are
        locked while they swap, so they cannot lend to it)."""
        skip = {address.lower() for address in excluding}
        return [
            lender
            for lender in self._by_token.get(token.lower(), ())
            if lender.address.lower() not in skip
        ]

    def holdings(self) -> list[tuple[str, str]]:
        """Every (token, holder) whose balance bounds a loan: what `LenderBalances` follows."""
        return sorted(
            {
                (lender.token.lower(), lender.holder.lower())
                for lenders in self._by_token.values()
                for lender in lenders
            }
        )

    async def balances(self, lenders: Sequence[Lender]) -> list[int]:
        """Each lender's balance of its token at the latest block, in one batch."""
        results = await self._rpc.batch(
            [
                (
                    "eth_call",
                    (
                        {"to": lender.token, "data": encode_call(_BALANCE_OF, lender.holder)},
                        "latest",
                    ),
                )
                for lender in lenders
            ]
        )
        return [int(decode(["uint256"], raw)[0]) for raw in results]
