"""Sign and send the market's swaps from the devnet's trader accounts, like any wallet would.

Each swap is a signed raw transaction through a DEX router (`eth_sendRawTransaction`), so it
waits in the node's mempool with everyone else's: EIP-1559 (type 2) where the chain has it,
legacy `gasPrice` on BNB Chain. Gas limits are fixed, so nothing is estimated against a state
that is about to change, and nonces are counted here and re-read from the node only after a
send it refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account import Account

from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import DexKind, FeeModel, chain_by_id
from omniarb.devnet.accounts import TRADER_INDICES, DevAccount, dev_account
from omniarb.devnet.market.flow import SwapIntent
from omniarb.network import ChainManifest, PoolEntry

__all__ = ["SignedSwap", "SwapSender"]

# Uniswap V2 swaps through Router02 use ~100k gas and V3 SwapRouter swaps up to ~200k when they
# cross ticks; the limits leave room without an estimate.
_V2_GAS = 300_000
_V3_GAS = 500_000
_DEADLINE = 2**32 - 1
_V2_SWAP = "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)"
# SwapRouter.exactInputSingle(ExactInputSingleParams): tokenIn, tokenOut, fee, recipient,
# deadline, amountIn, amountOutMinimum, sqrtPriceLimitX96.
_V3_SWAP = "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))"


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedSwap:
    """A signed swap ready to send; the hash is known before the node sees it."""

    intent: SwapIntent
    trader: str
    nonce: int
    tx_hash: str
    raw: str


class SwapSender:
    """Builds, signs and sends one chain's swaps; owns the traders' nonces on that chain."""

    def __init__(self, chain: ChainManifest, *, traders: int) -> None:
        self._chain_id = chain.chain_id
        self._legacy = chain_by_id(chain.chain_id).fee_model is FeeModel.LEGACY
        self._accounts: tuple[DevAccount, ...] = tuple(
            dev_account(i) for i in TRADER_INDICES[:traders]
        )
        self._pools = {p.address: p for p in chain.pools}
        self._routers = {d.name: d.router for d in chain.dexes}
        self._nonces: dict[int, int] = {}

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
        pool = self._pools[intent.pool]
        fee_cap_wei = 2 * base_fee_wei + tip_wei
        tx: dict[str, Any] = {
            "chainId": self._chain_id,
            "nonce": nonce,
            "to": self._routers[pool.dex],
            "value": 0,
            "data": self._calldata(pool, intent, account.address),
            "gas": _V2_GAS if pool.kind == DexKind.UNISWAP_V2.value else _V3_GAS,
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
        )

    async def send(self, rpc: RpcClient, swap: SignedSwap) -> None:
        """Hand the signed swap to the node (`RpcError` if it refuses it)."""
        await rpc.call("eth_sendRawTransaction", swap.raw)

    @staticmethod
    def _calldata(pool: PoolEntry, intent: SwapIntent, recipient: str) -> str:
        token_in, token_out = (
            (pool.token0, pool.token1) if intent.zero_for_one else (pool.token1, pool.token0)
        )
        # amountOutMinimum 0: these traders accept any price, which is what lets a large one
        # move the pool far enough to open an arbitrage.
        if pool.kind == DexKind.UNISWAP_V2.value:
            return encode_call(
                _V2_SWAP, intent.amount_in, 0, [token_in, token_out], recipient, _DEADLINE
            )
        return encode_call(
            _V3_SWAP,
            (token_in, token_out, pool.fee, recipient, _DEADLINE, intent.amount_in, 0, 0),
        )
