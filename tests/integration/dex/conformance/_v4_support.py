"""The conformance suite's support for Uniswap V4, on the devnet's V4 DEX (the PoolManager with
v4-core's test routers and v4-periphery's V4Quoter, `omniarb.devnet.kinds.uniswap_v4`): the
oracle is V4Quoter (`quoteExactInputSingle`, which runs `PoolManager.swap` and reverts with its
outcome), a trade is a PoolSwapTest exact-input swap from a trader, and liquidity moves through
PoolModifyLiquidityTest from the deployer; a new pool is a PoolManager `initialize` (with, beside
it, a pool with a hook, which the book must skip and count).

V4 pools hold no balances of their own (the PoolManager holds every pool's tokens), so what a
pool "holds" for sizing cases is what its positions hold (`holdings`, from its ticks).
"""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from _v3_quoter_helpers import send_all
from _v4_helpers import HOOK_ADDRESS, QUOTE_IN, quote_all
from _v4_trades import v4_trade
from eth_utils.crypto import keccak

from omniarb.chain_events import NewHead
from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.kinds.uniswap_v4 import (
    INITIALIZE,
    MODIFY_LIQUIDITY,
    TICK_SPACING,
    liquidity_for_amounts,
    load_foundry_artifact,
)
from omniarb.dex.base import PoolState
from omniarb.dex.uniswap_v3.tick_math import get_sqrt_ratio_at_tick
from omniarb.dex.uniswap_v4 import PoolKey, V4PoolState
from omniarb.errors import ExecutionRevertedError
from omniarb.network import ChainManifest

__all__ = ["V4Liquidity", "V4QuoterAnswers", "holdings", "v4_trade"]

_KEY = "(address,address,uint24,int24,address)"
# `BaseV4Quoter`'s revert when the swap could not take all of the amount.
NOT_ENOUGH_LIQUIDITY = keccak(text="NotEnoughLiquidity(bytes32)")[:4].hex()
_TX_GAS = 3_000_000


def holdings(state: V4PoolState) -> tuple[int, int]:
    """What a V4 pool's positions hold of (token0, token1) at its price, rounded down: each
    range between initialized ticks, with the liquidity the ticks' nets add up to, holds
    token0 above the price and token1 below it (v4-core SqrtPriceMath's amounts)."""
    price = state.sqrt_price_x96
    held0 = held1 = liquidity = 0
    ticks = sorted(state.ticks.items())
    for (tick, net), (upper, _) in itertools.pairwise(ticks):
        liquidity += net
        low, high = get_sqrt_ratio_at_tick(tick), get_sqrt_ratio_at_tick(upper)
        if liquidity <= 0:
            continue
        if price < high:
            start = max(low, price)
            held0 += (liquidity << 96) * (high - start) // (high * start)
        if price > low:
            end = min(high, price)
            held1 += liquidity * (end - low) >> 96
    return held0, held1


class V4QuoterAnswers:
    """V4Quoter's exact-input answer at the block the states were read. The quoter reverts
    `NotEnoughLiquidity` where the pool cannot take all of the input; such a case must be one
    where our swap, too, takes less than the amount (the PoolManager then pays what our
    `amount_out` says for the part it took, which the differential test checks)."""

    async def prepare(self, rpc: RpcClient, chain: ChainManifest) -> None:
        return None

    async def disagreements(
        self, rpc: RpcClient, chain: ChainManifest, head: NewHead, cases: Sequence[Any]
    ) -> list[str]:
        problems: list[str] = []
        for dex, group in itertools.groupby(
            sorted(cases, key=lambda c: c.state.dex), lambda c: c.state.dex
        ):
            batch = list(group)
            env: Any = SimpleNamespace(rpc=rpc, dex=chain.dex(dex))
            calls = [
                encode_call(
                    QUOTE_IN,
                    (c.state.key.as_tuple(), c.token_in == c.state.token0, c.amount_in_wei, b""),
                )
                for c in batch
            ]
            answers = await quote_all(env, calls, hex(head.number))
            for case, quoted in zip(batch, answers, strict=True):
                used = case.state.swap_report(case.token_in, case.amount_in_wei)["amount_in_used"]
                if isinstance(quoted, ExecutionRevertedError):
                    if used == case.amount_in_wei or NOT_ENOUGH_LIQUIDITY not in str(quoted.data):
                        problems.append(f"{case.describe()}: the quoter reverted: {quoted.data}")
                elif used != case.amount_in_wei or quoted[0] != case.predicted_out_wei:
                    problems.append(f"{case.describe()}: the quoter pays {quoted[0]}")
        return problems


class V4Liquidity:
    """PoolModifyLiquidityTest positions in random ranges around the price of three pools and
    removals of earlier ones, from the deployer (`ModifyLiquidity`); on the first move, a
    protocol fee on one pool of each DEX (`ProtocolFeeUpdated`, the deployer owning the
    PoolManager and made its fee controller); with `create`, a new hookless pool of each DEX
    (`Initialize`) and a pool with a hook (skipped by the book)."""

    def __init__(self, rpc: RpcClient, chain: ChainManifest) -> None:
        self.rpc, self.chain = rpc, chain
        self.positions: list[tuple[V4PoolState, int, int, int, bytes]] = []
        self.salt = 1_000
        self.fees_set = False

    async def move(self, states: Sequence[PoolState], rng: random.Random, *, create: bool) -> None:
        # Positions in pools of the native coin would be paid with value: those pools move by
        # the market's swaps only.
        pools = [s for s in states if isinstance(s, V4PoolState) and not s.key.has_native]
        txs: list[tuple[str, str, str]] = []
        added = []
        for state in rng.sample(pools, min(3, len(pools))):
            spacing, at = state.tick_spacing, state.tick // state.tick_spacing
            width = rng.choice([1, 3, 10, 40])
            lower = (at - rng.randint(0, 2 * width)) * spacing
            upper = (at + 1 + rng.randint(0, 2 * width)) * spacing
            liquidity = state.liquidity // rng.randint(50, 500) + 1
            self.salt += 1
            salt = self.salt.to_bytes(32, "big")
            txs.append(self._modify(state, lower, upper, liquidity, salt))
            added.append((state, lower, upper, liquidity, salt))
        for position in rng.sample(self.positions, min(2, len(self.positions))):
            state, lower, upper, liquidity, salt = position
            taken = rng.randint(1, liquidity)
            txs.append(self._modify(state, lower, upper, -taken, salt))
            self.positions.remove(position)
            if taken < liquidity:
                self.positions.append((state, lower, upper, liquidity - taken, salt))
        if not self.fees_set:
            self.fees_set = True
            for dex in sorted({s.dex for s in pools}):
                txs += self._protocol_fee(dex, rng.choice([s for s in pools if s.dex == dex]), rng)
        await send_all(self.rpc, txs, in_order=True)
        self.positions += added
        if create:
            for dex in sorted({s.dex for s in pools}):
                await self._new_pools(dex, pools)

    def _protocol_fee(
        self, dex: str, state: V4PoolState, rng: random.Random
    ) -> list[tuple[str, str, str]]:
        """The deployer (the PoolManager's owner) makes itself the fee controller and sets a
        protocol fee in each direction (pips, at most ProtocolFeeLibrary.MAX_PROTOCOL_FEE,
        1,000)."""
        manager, deployer = self.chain.dex(dex).factory, self.chain.deployer
        fee = rng.randint(1, 1000) | (rng.randint(1, 1000) << 12)
        return [
            (deployer, manager, encode_call("setProtocolFeeController(address)", deployer)),
            (
                deployer,
                manager,
                encode_call(f"setProtocolFee({_KEY},uint24)", state.key.as_tuple(), fee),
            ),
        ]

    def _modify(
        self, state: V4PoolState, lower: int, upper: int, delta: int, salt: bytes
    ) -> tuple[str, str, str]:
        router = self.chain.dex(state.dex).position_manager
        assert router is not None
        data = encode_call(MODIFY_LIQUIDITY, state.key.as_tuple(), (lower, upper, delta, salt), b"")
        return self.chain.deployer, router, data

    async def _new_pools(self, dex: str, pools: Sequence[V4PoolState]) -> None:
        """A hookless pool of a token pair the DEX has none of, at price 1 with a position,
        and the same pair's pool with a hook (EmptyTestHooks' code at an address whose flags
        say beforeSwap and afterSwap)."""
        entry = self.chain.dex(dex)
        held = {frozenset((p.token0, p.token1)) for p in pools}
        a, b = next(
            (a.address, b.address)
            for a, b in itertools.combinations(self.chain.tokens, 2)
            if frozenset((a.address, b.address)) not in held
        )
        key = PoolKey.of(a, b, fee=3000, tick_spacing=TICK_SPACING[3000])
        hooked = PoolKey.of(a, b, fee=3000, tick_spacing=60, hooks=HOOK_ADDRESS)
        hook = load_foundry_artifact("@uniswap/v4-core/out/EmptyTestHooks.sol/EmptyTestHooks.json")
        runtime = json.loads(hook.source.read_text())["deployedBytecode"]["object"]
        await self.rpc.call("anvil_setCode", HOOK_ADDRESS, runtime)
        deployer = self.chain.deployer
        # Two-digit amounts of each token at any decimals: the deployer holds far more.
        liquidity = liquidity_for_amounts(2**96, -600, 600, 10**12, 10**12)
        assert entry.position_manager is not None
        params = (-600, 600, liquidity, b"\x00" * 32)
        await send_all(
            self.rpc,
            [
                (deployer, entry.factory, encode_call(INITIALIZE, key.as_tuple(), 2**96)),
                (deployer, entry.factory, encode_call(INITIALIZE, hooked.as_tuple(), 2**96)),
                (
                    deployer,
                    entry.position_manager,
                    encode_call(MODIFY_LIQUIDITY, key.as_tuple(), params, b""),
                ),
            ],
            in_order=True,
        )
