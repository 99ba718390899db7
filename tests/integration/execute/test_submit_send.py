"""Signing and submission against real anvil chains, as the devnet's bot (account 9).

Proves: our EIP-1559 (Ethereum) and legacy (BNB Chain) transactions are accepted and mined, on
automine and with a block time, and do what they say (WETH deposit and transfer, to the wei);
fees come from the latest block; the eth_call pre-check catches reverts with their decoded reason
and sends nothing; a receipt that does not come times out with exit code 5, and one that comes
with a block time is picked up within a polling interval. Nonces and keys are
test_submit_nonces.py's.
"""

from __future__ import annotations

from typing import Any

import pytest
from _submit_bot import DEPOSIT_WEI, NEVER_S, TIP_WEI, TRANSFER, bot_on, transaction_type
from eth_abi.abi import encode

from omniarb.chains.abi import encode_call
from omniarb.chains.fees import LegacyFees, eip1559_fees, read_base_fee_wei
from omniarb.chains.spec import FeeModel, chain_by_name
from omniarb.devnet.accounts import BOT_INDEX, dev_account
from omniarb.errors import RevertError, TimeoutError_
from omniarb.execute._send_errors import PrecheckRevertError, ReceiptTimeoutError
from omniarb.execute.submit import TxRequest
from omniarb.types import TxReceipt

pytestmark = pytest.mark.integration

TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"


# -- sign and send: both transaction types, automine and a block time -------------------------


@pytest.mark.parametrize("block_time_s", [None, 0.5], ids=["automine", "block-0.5s"])
@pytest.mark.parametrize(("name", "tx_type"), [("ethereum", 2), ("bnb", 0)])
async def test_signed_transactions_are_mined_and_do_what_they_say(
    devnet_factory: Any, name: str, tx_type: int, block_time_s: float | None
) -> None:
    async with devnet_factory({name: block_time_s}) as net, bot_on(net, name) as bot:
        assert bot.signer.address == dev_account(BOT_INDEX).address
        start_nonce = await bot.pending_count()
        before = await bot.weth_balance(bot.signer.address)

        sent = await bot.submitter.submit("deposit", await bot.deposit())
        receipt = await bot.submitter.wait_for_receipt(sent.tx_hash)
        assert receipt.success
        assert receipt.tx_hash == sent.tx_hash
        assert sent.nonce == start_nonce
        assert await transaction_type(bot, sent.tx_hash) == tx_type
        assert await bot.weth_balance(bot.signer.address) == before + DEPOSIT_WEI

        trader = bot.chain.traders[0]
        trader_before = await bot.weth_balance(trader)
        data = bytes.fromhex(encode_call(TRANSFER, trader, 12345)[2:])
        request = TxRequest(to=bot.weth, data=data, gas=100_000, fees=await bot.fees())
        sent = await bot.submitter.submit("transfer", request)
        receipt = await bot.submitter.wait_for_receipt(sent.tx_hash)
        assert receipt.success
        assert sent.nonce == start_nonce + 1
        assert await bot.weth_balance(trader) == trader_before + 12345
        (log,) = receipt.logs
        assert log.address.lower() == bot.weth.lower()
        assert log.topics[0] == TRANSFER_TOPIC
        assert int.from_bytes(log.data, "big") == 12345
        assert receipt.gas_cost_wei == receipt.gas_used * receipt.effective_gas_price_wei
        assert await bot.pending_count() == start_nonce + 2


@pytest.mark.parametrize("name", ["ethereum", "bnb"])
async def test_fees_follow_the_latest_block(devnet_factory: Any, name: str) -> None:
    async with devnet_factory({name: None}) as net, bot_on(net, name) as bot:
        base_fee_wei = await read_base_fee_wei(bot.rpc)
        assert base_fee_wei > 0  # anvil runs London rules on every chain id
        fees = await bot.fees()
        if chain_by_name(name).fee_model is FeeModel.LEGACY:
            assert fees == LegacyFees(gas_price_wei=base_fee_wei + TIP_WEI, tip_wei=TIP_WEI)
        else:
            assert fees == eip1559_fees(base_fee_wei=base_fee_wei, tip_wei=TIP_WEI)
        sent = await bot.submitter.submit("deposit", await bot.deposit())
        receipt = await bot.submitter.wait_for_receipt(sent.tx_hash)
        block = await bot.rpc.call("eth_getBlockByNumber", hex(receipt.block_number), False)
        paid = receipt.effective_gas_price_wei
        if isinstance(fees, LegacyFees):
            assert paid == fees.gas_price_wei
        else:
            assert paid == int(block["baseFeePerGas"], 16) + TIP_WEI


# -- pre-check ----------------------------------------------------------------------------


async def test_precheck_catches_reverts_and_sends_nothing(devnet_factory: Any) -> None:
    async with devnet_factory({"ethereum": None}) as net, bot_on(net, "ethereum") as bot:
        fees = await bot.fees()
        usdc = bot.chain.token("USDC").address
        start_nonce = await bot.pending_count()
        router = bot.chain.dex("uniswap-v2").router
        path = [bot.weth, usdc]
        cases = [
            # DevToken: custom error, named from the artifact's ABI
            (usdc, encode_call(TRANSFER, bot.chain.traders[0], 2**255), 0, "InsufficientBalance()"),
            # WETH `withdraw` beyond the balance: Error("")
            (bot.weth, encode_call("withdraw(uint256)", 10**30), 0, "empty reason string"),
            # Router02 `ensure(deadline)`: Error(string)
            (
                router,
                encode_call(
                    "swapExactETHForTokens(uint256,address[],address,uint256)",
                    0,
                    path,
                    bot.signer.address,
                    0,
                ),
                10**15,
                "UniswapV2Router: EXPIRED",
            ),
        ]
        for index, (to, calldata, value, message) in enumerate(cases):
            request = TxRequest(
                to=to, data=bytes.fromhex(calldata[2:]), gas=300_000, fees=fees, value=value
            )
            with pytest.raises(PrecheckRevertError) as info:
                await bot.submitter.submit(f"revert-{index}", request)
            assert isinstance(info.value, RevertError)
            assert message in info.value.reason.message, info.value.reason
        assert info.value.reason.name == "Error"

        assert await bot.pending_count() == start_nonce  # nothing was sent
        # A rejected pre-check neither burns its key nor leaves a reserved nonce behind.
        sent = await bot.submitter.submit("revert-0", await bot.deposit())
        assert sent.nonce == start_nonce


async def test_precheck_returns_the_call_result(devnet_factory: Any) -> None:
    async with devnet_factory({"ethereum": None}) as net, bot_on(net, "ethereum") as bot:
        data = bytes.fromhex(encode_call(TRANSFER, bot.chain.traders[0], 0)[2:])
        request = TxRequest(to=bot.weth, data=data, gas=100_000, fees=await bot.fees())
        assert await bot.submitter.precheck(request) == encode(["bool"], [True])


# -- receipts -------------------------------------------------------------------------------


async def test_a_missing_receipt_times_out_then_arrives(devnet_factory: Any) -> None:
    async with devnet_factory({"bnb": NEVER_S}) as net, bot_on(net, "bnb") as bot:
        sent = await bot.submitter.submit("slow", await bot.deposit())
        with pytest.raises(ReceiptTimeoutError) as info:
            await bot.submitter.wait_for_receipt(sent.tx_hash, timeout_s=0.3)
        assert isinstance(info.value, TimeoutError_)
        assert info.value.exit_code == 5
        assert sent.tx_hash in str(info.value)

        # The timeout makes the next reservation resync; the pending deposit keeps its nonce.
        assert await bot.nonces.reserve() == sent.nonce + 1
        await bot.rpc.call("evm_mine")
        receipt = await bot.submitter.wait_for_receipt(sent.tx_hash, timeout_s=5)
        assert isinstance(receipt, TxReceipt)
        assert receipt.success


async def test_receipts_arrive_with_a_block_time(devnet_factory: Any) -> None:
    """Polling backs off between blocks but picks the receipt up within an interval."""
    async with devnet_factory({"ethereum": 1.0}) as net, bot_on(net, "ethereum") as bot:
        sent = await bot.submitter.submit("timed", await bot.deposit())
        receipt = await bot.submitter.wait_for_receipt(sent.tx_hash, timeout_s=10)
        assert receipt.success
        head = int(await bot.rpc.call("eth_blockNumber"), 16)
        assert head - receipt.block_number <= 1
