"""The conformance suite's support for Algebra Integral, whose periphery the devnet deploys from
`@cryptoalgebra/integral-periphery` 1.2.4: QuoterV2 answers a swap (it runs the pool's own swap
and reverts its outcome), the SwapRouter trades, and the NonfungiblePositionManager mints,
decreases liquidity (the pool's `Burn`) and creates pools."""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence
from typing import Any

from _receipts import mined_receipt
from _v3_quoter_helpers import call_many, send_all
from eth_utils.crypto import keccak

from omniarb.chain_events import NewHead
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.kinds._calls import POOL_CREATE_GAS
from omniarb.devnet.kinds.algebra import MINT, ZERO_ADDRESS
from omniarb.dex.algebra import AlgebraPoolState
from omniarb.dex.base import PoolState
from omniarb.errors import ExecutionRevertedError
from omniarb.network import ChainManifest

__all__ = ["AlgebraLiquidity", "AlgebraQuotes"]

QUOTE_IN = "quoteExactInputSingle((address,address,address,uint256,uint160))"
# amountOut, amountIn, sqrtPriceX96After, initializedTicksCrossed, gasEstimate, fee
QUOTE_TYPES = ("uint256", "uint256", "uint160", "uint32", "uint256", "uint16")
DECREASE = "decreaseLiquidity((uint256,uint128,uint256,uint256,uint256))"
CREATE = "createAndInitializePoolIfNecessary(address,address,address,uint160,bytes)"
# NonfungiblePositionManager's IncreaseLiquidity(uint256 indexed tokenId, uint128, uint128
# actualLiquidity, uint256, uint256, address pool).
INCREASE_TOPIC = (
    "0x" + keccak(text="IncreaseLiquidity(uint256,uint128,uint128,uint256,uint256,address)").hex()
)
DEADLINE = 2**32 - 1


class AlgebraQuotes:
    """QuoterV2's `quoteExactInputSingle` (the factory's own pools, no price limit) at the
    block the states were read (each case a `_conformance.SwapCase`)."""

    async def prepare(self, rpc: RpcClient, chain: ChainManifest) -> None:
        return None

    async def disagreements(
        self, rpc: RpcClient, chain: ChainManifest, head: NewHead, cases: Sequence[Any]
    ) -> list[str]:
        problems: list[str] = []
        for dex, group in itertools.groupby(
            sorted(cases, key=lambda c: c.state.dex), lambda c: c.state.dex
        ):
            quoter = chain.dex(dex).quoter
            assert quoter is not None
            for case in group:
                data = encode_call(
                    QUOTE_IN, (case.token_in, case.token_out, ZERO_ADDRESS, case.amount_in_wei, 0)
                )
                try:
                    (answer,) = await call_many(rpc, [(quoter, data)], hex(head.number))
                except ExecutionRevertedError as exc:
                    problems.append(f"{case.describe()}: the quoter reverted: {exc.rpc_message}")
                    continue
                quoted = decode(QUOTE_TYPES, answer)
                if quoted[0] != case.predicted_out_wei:
                    problems.append(f"{case.describe()}: the quoter pays {quoted[0]}")
        return problems


class AlgebraLiquidity:
    """Position manager mints in random ranges around the price of three pools and decreases
    of earlier ones, from the deployer (`Mint`, `Burn`), and a new fee for one pool from the
    deployer, a pools administrator (`Fee`: what a dynamic-fee plugin does); with `create`, a
    new pool of each DEX (`Pool`, `Initialize`, `Fee`, `TickSpacing`, `CommunityFee`) and a
    plugin attached to one pool with no hook enabled (`Plugin`, `PluginConfig` 0: the pool
    never calls it, and prices every swap at its fee)."""

    def __init__(self, rpc: RpcClient, chain: ChainManifest) -> None:
        self.rpc, self.chain = rpc, chain
        self.positions: list[tuple[str, int, int]] = []  # position manager, token id, liquidity

    async def move(self, states: Sequence[PoolState], rng: random.Random, *, create: bool) -> None:
        deployer = self.chain.deployer
        pools = [s for s in states if isinstance(s, AlgebraPoolState)]
        held = await self._balances(pools)
        txs = []
        for state in rng.sample(pools, min(3, len(pools))):
            spacing, at = state.tick_spacing, state.tick // state.tick_spacing
            width = rng.choice([1, 3, 10, 40])
            lower = (at - rng.randint(0, 2 * width)) * spacing
            upper = (at + 1 + rng.randint(0, 2 * width)) * spacing
            # A small share of what the pool holds: amounts the deployer has, at any depth.
            share = rng.randint(200, 2_000)
            b0, b1 = held[state.address]
            params = (state.token0, state.token1, ZERO_ADDRESS, lower, upper,
                      b0 // share + 1, b1 // share + 1, 0, 0, deployer, DEADLINE)  # fmt: skip
            txs.append((deployer, self._manager(state.dex), encode_call(MINT, params)))
        for manager, token_id, liquidity in rng.sample(self.positions, min(2, len(self.positions))):
            burned = rng.randint(1, liquidity)
            data = encode_call(DECREASE, (token_id, burned, 0, 0, DEADLINE))
            txs.append((deployer, manager, data))
            self.positions.remove((manager, token_id, liquidity))
            if burned < liquidity:
                self.positions.append((manager, token_id, liquidity - burned))
        changed = rng.choice(pools)
        fee = rng.choice([100, 500, 2500, 3000, 10000])
        txs.append((deployer, changed.address, encode_call("setFee(uint16)", fee)))
        if create:
            plugged = rng.choice(pools)
            plugin = self.chain.traders[-1]  # any address: with no hook enabled, never called
            txs.append((deployer, plugged.address, encode_call("setPlugin(address)", plugin)))
            txs.append((deployer, plugged.address, encode_call("setPluginConfig(uint8)", 0)))
        for receipt in await send_all(self.rpc, txs):
            for entry in receipt["logs"]:
                if entry["topics"][0].lower() == INCREASE_TOPIC:
                    _desired, actual, *_ = decode(
                        ["uint128", "uint128", "uint256", "uint256", "address"], entry["data"]
                    )
                    self.positions.append((entry["address"], int(entry["topics"][1], 16), actual))
        if create:
            for dex in sorted({s.dex for s in pools}):
                await self._new_pool(dex, pools)

    def _manager(self, dex: str) -> str:
        manager = self.chain.dex(dex).position_manager
        assert manager is not None
        return manager

    async def _balances(self, pools: Sequence[AlgebraPoolState]) -> dict[str, tuple[int, int]]:
        calls = [
            (token, encode_call("balanceOf(address)", s.address))
            for s in pools
            for token in (s.token0, s.token1)
        ]
        values = [decode(["uint256"], a)[0] for a in await call_many(self.rpc, calls)]
        return {s.address: (values[2 * i], values[2 * i + 1]) for i, s in enumerate(pools)}

    async def _new_pool(self, dex: str, pools: Sequence[AlgebraPoolState]) -> None:
        """A pool of a token pair the DEX has none of, at price 1."""
        held = {frozenset((s.token0.lower(), s.token1.lower())) for s in pools if s.dex == dex}
        tokens = sorted((t.address for t in self.chain.tokens), key=lambda a: int(a, 16))
        for i, a in enumerate(tokens):
            for b in tokens[i + 1 :]:
                if frozenset((a.lower(), b.lower())) in held:
                    continue
                data = encode_call(CREATE, a, b, ZERO_ADDRESS, 2**96, b"")
                tx = {
                    "from": self.chain.deployer,
                    "to": self._manager(dex),
                    "data": data,
                    "gas": hex(POOL_CREATE_GAS),
                }
                sent = await self.rpc.call("eth_sendTransaction", tx)
                receipt = await mined_receipt(self.rpc, sent)
                assert int(receipt["status"], 16) == 1, (
                    f"{dex}: createAndInitializePoolIfNecessary reverted"
                )
                return
        raise AssertionError(f"{dex}: every pool exists")
