"""One chain's leg sender: an exact-input swap through one DEX's router, signed by the inventory
account, sent, and settled from its receipt.

The transaction is built as the atomic path builds its own (`omniarb.execute`): the account's
`Signer`, a `NonceManager` per account and chain (so two legs on one chain take consecutive
nonces, and a refused send gives its nonce back), the fees of the chain's fee model: the chain
pipeline's per-block quote (`FeeOracle`, its tip policy) when there is one, else the latest
block's base fee plus `tip_wei` (`omniarb.chains.fees.read_fees`). The calldata comes from the
pool kind's router encoder (`omniarb.dex.routers.dex_router_encoder`), the output from the
receipt's ERC-20 `Transfer` logs to the account (`omniarb.track.realized.net_transfers`), never
from a balance read that another transaction could move.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from omniarb.chains.fee_models import FeeOracle
from omniarb.chains.fees import Fees, read_fees
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel
from omniarb.cross_chain_types import LegRole
from omniarb.crosschain.leg_result import LegResult, LegStatus
from omniarb.dex.router_encoder import ExactInputSwap, RouterEncoder
from omniarb.dex.routers import dex_router_encoder
from omniarb.errors import RejectedError, RpcError, RpcTransportError
from omniarb.execute.nonces import NonceManager
from omniarb.execute.signer import Signer
from omniarb.track.realized import net_transfers
from omniarb.tx_values import TxReceipt
from omniarb.types import Route

__all__ = ["LegChain", "LegOrder", "UnroutableLegError"]

log = logging.getLogger(__name__)


class UnroutableLegError(RejectedError):
    """The leg's route cannot be sent through one router omni-arb encodes."""


@dataclass(frozen=True, slots=True, kw_only=True)
class LegOrder:
    """Swap `amount_in` along `route` for at least `min_out`, expected `predicted_out`."""

    role: LegRole
    route: Route
    amount_in: int
    min_out: int
    predicted_out: int
    gas_estimate: int


class LegChain:
    """Sends the inventory account's legs on one chain (`routers`: DEX name → router address)."""

    def __init__(
        self,
        *,
        chain: str,
        rpc: RpcClient,
        signer: Signer,
        fee_model: FeeModel,
        routers: Mapping[str, str],
        tip_wei: int,
        deadline_s: int,
        receipt_timeout_s: float,
        gas_limit_factor: float,
        fee_oracle: FeeOracle | None = None,
        nonces: NonceManager | None = None,
    ) -> None:
        self.chain = chain
        self.rpc = rpc
        self.signer = signer
        # The account's one nonce book on this chain, shared with the rebalancer's deposits
        # (`omniarb.crosschain.nonces`); its own when none is given.
        self.nonces = nonces or NonceManager(rpc=rpc, address=signer.address)
        self._fee_model = fee_model
        self._routers = dict(routers)
        self._tip_wei = tip_wei
        self._deadline_s = deadline_s
        self._receipt_timeout_s = receipt_timeout_s
        self._gas_limit_factor = gas_limit_factor
        # The chain pipeline's fee quote, refreshed once per block (the atomic path's): when it
        # has one, a leg bids from it without a round trip of its own.
        self._fee_oracle = fee_oracle

    @property
    def account(self) -> str:
        return self.signer.address

    def _router(self, route: Route) -> tuple[str, RouterEncoder]:
        if not route.hops:
            raise UnroutableLegError(f"{self.chain}: a leg needs at least one hop")
        dexes = {hop.dex for hop in route.hops}
        kinds = {hop.kind for hop in route.hops}
        if len(dexes) != 1 or len(kinds) != 1:
            raise UnroutableLegError(
                f"{self.chain}: a leg goes through one DEX's router, not {sorted(dexes)}"
            )
        (dex,), (kind,) = dexes, kinds
        encoder = dex_router_encoder(kind)
        router = self._routers.get(dex)
        if encoder is None or router is None:
            raise UnroutableLegError(f"{self.chain}: no router to send a {kind} leg on {dex}")
        return router, encoder

    def _calldata(self, route: Route, amount_in: int, min_out: int) -> tuple[str, bytes]:
        router, encoder = self._router(route)
        swap = ExactInputSwap(
            route=route,
            amount_in=amount_in,
            min_out=min_out,
            recipient=self.account,
            deadline=int(time.time()) + self._deadline_s,
        )
        return router, encoder.encode_exact_input(swap)

    async def quote(self, route: Route, amount_in: int) -> int:
        """The output the swap would give now: an `eth_call` of it from the account (reverts
        surface as `ExecutionRevertedError`)."""
        router, encoder = self._router(route)
        _, data = self._calldata(route, amount_in, 0)
        answer = await self.rpc.call(
            "eth_call", {"from": self.account, "to": router, "data": "0x" + data.hex()}, "latest"
        )
        return encoder.decode_amount_out(bytes.fromhex(str(answer).removeprefix("0x")))

    async def _fees(self) -> Fees:
        if self._fee_oracle is not None:
            try:
                return self._fee_oracle.quote.fees()
            except RuntimeError:  # no quote yet (before the pipeline's first block)
                pass
        return await read_fees(self.rpc, fee_model=self._fee_model, tip_wei=self._tip_wei)

    async def send(self, order: LegOrder) -> LegResult:
        """Sign, send and settle `order`; never raises for what the chain did to it (the result's
        status says), only for a leg that cannot be built."""
        route = order.route
        router, data = self._calldata(route, order.amount_in, order.min_out)
        base = LegResult(
            role=order.role,
            chain=self.chain,
            token_in=route.token_in,
            token_out=route.token_out,
            amount_in=order.amount_in,
            min_out=order.min_out,
            predicted_out=order.predicted_out,
            status=LegStatus.REJECTED,
        )
        gas = int(order.gas_estimate * self._gas_limit_factor)
        try:
            fees = await self._fees()
        except RpcTransportError as exc:
            return _with(base, error=f"reading fees: {exc}")
        nonce = await self.nonces.reserve()
        signed = self.signer.sign(nonce=nonce, to=router, data=data, gas=gas, fees=fees)
        sent_at = datetime.now(UTC)
        sent_ns = time.monotonic_ns()
        try:
            await self.rpc.call("eth_sendRawTransaction", signed.raw_hex)
        except RpcError as exc:  # the node refused it: the nonce is free again
            self.nonces.release(nonce)
            self.nonces.invalidate()
            log.warning("%s: %s leg refused: %s", self.chain, order.role, exc)
            return _with(base, nonce=nonce, error=str(exc), sent_at=sent_at)
        except RpcTransportError:
            # Its fate is unknown: it may have reached the node. Look for its receipt anyway.
            self.nonces.mark_sent(nonce)
            self.nonces.invalidate()
        else:
            self.nonces.mark_sent(nonce)
        answer = await wait_for_receipt(self.rpc, signed.tx_hash, timeout_s=self._receipt_timeout_s)
        if answer is None:
            self.nonces.invalidate()
            return _with(
                base,
                status=LegStatus.DROPPED,
                tx_hash=signed.tx_hash,
                nonce=nonce,
                sent_at=sent_at,
                error=f"no receipt within {self._receipt_timeout_s} s",
            )
        latency_s = (time.monotonic_ns() - sent_ns) / 1e9
        receipt = TxReceipt.from_rpc(answer)
        landed = receipt.success
        return _with(
            base,
            status=LegStatus.LANDED if landed else LegStatus.REVERTED,
            realized_out=(
                net_transfers(receipt.logs, token=route.token_out, holder=self.account)
                if landed
                else 0
            ),
            spent_in=(
                -net_transfers(receipt.logs, token=route.token_in, holder=self.account)
                if landed
                else 0
            ),
            tx_hash=signed.tx_hash,
            nonce=nonce,
            block_number=receipt.block_number,
            gas_used=receipt.gas_used,
            fee_wei=receipt.gas_cost_wei + (receipt.l1_fee_wei or 0),
            error=None if landed else "reverted",
            sent_at=sent_at,
            settled_at=datetime.now(UTC),
            latency_s=latency_s,
        )


def _with(base: LegResult, **changes: object) -> LegResult:
    return replace(base, **changes)  # type: ignore[arg-type]
