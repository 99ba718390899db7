"""The canonical messenger across restarts: a deposit it saw but had not relayed when stopped is
relayed once by the next messenger (which scans from the bridges' deployment blocks); one
already relayed is not relayed again; a replayed finalization reverts."""

from __future__ import annotations

from typing import Any

import pytest
from _canonical_setup import DST, SRC, balance_of, finalizations, send_deposit
from _receipts import mined_receipt
from _waits import eventually
from eth_account import Account

from omniarb.bridges import CanonicalBridge, Deposit
from omniarb.bridges.canonical_events import finalize_calldata, parse_deposit_initiated
from omniarb.chain_events import parse_log
from omniarb.chains.abi import selector
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.accounts import CANONICAL_MESSENGER_INDEX, dev_account
from omniarb.devnet.bridges import CanonicalMessenger
from omniarb.errors import ExecutionRevertedError

pytestmark = pytest.mark.integration

RECIPIENT = "0x000000000000000000000000000000000000cAFE"
# Longer than the test: the messenger holding a deposit for this long never relays it.
NEVER_S = 3_600.0


async def _deposit(bridge: CanonicalBridge, rpc: RpcClient, sender: str, amount: int) -> Deposit:
    quote = await bridge.quote(SRC, DST, "WETH", "WETH", amount)
    deposit, _ = await send_deposit(bridge, rpc, quote, sender=sender, recipient=RECIPIENT)
    return deposit


async def test_a_restarted_messenger_relays_what_is_owed_once(devnet_factory: Any) -> None:
    async with devnet_factory({SRC: None, DST: None}) as net:
        src, dst = net.manifest.chain(SRC), net.manifest.chain(DST)
        messenger_address = dev_account(CANONICAL_MESSENGER_INDEX).address
        weth = dst.token("WETH").address
        async with RpcClient(src.rpc_http) as src_rpc, RpcClient(dst.rpc_http) as dst_rpc:
            bridge = CanonicalBridge(net.manifest, {SRC: src_rpc, DST: dst_rpc})
            nonce_before = int(
                await dst_rpc.call("eth_getTransactionCount", messenger_address, "latest"), 16
            )
            first_amount, second_amount = 10**18 + 1, 2 * 10**18 + 3

            # The first messenger relays the first deposit.
            first = await _deposit(bridge, src_rpc, src.traders[0], first_amount)
            relaying = CanonicalMessenger(net.manifest, delay_s=0.0)
            await relaying.start()
            try:
                await eventually(lambda: bridge.arrival(first), what="the first arrival")
            finally:
                await relaying.stop()

            # The second sees the second deposit and is stopped before its delay is over.
            holding = CanonicalMessenger(net.manifest, delay_s=NEVER_S)
            await holding.start()
            try:
                second = await _deposit(bridge, src_rpc, src.traders[1], second_amount)

                async def holds_it() -> bool:
                    return holding.pending == 1

                await eventually(holds_it, what="the second deposit seen and held")
            finally:
                await holding.stop()
            assert holding.relayed == 0
            assert await bridge.arrival(second) is None

            # A fresh messenger scans from the deployment blocks: both deposits are there, only
            # the second is still owed.
            restarted = CanonicalMessenger(net.manifest, delay_s=0.0)
            await restarted.start()
            try:
                arrival = await eventually(
                    lambda: bridge.arrival(second), what="the second arrival"
                )

                async def done_relaying() -> bool:
                    return restarted.relayed >= 1 and restarted.pending == 0

                await eventually(done_relaying, what="the restarted messenger's round")
            finally:
                await restarted.stop()
            assert restarted.relayed == 1
            assert arrival.amount_received == second_amount
            assert await balance_of(dst_rpc, weth, RECIPIENT) == first_amount + second_amount
            for deposit in (first, second):
                count = await finalizations(dst_rpc, dst, src.chain_id, int(deposit.deposit_id))
                assert count == 1, deposit
            nonce_after = int(
                await dst_rpc.call("eth_getTransactionCount", messenger_address, "latest"), 16
            )
            assert nonce_after == nonce_before + 2

            # The messenger itself replaying the first finalization: the bridge refuses it.
            receipt = await src_rpc.call("eth_getTransactionReceipt", first.tx_hash)
            initiated = next(
                parse_deposit_initiated(parse_log(src.chain_id, raw))
                for raw in receipt["logs"]
                if raw["address"].lower() == src.bridge("canonical").address.lower()
            )
            replay = {
                "from": messenger_address,
                "to": dst.bridge("canonical").address,
                "data": finalize_calldata(initiated),
            }
            with pytest.raises(ExecutionRevertedError) as refused:
                await dst_rpc.call("eth_call", replay, "latest")
            assert selector("AlreadyFinalized(uint256,uint256)").hex() in str(refused.value.data)
            gas_price = int(await dst_rpc.call("eth_gasPrice"), 16)
            signed = Account.sign_transaction(
                {
                    "chainId": dst.chain_id,
                    "nonce": nonce_after,
                    "to": replay["to"],
                    "data": replay["data"],
                    "value": 0,
                    "gas": 200_000,
                    "gasPrice": 2 * gas_price,
                },
                dev_account(CANONICAL_MESSENGER_INDEX).private_key,
            )
            tx_hash = await dst_rpc.call(
                "eth_sendRawTransaction", "0x" + bytes(signed.raw_transaction).hex()
            )
            mined = await mined_receipt(dst_rpc, tx_hash, succeeded=False)
            assert int(mined["status"], 16) == 0
            assert await balance_of(dst_rpc, weth, RECIPIENT) == first_amount + second_amount
