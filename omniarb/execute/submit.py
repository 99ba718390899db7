"""Submission to the public mempool: pre-check, claim, sign, send, and await the receipt.

    submitter = Submitter(rpc=rpc, signer=signer, nonces=nonces, guard=guard)
    sent = await submitter.submit(opportunity.id, TxRequest(to=executor, data=calldata,
                                                             gas=gas_limit, fees=fees))
    receipt = await submitter.wait_for_receipt(sent.tx_hash)

`submit` first simulates the call with `eth_call` against the latest state, from the signer's
address with the same to/data/value/gas, and raises `PrecheckRevertError` (with the decoded
reason) if it reverts: nothing is sent and no nonce is used. Then it reserves a nonce, signs,
and claims the idempotency key from the `SubmissionGuard` with the signed transaction's hash
and nonce, so the same opportunity is never sent twice (the engine's guard persists keys in the
database, durably before the send, so this holds across restarts and a killed bot's restart
knows what it sent), and sends; a refused claim frees the nonce again. A
nonce conflict resyncs the nonces and signs again with a fresh one; every other refusal releases
the nonce, so no gap is left. A send lost in transit (`SendUnconfirmedError`) keeps its nonce
until the next reservation resyncs, which tells whether the node got it.

A key stays claimed once the pre-check passed, even if the send is then refused: retrying an
opportunity means a new key (the detector's next sighting is a new opportunity anyway).

With a `ReplacementPolicy`, `land` follows a sent transaction through its replacements
(`omniarb.execute.replace`): a stuck one is re-priced, or cancelled once its pre-check reverts,
and whichever hash of its nonce is mined is its landing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Mapping, Sequence

from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel
from omniarb.errors import (
    ExecutionRevertedError,
    RateLimitedError,
    RpcConnectError,
    RpcError,
    RpcTransportError,
)
from omniarb.execute._revert import RevertReason, decode_revert, revert_data_of
from omniarb.execute._send_errors import (
    AlreadyKnownError,
    DuplicateSubmissionError,
    NonceConflictError,
    PrecheckRevertError,
    ReceiptTimeoutError,
    SendUnconfirmedError,
    classify_send_error,
)
from omniarb.execute.bundle_send import BundleSender, BundleSent
from omniarb.execute.in_flight import InFlightTx, OnReplacement
from omniarb.execute.nonces import NonceManager
from omniarb.execute.replace import ReplacementPolicy, Replacer
from omniarb.execute.signer import SignedTx, Signer
from omniarb.execute.submit_values import (
    MemorySubmissionGuard,
    Submission,
    SubmissionGuard,
    TxRequest,
)
from omniarb.types import Landing, TxReceipt

__all__ = [
    "MemorySubmissionGuard",
    "Submission",
    "SubmissionGuard",
    "Submitter",
    "TxRequest",
]

log = logging.getLogger(__name__)


class Submitter:
    """Sends one account's transactions on one chain; see the module docstring.

    `known_errors` (selector → signature, e.g. from `error_signatures_from_abi`) names custom
    errors in pre-check reverts. Receipts are polled from `poll_interval_s`, growing by half each
    time up to `max_poll_interval_s`: automine receipts come at once, later ones at most one
    interval after their block.
    """

    def __init__(
        self,
        *,
        rpc: RpcClient,
        signer: Signer,
        nonces: NonceManager,
        guard: SubmissionGuard,
        known_errors: Mapping[bytes, str] | None = None,
        receipt_timeout_s: float = 60.0,
        poll_interval_s: float = 0.02,
        max_poll_interval_s: float = 0.25,
        max_send_attempts: int = 3,
        replacement: ReplacementPolicy | None = None,
        fee_model: FeeModel = FeeModel.EIP1559,
        tip_wei: int = 0,
        on_replacement: OnReplacement | None = None,
        bundles: BundleSender | None = None,
    ) -> None:
        if signer.address.lower() != nonces.address.lower():
            raise ValueError(f"nonces of {nonces.address} cannot serve signer {signer.address}")
        self._rpc = rpc
        self._signer = signer
        self._nonces = nonces
        self._guard = guard
        self._known_errors = dict(known_errors or {})
        self._receipt_timeout_s = receipt_timeout_s
        self._poll_interval_s = poll_interval_s
        self._max_poll_interval_s = max_poll_interval_s
        self._max_send_attempts = max_send_attempts
        # What was sent and not yet landed, by hash: a stuck one is re-sent from it, and a
        # nonce with none of these on the node was lost in transit.
        self._in_flight: dict[str, InFlightTx] = {}
        # With `bundles`, every transaction goes to the relay instead of the node; those not
        # yet landed, by hash (never replaced: a bundle that misses its blocks just expires).
        self._bundles = bundles
        self._bundled: dict[str, BundleSent] = {}
        self._replacer = (
            None
            if replacement is None
            else Replacer(
                rpc=rpc,
                signer=signer,
                fee_model=fee_model,
                tip_wei=tip_wei,
                policy=replacement,
                precheck=self._precheck_sent,
                on_replacement=on_replacement,
                known=self.in_flight_nonces,
                poll_interval_s=poll_interval_s,
                max_poll_interval_s=max_poll_interval_s,
            )
        )

    @property
    def address(self) -> str:
        """The account this submitter signs for."""
        return self._signer.address

    @property
    def nonces(self) -> NonceManager:
        return self._nonces

    @property
    def replacer(self) -> Replacer | None:
        return self._replacer

    def chain_rewritten(self) -> None:
        """A reorg may have dropped sent transactions: the next reservation re-reads the
        node's count rather than leave a gap behind a nonce the reorg freed."""
        self._nonces.invalidate()

    def in_flight_nonces(self) -> dict[int, tuple[str, ...]]:
        """The hashes sent and not yet landed, by nonce."""
        by_nonce: dict[int, tuple[str, ...]] = {}
        for sent in self._in_flight.values():
            by_nonce[sent.nonce] = (*by_nonce.get(sent.nonce, ()), sent.tx_hash)
        return by_nonce

    def _remember(self, key: str, signed: SignedTx, request: TxRequest) -> None:
        self._in_flight[signed.tx_hash] = InFlightTx(
            key=key,
            nonce=signed.nonce,
            tx_hash=signed.tx_hash,
            to=request.to,
            data=request.data,
            gas=request.gas,
            value=request.value,
            fees=request.fees,
            deadline_block=request.deadline_block,
        )

    async def _precheck_sent(self, sent: InFlightTx) -> bytes:
        return await self.precheck(
            TxRequest(to=sent.to, data=sent.data, gas=sent.gas, fees=sent.fees, value=sent.value)
        )

    async def precheck(
        self, request: TxRequest, *, block: str | dict[str, str] = "latest"
    ) -> bytes:
        """Simulate `request` with `eth_call` at `block` (a tag, a number in hex, or an EIP-1898
        `{"blockHash": …}`); its return data, or `PrecheckRevertError`."""
        call = {
            "from": self._signer.address,
            "data": "0x" + request.data.hex(),
            "value": hex(request.value),
            "gas": hex(request.gas),
        }
        if request.to is not None:  # without `to`, the call simulates the contract's creation
            call["to"] = request.to
        try:
            answer = await self._rpc.call("eth_call", call, block)
        except ExecutionRevertedError as exc:
            revert_data = revert_data_of(exc)
            reason = (
                decode_revert(revert_data, self._known_errors)
                if revert_data
                # No revert data ("execution reverted", "out of gas"): the node's words are all.
                else RevertReason(message=exc.rpc_message, data=b"", selector=None, name=None)
            )
            raise PrecheckRevertError(reason) from exc
        return bytes.fromhex(str(answer).removeprefix("0x"))

    @property
    def bundles(self) -> BundleSender | None:
        return self._bundles

    async def submit(
        self,
        key: str,
        request: TxRequest,
        *,
        precheck: bool = True,
        lead: Sequence[str] = (),
    ) -> Submission:
        """Pre-check (unless `precheck=False`), claim `key`, sign and send; see the module doc.

        With a bundle sender, the transaction goes to the relay behind `lead` (the signed
        pending transactions it backruns, 0x hex) instead of to the node."""
        if lead and self._bundles is None:
            raise ValueError("only a bundle can put transactions ahead of ours")
        bundle: BundleSent | None = None
        if precheck:
            await self.precheck(request)
        checked_ns = time.monotonic_ns()
        claimed = False
        for attempt in range(1, self._max_send_attempts + 1):
            nonce = await self._nonces.reserve()
            try:
                signed = self._signer.sign(
                    nonce=nonce,
                    to=request.to,
                    data=request.data,
                    gas=request.gas,
                    fees=request.fees,
                    value=request.value,
                )
                signed_ns = time.monotonic_ns()
                await self._claim(key, signed, first=not claimed)
                claimed = True
                self._signer.check_may_send()
                sent_ns = time.monotonic_ns()
                if self._bundles is None:
                    await self._send(signed)
                else:
                    bundle = await self._bundles.send(
                        signed, key=key, lead=lead, deadline_block=request.deadline_block
                    )
            except NonceConflictError:
                await self._resync_and_release(nonce)
                if attempt == self._max_send_attempts:
                    raise
                log.info("nonce %d of %s was taken; resynced, attempt %d", nonce, key, attempt)
                continue
            except (SendUnconfirmedError, asyncio.CancelledError):
                # The node may hold it: count the nonce spent until a resync proves otherwise.
                self._remember(key, signed, request)
                self._nonces.mark_sent(nonce)
                self._nonces.invalidate()
                raise
            except BaseException:
                self._nonces.release(nonce)
                raise
            self._nonces.mark_sent(nonce)
            if bundle is None:
                self._remember(key, signed, request)
            else:
                self._bundled[signed.tx_hash] = bundle
            log.debug("sent %s as %s (nonce %d)", key, signed.tx_hash, nonce)
            return Submission(
                key=key,
                tx_hash=signed.tx_hash,
                nonce=nonce,
                gas=request.gas,
                fees=request.fees,
                submitted_ns=time.monotonic_ns(),
                attempts=attempt,
                checked_ns=checked_ns,
                signed_ns=signed_ns,
                sent_ns=sent_ns,
                bundle=bundle,
            )
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _claim(self, key: str, signed: SignedTx, *, first: bool) -> None:
        """Claim `key` for `signed` (or move the claim to it), durably before the send: a bot
        killed right after sending still knows what it sent (`omniarb.reconcile`)."""
        if not first:
            await self._guard.resigned(key, tx_hash=signed.tx_hash, nonce=signed.nonce)
        elif not await self._guard.claim(
            key,
            chain_id=self._signer.chain_id,
            tx_hash=signed.tx_hash,
            nonce=signed.nonce,
            sender=self._signer.address,
        ):
            raise DuplicateSubmissionError(key)

    async def _resync_and_release(self, nonce: int) -> None:
        try:
            await self._nonces.resync()
        finally:
            # Below the node's count this is a no-op; above it, the nonce is free again.
            self._nonces.release(nonce)

    async def _send(self, signed: SignedTx) -> None:
        try:
            await self._rpc.call("eth_sendRawTransaction", signed.raw_hex)
        except RpcError as exc:
            error = classify_send_error(exc)
            if isinstance(error, AlreadyKnownError):
                return  # this exact transaction is in the node's pool: it was sent
            raise error from exc
        except (RpcConnectError, RateLimitedError):
            raise  # refused before the node took it: nothing was sent, the nonce is free
        except RpcTransportError as exc:
            raise SendUnconfirmedError(
                str(exc), tx_hash=signed.tx_hash, nonce=signed.nonce
            ) from exc

    async def wait_for_receipt(self, tx_hash: str, *, timeout_s: float | None = None) -> TxReceipt:
        """Poll until `tx_hash` is mined; `ReceiptTimeoutError` after `timeout_s`.

        Polls are HTTP requests that sleep in between, so many receipts can be awaited at once
        from one event loop. A failed poll is logged and retried until the deadline.
        """
        limit_s = self._receipt_timeout_s if timeout_s is None else timeout_s
        answer = None
        # The poll stops between polls at the deadline; the timeout also ends a poll in flight.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(limit_s):
                answer = await wait_for_receipt(
                    self._rpc,
                    tx_hash,
                    timeout_s=limit_s,
                    interval_s=self._poll_interval_s,
                    max_interval_s=self._max_poll_interval_s,
                )
        if answer is None:
            # A transaction that does not get mined may sit behind a nonce gap the node lost:
            # the next reservation resyncs, which frees the first missing nonce.
            self._nonces.invalidate()
            raise ReceiptTimeoutError(tx_hash=tx_hash, timeout_s=limit_s)
        self._in_flight.pop(tx_hash, None)
        return TxReceipt.from_rpc(answer)

    async def land(self, tx_hash: str, *, timeout_s: float | None = None) -> Landing:
        """Wait until `tx_hash` or a replacement of it is mined; see the module docstring.

        Without a replacement policy (or for a hash this submitter did not send) this is
        `wait_for_receipt`.
        """
        bundled = self._bundled.get(tx_hash)
        if bundled is not None and self._bundles is not None:
            return await self._land_bundle(bundled, timeout_s=timeout_s)
        sent = self._in_flight.get(tx_hash)
        if self._replacer is None or sent is None:
            receipt = await self.wait_for_receipt(tx_hash, timeout_s=timeout_s)
            return Landing(receipt=receipt, cancelled=False)
        return await self.follow(sent, timeout_s=timeout_s)

    async def _land_bundle(self, sent: BundleSent, *, timeout_s: float | None) -> Landing:
        """A bundled transaction's receipt, or none once its last target block passed: then
        its nonce was never spent on chain, and the next reservations hand it out again."""
        assert self._bundles is not None
        limit_s = self._receipt_timeout_s if timeout_s is None else timeout_s
        try:
            # Polled at the slowest receipt interval: a bundle lands with a block, never sooner.
            landing = await self._bundles.land(
                self._rpc, sent, poll_interval_s=self._max_poll_interval_s, timeout_s=limit_s
            )
        except TimeoutError:
            self._nonces.invalidate()
            raise ReceiptTimeoutError(tx_hash=sent.tx_hash, timeout_s=limit_s) from None
        self._bundled.pop(sent.tx_hash, None)
        if landing.receipt is None:
            self._nonces.lost([sent.nonce])
        elif sent.last_block > sent.first_block:
            await self._bundles.cancel(sent)
        return landing

    async def follow(
        self, sent: InFlightTx, *, timeout_s: float | None = None, replace_now: bool = False
    ) -> Landing:
        """Follow `sent` (ours, maybe sent by an earlier run) through its replacements, the
        first one at once with `replace_now`."""
        if self._replacer is None:
            raise ValueError("this submitter has no replacement policy")
        self._in_flight[sent.tx_hash] = sent
        limit_s = self._receipt_timeout_s if timeout_s is None else timeout_s
        try:
            landing = await self._replacer.follow(sent, timeout_s=limit_s, replace_now=replace_now)
        except ReceiptTimeoutError:
            self._nonces.invalidate()
            raise
        self._in_flight.pop(sent.tx_hash, None)
        return landing
