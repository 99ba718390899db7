"""Market activity on real anvil chains: mined swaps, replay from a seed, whales, dropped RPC.

Proves, against the devnet's real Uniswap bytecode: the market's signed swaps are mined on all
five chains (EIP-1559 everywhere but BNB Chain's legacy transactions) and move exactly the pools
it logged; the same seed on a fresh devnet replays the same swaps and ends in the same pool
state whatever the scheduling, while another seed trades differently; a whale opens a gap of
more than 1% between the two V2 DEXes of a pair; and a node that refuses requests or loses
answers for a while stalls its chain without losing a swap or a nonce.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import pytest
from _helpers import ALL_CHAINS, automine, call_many, same
from _rpc_proxy import RpcProxy
from aiohttp import web

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import DexKind
from omniarb.devnet.market import MarketActivity, MarketParams, SwapRecord, SwapStatus
from omniarb.dex.uniswap_v4 import PoolKey
from omniarb.network import ChainManifest, Manifest

pytestmark = pytest.mark.integration

V2 = DexKind.UNISWAP_V2.value
V4 = DexKind.UNISWAP_V4.value
BALANCER = {DexKind.BALANCER_WEIGHTED.value, DexKind.BALANCER_STABLE.value}
PoolStates = dict[str, tuple[int, ...]]


async def pool_states(chain: ChainManifest) -> PoolStates:
    """Each pool's price state, read straight from the node: V2 reserves; V3 √P, tick, L
    (an Algebra pool's from its `globalState`, whose first two words are slot0's; a V4 pool's
    through its DEX's StateView, by pool id); a Balancer pool's balances in the Vault (by its
    id: one state for all its pairs)."""
    calls: list[tuple[str, str]] = []
    for pool in chain.pools:
        if pool.kind in BALANCER:
            assert pool.pool_id is not None
            pool_id = bytes.fromhex(pool.pool_id[2:])
            vault = chain.dex(pool.dex).factory
            calls.append((vault, encode_call("getPoolTokens(bytes32)", pool_id)))
        elif pool.kind == V2:
            calls.append((pool.address, encode_call("getReserves()")))
        elif pool.kind == V4:
            lens = chain.dex(pool.dex).lens
            assert lens is not None
            assert pool.tick_spacing is not None
            key = PoolKey.of(pool.token0, pool.token1, fee=pool.fee, tick_spacing=pool.tick_spacing)
            pool_id = bytes.fromhex(key.pool_id[2:])
            calls += [
                (lens, encode_call("getSlot0(bytes32)", pool_id)),
                (lens, encode_call("getLiquidity(bytes32)", pool_id)),
            ]
        else:
            price = "globalState()" if pool.kind == "algebra-integral" else "slot0()"
            calls += [
                (pool.address, encode_call(price)),
                (pool.address, encode_call("liquidity()")),
            ]
    async with RpcClient(chain.rpc_http) as rpc:
        answers = iter(await call_many(rpc, calls))
    states: PoolStates = {}
    for pool in chain.pools:
        if pool.kind in BALANCER:
            _, balances, _ = decode(["address[]", "uint256[]", "uint256"], next(answers))
            states[pool.address] = tuple(balances)
        elif pool.kind == V2:
            reserve0, reserve1, _ = decode(["uint112", "uint112", "uint32"], next(answers))
            states[pool.address] = (reserve0, reserve1)
        elif pool.kind == V4:
            sqrt_price_x96, tick, *_ = decode(
                ["uint160", "int24", "uint24", "uint24"], next(answers)
            )
            (liquidity,) = decode(["uint128"], next(answers))
            states[pool.address] = (sqrt_price_x96, tick, liquidity)
        else:
            sqrt_price_x96, tick = decode(["uint160", "int24"], next(answers)[:130])
            (liquidity,) = decode(["uint128"], next(answers))
            states[pool.address] = (sqrt_price_x96, tick, liquidity)
    return states


def trades(log: tuple[SwapRecord, ...]) -> list[tuple[int, str, bool, int, bool, str]]:
    """What a replay must repeat: step, pool, direction, amount in, whale, trader."""
    return [(r.step, r.pool, r.zero_for_one, r.amount_in, r.whale, r.trader) for r in log]


async def test_market_mines_swaps_on_every_chain_and_moves_the_pools_it_trades(
    devnet_factory,
) -> None:
    block_times = {"ethereum": 0.5, "bnb": 0.3, "polygon": 0.25, "arbitrum": 0.2, "optimism": None}
    steps, swaps = 6, 3
    async with devnet_factory(block_times) as net:
        assert tuple(c.name for c in net.manifest.chains) == ALL_CHAINS
        before = {c.name: await pool_states(c) for c in net.manifest.chains}
        market = MarketActivity(
            net.manifest, MarketParams(seed=11, swaps_per_block=swaps, whale_probability=0.3)
        )
        await market.run(steps=steps)
        snapshot = market.snapshot()
        for chain in net.manifest.chains:
            stats = snapshot.chain(chain.name)
            log = market.swap_log(chain.name)
            assert stats.step == steps
            assert stats.swaps_failed == 0, chain.name
            assert stats.swaps_mined == stats.swaps_sent == len(log) >= steps * swaps
            assert stats.swaps_per_s > 0
            assert {s.status for s in log} == {SwapStatus.MINED}

            # Each logged swap is the node's transaction: signed by the trader, to a router (a
            # DEX's own or one of the shared ones), legacy on BNB Chain and EIP-1559 elsewhere,
            # mined with status 1 where logged.
            routers = {d.router.lower() for d in chain.dexes}
            routers |= {r.address.lower() for r in chain.routers}
            async with RpcClient(chain.rpc_http) as rpc:
                txs = await rpc.batch([("eth_getTransactionByHash", [r.tx_hash]) for r in log])
                receipts = await rpc.batch(
                    [("eth_getTransactionReceipt", [r.tx_hash]) for r in log]
                )
            for record, tx, receipt in zip(log, txs, receipts, strict=True):
                assert same(tx["from"], record.trader)
                assert tx["to"].lower() in routers
                assert tx["type"] == ("0x0" if chain.name == "bnb" else "0x2")
                assert receipt["status"] == "0x1"
                assert int(receipt["blockNumber"], 16) == record.block_number

            # Prices moved, on exactly the pools the log names.
            after = await pool_states(chain)
            moved = {
                address for address, state in after.items() if before[chain.name][address] != state
            }
            assert moved == {r.pool for r in log}, chain.name
            assert len(moved) >= 5

            # The live view prices the wrapped native token on all its USDC pools: two V2,
            # two V3, Uniswap V4's, Balancer's weighted pool's, and PancakeSwap V3's where it
            # lives.
            native = next(t for t in chain.tokens if t.wrapped_native)
            native_usdc = [
                p
                for p in chain.pools
                if {p.token0, p.token1} == {native.address, chain.token("USDC").address}
            ]
            assert len(stats.prices) == len(native_usdc) >= 4
            for price in stats.prices:
                reference_usd = stats.native_reference_usd
                assert price.price_usd == pytest.approx(reference_usd, rel=0.25), native.symbol


async def test_same_seed_replays_the_same_swaps_and_state_whatever_the_scheduling(
    devnet_factory,
) -> None:
    params = MarketParams(seed=2024, swaps_per_block=4, whale_probability=0.25)
    chains = ("ethereum", "arbitrum")
    block_times = {"ethereum": 0.25, "arbitrum": None}
    steps = 10

    # Run A: both chains interleaved in one market.
    async with devnet_factory(block_times) as net:
        together = MarketActivity(net.manifest, params)
        await together.run(steps=steps)
        logs_a = {name: trades(together.swap_log(name)) for name in chains}
        states_a = {name: await pool_states(net.manifest.chain(name)) for name in chains}

    # Run B: a fresh devnet, one chain after the other, so nothing interleaves the same way.
    async with devnet_factory(block_times) as net:
        logs_b, states_b = {}, {}
        for name in chains:
            alone = MarketActivity(net.manifest, params, chains=[name])
            await alone.run(steps=steps // 2)
            await alone.run(steps=steps - steps // 2)  # a second run continues the sequence
            logs_b[name] = trades(alone.swap_log(name))
            states_b[name] = await pool_states(net.manifest.chain(name))

    for name in chains:
        assert len(logs_a[name]) >= steps * params.swaps_per_block
        assert logs_b[name] == logs_a[name], name
        assert states_b[name] == states_a[name], name
    assert any(whale for *_, whale, _ in logs_a["ethereum"] + logs_a["arbitrum"])

    # Another seed trades differently from the first step on.
    async with devnet_factory({"ethereum": None}) as net:
        other = MarketActivity(net.manifest, replace(params, seed=2025))
        await other.run(steps=2)
        log_c = trades(other.swap_log("ethereum"))
    assert log_c[:4] != logs_a["ethereum"][:4]


async def test_a_whale_opens_a_gap_between_the_two_v2_dexes(devnet_factory) -> None:
    async with devnet_factory(automine("ethereum")) as net:
        chain = net.manifest.chain("ethereum")
        market = MarketActivity(
            net.manifest, MarketParams(seed=5, swaps_per_block=0, whale_probability=1.0)
        )
        # Every step is one whale on a random pool; step until one lands on a V2 pair.
        whale: SwapRecord | None = None
        for _ in range(20):
            await market.run(steps=1)
            last = market.swap_log("ethereum")[-1]
            if last.whale and last.dex not in ("uniswap-v3", "pancakeswap-v3"):
                whale = last
                break
        assert whale is not None

        hit = next(p for p in chain.pools if p.address == whale.pool)
        twin = next(
            p
            for p in chain.pools
            if p.kind == V2
            and p.dex != hit.dex
            and (p.token0, p.token1) == (hit.token0, hit.token1)
        )
        states = await pool_states(chain)
        prices = [states[p.address][1] / states[p.address][0] for p in (hit, twin)]
        gap_bps = (max(prices) / min(prices) - 1) * 10_000
        assert gap_bps > 150, f"{whale.pair}: {gap_bps:.0f} bps"
        assert market.snapshot().chain("ethereum").max_gap_bps >= gap_bps * 0.99


async def test_steps_keep_pace_with_blocks_even_when_nothing_trades(devnet_factory) -> None:
    async with devnet_factory({"arbitrum": 0.2}) as net:
        market = MarketActivity(
            net.manifest, MarketParams(seed=1, swaps_per_block=0, whale_probability=0.0)
        )
        await market.run(steps=1)
        first_block = market.snapshot().chain("arbitrum").block_number
        started = time.monotonic()
        await market.run(steps=5)
        elapsed_s = time.monotonic() - started
        stats = market.snapshot().chain("arbitrum")
    assert stats.swaps_sent == 0
    # Five steps on five new blocks, not five reads of the same one.
    assert stats.block_number - first_block >= 5
    assert elapsed_s > 0.8


class FlakyProxy(RpcProxy):
    """A proxy in front of a node that can refuse requests or lose answers.

    `refuse(n)`: answer the next n requests 503 without forwarding them.
    `lose_sends(n)`: forward the next n `eth_sendRawTransaction` requests, then answer 503, so
    the node takes the swap but the client never hears: a connection dropped after sending.
    """

    def __init__(self, upstream: str) -> None:
        super().__init__(upstream)
        self.to_refuse = 0
        self.sends_to_lose = 0
        self.refused = 0
        self.lost_sends = 0

    def refuse(self, requests: int) -> None:
        self.to_refuse = requests

    def lose_sends(self, sends: int) -> None:
        self.sends_to_lose = sends

    async def respond(self, body: bytes) -> web.Response:
        if self.to_refuse > 0:
            self.to_refuse -= 1
            self.refused += 1
            return web.Response(status=503)
        payload = await self.forward(body)
        is_send = b"eth_sendRawTransaction" in body
        if is_send and self.sends_to_lose > 0:
            self.sends_to_lose -= 1
            self.lost_sends += 1
            return web.Response(status=503)
        return web.Response(body=payload, content_type="application/json")


async def test_a_dropped_rpc_stalls_the_chain_without_losing_swaps_or_nonces(
    devnet_factory,
) -> None:
    async with (
        devnet_factory(automine("ethereum", "arbitrum")) as net,
        FlakyProxy(net.manifest.chain("ethereum").rpc_http) as proxy,
    ):
        chain = replace(net.manifest.chain("ethereum"), rpc_http=proxy.url)
        manifest = Manifest(chains=(chain, net.manifest.chain("arbitrum")))
        params = MarketParams(seed=9, swaps_per_block=2, min_step_interval_s=0.03)
        market = MarketActivity(manifest, params)
        async with RpcClient(net.manifest.chain("ethereum").rpc_http) as rpc:
            traders = list(net.manifest.chain("ethereum").traders[: params.traders])
            nonces_before = await rpc.batch(
                [("eth_getTransactionCount", [t, "latest"]) for t in traders]
            )

            started = time.monotonic()
            async with asyncio.timeout(30), asyncio.TaskGroup() as tasks:
                tasks.create_task(market.run(steps=40))
                # The outage comes once the chain is trading, not before its first swap.
                while market.snapshot().chain("ethereum").swaps_mined == 0:
                    await asyncio.sleep(0.01)
                proxy.refuse(3)
                while proxy.to_refuse:
                    await asyncio.sleep(0.01)
                # Once the chain trades again, lose the answer to a fresh swap's first send.
                recovered_from = market.snapshot().chain("ethereum").swaps_mined
                while market.snapshot().chain("ethereum").swaps_mined <= recovered_from:
                    await asyncio.sleep(0.01)
                proxy.lose_sends(1)
            elapsed_s = time.monotonic() - started

            nonces_after = await rpc.batch(
                [("eth_getTransactionCount", [t, "latest"]) for t in traders]
            )

        stats = market.snapshot().chain("ethereum")
        log = market.swap_log("ethereum")
        assert (proxy.refused, proxy.lost_sends) == (3, 1)
        assert stats.retries > 0
        assert stats.step == 40
        assert stats.swaps_failed == 0
        assert stats.swaps_mined == len(log) >= 40
        # Every swap the market counts is on chain once: the nonces moved by exactly that much.
        mined_by = {t: sum(same(r.trader, t) for r in log) for t in traders}
        for trader, before, after in zip(traders, nonces_before, nonces_after, strict=True):
            assert int(after, 16) - int(before, 16) == mined_by[trader]
        # The outage held back only its own chain; the other one ran all its steps.
        assert market.snapshot().chain("arbitrum").step == 40
        assert elapsed_s < 25
