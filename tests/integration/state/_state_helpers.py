"""Plumbing for the state-stage tests: the devnet's V2 factories, swaps sent from the trader
accounts, and the independent check that a synced state equals the chain (one plain
`getReserves()` call per pair, which is what the tests may do and the stage must not)."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Callable
from contextlib import aclosing
from typing import Any, Self

from _receipts import mined_receipt
from _syncs import V2Sync, v2_sync

from omniarb.chain_events import ChainEvent
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.collect.heads import HeadCollector
from omniarb.dex.uniswap_v2.discovery import V2Discovery
from omniarb.dex.uniswap_v2.logs import SYNC_TOPIC
from omniarb.network import ChainManifest, PoolEntry

DEADLINE = 2**32 - 1
SWAP = "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)"
ADD_LIQUIDITY = "addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)"


def v2_factories(chain: ChainManifest) -> dict[str, tuple[str, int]]:
    return {d.factory: (d.name, 30) for d in chain.dexes if d.kind == "uniswap-v2"}


def v2_pools(chain: ChainManifest) -> list[PoolEntry]:
    return [p for p in chain.pools if p.kind == "uniswap-v2"]


def make_sync(rpc: RpcClient, chain: ChainManifest, **settings: Any) -> V2Sync:
    discovery = V2Discovery(rpc=rpc, chain_id=chain.chain_id, factories=v2_factories(chain))
    return v2_sync(discovery, **settings)


async def get_reserves(rpc: RpcClient, pair: str, block: int | str = "latest") -> tuple[int, int]:
    tag = hex(block) if isinstance(block, int) else block
    answer = await rpc.call("eth_call", {"to": pair, "data": encode_call("getReserves()")}, tag)
    reserve0, reserve1, _ = decode(["uint112", "uint112", "uint32"], answer)
    return reserve0, reserve1


async def send_swap(
    rpc: RpcClient, chain: ChainManifest, rng: random.Random, trader_index: int
) -> str:
    """A swap of 0.001%..0.1% of the input reserve on a random V2 pair, from trader 1..8."""
    pool = rng.choice(v2_pools(chain))
    reserve0, reserve1 = await get_reserves(rpc, pool.address)
    token_in, token_out, reserve_in = pool.token0, pool.token1, reserve0
    if rng.random() < 0.5:
        token_in, token_out, reserve_in = pool.token1, pool.token0, reserve1
    amount_in = reserve_in // rng.randint(1_000, 100_000)
    trader = chain.traders[(trader_index - 1) % len(chain.traders)]
    data = encode_call(SWAP, amount_in, 0, [token_in, token_out], trader, DEADLINE)
    tx = {"from": trader, "to": chain.dex(pool.dex).router, "data": data, "gas": hex(400_000)}
    tx_hash: str = await rpc.call("eth_sendTransaction", tx)
    return tx_hash


async def add_liquidity(
    rpc: RpcClient, chain: ChainManifest, dex: str, symbol_a: str, symbol_b: str
) -> str:
    """Router02.addLiquidity from trader 1, creating the pair when it does not exist yet."""
    trader = chain.traders[0]
    token_a, token_b = chain.token(symbol_a), chain.token(symbol_b)
    data = encode_call(
        ADD_LIQUIDITY,
        token_a.address,
        token_b.address,
        10 ** (token_a.decimals + 2),
        10 ** (token_b.decimals + 3),
        0,
        0,
        trader,
        DEADLINE,
    )
    tx = {"from": trader, "to": chain.dex(dex).router, "data": data, "gas": hex(5_000_000)}
    tx_hash: str = await rpc.call("eth_sendTransaction", tx)
    return tx_hash


async def receipt(rpc: RpcClient, tx_hash: str, timeout_s: float = 20.0) -> dict[str, Any]:
    return await mined_receipt(rpc, tx_hash, timeout_s=timeout_s)


async def wait_until(
    predicate: Callable[[], bool], timeout_s: float = 20.0, *, what: str = "the condition"
) -> None:
    """Poll `predicate` until it holds; fail naming `what` once `timeout_s` has passed."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not predicate():
        if asyncio.get_running_loop().time() >= deadline:
            raise AssertionError(f"timed out after {timeout_s:g} s waiting for {what}")
        await asyncio.sleep(0.02)


async def wait_subscribed(
    collector: HeadCollector, *, connections: int = 1, timeout_s: float = 10.0
) -> None:
    """Until the collector's `connections`-th connection has every `eth_subscribe` answered
    (a subscription id came back for each), so nothing mined from now on goes unseen."""
    await wait_until(
        lambda: collector.subscriptions.connections >= connections,
        timeout_s,
        what=f"the collector's subscriptions (connection {connections}) to be acknowledged",
    )


async def latest_block(rpc: RpcClient) -> int:
    return int(await rpc.call("eth_blockNumber"), 16)


async def rewrite_history(rpc: RpcClient, first: int, method: str = "anvil_reorg") -> int:
    """Drop every block from `first` to the head: re-mined with new hashes and without their
    transactions (`anvil_reorg`), or rewound (`anvil_rollback`); returns the head it started
    from. Interval mining stops for good, so the depth counts from the head it was computed on
    (a block mined in between would leave `first` out of the reorg); the test then mines the
    new branch's blocks itself (`mine_followed`)."""
    await rpc.call("evm_setIntervalMining", 0)
    top = await latest_block(rpc)
    await rpc.call(method, top - first + 1, *([[]] if method == "anvil_reorg" else []))
    return top


async def mine_followed(rpc: RpcClient, followed: Callable[[], int], blocks: int = 2) -> int:
    """Mine `blocks` blocks one at a time, each once `followed()` (a sync's head number) has
    reached the one before: anvil answers a call pinned to a block just re-mined by a reorg
    with the state of a newer block when one is mined during the call. Returns the head."""
    head = await latest_block(rpc)
    for _ in range(blocks):
        await rpc.call("evm_mine")
        head = await latest_block(rpc)
        await wait_until(
            lambda mined=head: followed() >= mined, what=f"the sync to follow block {head}"
        )
    return head


async def wait_for_block(rpc: RpcClient, number: int, timeout_s: float = 20.0) -> int:
    """Until the node's head is at least block `number`; returns the head's number."""
    deadline = asyncio.get_running_loop().time() + timeout_s
    while (head := await latest_block(rpc)) < number:
        if asyncio.get_running_loop().time() >= deadline:
            raise AssertionError(f"the node is at block {head}, not {number}, after {timeout_s} s")
        await asyncio.sleep(0.05)
    return head


async def assert_state_matches_chain(
    rpc: RpcClient, sync: V2Sync, *, exact_after: int | None = None
) -> None:
    """Every pool equals `getReserves()` at the stage's head and at its own block number, which
    is never older than the pair's last `Sync`; with `exact_after`, a pair whose last `Sync` came
    after that block carries exactly that `Sync`'s block."""
    head = sync.head
    assert head is not None
    header = await rpc.call("eth_getBlockByNumber", hex(head.number), False)
    assert header["hash"] == head.hash, "the stage's head is not canonical"
    logs = await rpc.call(
        "eth_getLogs", {"fromBlock": "0x0", "toBlock": hex(head.number), "topics": [SYNC_TOPIC]}
    )
    last_sync = {entry["address"].lower(): int(entry["blockNumber"], 16) for entry in logs}
    for key, state in sync.pools.items():
        at_head = await get_reserves(rpc, state.address, head.number)
        assert (state.reserve0, state.reserve1) == at_head, f"{state.address} at {head.number}"
        at_own = await get_reserves(rpc, state.address, state.block_number)
        assert (state.reserve0, state.reserve1) == at_own, f"{state.address} at own block"
        assert state.block_number <= head.number
        assert state.block_number >= last_sync.get(key, 0), f"{state.address}: stale block"
        if exact_after is not None and last_sync.get(key, 0) > exact_after:
            assert state.block_number == last_sync[key], f"{state.address}: block number"


class EventFeed:
    """A collector read in the background into a queue, so a test can take its events one by
    one, hold some back, or drop them. Entering waits until the subscriptions are live."""

    def __init__(self, collector: HeadCollector) -> None:
        self.collector = collector
        self.queue: asyncio.Queue[ChainEvent] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def _read(self) -> None:
        async with aclosing(self.collector.events()) as events:
            async for event in events:
                await self.queue.put(event)

    async def __aenter__(self) -> Self:
        self._task = asyncio.create_task(self._read())
        await wait_subscribed(self.collector)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def next(self, timeout_s: float = 10.0) -> ChainEvent:
        return await asyncio.wait_for(self.queue.get(), timeout_s)
