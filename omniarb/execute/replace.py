"""Stuck transactions: follow every hash of a nonce until one is mined, replacing it when stuck.

    replacer = Replacer(rpc=rpc, signer=signer, fee_model=spec.fee_model, tip_wei=tip,
                        policy=ReplacementPolicy(replace_after_blocks=3), precheck=precheck,
                        on_replacement=store.record)
    landing = await replacer.follow(InFlightTx(key=..., nonce=..., tx_hash=..., to=..., data=...,
                                               gas=..., value=..., fees=...), timeout_s=120)

A sent transaction that is not mined `replace_after_blocks` blocks after it was sent (or last
replaced) gets a successor at the same nonce: the same call re-priced for the latest base fee
when its pre-check `eth_call` still passes, else a cancel (a 0-value transfer to ourselves) since
the opportunity is gone. A call whose deadline block (`InFlightTx.deadline_block`, the executor
plan's) is the head or earlier is cancelled without a pre-check: no later block can run it.
The successor's fees are at least the node's replacement minimum above the last ones
(`bumped_fees`), capped by `max_fee_per_gas_wei`; at most `max_replacements` successors are
sent. Whichever hash of the nonce is mined is the landing; a nonce spent by a
transaction that is none of ours is a landing without receipt (dropped).

A nonce below ours that the node holds nothing for and nobody follows (a send lost in transit)
stalls ours for ever: once ours is stuck, such a gap is filled with a cancel-style transfer, one
nonce a round. A lower nonce that is followed is left to its own follower.

Every successor is a `Replacement` value handed to `on_replacement` (the store records it).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from omniarb.chains.fees import Fees, read_fees
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel
from omniarb.errors import (
    RateLimitedError,
    RevertError,
    RpcConnectError,
    RpcError,
    RpcTransportError,
)
from omniarb.execute._send_errors import (
    AlreadyKnownError,
    ReceiptTimeoutError,
    SendError,
    classify_send_error,
)
from omniarb.execute.in_flight import CANCEL_GAS, InFlightTx, OnReplacement, Precheck
from omniarb.execute.replace_policy import (
    ReplacementPolicy,
    bumped_fees,
    default_replace_after_blocks,
)
from omniarb.execute.signer import Signer
from omniarb.types import Landing, Replacement, ReplacementReason, TxReceipt

__all__ = [
    "ReplacementPolicy",
    "Replacer",
    "bumped_fees",
    "default_replace_after_blocks",
]

log = logging.getLogger(__name__)

# A node may count a block's nonces before it serves the block's receipts (anvil does, for a
# moment after mining): a spent nonce without a receipt of ours is taken as spent by someone
# else only once it has stayed so this long.
_SPENT_CONFIRM_S = 2.0


@dataclass(slots=True)
class _Nonce:
    """The hashes of one nonce we follow, newest last."""

    sent: InFlightTx
    hashes: list[str]
    cancels: set[str]
    fees: Fees
    sent_block: int
    replacements: list[Replacement]
    # When the nonce was first seen spent with none of our receipts (loop time), or None.
    spent_since: float | None = None


class Replacer:
    """Follows sent transactions to their landing and replaces them when stuck; see the module.

    `precheck` raises a `RevertError` when the call would now revert (the submitter's
    `eth_call`); `known` maps a nonce to the hashes of ours the node may hold for it (the
    submitter's in-flight book), which tells a lost send from a pending one.
    """

    def __init__(
        self,
        *,
        rpc: RpcClient,
        signer: Signer,
        fee_model: FeeModel,
        tip_wei: int,
        policy: ReplacementPolicy,
        precheck: Precheck,
        on_replacement: OnReplacement | None = None,
        known: Callable[[], Mapping[int, tuple[str, ...]]] | None = None,
        poll_interval_s: float = 0.05,
        max_poll_interval_s: float = 0.5,
    ) -> None:
        self._rpc = rpc
        self._signer = signer
        self._fee_model = fee_model
        self._tip_wei = tip_wei
        self.policy = policy
        self._precheck = precheck
        self._on_replacement = on_replacement
        self._known = known or dict
        self._poll_interval_s = poll_interval_s
        # The nonces being followed now: a stuck lower one is its own follower's to replace,
        # never a gap for a higher one's follower to fill.
        self._following: dict[int, _Nonce] = {}
        self._max_poll_interval_s = max_poll_interval_s

    async def follow(
        self, sent: InFlightTx, *, timeout_s: float, replace_now: bool = False
    ) -> Landing:
        """Wait until a hash of `sent.nonce` is mined, replacing as the policy says (the first
        time at once with `replace_now`, else a window after the send);
        `ReceiptTimeoutError` after `timeout_s` with none mined."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        head = await self._block_number()
        state = _Nonce(
            sent=sent,
            hashes=[sent.tx_hash],
            cancels=set(),
            fees=sent.fees,
            sent_block=head - self.policy.replace_after_blocks if replace_now else head,
            replacements=[],
        )
        self._following[sent.nonce] = state
        try:
            return await self._poll(state, deadline=deadline, timeout_s=timeout_s)
        finally:
            if self._following.get(sent.nonce) is state:
                del self._following[sent.nonce]

    async def _poll(self, state: _Nonce, *, deadline: float, timeout_s: float) -> Landing:
        loop = asyncio.get_running_loop()
        interval_s = self._poll_interval_s
        while True:
            try:
                landing = await self._landed(state)
                if landing is not None:
                    return landing
                head = await self._block_number()
                if head - state.sent_block >= self.policy.replace_after_blocks:
                    await self._unstick(state, head)
            except RpcTransportError as exc:  # a failed poll is not "not mined": ask again
                log.warning(
                    "following nonce %d (%s) failed: %s", state.sent.nonce, state.sent.key, exc
                )
            if loop.time() >= deadline:
                raise ReceiptTimeoutError(tx_hash=state.hashes[-1], timeout_s=timeout_s)
            await asyncio.sleep(min(interval_s, max(deadline - loop.time(), 0)))
            interval_s = min(interval_s * 1.5, self._max_poll_interval_s)

    async def _block_number(self) -> int:
        return int(await self._rpc.call("eth_blockNumber"), 16)

    async def _mined_count(self) -> int:
        answer = await self._rpc.call("eth_getTransactionCount", self._signer.address, "latest")
        return int(answer, 16)

    async def _landed(self, state: _Nonce) -> Landing | None:
        # The count first: a nonce spent before the receipts are read has its receipt by then.
        spent = await self._mined_count() > state.sent.nonce
        answers = await self._rpc.batch(
            [("eth_getTransactionReceipt", [tx_hash]) for tx_hash in state.hashes]
        )
        for answer in answers:
            if answer is not None:
                receipt = TxReceipt.from_rpc(answer)
                return Landing(
                    receipt=receipt,
                    cancelled=receipt.tx_hash in state.cancels,
                    replacements=tuple(state.replacements),
                )
        if spent:
            now = asyncio.get_running_loop().time()
            if state.spent_since is None:
                state.spent_since = now
            if now - state.spent_since < _SPENT_CONFIRM_S:
                return None  # our receipt may not be served yet: ask again
            log.warning(
                "nonce %d (%s) was spent by a transaction that is none of ours: %s dropped",
                state.sent.nonce,
                state.sent.key,
                ", ".join(state.hashes),
            )
            return Landing(receipt=None, cancelled=False, replacements=tuple(state.replacements))
        return None

    async def _unstick(self, state: _Nonce, head: int) -> None:
        """Fill a lost lower nonce if there is one, else replace ours (once a window)."""
        state.sent_block = head  # the next attempt waits a full window again
        mined = await self._mined_count()
        if mined > state.sent.nonce:
            return  # spent: a successor would be refused; the next poll tells by whom
        if mined < state.sent.nonce:
            # Ours waits behind a lower nonce: that one's follower replaces it when stuck; one
            # nobody follows and the node does not hold was lost, and is filled here.
            if mined not in self._following and await self._lost(mined):
                await self._fill_gap(state, mined, head)
            return
        successors = [r for r in state.replacements if r.reason is not ReplacementReason.GAP]
        if len(successors) >= self.policy.max_replacements:
            return
        await self._replace(state, head)

    async def _lost(self, nonce: int) -> bool:
        """True when the node holds none of our transactions at `nonce`."""
        hashes = self._known().get(nonce, ())
        if not hashes:
            # Nothing of ours on record; the node's pending count says whether it holds one.
            answer = await self._rpc.call(
                "eth_getTransactionCount", self._signer.address, "pending"
            )
            return int(answer, 16) <= nonce
        answers = await self._rpc.batch(
            [("eth_getTransactionByHash", [tx_hash]) for tx_hash in hashes]
        )
        return all(answer is None for answer in answers)

    async def _current_fees(self) -> Fees:
        return await read_fees(self._rpc, fee_model=self._fee_model, tip_wei=self._tip_wei)

    async def _fill_gap(self, state: _Nonce, nonce: int, head: int) -> None:
        current = await self._current_fees()
        fees = (
            bumped_fees(
                current,
                current,
                bump_percent=self.policy.fee_bump_percent,
                cap_wei=self.policy.max_fee_per_gas_wei,
            )
            or current
        )
        signed = self._signer.sign(
            nonce=nonce, to=self._signer.address, data=b"", gas=CANCEL_GAS, fees=fees
        )
        if not await self._send(signed.raw_hex, nonce):
            return
        lost = self._known().get(nonce, ())
        log.warning("nonce %d was lost in transit: filled by %s", nonce, signed.tx_hash)
        fill = Replacement(
            chain_id=self._signer.chain_id,
            key=state.sent.key,
            nonce=nonce,
            original_tx_hash=lost[0] if lost else None,
            replaced_tx_hash=lost[-1] if lost else None,
            new_tx_hash=signed.tx_hash,
            old_max_fee_per_gas_wei=0,
            old_priority_fee_wei=0,
            new_max_fee_per_gas_wei=fees.fee_cap_wei,
            new_priority_fee_wei=fees.tip_wei,
            reason=ReplacementReason.GAP,
            block_number=head,
            replaced_at=datetime.now(UTC),
        )
        state.replacements.append(fill)
        await self._record(fill)

    async def _replace(self, state: _Nonce, head: int) -> None:
        sent = state.sent
        cancel = bool(state.cancels)
        if not cancel and sent.deadline_block is not None and head >= sent.deadline_block:
            # A successor lands in block head + 1 at the earliest, past the plan's deadline: a
            # re-price would only buy an `Expired` revert (gas for nothing), while a cancel frees
            # the nonce for the next trade at the plain transfer's 21,000 gas.
            log.info(
                "nonce %d (%s) is stuck past its deadline block %d (head %d)",
                sent.nonce,
                sent.key,
                sent.deadline_block,
                head,
            )
            cancel = True
        if not cancel:
            try:
                await self._precheck(sent)
            except RevertError as exc:
                log.info(
                    "nonce %d (%s) is stuck and its trade is gone (%s)", sent.nonce, sent.key, exc
                )
                cancel = True
        fees = bumped_fees(
            state.fees,
            await self._current_fees(),
            bump_percent=self.policy.fee_bump_percent,
            cap_wei=self.policy.max_fee_per_gas_wei,
        )
        if fees is None:
            log.warning(
                "nonce %d (%s) is stuck at %d wei per gas: a replacement would exceed the cap "
                "of %d",
                sent.nonce,
                sent.key,
                state.fees.fee_cap_wei,
                self.policy.max_fee_per_gas_wei,
            )
            return
        if cancel:
            signed = self._signer.sign(
                nonce=sent.nonce, to=self._signer.address, data=b"", gas=CANCEL_GAS, fees=fees
            )
        else:
            signed = self._signer.sign(
                nonce=sent.nonce,
                to=sent.to,
                data=sent.data,
                gas=sent.gas,
                fees=fees,
                value=sent.value,
            )
        if not await self._send(signed.raw_hex, sent.nonce):
            return
        reason = ReplacementReason.CANCEL if cancel else ReplacementReason.REPRICE
        log.info(
            "nonce %d (%s) not mined in %d blocks, at block %d: %s %s -> %s, max fee %d -> %d wei",
            sent.nonce,
            sent.key,
            self.policy.replace_after_blocks,
            head,
            reason,
            state.hashes[-1],
            signed.tx_hash,
            state.fees.fee_cap_wei,
            fees.fee_cap_wei,
        )
        replacement = Replacement(
            chain_id=self._signer.chain_id,
            key=sent.key,
            nonce=sent.nonce,
            original_tx_hash=sent.tx_hash,
            replaced_tx_hash=state.hashes[-1],
            new_tx_hash=signed.tx_hash,
            old_max_fee_per_gas_wei=state.fees.fee_cap_wei,
            old_priority_fee_wei=state.fees.tip_wei,
            new_max_fee_per_gas_wei=fees.fee_cap_wei,
            new_priority_fee_wei=fees.tip_wei,
            reason=reason,
            block_number=head,
            replaced_at=datetime.now(UTC),
        )
        state.hashes.append(signed.tx_hash)
        if cancel:
            state.cancels.add(signed.tx_hash)
        state.fees = fees
        state.replacements.append(replacement)
        await self._record(replacement)

    async def _send(self, raw_hex: str, nonce: int) -> bool:
        """Send a successor; False when the node refused it (the next window tries again)."""
        try:
            await self._rpc.call("eth_sendRawTransaction", raw_hex)
        except RpcError as exc:
            error: SendError = classify_send_error(exc)
            if isinstance(error, AlreadyKnownError):
                return True
            # "nonce too low": one of ours was mined meanwhile, the next poll sees its receipt;
            # "underpriced": the next window bids higher.
            log.warning("replacement at nonce %d refused: %s", nonce, error)
            return False
        except (RpcConnectError, RateLimitedError) as exc:
            log.warning("replacement at nonce %d not sent: %s", nonce, exc)
            return False
        except RpcTransportError as exc:
            # The node may hold it: follow and record it as sent, so nothing mined goes unseen.
            log.warning("replacement at nonce %d may have been sent: %s", nonce, exc)
        return True

    async def _record(self, replacement: Replacement) -> None:
        if self._on_replacement is not None:
            await self._on_replacement(replacement)
