"""Signing, nonces and submission against real anvil chains, as the devnet's bot (account 9).

Proves: our EIP-1559 (Ethereum) and legacy (BNB Chain) transactions are accepted and mined, on
automine and with a block time, and do what they say (WETH deposit and transfer, to the wei);
fees come from the latest block; the eth_call pre-check catches reverts with their decoded reason
and sends nothing; "nonce too low", "replacement transaction underpriced" and "already known"
are recovered from; a refused send leaves no nonce gap; an idempotency key is used once; a new
nonce manager (a restart) continues after the old one's transactions; concurrent reservations
are unique and contiguous; a receipt that does not come times out with exit code 5.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from eth_abi.abi import encode

from omniarb.chains.abi import decode, encode_call, selector
from omniarb.chains.fees import (
    Eip1559Fees,
    LegacyFees,
    eip1559_fees,
    read_base_fee_wei,
    read_fees,
)
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel, chain_by_name
from omniarb.config import load_secrets
from omniarb.contracts import load_artifact
from omniarb.devnet import Devnet
from omniarb.devnet.accounts import BOT_INDEX, dev_account
from omniarb.devnet.anvil import free_port
from omniarb.errors import RejectedError, RevertError, TimeoutError_
from omniarb.execute._revert import error_signatures_from_abi
from omniarb.execute._send_errors import (
    DuplicateSubmissionError,
    FeeTooLowError,
    PrecheckRevertError,
    ReceiptTimeoutError,
    SendUnconfirmedError,
)
from omniarb.execute.nonces import NonceManager
from omniarb.execute.signer import Signer
from omniarb.execute.submit import (
    MemorySubmissionGuard,
    SubmissionGuard,
    Submitter,
    TxReceipt,
    TxRequest,
)
from omniarb.network import ChainManifest

pytestmark = pytest.mark.integration

GWEI = 10**9
TIP_WEI = 2 * GWEI
DEPOSIT_WEI = 10**18
TRANSFER = "transfer(address,uint256)"
BALANCE_OF = "balanceOf(address)"
TRANSFER_TOPIC = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
# A block time long enough that nothing is mined unless the test calls evm_mine.
NEVER_S = 3600.0


@dataclass(frozen=True, slots=True, kw_only=True)
class Bot:
    chain: ChainManifest
    rpc: RpcClient
    signer: Signer
    nonces: NonceManager
    submitter: Submitter
    weth: str

    async def fees(self) -> Eip1559Fees | LegacyFees:
        fee_model = chain_by_name(self.chain.name).fee_model
        return await read_fees(self.rpc, fee_model=fee_model, tip_wei=TIP_WEI)

    async def deposit(self, *, value: int = DEPOSIT_WEI) -> TxRequest:
        data = selector("deposit()")
        return TxRequest(to=self.weth, data=data, gas=100_000, fees=await self.fees(), value=value)

    async def pending_count(self) -> int:
        return int(
            await self.rpc.call("eth_getTransactionCount", self.signer.address, "pending"), 16
        )

    async def weth_balance(self, holder: str) -> int:
        answer = await self.rpc.call(
            "eth_call", {"to": self.weth, "data": encode_call(BALANCE_OF, holder)}, "latest"
        )
        return int(decode(["uint256"], answer)[0])

    def submitter_with(self, nonces: NonceManager, guard: SubmissionGuard) -> Submitter:
        return make_submitter(self.rpc, self.signer, nonces, guard)


def make_submitter(
    rpc: RpcClient, signer: Signer, nonces: NonceManager, guard: SubmissionGuard
) -> Submitter:
    return Submitter(
        rpc=rpc,
        signer=signer,
        nonces=nonces,
        guard=guard,
        known_errors=error_signatures_from_abi(load_artifact("DevToken").abi),
        receipt_timeout_s=20.0,
    )


@asynccontextmanager
async def bot_on(net: Devnet, name: str) -> AsyncIterator[Bot]:
    chain = net.manifest.chain(name)
    async with RpcClient(chain.rpc_http) as rpc:
        signer = Signer.from_secrets(
            load_secrets({}),
            chain_id=chain.chain_id,
            default_key=dev_account(BOT_INDEX).private_key,
        )
        nonces = NonceManager(rpc=rpc, address=signer.address)
        weth = next(t.address for t in chain.tokens if t.wrapped_native)
        submitter = make_submitter(rpc, signer, nonces, MemorySubmissionGuard())
        yield Bot(
            chain=chain, rpc=rpc, signer=signer, nonces=nonces, submitter=submitter, weth=weth
        )


async def send_behind_the_managers_back(bot: Bot, *, count: int) -> None:
    """Spend nonces of the bot account through anvil (the account is unlocked there).

    The fees are far above ours, so a later transaction of ours with the same nonce cannot
    replace it: the node answers "replacement transaction underpriced".
    """
    for _ in range(count):
        await bot.rpc.call(
            "eth_sendTransaction",
            {
                "from": bot.signer.address,
                "to": bot.weth,
                "value": "0x1",
                "gas": hex(100_000),
                "maxFeePerGas": hex(1000 * GWEI),
                "maxPriorityFeePerGas": hex(100 * GWEI),
            },
        )


async def transaction_type(bot: Bot, tx_hash: str) -> int:
    tx: dict[str, Any] = await bot.rpc.call("eth_getTransactionByHash", tx_hash)
    return int(tx["type"], 16)


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


# -- idempotency --------------------------------------------------------------------------


async def test_a_key_is_submitted_once(devnet_factory: Any) -> None:
    async with devnet_factory({"ethereum": None}) as net, bot_on(net, "ethereum") as bot:
        await bot.submitter.submit("opportunity-1", await bot.deposit())
        count = await bot.pending_count()
        with pytest.raises(DuplicateSubmissionError) as info:
            await bot.submitter.submit("opportunity-1", await bot.deposit())
        assert isinstance(info.value, RejectedError)
        assert info.value.key == "opportunity-1"
        # Concurrent submissions of one key: exactly one is sent.
        request = await bot.deposit()
        results = await asyncio.gather(
            *(bot.submitter.submit("opportunity-2", request) for _ in range(5)),
            return_exceptions=True,
        )
        refused = [r for r in results if isinstance(r, DuplicateSubmissionError)]
        assert len(refused) == 4
        assert await bot.pending_count() == count + 1


# -- nonce recovery -------------------------------------------------------------------------


async def test_nonce_too_low_resyncs_and_sends(devnet_factory: Any) -> None:
    async with devnet_factory({"ethereum": None}) as net, bot_on(net, "ethereum") as bot:
        first = await bot.submitter.submit("first", await bot.deposit())
        await send_behind_the_managers_back(bot, count=3)  # the book still expects first + 1
        sent = await bot.submitter.submit("second", await bot.deposit())
        assert sent.attempts == 2
        assert sent.nonce == first.nonce + 4
        assert (await bot.submitter.wait_for_receipt(sent.tx_hash)).success
        assert await bot.pending_count() == sent.nonce + 1


async def test_replacement_underpriced_resyncs(devnet_factory: Any) -> None:
    """Another transaction of ours is pending with the nonce the book would use next."""
    async with devnet_factory({"ethereum": NEVER_S}) as net, bot_on(net, "ethereum") as bot:
        start = await bot.nonces.reserve()
        bot.nonces.release(start)  # the book is synced at `start`
        await send_behind_the_managers_back(bot, count=1)  # pending, not mined
        sent = await bot.submitter.submit("after-pending", await bot.deposit())
        assert (sent.nonce, sent.attempts) == (start + 1, 2)
        await bot.rpc.call("evm_mine")
        assert (await bot.submitter.wait_for_receipt(sent.tx_hash)).success


async def test_already_known_counts_as_sent(devnet_factory: Any) -> None:
    """Signing is deterministic: the same fields give the same bytes, which the node knows."""
    async with devnet_factory({"ethereum": NEVER_S}) as net, bot_on(net, "ethereum") as bot:
        request = await bot.deposit()
        nonce = await bot.nonces.reserve()
        bot.nonces.release(nonce)
        twin = bot.signer.sign(
            nonce=nonce,
            to=request.to,
            data=request.data,
            gas=request.gas,
            fees=request.fees,
            value=request.value,
        )
        await bot.rpc.call("eth_sendRawTransaction", twin.raw_hex)
        sent = await bot.submitter.submit("twin", request)
        assert (sent.tx_hash, sent.nonce, sent.attempts) == (twin.tx_hash, nonce, 1)
        assert await bot.nonces.reserve() == nonce + 1


async def test_a_refused_send_leaves_no_gap(devnet_factory: Any) -> None:
    async with devnet_factory({"ethereum": None}) as net, bot_on(net, "ethereum") as bot:
        start = await bot.pending_count()
        good = await bot.deposit()
        too_cheap = replace(
            good, fees=Eip1559Fees(max_fee_per_gas_wei=1, max_priority_fee_per_gas_wei=1)
        )
        keys_and_requests = [("a", good), ("b", too_cheap), ("c", good), ("d", good)]
        results = await asyncio.gather(
            *(bot.submitter.submit(key, request) for key, request in keys_and_requests),
            return_exceptions=True,
        )
        assert isinstance(results[1], FeeTooLowError)
        sent = [r for r in results if not isinstance(r, BaseException)]
        assert len(sent) == 3
        last = await bot.submitter.submit("e", good)  # takes the nonce "b" gave back, if any
        nonces = sorted([s.nonce for s in sent] + [last.nonce])
        assert nonces == list(range(start, start + 4))
        for submission in [*sent, last]:
            receipt = await bot.submitter.wait_for_receipt(submission.tx_hash, timeout_s=10)
            assert receipt.success
        assert await bot.pending_count() == start + 4


async def test_a_restarted_manager_continues_after_the_old_one(devnet_factory: Any) -> None:
    async with devnet_factory({"bnb": None}) as net, bot_on(net, "bnb") as bot:
        sent = [await bot.submitter.submit(f"run1-{i}", await bot.deposit()) for i in range(3)]
        # An unsent reservation dies with the process: the node never saw it.
        await bot.nonces.reserve()

        restarted = NonceManager(rpc=bot.rpc, address=bot.signer.address)
        submitter = bot.submitter_with(restarted, MemorySubmissionGuard())
        after = await submitter.submit("run2-0", await bot.deposit())
        assert after.nonce == sent[-1].nonce + 1
        assert (await submitter.wait_for_receipt(after.tx_hash)).success


async def test_concurrent_reservations_are_unique_and_contiguous(devnet_factory: Any) -> None:
    async with devnet_factory({"ethereum": None}) as net, bot_on(net, "ethereum") as bot:
        start = await bot.pending_count()
        nonces = await asyncio.gather(*(bot.nonces.reserve() for _ in range(50)))
        assert sorted(nonces) == list(range(start, start + 50))
        for nonce in nonces:
            bot.nonces.release(nonce)
        assert bot.nonces.next_nonce == start

        requests = [await bot.deposit(value=i + 1) for i in range(12)]
        sent = await asyncio.gather(
            *(bot.submitter.submit(f"burst-{i}", r) for i, r in enumerate(requests))
        )
        assert sorted(s.nonce for s in sent) == list(range(start, start + 12))
        receipts = await asyncio.gather(*(bot.submitter.wait_for_receipt(s.tx_hash) for s in sent))
        assert all(r.success for r in receipts)


@asynccontextmanager
async def lossy_proxy(upstream: str, *, forward_sends: bool) -> AsyncIterator[str]:
    """A JSON-RPC proxy that loses the answer to every `eth_sendRawTransaction` (HTTP 502),
    after passing the request on to the node when `forward_sends`; other calls pass through."""
    async with aiohttp.ClientSession() as session:

        async def relay(body: bytes) -> bytes:
            headers = {"Content-Type": "application/json"}
            async with session.post(upstream, data=body, headers=headers) as answer:
                return await answer.read()

        async def handle(request: web.Request) -> web.Response:
            body = await request.read()
            if json.loads(body).get("method") == "eth_sendRawTransaction":
                if forward_sends:
                    await relay(body)
                return web.Response(status=502)
            return web.Response(body=await relay(body), content_type="application/json")

        app = web.Application()
        app.router.add_post("/", handle)
        runner = web.AppRunner(app)
        await runner.setup()
        port = free_port("127.0.0.1")
        await web.TCPSite(runner, "127.0.0.1", port).start()
        try:
            yield f"http://127.0.0.1:{port}/"
        finally:
            await runner.cleanup()


@pytest.mark.parametrize("reached_node", [True, False], ids=["answer-lost", "request-lost"])
async def test_a_send_lost_in_transit_is_settled_by_a_resync(
    devnet_factory: Any, reached_node: bool
) -> None:
    """Whether or not the node got it, the nonce is neither reused nor left as a gap."""
    async with (
        devnet_factory({"ethereum": None}) as net,
        bot_on(net, "ethereum") as bot,
        lossy_proxy(bot.chain.rpc_http, forward_sends=reached_node) as url,
        RpcClient(url) as lossy_rpc,
    ):
        start = await bot.pending_count()
        nonces = NonceManager(rpc=lossy_rpc, address=bot.signer.address)
        lossy = make_submitter(lossy_rpc, bot.signer, nonces, MemorySubmissionGuard())
        with pytest.raises(SendUnconfirmedError) as info:
            await lossy.submit("lost", await bot.deposit())
        assert info.value.nonce == start
        known = await bot.rpc.call("eth_getTransactionByHash", info.value.tx_hash)
        assert (known is not None) == reached_node

        reliable = bot.submitter_with(nonces, MemorySubmissionGuard())
        sent = await reliable.submit("next", await bot.deposit())
        assert (sent.nonce, sent.attempts) == (start + 1 if reached_node else start, 1)
        assert (await reliable.wait_for_receipt(sent.tx_hash)).success
        assert await bot.pending_count() == sent.nonce + 1


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
