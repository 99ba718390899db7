"""`Rival`: one rival searcher on one chain — its own dev account, its own executor contract,
its policy's latency, tip and bribe.

    rival = Rival(policy, index=0, chain=chain, rpc=rpc, relay=relay_client_or_none)
    await rival.prepare()                       # funds the account, deploys its executor
    sent = await rival.take(opportunity, head)  # waits its latency, sends; None if it passed
    result = await rival.settle(sent)           # "won" | "reverted" | "missed"

The trade is the bot's own kind of transaction: `OmniArbExecutor.execute(plan)` (or
`executeAndPayCoinbase(plan, share)` in a relay bundle) through a contract this rival owns,
borrowing by flash swap from the route's first pool; its on-chain floor is half the predicted
profit, so a rival beaten to the gap reverts, as the bot does.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Literal

from omniarb.chain_events import NewHead
from omniarb.chains.fees import fees_for, read_fees
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel, chain_by_id
from omniarb.devnet.accounts import RIVAL_FIRST_INDEX, dev_account
from omniarb.devnet.rivals.policy import Channel, RivalPolicy
from omniarb.errors import DevnetError
from omniarb.execute import RouteCodec, Signer
from omniarb.execute.bribe import bribed_calldata
from omniarb.execute.bundle_requests import Bundle
from omniarb.execute.executor_calldata import bot_creation_data, dex_factories
from omniarb.execute.relay_client import RelayClient
from omniarb.execute.route_codec import wrap_plan
from omniarb.network import ChainManifest
from omniarb.types import Opportunity

__all__ = ["Rival", "RivalSend", "SendResult"]

log = logging.getLogger(__name__)

SendResult = Literal["won", "reverted", "missed"]

# Enough ether for a long demo's gas at any devnet tip.
_FUNDING_WEI = 10**24
_GAS_FLOOR = 400_000
# A public send not mined in this long is counted missed (the pool has moved on).
_PUBLIC_SETTLE_S = 60.0
_BUNDLE_POLL_S = 0.05
_BRIBE_GAS = 40_000
# The blocks after the one it targets that a rival's plan may still run in (its on-chain deadline).
_DEADLINE_BLOCKS = 2
_DEPLOY_TIP_WEI = 10**9
_DEPLOY_TIMEOUT_S = 120.0


@dataclass(frozen=True, slots=True, kw_only=True)
class RivalSend:
    """One transaction a rival sent (publicly, or in a bundle for `target_block`)."""

    rival: str
    chain: str
    tx_hash: str
    seen_block: int
    channel: Channel
    target_block: int | None
    opportunity_id: str
    expected_profit: int
    expected_profit_usd: float
    bribe_share_bps: int
    # The pending transaction this send backruns, in one bundle with it (None: a block's gap).
    backrun_of: str | None = None


class Rival:
    """A rival searcher with `policy`, signing as dev account `RIVAL_FIRST_INDEX + index`."""

    def __init__(
        self,
        policy: RivalPolicy,
        *,
        index: int,
        chain: ChainManifest,
        rpc: RpcClient,
        relay: RelayClient | None = None,
    ) -> None:
        self.policy = policy
        self.index = index
        self.chain = chain
        self._rpc = rpc
        self._relay = relay if policy.channel is Channel.RELAY else None
        account = dev_account(RIVAL_FIRST_INDEX + index)
        self.address = account.address
        self._signer = Signer(account.private_key, chain_id=chain.chain_id)
        self._fee_model = chain_by_id(chain.chain_id).fee_model
        self._codec = RouteCodec(dex_factories(chain))
        self._wrapped = next(t.address for t in chain.tokens if t.wrapped_native)
        self.executor: str | None = None
        self.busy = False

    @property
    def name(self) -> str:
        return self.policy.name

    @property
    def channel(self) -> Channel:
        """Where this rival's sends go on this chain (public where the chain has no relay)."""
        return Channel.RELAY if self._relay is not None else Channel.PUBLIC

    async def prepare(self) -> str:
        """Fund the rival's account and deploy its executor, a transaction it signs itself (a
        relay chain's builder re-sends the public pool's signed bytes); the executor's
        address."""
        if self.executor is not None:
            return self.executor
        await self._rpc.call("anvil_setBalance", self.address, hex(_FUNDING_WEI))
        data = bot_creation_data(self.chain, bot=self.address)
        gas = int(
            await self._rpc.call(
                "eth_estimateGas", {"from": self.address, "data": "0x" + data.hex()}
            ),
            16,
        )
        nonce = int(await self._rpc.call("eth_getTransactionCount", self.address, "pending"), 16)
        fees = await read_fees(self._rpc, fee_model=self._fee_model, tip_wei=_DEPLOY_TIP_WEI)
        signed = self._signer.sign(nonce=nonce, to=None, data=data, gas=gas * 5 // 4, fees=fees)
        await self._rpc.call("eth_sendRawTransaction", signed.raw_hex)
        receipt = await wait_for_receipt(self._rpc, signed.tx_hash, timeout_s=_DEPLOY_TIMEOUT_S)
        if receipt is None or int(receipt["status"], 16) != 1:
            raise DevnetError(
                f"{self.chain.name}: rival {self.name}'s executor was not deployed "
                f"({signed.tx_hash}: {'not mined' if receipt is None else 'reverted'})"
            )
        self.executor = str(receipt["contractAddress"])
        log.info(
            "%s: rival %s (%s, %.1f ms) trades through %s",
            self.chain.name,
            self.name,
            self.channel,
            self.policy.latency_ms,
            self.executor,
        )
        return self.executor

    def choose(self, opportunities: list[Opportunity]) -> Opportunity | None:
        """The best of `opportunities` (best first) this rival's policy takes, if any; a rival
        sending bundles prefers a route starting in the wrapped native token, the only one
        whose profit can pay the coinbase."""
        allowed = [
            found
            for found in opportunities
            if len(found.route.hops) <= self.policy.max_hops
            and found.net_profit_usd >= self.policy.min_profit_usd
        ]
        if self._relay is not None:
            wrapped = self._wrapped.lower()
            bribing = [o for o in allowed if o.route.token_in.lower() == wrapped]
            allowed = bribing or allowed
        return allowed[0] if allowed else None

    async def take(
        self, opportunity: Opportunity, head: NewHead, *, lead: tuple[str, ...] = ()
    ) -> RivalSend | None:
        """Wait this rival's latency, then send `opportunity` (priced on `head`); a backrun
        goes in a bundle right behind `lead`, the signed pending transaction it backruns."""
        if lead and self._relay is None:
            raise ValueError(f"rival {self.name} sends no bundles: it cannot backrun")
        if self.executor is None:
            raise RuntimeError(f"rival {self.name} is not prepared")
        # The rival's reaction time: it is the simulation, not a wait for a condition.
        await asyncio.sleep(self.policy.latency_ms / 1_000)
        bribe_bps = self._bribe_bps(opportunity)
        # The contract checks the profit before the bribe: half the predicted one, whatever
        # the share (a bribing rival keeps less, but still reverts once the gap is taken).
        min_profit = max(1, opportunity.gross_profit // 2)
        # Like the bot's default `[execute] deadline_blocks`: good for the next block and 2 more.
        plan = self._codec.plan(
            opportunity.route,
            opportunity.amount_in,
            min_profit,
            deadline_block=head.number + 1 + _DEADLINE_BLOCKS,
        )
        data = bribed_calldata(plan, bribe_bps) if bribe_bps else wrap_plan(plan)
        gas = max(_GAS_FLOOR, 2 * opportunity.gas_estimate + (_BRIBE_GAS if bribe_bps else 0))
        nonce = int(await self._rpc.call("eth_getTransactionCount", self.address, "pending"), 16)
        if self._fee_model is FeeModel.LEGACY and head.base_fee_wei == 0:
            fees = await read_fees(
                self._rpc, fee_model=self._fee_model, tip_wei=self.policy.tip_wei
            )
        else:
            fees = fees_for(
                self._fee_model, base_fee_wei=head.base_fee_wei, tip_wei=self.policy.tip_wei
            )
        signed = self._signer.sign(nonce=nonce, to=self.executor, data=data, gas=gas, fees=fees)
        target: int | None = None
        if self._relay is not None:
            target = head.number + 1
            await self._relay.send_bundle(Bundle(txs=(*lead, signed.raw_hex), block_number=target))
        else:
            await self._rpc.call("eth_sendRawTransaction", signed.raw_hex)
        log.debug("rival %s sent %s for block %d", self.name, signed.tx_hash, head.number)
        return RivalSend(
            rival=self.name,
            chain=self.chain.name,
            tx_hash=signed.tx_hash,
            seen_block=head.number,
            channel=self.channel,
            target_block=target,
            opportunity_id=opportunity.id,
            expected_profit=opportunity.gross_profit,
            expected_profit_usd=opportunity.net_profit_usd,
            bribe_share_bps=bribe_bps,
            backrun_of=opportunity.trigger_tx if lead else None,
        )

    async def settle(self, sent: RivalSend) -> SendResult:
        """What became of `sent`: mined and paid ("won"), mined and reverted, or never mined."""
        if sent.target_block is None:
            receipt = await wait_for_receipt(self._rpc, sent.tx_hash, timeout_s=_PUBLIC_SETTLE_S)
        else:
            while int(await self._rpc.call("eth_blockNumber"), 16) < sent.target_block:
                await asyncio.sleep(_BUNDLE_POLL_S)
            receipt = await self._rpc.call("eth_getTransactionReceipt", sent.tx_hash)
        if receipt is None:
            return "missed"
        return "won" if int(receipt["status"], 16) == 1 else "reverted"

    def _bribe_bps(self, opportunity: Opportunity) -> int:
        """The bribe share a bundle pays: only a route starting in the wrapped native token can
        (the executor pays the coinbase in the native coin)."""
        if self._relay is None or opportunity.route.token_in.lower() != self._wrapped.lower():
            return 0
        return self.policy.bribe_share_bps
