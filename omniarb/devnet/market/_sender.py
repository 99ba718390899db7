"""Sign and send the market's swaps from the devnet's trader accounts, like any wallet would.

Each swap is a signed raw transaction through a DEX router (`eth_sendRawTransaction`), or a
share of them through Uniswap's routers over several DEXes (`routes`), so it
waits in the node's mempool with everyone else's: EIP-1559 (type 2) where the chain has it,
legacy `gasPrice` on BNB Chain. The pool's kind encodes the router call and sets its fixed gas
limit (`omniarb.devnet.kinds`), and nonces are counted here and re-read from the node only after
a send it refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account

from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import FeeModel, chain_by_id
from omniarb.devnet.accounts import TRADER_INDICES, DevAccount, dev_account
from omniarb.devnet.kinds import devnet_kind
from omniarb.devnet.market.flow import SwapIntent
from omniarb.devnet.market.routes import ROUTED_SWAP_EXTRA_GAS, SwapRoutes
from omniarb.devnet.market.state import pool_key
from omniarb.network import ChainManifest

__all__ = ["SignedSwap", "SwapSender"]


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedSwap:
    """A signed swap ready to send; the hash is known before the node sees it."""

    intent: SwapIntent
    trader: str
    nonce: int
    tx_hash: str
    raw: str
    # The shared router it goes through (`RouterEntry.kind`), "" for its DEX's own.
    router_kind: str = ""


class SwapSender:
    """Builds, signs and sends one chain's swaps; owns the traders' nonces on that chain."""

    def __init__(
        self, chain: ChainManifest, *, traders: int, routes: SwapRoutes | None = None
    ) -> None:
        self._chain_id = chain.chain_id
        self._legacy = chain_by_id(chain.chain_id).fee_model is FeeModel.LEGACY
        self._accounts: tuple[DevAccount, ...] = tuple(
            dev_account(i) for i in TRADER_INDICES[:traders]
        )
        self._pools = {pool_key(p.address, p.symbol0, p.symbol1): p for p in chain.pools}
        self._kinds = {key: devnet_kind(p.kind) for key, p in self._pools.items()}
        self._routers = {d.name: d.router for d in chain.dexes}
        self._nonces: dict[int, int] = {}
        self._routes = routes

    def trader_address(self, slot: int) -> str:
        return self._accounts[slot].address

    async def sync_nonces(self, rpc: RpcClient, slots: tuple[int, ...] | None = None) -> None:
        """Take the next nonce of each trader (all by default) from the node's pending count."""
        chosen = tuple(range(len(self._accounts))) if slots is None else slots
        counts = await rpc.batch(
            [("eth_getTransactionCount", [self._accounts[s].address, "pending"]) for s in chosen]
        )
        for slot, count in zip(chosen, counts, strict=True):
            self._nonces[slot] = int(count, 16)

    def sign(self, intent: SwapIntent, *, base_fee_wei: int, tip_wei: int) -> SignedSwap:
        """Sign `intent` with the trader's next nonce (which it consumes).

        The fee cap is twice the base fee plus the tip, so a swap survives a few blocks of rising
        base fee; on a legacy chain the same total is the gas price.
        """
        account = self._accounts[intent.trader]
        nonce = self._nonces[intent.trader]
        pool, kind = self._pools[intent.pool], self._kinds[intent.pool]
        token_in, token_out = (
            (pool.token0, pool.token1) if intent.zero_for_one else (pool.token1, pool.token0)
        )
        fee_cap_wei = 2 * base_fee_wei + tip_wei
        routed = (
            None
            if self._routes is None
            else self._routes.route(pool, token_in, token_out, intent.amount_in)
        )
        tx: dict[str, Any] = {
            "chainId": self._chain_id,
            "nonce": nonce,
            "to": self._routers[pool.dex] if routed is None else routed.to,
            # The native coin (a V4 pool's currency 0) is paid with the transaction's value.
            "value": intent.amount_in if int(token_in, 16) == 0 else 0,
            "data": (
                kind.swap_calldata(pool, token_in, token_out, intent.amount_in, account.address)
                if routed is None
                else routed.data
            ),
            "gas": kind.swap_gas + (0 if routed is None else ROUTED_SWAP_EXTRA_GAS),
        }
        if self._legacy:
            tx["gasPrice"] = fee_cap_wei
        else:
            tx |= {"type": 2, "maxFeePerGas": fee_cap_wei, "maxPriorityFeePerGas": tip_wei}
        signed = Account.sign_transaction(tx, account.private_key)
        self._nonces[intent.trader] = nonce + 1
        return SignedSwap(
            intent=intent,
            trader=account.address,
            nonce=nonce,
            tx_hash="0x" + bytes(signed.hash).hex(),
            raw="0x" + bytes(signed.raw_transaction).hex(),
            router_kind="" if routed is None else routed.router_kind,
        )

    async def send(self, rpc: RpcClient, swap: SignedSwap) -> None:
        """Hand the signed swap to the node (`RpcError` if it refuses it)."""
        await rpc.call("eth_sendRawTransaction", swap.raw)
