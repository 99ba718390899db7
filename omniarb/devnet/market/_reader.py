"""Read every pool of a chain, and the latest block, in one JSON-RPC batch.

Each pool's kind says what to call and how its answers become reserves
(`DevnetKind.state_reads`, `DevnetKind.reserves`). One HTTP round trip per chain per step keeps
a 0.2 s block time affordable.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from omniarb.chains.rpc import RpcClient, RpcRequest
from omniarb.devnet.kinds import DevnetKind, devnet_kind
from omniarb.devnet.kinds.base import PoolReserves
from omniarb.devnet.market.state import ChainState, PoolState, pool_key
from omniarb.devnet.traps import is_trap_pool
from omniarb.network import ChainManifest, PoolEntry, TokenEntry

__all__ = ["StateReader"]


def _token(chain: ChainManifest, address: str) -> TokenEntry:
    """The token at `address`; the native coin (address 0, a Uniswap V4 pool's currency 0) as
    its wrapped token's asset with 18 decimals."""
    if int(address, 16) == 0:
        wrapped = next(token for token in chain.tokens if token.wrapped_native)
        return TokenEntry(
            symbol=wrapped.asset,
            address=address,
            decimals=18,
            name=wrapped.asset,
            asset=wrapped.asset,
        )
    return chain.token_by_address(address)


class StateReader:
    """Turns a chain's manifest into the batch that reads it, and the answers into a state."""

    def __init__(self, chain: ChainManifest) -> None:
        self._chain = chain
        # The trap tokens' pools are for the bot to find and refuse; the market's traders hold
        # none of those tokens and stay out.
        pools = [pool for pool in chain.pools if not is_trap_pool(chain.name, pool)]
        self._tokens = {
            pool_key(pool.address, pool.symbol0, pool.symbol1): (
                _token(chain, pool.token0),
                _token(chain, pool.token1),
            )
            for pool in pools
        }
        self._requests: list[RpcRequest] = [("eth_getBlockByNumber", ["latest", False])]
        # Each pool with its kind and how many answers of the batch are its own.
        self._pools: list[tuple[PoolEntry, DevnetKind, int]] = []
        for pool in pools:
            kind = devnet_kind(pool.kind)
            reads = kind.state_reads(pool, chain.dex(pool.dex))
            self._requests += reads
            self._pools.append((pool, kind, len(reads)))

    @property
    def requests(self) -> Sequence[RpcRequest]:
        return self._requests

    async def read(self, rpc: RpcClient) -> ChainState:
        """The chain as of the latest block; raises `RpcTransportError` if the node is away."""
        return self.parse(await rpc.batch(self._requests))

    def parse(self, answers: Sequence[Any]) -> ChainState:
        block = answers[0]
        start = 1
        pools = []
        for pool, kind, count in self._pools:
            pools.append(self._state(pool, kind.reserves(pool, answers[start : start + count])))
            start += count
        return ChainState(
            chain_id=self._chain.chain_id,
            block_number=int(block["number"], 16),
            base_fee_wei=int(block.get("baseFeePerGas") or "0x0", 16),
            pools=tuple(pools),
        )

    def _state(self, pool: PoolEntry, reserves: PoolReserves) -> PoolState:
        token0, token1 = self._tokens[pool_key(pool.address, pool.symbol0, pool.symbol1)]
        return PoolState(
            address=pool.address,
            dex=pool.dex,
            kind=pool.kind,
            fee_pips=pool.fee,
            symbol0=pool.symbol0,
            symbol1=pool.symbol1,
            asset0=token0.asset,
            asset1=token1.asset,
            decimals0=token0.decimals,
            decimals1=token1.decimals,
            balance0=reserves.balance0,
            balance1=reserves.balance1,
            virtual0=reserves.virtual0,
            virtual1=reserves.virtual1,
        )
