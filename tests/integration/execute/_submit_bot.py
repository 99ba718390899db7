"""The devnet's bot (account 9) on one chain, for the submission tests: its signer, nonce
manager and submitter over a real anvil, WETH deposits to send, and nonces spent behind the
manager's back (the account is unlocked on anvil).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from omniarb.chains.abi import decode, encode_call, selector
from omniarb.chains.fees import Eip1559Fees, LegacyFees, read_fees
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import chain_by_name
from omniarb.config import load_secrets
from omniarb.contracts import load_artifact
from omniarb.devnet import Devnet
from omniarb.devnet.accounts import BOT_INDEX, dev_account
from omniarb.execute._revert import error_signatures_from_abi
from omniarb.execute.nonces import NonceManager
from omniarb.execute.signer import Signer
from omniarb.execute.submit import MemorySubmissionGuard, SubmissionGuard, Submitter, TxRequest
from omniarb.network import ChainManifest

GWEI = 10**9
TIP_WEI = 2 * GWEI
DEPOSIT_WEI = 10**18
TRANSFER = "transfer(address,uint256)"
BALANCE_OF = "balanceOf(address)"
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
