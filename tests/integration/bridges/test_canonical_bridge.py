"""The canonical bridge end to end on the devnet: the adapter's calls lock tokens on one chain,
the messenger releases them on the other after its delay, to the wei; the adapter's
`find_deposit` and `arrival` agree with the chains; only the messenger may finalize."""

from __future__ import annotations

from typing import Any

import pytest
from _canonical_setup import DST, SRC, balance_of, finalizations, send_deposit
from _receipts import mined_receipt
from _waits import eventually

from omniarb.bridges import CanonicalBridge
from omniarb.bridges.canonical import APPROVE_GAS, DEPOSIT_GAS
from omniarb.bridges.canonical_events import (
    PROCESSED_SIGNATURE,
    DepositInitiated,
    finalize_calldata,
)
from omniarb.chains.abi import decode, encode_call, selector
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.bridges import CanonicalMessenger
from omniarb.errors import ExecutionRevertedError, RejectedError

pytestmark = pytest.mark.integration

DELAY_S = 2.0
RECIPIENT = "0x000000000000000000000000000000000000bEEF"


async def test_a_deposit_is_released_on_the_destination_after_the_delay(
    devnet_factory: Any,
) -> None:
    async with devnet_factory({SRC: None, DST: None}, canonical_delay_s=DELAY_S) as net:
        src, dst = net.manifest.chain(SRC), net.manifest.chain(DST)
        async with RpcClient(src.rpc_http) as src_rpc, RpcClient(dst.rpc_http) as dst_rpc:
            bridge = CanonicalBridge(net.manifest, {SRC: src_rpc, DST: dst_rpc})
            assert bridge.supports(SRC, DST, "USDC", "USDC")
            assert not bridge.supports(SRC, DST, "USDC", "WETH")
            assert not bridge.supports(SRC, SRC, "USDC", "USDC")
            amount = 1_234_567_891  # 1,234.567891 USDC
            quote = await bridge.quote(SRC, DST, "USDC", "USDC", amount)
            assert (quote.fee_in, quote.amount_out, quote.expected_delay_s) == (0, amount, DELAY_S)
            assert quote.token_out == dst.token("USDC").address
            src_bridge = src.bridge("canonical").address
            dst_bridge = dst.bridge("canonical").address
            usdc_src, usdc_dst = src.token("USDC").address, dst.token("USDC").address
            locked_before = await balance_of(src_rpc, usdc_src, src_bridge)
            liquidity_before = await balance_of(dst_rpc, usdc_dst, dst_bridge)

            deposit, receipts = await send_deposit(
                bridge, src_rpc, quote, sender=src.traders[0], recipient=RECIPIENT
            )
            assert (deposit.src_chain, deposit.dst_chain) == (SRC, DST)
            assert (deposit.amount_out, deposit.token_out) == (amount, usdc_dst)
            assert deposit.recipient == RECIPIENT
            approve_gas, deposit_gas = (int(r["gasUsed"], 16) for r in receipts)
            assert approve_gas <= APPROVE_GAS
            assert deposit_gas <= DEPOSIT_GAS
            # The quote counts a deposit into a bridge already in use; this is the first one.
            assert abs(quote.gas_units - (approve_gas + deposit_gas)) <= 0.2 * quote.gas_units
            assert await balance_of(src_rpc, usdc_src, src_bridge) == locked_before + amount
            # Locked, not yet relayed: nothing has arrived.
            assert await bridge.arrival(deposit) is None

            messenger = CanonicalMessenger(net.manifest, delay_s=DELAY_S)
            await messenger.start()
            try:
                arrival = await eventually(
                    lambda: bridge.arrival(deposit), what="the finalization", timeout_s=20
                )
            finally:
                await messenger.stop()

            assert arrival.amount_received == amount
            assert await balance_of(dst_rpc, usdc_dst, RECIPIENT) == amount
            assert await balance_of(dst_rpc, usdc_dst, dst_bridge) == liquidity_before - amount
            finalized = await dst_rpc.call("eth_getTransactionReceipt", arrival.tx_hash)
            assert int(finalized["blockNumber"], 16) == arrival.block_number
            deposited_block = await src_rpc.call(
                "eth_getBlockByNumber", hex(deposit.block_number), False
            )
            arrived_block = await dst_rpc.call(
                "eth_getBlockByNumber", hex(arrival.block_number), False
            )
            waited_s = int(arrived_block["timestamp"], 16) - int(deposited_block["timestamp"], 16)
            # Block stamps are whole seconds: the wait is the delay, less a second's rounding.
            assert waited_s >= DELAY_S - 1
            assert await finalizations(dst_rpc, dst, src.chain_id, int(deposit.deposit_id)) == 1
            # A second look finds the same arrival (from where the first search left off).
            assert await bridge.arrival(deposit) == arrival


async def test_a_route_the_bridge_cannot_pay_is_rejected(devnet_factory: Any) -> None:
    async with devnet_factory({SRC: None, DST: None}) as net:
        src, dst = net.manifest.chain(SRC), net.manifest.chain(DST)
        async with RpcClient(src.rpc_http) as src_rpc, RpcClient(dst.rpc_http) as dst_rpc:
            bridge = CanonicalBridge(net.manifest, {SRC: src_rpc, DST: dst_rpc})
            usdc_dst = dst.token("USDC").address
            liquidity = await balance_of(dst_rpc, usdc_dst, dst.bridge("canonical").address)
            assert (await bridge.quote(SRC, DST, "USDC", "USDC", liquidity)).amount_out == liquidity
            with pytest.raises(RejectedError, match="holds"):
                await bridge.quote(SRC, DST, "USDC", "USDC", liquidity + 1)
            with pytest.raises(RejectedError, match="does not move"):
                await bridge.quote(SRC, DST, "USDC", "WETH", 10**6)


async def test_only_the_messenger_may_finalize(devnet_factory: Any) -> None:
    async with devnet_factory({SRC: None, DST: None}) as net:
        src, dst = net.manifest.chain(SRC), net.manifest.chain(DST)
        dst_bridge = dst.bridge("canonical").address
        usdc_dst = dst.token("USDC").address
        forged = DepositInitiated(
            src_chain_id=src.chain_id,
            bridge=src.bridge("canonical").address,
            nonce=0,
            dst_chain_id=dst.chain_id,
            sender=dst.traders[0],
            local_token=src.token("USDC").address,
            remote_token=usdc_dst,
            recipient=RECIPIENT,
            amount=10**9,
            extra_data=b"",
            block_number=0,
            tx_hash="0x" + "00" * 32,
        )
        async with RpcClient(dst.rpc_http) as rpc:
            call = {"from": dst.traders[0], "to": dst_bridge, "data": finalize_calldata(forged)}
            with pytest.raises(ExecutionRevertedError) as refused:
                await rpc.call("eth_call", call, "latest")
            assert selector("NotMessenger()").hex() in str(refused.value.data)
            tx_hash = await rpc.call("eth_sendTransaction", {**call, "gas": hex(200_000)})
            receipt = await mined_receipt(rpc, tx_hash, succeeded=False)
            assert int(receipt["status"], 16) == 0
            assert await balance_of(rpc, usdc_dst, RECIPIENT) == 0
            processed = await rpc.call(
                "eth_call",
                {"to": dst_bridge, "data": encode_call(PROCESSED_SIGNATURE, src.chain_id, 0)},
                "latest",
            )
            assert decode(["bool"], processed) == (False,)
