"""The sampled audit against a real anvil: the node's `eth_call` at the block the local
simulation read, named by its hash, compared with the prediction; a disagreement (another
amount, a revert) flags the route's tokens, a block the node does not serve leaves the audit
inconclusive and flags nothing, and a full queue drops the audit with a count. The call waits
for a block after the audited one: anvil answers a call pinned to its latest block from its
live state, which a block mined during the call changes.

The audited call here is WETH's `balanceOf` (it returns one word, as `execute` returns its
profit): its answer at a block is known exactly, and moves when the bot deposits.
"""

from __future__ import annotations

import asyncio
from fractions import Fraction
from typing import Any

import pytest
from _submit_bot import BALANCE_OF, Bot, bot_on
from _waits import eventually

from omniarb.chains.abi import encode_call
from omniarb.execute.precheck_audit import AuditJob, AuditResult, PrecheckAuditor
from omniarb.execute.precheck_policy import PrecheckPolicy
from omniarb.execute.submit import TxRequest
from omniarb.types import Hop, Route

pytestmark = pytest.mark.integration

USDC = "0x" + "b2" * 20


def _route(weth: str) -> Route:
    hop = Hop(
        pool="0x" + "0a" * 20,
        dex="uniswap-v2",
        kind="uniswap-v2",
        token_in=weth,
        token_out=USDC,
        zero_for_one=True,
        fee_pips=3000,
    )
    back = Hop(
        pool="0x" + "0b" * 20,
        dex="uniswap-v2",
        kind="uniswap-v2",
        token_in=USDC,
        token_out=weth,
        zero_for_one=False,
        fee_pips=3000,
    )
    return Route(chain_id=1, hops=(hop, back))


async def _job(
    bot: Bot, n: int, data: bytes, predicted: int, block_hash: str | None = None
) -> AuditJob:
    latest = await bot.rpc.call("eth_getBlockByNumber", "latest", False)
    return AuditJob(
        chain_id=1,
        opportunity_id=f"audit-{n}",
        route=_route(bot.weth),
        request=TxRequest(to=bot.weth, data=data, gas=100_000, fees=await bot.fees()),
        predicted_profit=predicted,
        block_number=int(latest["number"], 16),
        block_hash=block_hash or latest["hash"],
    )


async def _head(bot: Bot) -> int:
    return int(await bot.rpc.call("eth_blockNumber"), 16)


async def test_audits_compare_at_the_simulations_block(devnet_factory: Any) -> None:
    async with devnet_factory({"ethereum": None}) as net, bot_on(net, "ethereum") as bot:
        policy = PrecheckPolicy(mode="unproven", audit_rate=Fraction(1))
        reported: list[AuditResult] = []
        # The chain's head as the bot's state sync would know it (set below from the node).
        head = [await _head(bot)]
        auditor = PrecheckAuditor(
            call=bot.submitter.precheck,
            policy=policy,
            head_block=lambda: head[0],
            on_result=reported.append,
        )
        balance_of = bytes.fromhex(encode_call(BALANCE_OF, bot.signer.address)[2:])
        before = await bot.weth_balance(bot.signer.address)
        at_before = await _job(bot, 1, balance_of, before)
        # The bot deposits: `latest` moves on, the audited block does not.
        sent = await bot.submitter.submit("deposit", await bot.deposit())
        assert (await bot.submitter.wait_for_receipt(sent.tx_hash)).success
        after = await bot.weth_balance(bot.signer.address)
        assert after > before
        off_by_one = await _job(bot, 2, balance_of, after + 1)
        withdraw_too_much = bytes.fromhex(encode_call("withdraw(uint256)", after + 1)[2:])
        reverts = await _job(bot, 3, withdraw_too_much, 0)
        orphaned = await _job(bot, 4, balance_of, after, block_hash="0x" + "ab" * 32)
        # The jobs after the deposit are of the node's latest block: a block after it first.
        await bot.rpc.call("evm_mine")
        head[0] = await _head(bot)
        async with asyncio.TaskGroup() as tasks:
            runner = tasks.create_task(auditor.run())
            for job in (at_before, orphaned):
                assert auditor.enqueue(job)

            async def first_two() -> bool:
                return len(reported) == 2

            await eventually(first_two, what="two audits", timeout_s=10)
            # Neither flags: one agrees at its own block, the other cannot be told.
            assert reported[0].matched
            assert reported[0].remote_profit == before
            assert reported[1].inconclusive
            assert reported[1].label == "inconclusive"
            assert not policy.trust.is_flagged(bot.weth)
            for job in (off_by_one, reverts):
                assert auditor.enqueue(job)

            async def all_four() -> bool:
                return len(reported) == 4

            await eventually(all_four, what="four audits", timeout_s=10)
            runner.cancel()
        assert reported[2].remote_profit == after
        assert reported[2].label == "mismatch"
        assert reported[3].remote_profit is None
        assert reported[3].error is not None
        assert reported[3].label == "mismatch"
        assert policy.trust.is_flagged(bot.weth)
        assert policy.trust.is_flagged(USDC)
        assert policy.counters.audit_mismatches == 2
        assert auditor.inconclusive == 1


async def test_a_full_queue_drops_the_audit_and_counts_it(devnet_factory: Any) -> None:
    async with devnet_factory({"ethereum": None}) as net, bot_on(net, "ethereum") as bot:
        policy = PrecheckPolicy(mode="unproven", audit_rate=Fraction(1))
        auditor = PrecheckAuditor(
            call=bot.submitter.precheck, policy=policy, head_block=lambda: None, capacity=1
        )
        balance_of = bytes.fromhex(encode_call(BALANCE_OF, bot.signer.address)[2:])
        job = await _job(bot, 1, balance_of, 0)
        assert auditor.enqueue(job)
        assert not auditor.enqueue(job)
        assert auditor.dropped == 1
        assert auditor.pending == 1


async def test_an_audit_waits_for_a_block_after_its_own(devnet_factory: Any) -> None:
    """A trade's audit is queued just after its send, while the audited block is usually still
    the node's latest, and the block that includes the trade may be mined during the call:
    anvil would then answer with the state after the trade. The call goes out only once the
    head is past the audited block, and reads that block's own state."""
    async with devnet_factory({"ethereum": None}) as net, bot_on(net, "ethereum") as bot:
        policy = PrecheckPolicy(mode="unproven", audit_rate=Fraction(1))
        reported: list[AuditResult] = []
        head = [await _head(bot)]
        heads_at_call: list[int] = []

        async def call(request: TxRequest, *, block: dict[str, str]) -> bytes:
            heads_at_call.append(head[0])
            return await bot.submitter.precheck(request, block=block)

        auditor = PrecheckAuditor(
            call=call, policy=policy, head_block=lambda: head[0], on_result=reported.append
        )
        balance_of = bytes.fromhex(encode_call(BALANCE_OF, bot.signer.address)[2:])
        before = await bot.weth_balance(bot.signer.address)
        job = await _job(bot, 1, balance_of, before)
        assert job.block_number == head[0]
        async with asyncio.TaskGroup() as tasks:
            runner = tasks.create_task(auditor.run())
            assert auditor.enqueue(job)
            # The audited trade's block: mined (automine) while the audit is queued.
            sent = await bot.submitter.submit("deposit", await bot.deposit())
            assert (await bot.submitter.wait_for_receipt(sent.tx_hash)).success
            assert await bot.weth_balance(bot.signer.address) > before
            head[0] = await _head(bot)

            async def audited() -> bool:
                return len(reported) == 1

            await eventually(audited, what="the audit", timeout_s=10)
            runner.cancel()
        assert heads_at_call == [job.block_number + 1]
        assert reported[0].matched
        assert reported[0].remote_profit == before
