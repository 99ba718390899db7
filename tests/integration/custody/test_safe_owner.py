"""The bot's devnet executor is owned by the chain's 2-of-3 Safe: two owner signatures move
its funds, one does not (the Safe reverts GS020); nobody but the Safe may withdraw (the bot,
the former owner, a stranger); ownership moves on and back through Safe transactions."""

from __future__ import annotations

from typing import Any

import pytest
from _custody_setup import (
    CHAIN,
    DEPLOYER,
    STRANGER,
    balance_of,
    mint,
    safe_owned_executor,
    send,
)

from omniarb.chains.rpc import RpcClient
from omniarb.custody.safe_owner import SafeRevertError, read_safe
from omniarb.custody.safe_tx import exec_transaction_calldata, sign_safe_tx
from omniarb.devnet.accounts import SAFE_RELAYER_INDEX, dev_account
from omniarb.devnet.custody import devnet_owner_signers, devnet_safe_owner
from omniarb.errors import ConfigError
from omniarb.execute import ExecutorContract
from omniarb.execute.executor_calldata import (
    ExecutorRevertError,
    accept_ownership_calldata,
    transfer_ownership_calldata,
    withdraw_calldata,
)

pytestmark = pytest.mark.integration

_AMOUNT = 1_234_567


async def test_the_executor_is_the_safes_and_the_bot_only_trades(devnet_factory: Any) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            owned = await safe_owned_executor(net.manifest_path, chain, rpc)
            contract = ExecutorContract(rpc, owned.executor)
            assert await contract.owner() == owned.safe
            assert await contract.pending_owner() == "0x" + "00" * 20
            assert await contract.is_executor(owned.bot)
            _, _, nonce = await read_safe(rpc, owned.safe)
            assert nonce == 1  # acceptOwnership was the Safe's first transaction
            # The next run remembers it: same contract, no new Safe transaction.
            again = await safe_owned_executor(net.manifest_path, chain, rpc)
            assert again.executor == owned.executor
            assert (await read_safe(rpc, owned.safe))[2] == 1


async def test_withdraw_by_anyone_but_the_safe_reverts(devnet_factory: Any) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            owned = await safe_owned_executor(net.manifest_path, chain, rpc)
            usdc = chain.token("USDC").address
            await mint(rpc, usdc, owned.executor, _AMOUNT)
            held = await balance_of(rpc, usdc, owned.executor)
            contract = ExecutorContract(rpc, owned.executor)
            # The bot, the deployer (the owner before the Safe) and a stranger.
            for caller in (owned.bot, DEPLOYER, STRANGER):
                with pytest.raises(ExecutorRevertError) as refused:
                    await contract.withdraw(caller, usdc, _AMOUNT, caller)
                assert refused.value.reason.name == "NotOwner"
                assert [str(a).lower() for a in refused.value.reason.args] == [caller.lower()]
            # Mined, the bot's attempt fails and moves nothing.
            data = "0x" + withdraw_calldata(usdc, _AMOUNT, owned.bot).hex()
            receipt = await send(rpc, owned.bot, owned.executor, data)
            assert int(receipt["status"], 16) == 0
            assert await balance_of(rpc, usdc, owned.executor) == held


async def test_two_signatures_move_funds_and_one_is_refused_gs020(devnet_factory: Any) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            owned = await safe_owned_executor(net.manifest_path, chain, rpc)
            usdc = chain.token("USDC").address
            await mint(rpc, usdc, owned.executor, _AMOUNT)
            before = await balance_of(rpc, usdc, owned.executor)
            owner = devnet_safe_owner(rpc, chain)
            data = withdraw_calldata(usdc, _AMOUNT, owned.safe)
            tx = await owner.prepare(to=owned.executor, data=data)
            one = [sign_safe_tx(tx, devnet_owner_signers()[0])]
            with pytest.raises(SafeRevertError) as refused:
                await owner.execute(tx, one)
            assert refused.value.reason == "GS020"
            # Sent anyway (fixed gas, no simulation), the Safe reverts on chain.
            relayer = dev_account(SAFE_RELAYER_INDEX).address
            calldata = "0x" + exec_transaction_calldata(tx, one).hex()
            receipt = await send(rpc, relayer, owned.safe, calldata)
            assert int(receipt["status"], 16) == 0
            assert (await read_safe(rpc, owned.safe))[2] == tx.nonce
            assert await balance_of(rpc, usdc, owned.executor) == before
            # A SafeOwner holding one owner's key refuses before sending anything.
            single = devnet_safe_owner(rpc, chain, signers=devnet_owner_signers(1))
            with pytest.raises(ConfigError, match="needs 2 owner signatures"):
                await single.call(to=owned.executor, data=data)
            # Two signatures (owners 1 and 2; any two of the three do).
            result = await owner.execute(tx, await owner.sign(tx))
            assert result.success
            assert await balance_of(rpc, usdc, owned.executor) == before - _AMOUNT
            assert await balance_of(rpc, usdc, owned.safe) == _AMOUNT
            assert (await read_safe(rpc, owned.safe))[2] == tx.nonce + 1
            last_two = devnet_owner_signers(3)[1:]
            other = devnet_safe_owner(rpc, chain, signers=last_two)
            await other.call(to=owned.executor, data=withdraw_calldata(usdc, 1, owned.safe))
            assert await balance_of(rpc, usdc, owned.safe) == _AMOUNT + 1


async def test_a_failing_inner_call_raises_with_its_reason(devnet_factory: Any) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            owned = await safe_owned_executor(net.manifest_path, chain, rpc)
            usdc = chain.token("USDC").address
            held = await balance_of(rpc, usdc, owned.executor)
            owner = devnet_safe_owner(rpc, chain)
            nonce = (await read_safe(rpc, owned.safe))[2]
            too_much = withdraw_calldata(usdc, held + 1, owned.safe)
            with pytest.raises(SafeRevertError) as failed:
                await owner.call(to=owned.executor, data=too_much)
            assert failed.value.reason == "GS013"
            assert "reverts" in str(failed.value)
            assert (await read_safe(rpc, owned.safe))[2] == nonce


async def test_ownership_moves_on_and_back_through_the_safe(devnet_factory: Any) -> None:
    async with devnet_factory({CHAIN: None}) as net:
        chain = net.manifest.chain(CHAIN)
        async with RpcClient(chain.rpc_http) as rpc:
            owned = await safe_owned_executor(net.manifest_path, chain, rpc)
            contract = ExecutorContract(rpc, owned.executor)
            owner = devnet_safe_owner(rpc, chain)
            await owner.call(to=owned.executor, data=transfer_ownership_calldata(DEPLOYER))
            assert await contract.owner() == owned.safe  # two steps: not yet moved
            assert await contract.pending_owner() == DEPLOYER
            await contract.accept_ownership(DEPLOYER)
            assert await contract.owner() == DEPLOYER
            # And back: the deployer proposes, the Safe accepts with two signatures.
            await contract.transfer_ownership(DEPLOYER, owned.safe)
            await owner.call(to=owned.executor, data=accept_ownership_calldata())
            assert await contract.owner() == owned.safe
            with pytest.raises(ExecutorRevertError) as refused:
                await contract.transfer_ownership(DEPLOYER, DEPLOYER)
            assert refused.value.reason.name == "NotOwner"
