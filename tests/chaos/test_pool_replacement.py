"""A key pool's stuck transaction is replaced by the key that signed it, even once that key
drains: on a real anvil with interval mining and a fee spike (the recipe of
`test_stuck_transactions.py`), a trade sent by key A is stuck, A drains, the next trade goes to
key B, and A's trade is re-priced at A's nonce, signed by A, and mined; neither key leaves a gap.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _waits import eventually
from test_stuck_transactions import (
    BLOCK_TIME_S,
    CHAIN_ID,
    GATE,
    GATE_CODE,
    POLICY,
    TIP_WEI,
    _past,
    fee_spike,
)

from omniarb.chains.fees import read_fees
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel
from omniarb.devnet.accounts import dev_account
from omniarb.devnet.anvil import AnvilNode, AnvilOptions
from omniarb.execute.key_pool import KeyPool, KeyState
from omniarb.execute.nonces import NonceManager
from omniarb.execute.signer import Signer
from omniarb.execute.submit import MemorySubmissionGuard, Submitter, TxRequest

pytestmark = pytest.mark.integration


def _submitter(rpc: RpcClient, index: int, guard: MemorySubmissionGuard) -> Submitter:
    signer = Signer(dev_account(index).private_key, chain_id=CHAIN_ID)
    return Submitter(
        rpc=rpc,
        signer=signer,
        nonces=NonceManager(rpc=rpc, address=signer.address),
        guard=guard,
        receipt_timeout_s=30.0,
        replacement=POLICY,
        fee_model=FeeModel.EIP1559,
        tip_wei=TIP_WEI,
    )


async def _count(rpc: RpcClient, address: str, block: str = "latest") -> int:
    return int(await rpc.call("eth_getTransactionCount", address, block), 16)


async def test_a_draining_keys_stuck_trade_is_replaced_by_that_key(tmp_path: Path) -> None:
    node = await AnvilNode.start(
        AnvilOptions(chain_id=CHAIN_ID, accounts=2, block_time_s=BLOCK_TIME_S)
    )
    try:
        async with RpcClient(node.rpc_http) as rpc:
            await rpc.call("anvil_setCode", GATE, GATE_CODE)
            guard = MemorySubmissionGuard()
            first, second = _submitter(rpc, 0, guard), _submitter(rpc, 1, guard)
            pool = KeyPool(first, rpc=rpc)
            pool.add(second)
            a, b = first.address, second.address
            fees = await read_fees(rpc, fee_model=FeeModel.EIP1559, tip_wei=TIP_WEI)
            request = TxRequest(to=GATE, data=b"\x01", gas=50_000, fees=fees)

            # Sent while mining is paused, then blocks come at 20 times its fee cap: stuck.
            await rpc.call("evm_setIntervalMining", 0)
            stuck = await pool.submit("stuck", request)
            spike_wei = 20 * fees.fee_cap_wei
            await rpc.call("anvil_setNextBlockBaseFeePerGas", hex(spike_wei))
            await rpc.call("evm_setIntervalMining", BLOCK_TIME_S)
            sent_by = await rpc.call("eth_getTransactionByHash", stuck.tx_hash)
            assert sent_by["from"].lower() == a.lower()

            pool.drain(a)
            assert pool.state_of(a) is KeyState.DRAINING
            async with fee_spike(rpc, spike_wei):
                head = int(await rpc.call("eth_blockNumber"), 16)
                await eventually(
                    lambda: _past(rpc, head + 1), what="two blocks", timeout_s=10, interval_s=0.1
                )
                assert not await pool.settled(a)
                # A new trade goes to the active key, not the draining one.
                spiked = await read_fees(rpc, fee_model=FeeModel.EIP1559, tip_wei=TIP_WEI)
                later = await pool.submit(
                    "later", TxRequest(to=GATE, data=b"\x01", gas=50_000, fees=spiked)
                )
                later_tx = await rpc.call("eth_getTransactionByHash", later.tx_hash)
                assert later_tx["from"].lower() == b.lower()

                landing = await pool.land(stuck.tx_hash)
                assert (await pool.land(later.tx_hash)).receipt is not None

            assert landing.receipt is not None
            assert landing.receipt.success
            assert landing.receipt.tx_hash != stuck.tx_hash  # a replacement was mined
            assert landing.replacements
            mined = await rpc.call("eth_getTransactionByHash", landing.receipt.tx_hash)
            assert mined["from"].lower() == a.lower()
            assert int(mined["nonce"], 16) == stuck.nonce
            for key in (a, b):
                assert await _count(rpc, key, "pending") == await _count(rpc, key) == 1
            assert await pool.settled(a)
    finally:
        await node.stop()
