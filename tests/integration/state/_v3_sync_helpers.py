"""Plumbing for the V3 state-stage tests: the devnet's V3 deployment, positions minted and
burned through the NonfungiblePositionManager from the deployer, SwapRouter swaps from trader
accounts, and the independent check that a synced state equals the chain: `V3PoolReader`,
which reads every pool through its own getters (one call per bitmap word and tick), not
through the lens the stage uses."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from _syncs import V3Sync, v3_book, v3_sync
from eth_utils.crypto import keccak

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.dex.uniswap_v3 import V3PoolReader, V3PoolState
from omniarb.dex.uniswap_v3.discovery import V3Discovery
from omniarb.network import ChainManifest, DexEntry, PoolEntry
from omniarb.state import SyncSettings

DEADLINE = 2**32 - 1
MINT = "mint((address,address,uint24,int24,int24,uint256,uint256,uint256,uint256,address,uint256))"
DECREASE = "decreaseLiquidity((uint256,uint128,uint256,uint256,uint256))"
SWAP = "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))"
CREATE_POOL = "createAndInitializePoolIfNecessary(address,address,uint24,uint160)"
INCREASE_LIQUIDITY_TOPIC = (
    "0x" + keccak(text="IncreaseLiquidity(uint256,uint128,uint256,uint256)").hex()
)
POOL_CREATED_TOPIC = "0x" + keccak(text="PoolCreated(address,address,uint24,int24,address)").hex()
_GAS = 1_500_000


@dataclass(slots=True)
class Position:
    token_id: int
    pool: str
    liquidity: int


@dataclass(slots=True)
class V3Market:
    """One chain's V3 deployment and the accounts acting on it; sends from each account with
    nonces it tracks itself, so transactions of one account can be sent back to back."""

    rpc: RpcClient
    chain: ChainManifest
    dex: DexEntry
    pools: tuple[PoolEntry, ...]
    positions: list[Position] = field(default_factory=list)
    _nonces: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, rpc: RpcClient, chain: ChainManifest) -> V3Market:
        (dex,) = (d for d in chain.dexes if d.kind == "uniswap-v3")
        pools = tuple(p for p in chain.pools if p.kind == "uniswap-v3")
        return cls(rpc=rpc, chain=chain, dex=dex, pools=pools)

    @property
    def manager(self) -> str:
        assert self.dex.position_manager is not None
        return self.dex.position_manager

    async def send(self, sender: str, to: str, data: str, gas: int = _GAS) -> str:
        if sender not in self._nonces:
            self._nonces[sender] = int(
                await self.rpc.call("eth_getTransactionCount", sender, "pending"), 16
            )
        tx = {"from": sender, "to": to, "data": data, "gas": hex(gas)}
        tx["nonce"] = hex(self._nonces[sender])
        self._nonces[sender] += 1
        tx_hash: str = await self.rpc.call("eth_sendTransaction", tx)
        return tx_hash

    async def balances(self, pool: PoolEntry) -> tuple[int, int]:
        answers = await self.rpc.batch(
            [
                ("eth_call", [{"to": t, "data": encode_call("balanceOf(address)", pool.address)}])
                for t in (pool.token0, pool.token1)
            ]
        )
        return decode(["uint256"], answers[0])[0], decode(["uint256"], answers[1])[0]

    async def mint(
        self,
        pool: PoolEntry,
        state: V3PoolState,
        rng: random.Random,
        *,
        ticks: tuple[int, int] | None = None,
        amounts: tuple[int, int] | None = None,
    ) -> str:
        """A position from the deployer: in `ticks`, or in a random range around the price
        (some one spacing wide, some entirely on one side); with `amounts`, or a small share
        of what the pool holds."""
        if ticks is None:
            spacing = state.tick_spacing
            at = state.tick // spacing
            width = rng.choice([1, 1, 2, 4, 10, 40])
            lower = at + rng.randint(-2 * width - 2, width + 1)
            upper = lower + rng.randint(1, 2 * width)
            ticks = (lower * spacing, upper * spacing)
        if amounts is None:
            balance0, balance1 = await self.balances(pool)
            share = 10 ** rng.uniform(-3.5, -2)
            amounts = (int(balance0 * share) + 1, int(balance1 * share) + 1)
        params = (
            pool.token0,
            pool.token1,
            pool.fee,
            *ticks,
            *amounts,
            0,
            0,
            self.chain.deployer,
            DEADLINE,
        )
        return await self.send(self.chain.deployer, self.manager, encode_call(MINT, params))

    def remember_positions(self, receipt: dict[str, Any], pool: str) -> None:
        for entry in receipt["logs"]:
            if entry["topics"][0] == INCREASE_LIQUIDITY_TOPIC:
                token_id = int(entry["topics"][1], 16)
                (liquidity,) = decode(["uint128"], "0x" + entry["data"][2:66])
                self.positions.append(Position(token_id, pool, liquidity))

    async def burn(self, position: Position, rng: random.Random) -> str:
        """Remove all (often) or part of a position's liquidity: a `Burn` on the pool."""
        amount = position.liquidity if rng.random() < 0.6 else max(position.liquidity // 3, 1)
        position.liquidity -= amount
        params = (position.token_id, amount, 0, 0, DEADLINE)
        return await self.send(self.chain.deployer, self.manager, encode_call(DECREASE, params))

    async def swap(
        self, pool: PoolEntry, trader: str, rng: random.Random, *, share: float | None = None
    ) -> str:
        """A SwapRouter `exactInputSingle` of 0.05%..8% of the pool's input-token balance."""
        zero_for_one = rng.random() < 0.5
        token_in, token_out = (
            (pool.token0, pool.token1) if zero_for_one else (pool.token1, pool.token0)
        )
        balance0, balance1 = await self.balances(pool)
        held = balance0 if zero_for_one else balance1
        amount_in = int(held * (share if share is not None else 10 ** rng.uniform(-3.3, -1.1)))
        params = (token_in, token_out, pool.fee, trader, DEADLINE, amount_in + 1, 0, 0)
        return await self.send(trader, self.dex.router, encode_call(SWAP, params))


def new_pool_call(chain: ChainManifest, market: V3Market) -> str:
    """`createAndInitializePoolIfNecessary` for a token pair and fee the devnet has no pool of,
    at price 1 (sqrtPriceX96 = 2^96)."""
    existing = {(p.token0.lower(), p.token1.lower(), p.fee) for p in market.pools}
    tokens = sorted((t.address for t in chain.tokens), key=lambda a: int(a, 16))
    for fee in (10_000, 3_000, 500):
        for i, a in enumerate(tokens):
            for b in tokens[i + 1 :]:
                if (a.lower(), b.lower(), fee) not in existing:
                    return encode_call(CREATE_POOL, a, b, fee, 2**96)
    raise AssertionError("every pool exists")


def v3_factories(chain: ChainManifest) -> dict[str, str]:
    return {d.factory: d.name for d in chain.dexes if d.kind == "uniswap-v3"}


def make_v3_sync(
    rpc: RpcClient,
    chain: ChainManifest,
    *,
    check_every_blocks: int = 20,
    check_sample: int = 8,
    **settings: Any,
) -> V3Sync:
    discovery = V3Discovery(rpc=rpc, chain_id=chain.chain_id, factories=v3_factories(chain))
    return v3_sync(
        discovery,
        SyncSettings(**settings),
        check_every_blocks=check_every_blocks,
        check_sample=check_sample,
    )


async def receipts(
    rpc: RpcClient, hashes: Sequence[str], timeout_s: float = 30.0
) -> list[dict[str, Any]]:
    """The receipts of `hashes` once all are mined; each must have succeeded."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while True:
        found = await rpc.batch([("eth_getTransactionReceipt", [h]) for h in hashes])
        if all(r is not None for r in found):
            break
        missing = sum(r is None for r in found)
        assert asyncio.get_running_loop().time() < deadline, (
            f"{missing} of {len(hashes)} transactions not mined in {timeout_s:g} s"
        )
        await asyncio.sleep(0.05)
    for receipt in found:
        assert int(receipt["status"], 16) == 1, f"transaction {receipt['transactionHash']} reverted"
    return list(found)


async def assert_v3_state_matches_chain(rpc: RpcClient, sync: V3Sync) -> int:
    """Every synced pool equals a fresh read through the pools' own getters at the stage's head
    (price, tick, liquidity, lock, every initialized tick's gross and net liquidity), and no pool
    of the factory is missing. Returns how many initialized ticks were compared."""
    head = sync.head
    assert head is not None
    header = await rpc.call("eth_getBlockByNumber", hex(head.number), False)
    assert header["hash"] == head.hash, "the stage's head is not canonical"
    states = list(sync.pools.values())
    fresh = await V3PoolReader(rpc, chain_id=sync.chain_id).read_many(
        [s.address for s in states], dex="uniswap-v3", block=head.number
    )
    for ours, chain in zip(states, fresh, strict=True):
        assert ours.block_number <= head.number
        assert replace(ours, block_number=head.number) == chain, f"{ours.address} differs"
    created = await rpc.call(
        "eth_getLogs",
        {
            "fromBlock": "0x0",
            "toBlock": hex(head.number),
            "address": list(v3_book(sync).discovery.factories),
            "topics": [POOL_CREATED_TOPIC],
        },
    )
    on_chain = {"0x" + e["data"][-40:] for e in created}
    assert on_chain == set(sync.pools), "the synced pools are not the factory's pools"
    return sum(len(s.ticks) for s in states)
