"""One chain's fee model at work: the quote refreshed per block, the L1 fee of a real
transaction before it is sent, and the L1 fee a mined one paid.

    oracle = FeeOracle(rpc=rpc, spec=chain_by_name("optimism"), policy=TipPolicy(bounds=...))
    await oracle.refresh()                    # once per block: one batched request
    oracle.quote.l1_fee_estimate_wei(420)     # per cycle: arithmetic only
    await oracle.exact_l1_cost(to=..., data=..., unsigned_tx=...)   # before sending
    await oracle.paid_l1_fee_wei(receipt)     # after

Optimism prices the exact fee in Python from the L1Block predeploy's values (the Fjord formula,
equal to `GasPriceOracle.getL1Fee` to the wei); Arbitrum asks `NodeInterface`. The product reads
the devnet's stand-ins at those addresses exactly as it reads a real chain's.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from omniarb.chains.fee_models.arbitrum import (
    ArbL1Prices,
    arb_l1_price_requests,
    arb_l1_prices_of,
    read_l1_component,
)
from omniarb.chains.fee_models.optimism import (
    OpL1Prices,
    op_l1_price_requests,
    op_l1_prices_of,
    read_op_l1_prices,
)
from omniarb.chains.fee_models.quote import FeeQuote
from omniarb.chains.fee_models.tips import TipPolicy, fee_history_request, tip_from_fee_history
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import ChainSpec
from omniarb.errors import RpcTransportError
from omniarb.types import TxReceipt

__all__ = ["FeeOracle", "L1Cost"]


@dataclass(frozen=True, slots=True, kw_only=True)
class L1Cost:
    """A transaction's L1 data fee, and on Arbitrum the L2 gas it is charged as (which the
    transaction's gas limit must also cover)."""

    fee_wei: int
    l1_gas: int


class FeeOracle:
    """A chain's fee prices, refreshed per block, and its L1 fee of real transactions."""

    def __init__(self, *, rpc: RpcClient, spec: ChainSpec, policy: TipPolicy) -> None:
        self._rpc = rpc
        self.spec = spec
        self.policy = policy
        self._quote: FeeQuote | None = None
        # The refresh under way (its quote, None if it failed): a trade of a newer block waits
        # for it rather than reading the same prices on a round trip of its own.
        self._refreshing: asyncio.Future[FeeQuote | None] | None = None

    @property
    def has_quote(self) -> bool:
        """Whether a refresh has succeeded once (`quote` may be read)."""
        return self._quote is not None

    @property
    def quote(self) -> FeeQuote:
        """The latest quote; `refresh` must have run once."""
        if self._quote is None:
            raise RuntimeError(f"{self.spec.name}: fees read before the first refresh")
        return self._quote

    def _requests(self) -> list[tuple[str, list[Any]]]:
        system = self.spec.system
        requests: list[tuple[str, list[Any]]] = [
            ("eth_getBlockByNumber", ["latest", False]),
            fee_history_request(self.policy),
        ]
        if system.l1_block is not None:
            requests += op_l1_price_requests(system.l1_block)
        elif system.arb_gas_info is not None:
            requests += arb_l1_price_requests(system.arb_gas_info)
        return requests

    async def refresh(self) -> FeeQuote:
        """Read the latest block's base fee, recent tips and L1 prices in one round trip."""
        done: asyncio.Future[FeeQuote | None] = asyncio.get_running_loop().create_future()
        self._refreshing = done
        quote: FeeQuote | None = None
        try:
            quote = await self._read()
        finally:
            done.set_result(quote)
            if self._refreshing is done:
                self._refreshing = None
        return quote

    async def quote_of(self, block_number: int) -> FeeQuote | None:
        """The latest quote if it is of `block_number` or later, waiting for the refresh under
        way when there is one; None when no such quote is at hand."""
        quote = self._quote
        if quote is not None and quote.block_number >= block_number:
            return quote
        refreshing = self._refreshing
        if refreshing is not None:
            quote = await asyncio.shield(refreshing)
            if quote is not None and quote.block_number >= block_number:
                return quote
        return None

    async def _read(self) -> FeeQuote:
        block, history, *l1_answers = await self._rpc.batch(self._requests())
        if not isinstance(block, dict):
            raise RpcTransportError(
                "eth_getBlockByNumber returned no latest block", url=self._rpc.url
            )
        system = self.spec.system
        l1: OpL1Prices | ArbL1Prices | None = None
        if system.l1_block is not None:
            l1 = op_l1_prices_of(l1_answers)
        elif system.arb_gas_info is not None:
            l1 = arb_l1_prices_of(l1_answers)
        quote = FeeQuote(
            chain_id=self.spec.chain_id,
            block_number=int(block["number"], 16),
            fee_model=self.spec.fee_model,
            base_fee_wei=int(block.get("baseFeePerGas") or "0x0", 16),
            tip_wei=tip_from_fee_history(history or {}, self.policy.bounds),
            l1=l1,
            block_gas_limit=int(block["gasLimit"], 16) if block.get("gasLimit") else None,
        )
        self._quote = quote
        return quote

    @property
    def chain_id(self) -> int:
        return self.spec.chain_id

    @property
    def has_l1_fee(self) -> bool:
        """Whether the chain charges an L1 data fee (it has the oracles to price it)."""
        system = self.spec.system
        return system.l1_block is not None or system.node_interface is not None

    async def current_op_prices(self, block_number: int | None = None) -> OpL1Prices | None:
        """The L1Block's prices now, on an OP Stack chain; None elsewhere. A trade about to be
        sent reads them once and prices every round of its calldata with them
        (`exact_l1_cost(op_prices=...)`). When the latest quote is already of `block_number`
        (the block the trade was decided on) or later, or the refresh under way brings one,
        its prices are the chain's now, with no round trip of the trade's own; else they are
        read (one)."""
        if self.spec.system.l1_block is None:
            return None
        quote = None if block_number is None else await self.quote_of(block_number)
        if quote is not None and isinstance(quote.l1, OpL1Prices):
            return quote.l1
        return await read_op_l1_prices(self._rpc, self.spec.system.l1_block)

    async def arb_l1_bound(self, unsigned_tx_size: int, block_number: int) -> L1Cost | None:
        """On Arbitrum, the L1 cost of a transaction of `unsigned_tx_size` bytes, never
        understated, from the latest quote when it is of `block_number` or later: the
        per-byte price on the uncompressed size (ArbOS prices the brotli-compressed one), its
        L1 gas at the quote's base fee (`quote_of`: waiting for the refresh under way). None
        elsewhere, or without such a quote."""
        if self.spec.system.node_interface is None:
            return None
        quote = await self.quote_of(block_number)
        if quote is None or not isinstance(quote.l1, ArbL1Prices) or quote.base_fee_wei <= 0:
            return None
        fee_wei = quote.l1.l1_fee_estimate_wei(unsigned_tx_size)
        return L1Cost(fee_wei=fee_wei, l1_gas=-(-fee_wei // quote.base_fee_wei))

    async def exact_l1_cost(
        self,
        *,
        to: str,
        data: bytes,
        unsigned_tx: bytes,
        op_prices: OpL1Prices | None = None,
    ) -> L1Cost:
        """The L1 data fee of this transaction now: Optimism's Fjord fee of `unsigned_tx` from
        the L1Block's current prices (`op_prices` when the caller read them, else read here;
        `GasPriceOracle.getL1Fee`'s rule, computed here), Arbitrum's L1 component of calling
        `to` with `data` (its gas must fit in the limit); nothing on an L1. At most one round
        trip, for a trade about to be sent only."""
        system = self.spec.system
        if system.l1_block is not None:
            # The L1 prices now, not the quote's: this prices the transaction about to be sent.
            prices = op_prices or await read_op_l1_prices(self._rpc, system.l1_block)
            return L1Cost(fee_wei=prices.l1_fee_of_unsigned(unsigned_tx), l1_gas=0)
        if system.node_interface is not None:
            component = await read_l1_component(self._rpc, system.node_interface, to=to, data=data)
            return L1Cost(fee_wei=component.l1_fee_wei, l1_gas=component.gas_for_l1)
        return L1Cost(fee_wei=0, l1_gas=0)

    async def paid_l1_fee_wei(self, receipt: TxReceipt) -> int:
        """The L1 data fee a mined transaction paid: the receipt's own figure where the node
        gives one (OP's `l1Fee`, Arbitrum's `gasUsedForL1` at the gas price), else the chain's
        L1 prices read at the receipt's block applied to the transaction as mined."""
        system = self.spec.system
        if receipt.l1_fee_wei is not None:
            return receipt.l1_fee_wei
        if system.l1_block is not None:
            raw = await self._rpc.call("eth_getRawTransactionByHash", receipt.tx_hash)
            prices = await read_op_l1_prices(self._rpc, system.l1_block, block=receipt.block_number)
            return prices.l1_fee_of_signed(bytes.fromhex(str(raw).removeprefix("0x")))
        if system.node_interface is not None:
            tx = await self._rpc.call("eth_getTransactionByHash", receipt.tx_hash)
            component = await read_l1_component(
                self._rpc,
                system.node_interface,
                to=str(tx["to"]),
                data=bytes.fromhex(str(tx["input"]).removeprefix("0x")),
                block=receipt.block_number,
            )
            return component.l1_fee_wei
        return 0
