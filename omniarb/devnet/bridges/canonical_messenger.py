"""The devnet canonical bridge's messenger: relays every deposit locked on one chain's
`DevCanonicalBridge` to its destination's bridge (`finalizeDeposit`) once the deposit is
`delay_s` old, as OP's CrossDomainMessenger relays a deposit some minutes after it.

    messenger = CanonicalMessenger(manifest, delay_s=20.0)
    await messenger.start()     # scans from each bridge's deployment block, then polls
    ...
    await messenger.stop()

It is the only account the bridges accept (`CANONICAL_MESSENGER_INDEX`). A deposit is never
relayed twice: the destination's `processed` map is read before each send (and the contract
reverts a second finalization anyway); after a restart the scan from the deployment block
finds what is still owed. A deposit the destination would refuse (an unknown chain, a token
the bridge cannot pay) is logged and left, not retried in a loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass
from typing import Any

from eth_account import Account

from omniarb.bridges.canonical import canonical_entry
from omniarb.bridges.canonical_events import (
    DEPOSIT_INITIATED_TOPIC,
    PROCESSED_SIGNATURE,
    DepositInitiated,
    finalize_calldata,
    parse_deposit_initiated,
)
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.logs import LogReader
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.accounts import CANONICAL_MESSENGER_INDEX, DevAccount, dev_account
from omniarb.errors import DevnetError, OmniarbError, RevertError
from omniarb.network import ChainManifest, Manifest

__all__ = ["FINALIZE_GAS", "CanonicalMessenger"]

log = logging.getLogger(__name__)

# `finalizeDeposit` writes one fresh slot and moves tokens: ~64k, ~81k the first time a
# recipient is paid (`benchmarks/bridge_canonical.py`); the limit leaves room.
FINALIZE_GAS = 150_000
_RECEIPT_TIMEOUT_S = 60.0


@dataclass(slots=True)
class _Chain:
    manifest: ChainManifest
    bridge: str
    rpc: RpcClient
    reader: LogReader
    next_block: int


@dataclass(frozen=True, slots=True, kw_only=True)
class _Owed:
    deposit: DepositInitiated
    deposited_at_s: int


class CanonicalMessenger:
    """Relays the canonical deposits among the manifest's chains after `delay_s` (the age of
    the deposit's block), polling every `poll_interval_s`. `async start()` / `async stop()`."""

    name = "canonical-messenger"

    def __init__(
        self,
        manifest: Manifest,
        *,
        delay_s: float,
        poll_interval_s: float = 0.25,
        account: DevAccount | None = None,
    ) -> None:
        self._manifest = manifest
        self.delay_s = delay_s
        self._poll_interval_s = poll_interval_s
        self._account = account or dev_account(CANONICAL_MESSENGER_INDEX)
        self._chains: dict[int, _Chain] = {}
        self._owed: dict[tuple[int, int], _Owed] = {}
        self._task: asyncio.Task[None] | None = None
        self._clients = contextlib.AsyncExitStack()
        self.relayed = 0

    @property
    def pending(self) -> int:
        """Deposits seen and not yet relayed (waiting for their delay, or a node)."""
        return len(self._owed)

    async def start(self) -> None:
        """Open a client per chain with a canonical bridge, find each bridge's deployment block
        and start polling."""
        if self._task is not None:
            return
        try:
            for chain in self._manifest.chains:
                entry = canonical_entry(chain)
                if entry is None:
                    continue
                rpc = await self._clients.enter_async_context(RpcClient(chain.rpc_http))
                watched = _Chain(
                    manifest=chain,
                    bridge=entry.address,
                    rpc=rpc,
                    reader=LogReader(
                        rpc=rpc,
                        chain_id=chain.chain_id,
                        topics=[DEPOSIT_INITIATED_TOPIC],
                        addresses=[entry.address],
                    ),
                    next_block=0,
                )
                watched.next_block = await self._deployment_block(watched)
                self._chains[chain.chain_id] = watched
        except BaseException:
            await self._close_clients()
            raise
        log.info(
            "canonical messenger %s: %d chains, delay %.1f s",
            self._account.address,
            len(self._chains),
            self.delay_s,
        )
        # The host (`omniarb.devnet.bridges`) owns this agent's lifetime through start/stop.
        self._task = asyncio.create_task(self._run(), name="canonical-messenger")

    async def stop(self) -> None:
        """Stop polling and close the clients (idempotent)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._close_clients()

    async def _close_clients(self) -> None:
        self._chains = {}
        clients, self._clients = self._clients, contextlib.AsyncExitStack()
        await clients.aclose()

    async def _deployment_block(self, chain: _Chain) -> int:
        answer = await chain.rpc.call(
            "eth_call", {"to": chain.bridge, "data": encode_call("deployedAtBlock()")}, "latest"
        )
        (block,) = decode(["uint256"], answer)
        return int(block)

    async def _run(self) -> None:
        while True:
            try:
                await self.step()
            except OmniarbError as exc:
                # A node that does not answer now may later: the scan cursors only move on
                # success, so nothing is skipped.
                log.warning("canonical messenger: %s", exc)
            await asyncio.sleep(self._poll_interval_s)

    async def step(self) -> int:
        """One round: read new deposits on every chain, relay those old enough; how many were
        relayed."""
        for chain in self._chains.values():
            await self._scan(chain)
        now_s = time.time()
        due = [o for o in self._owed.values() if now_s - o.deposited_at_s >= self.delay_s]
        relayed = 0
        for owed in sorted(due, key=lambda o: (o.deposited_at_s, o.deposit.nonce)):
            key = (owed.deposit.src_chain_id, owed.deposit.nonce)
            if await self._relay(owed.deposit):
                relayed += 1
                self.relayed += 1
            del self._owed[key]
        return relayed

    async def _scan(self, chain: _Chain) -> None:
        head = int(await chain.rpc.call("eth_blockNumber"), 16)
        if head < chain.next_block:
            return
        logs = await chain.reader.by_range(chain.next_block, head)
        stamps: dict[int, int] = {}
        for item in logs:
            if item.removed:
                continue
            deposit = parse_deposit_initiated(item)
            if deposit.block_number not in stamps:
                block = await chain.rpc.call(
                    "eth_getBlockByNumber", hex(deposit.block_number), False
                )
                stamps[deposit.block_number] = int(block["timestamp"], 16)
            self._owed[(deposit.src_chain_id, deposit.nonce)] = _Owed(
                deposit=deposit, deposited_at_s=stamps[deposit.block_number]
            )
        chain.next_block = head + 1

    async def _relay(self, deposit: DepositInitiated) -> bool:
        """Finalize `deposit` on its destination unless it already is; whether it sent."""
        dst = self._chains.get(deposit.dst_chain_id)
        if dst is None:
            log.error(
                "canonical deposit %d from chain %d is for chain %d, which has no bridge here",
                deposit.nonce,
                deposit.src_chain_id,
                deposit.dst_chain_id,
            )
            return False
        processed_call = encode_call(PROCESSED_SIGNATURE, deposit.src_chain_id, deposit.nonce)
        answer = await dst.rpc.call(
            "eth_call", {"to": dst.bridge, "data": processed_call}, "latest"
        )
        if decode(["bool"], answer)[0]:
            return False
        tx: dict[str, Any] = {
            "from": self._account.address,
            "to": dst.bridge,
            "data": finalize_calldata(deposit),
        }
        refusal = await self._refusal(dst, tx)
        if refusal is not None:
            log.error(
                "canonical deposit %d from chain %d cannot be finalized on %s: %s",
                deposit.nonce,
                deposit.src_chain_id,
                dst.manifest.name,
                refusal,
            )
            return False
        await self._send(dst, tx)
        log.info(
            "canonical deposit %d from chain %d finalized on %s: %d to %s",
            deposit.nonce,
            deposit.src_chain_id,
            dst.manifest.name,
            deposit.amount,
            deposit.recipient,
        )
        return True

    @staticmethod
    async def _refusal(chain: _Chain, call: dict[str, Any]) -> str | None:
        """Why the bridge would revert `call`, or None: finding out costs no gas."""
        try:
            await chain.rpc.call("eth_call", call, "latest")
        except RevertError as exc:
            return str(exc)
        return None

    async def _send(self, chain: _Chain, call: dict[str, Any]) -> None:
        """Sign and send `call`, then wait for it: one transaction at a time, so the account's
        next nonce is always the node's pending count."""
        nonce, gas_price = await chain.rpc.batch(
            [
                ("eth_getTransactionCount", [self._account.address, "pending"]),
                ("eth_gasPrice", []),
            ]
        )
        # Legacy pricing is accepted by every devnet chain; twice the price rides out a rising
        # base fee.
        signed = Account.sign_transaction(
            {
                "chainId": chain.manifest.chain_id,
                "nonce": int(nonce, 16),
                "to": call["to"],
                "data": call["data"],
                "value": 0,
                "gas": FINALIZE_GAS,
                "gasPrice": 2 * int(gas_price, 16),
            },
            self._account.private_key,
        )
        tx_hash = await chain.rpc.call(
            "eth_sendRawTransaction", "0x" + bytes(signed.raw_transaction).hex()
        )
        receipt = await wait_for_receipt(chain.rpc, tx_hash, timeout_s=_RECEIPT_TIMEOUT_S)
        if receipt is None:
            raise DevnetError(f"finalization {tx_hash} on {chain.manifest.name} was not mined")
        if int(receipt["status"], 16) != 1:
            raise DevnetError(f"finalization {tx_hash} on {chain.manifest.name} reverted")
