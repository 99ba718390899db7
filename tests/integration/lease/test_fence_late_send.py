"""The one window the signer lease cannot close, closed by the chain: a worker frozen after its
last lease check and before its send, resumed once another worker took its chain over, sends a
transaction it signed and claimed while it held the lease. The worker taking over spends that
claim's nonce with a cancel before it trades (`omniarb.reconcile`), so the late send is refused
by the node instead of outbidding the new holder's next trade and landing unrecorded. On the
real Redis (the lease), PostgreSQL (the claims) and anvil."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from _reconcile_setup import CHAIN_ID, GWEI, SINK, reconcile, sent_trade, settling_submitter
from _waits import eventually

from omniarb.chains.fees import Eip1559Fees, read_fees
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel
from omniarb.cluster.fence import FencedGuard, FencedSigner, claims_floor
from omniarb.cluster.lease import SignerLease, StaleLeaseError
from omniarb.config import RedisSettings
from omniarb.devnet.accounts import dev_account
from omniarb.devnet.anvil import AnvilNode, AnvilOptions
from omniarb.execute.nonces import NonceManager
from omniarb.execute.signer import Signer
from omniarb.execute.submit import Submitter, TxRequest
from omniarb.store import HistoryStore

pytestmark = pytest.mark.integration

TTL_S = 0.6
# The frozen worker's bid: well above the chain's, so it would outbid any later trade.
RICH = Eip1559Fees(max_fee_per_gas_wei=40 * GWEI, max_priority_fee_per_gas_wei=20 * GWEI)


class _FrozenBeforeSend(RpcClient):
    """The node as a worker frozen (SIGSTOP) between its last check and its send sees it: the
    first `eth_sendRawTransaction` leaves only once `resume` is set."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.frozen = asyncio.Event()
        self.resume = asyncio.Event()

    async def call(self, method: str, *params: Any) -> Any:
        if method == "eth_sendRawTransaction" and not self.resume.is_set():
            self.frozen.set()
            await self.resume.wait()
        return await super().call(method, *params)


async def _sent_by(rpc: RpcClient, address: str) -> dict[int, str]:
    """nonce -> hash of every transaction `address` got mined."""
    last = int(await rpc.call("eth_blockNumber"), 16)
    blocks = await rpc.batch([("eth_getBlockByNumber", [hex(n), True]) for n in range(last + 1)])
    return {
        int(tx["nonce"], 16): tx["hash"]
        for block in blocks
        for tx in block["transactions"]
        if tx["from"].lower() == address.lower()
    }


async def test_a_send_resumed_after_a_takeover_cannot_land_over_the_new_holders_trade(
    pg_url: str, redis_url: str, prefix: str
) -> None:
    redis = RedisSettings.model_validate({"enabled": True, "url": redis_url, "key_prefix": prefix})
    node = await AnvilNode.start(AnvilOptions(chain_id=CHAIN_ID, accounts=1, block_time_s=1))
    async with (
        _FrozenBeforeSend(node.rpc_http) as rpc_a,
        RpcClient(node.rpc_http) as rpc_b,
        HistoryStore.open(pg_url) as store_a,
        HistoryStore.open(pg_url) as store_b,
    ):
        leases = [
            await SignerLease.connect(
                redis,
                name=f"devnet:{CHAIN_ID}",
                holder=holder,
                ttl_s=TTL_S,
                floor=claims_floor(store.submissions, chain_id=CHAIN_ID),
            )
            for holder, store in (("worker-a", store_a), ("worker-b", store_b))
        ]
        lease_a, lease_b = leases
        keeping: asyncio.Task[None] | None = None
        try:
            # Blocks only when the test mines them.
            await rpc_b.call("evm_setIntervalMining", 0)
            key = Signer(dev_account(0).private_key, chain_id=CHAIN_ID)
            assert await lease_a.acquire() is not None
            worker_a = Submitter(
                rpc=rpc_a,
                signer=FencedSigner(key, lease_a),
                nonces=NonceManager(rpc=rpc_a, address=key.address),
                guard=FencedGuard(store_a.submissions, lease_a),
            )
            trade = sent_trade(0, tx_hash="", nonce=0, fee_wei=RICH.fee_cap_wei)
            await store_a.record(trade.decision)  # its claim writes it
            request = TxRequest(to=SINK, data=b"", gas=21_000, fees=RICH, value=1)
            sending = asyncio.create_task(
                worker_a.submit(trade.decision.opportunity.id, request, precheck=False)
            )
            await asyncio.wait_for(rpc_a.frozen.wait(), timeout=10)
            claimed = await asyncio.to_thread(
                store_b.claim_senders, [trade.decision.opportunity.id]
            )
            assert claimed == {trade.decision.opportunity.id: key.address}

            # Worker A stays frozen past its lease; worker B takes the chain over.
            token_b = await asyncio.wait_for(lease_b.wait_acquire(asyncio.Event()), timeout=10)
            assert lease_a.token is not None
            assert token_b > lease_a.token
            keeping = asyncio.create_task(lease_b.keep(asyncio.Event()))
            worker_b = settling_submitter(
                rpc_b,
                FencedSigner(key, lease_b),
                store_b,
                FencedGuard(store_b.submissions, lease_b),
            )
            reconciling = asyncio.create_task(reconcile(rpc_b, store_b, worker_b))

            async def fenced() -> bool:
                answer = await rpc_b.call("eth_getTransactionCount", key.address, "pending")
                return int(answer, 16) > 0

            # The claim names a transaction the node never got: its nonce goes to a cancel.
            await eventually(fenced, what="a cancel at the claimed nonce", timeout_s=10)
            await rpc_b.call("evm_mine")
            summary = await asyncio.wait_for(reconciling, timeout=30)
            assert (summary.cancelled, summary.recovered, summary.dropped) == (1, 1, 0)

            # B's own first trade, bid at the chain's price, waits in the pool for a block.
            fees = await read_fees(rpc_b, fee_model=FeeModel.EIP1559, tip_wei=GWEI)
            assert fees.fee_cap_wei < RICH.fee_cap_wei
            own = await worker_b.submit(
                "worker-b-trade",
                TxRequest(to=SINK, data=b"", gas=21_000, fees=fees, value=2),
                precheck=False,
            )
            assert own.nonce == 1

            # A resumes: its late send is refused (its nonce is spent), and it signs no other.
            rpc_a.resume.set()
            with pytest.raises(StaleLeaseError):
                await asyncio.wait_for(sending, timeout=10)
            await rpc_b.call("evm_mine")
            await worker_b.wait_for_receipt(own.tx_hash, timeout_s=10)

            # The cancel replaced the claimed transaction, which the chain never saw.
            (cancel,) = await asyncio.to_thread(store_b.replacements, chain_id=CHAIN_ID)
            assert await _sent_by(rpc_b, key.address) == {0: cancel.new_tx_hash, 1: own.tx_hash}
            assert await rpc_b.call("eth_getTransactionByHash", cancel.original_tx_hash) is None
            await store_b.flush()
            trades = {t.tx_hash: t for t in await asyncio.to_thread(store_b.trades, limit=10)}
            assert trades[cancel.new_tx_hash].status == "cancelled"
            assert trades[cancel.new_tx_hash].nonce == 0
        finally:
            if keeping is not None:
                keeping.cancel()
            for lease in leases:
                await lease.close()
            await node.stop()
