"""The conformance suite's support for PancakeSwap V3, whose periphery on the devnet is the
`PancakeV3DevRouter` (the npm package ships none): its `quote` runs the pool's own swap and
reverts the outcome out of the callback, its `swap` trades and its `mint` adds liquidity; burns
go to the pool itself from the position's owner, and a new pool comes from the factory."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from _receipts import mined_receipt
from _v3_quoter_helpers import call_many, send_all

from omniarb.chain_events import NewHead
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.dex.base import PoolState
from omniarb.dex.uniswap_v3 import V3PoolState
from omniarb.errors import ExecutionRevertedError
from omniarb.network import ChainManifest, DexEntry, PoolEntry

__all__ = ["PancakeLiquidity", "PoolQuotes", "pancake_trade"]

KIND = "pancakeswap-v3"
NO_LIMIT = {True: 4295128740, False: 1461446703485210103287273052203988822378723970341}
QUOTE = "quote(address,bool,int256,uint160)"


def _dex(chain: ChainManifest, name: str) -> DexEntry:
    return chain.dex(name)


class PoolQuotes:
    """The pool's own exact-input answer, no price limit, at the block the states were read
    (each case a `_conformance.SwapCase`)."""

    async def prepare(self, rpc: RpcClient, chain: ChainManifest) -> None:
        return None

    async def disagreements(
        self, rpc: RpcClient, chain: ChainManifest, head: NewHead, cases: Sequence[Any]
    ) -> list[str]:
        problems: list[str] = []
        for case in cases:
            zero_for_one = case.token_in == case.state.token0
            data = encode_call(
                QUOTE, case.state.address, zero_for_one, case.amount_in_wei, NO_LIMIT[zero_for_one]
            )
            router = _dex(chain, case.state.dex).router
            try:
                (answer,) = await call_many(rpc, [(router, data)], hex(head.number))
            except ExecutionRevertedError as exc:
                problems.append(f"{case.describe()}: the pool refuses it: {exc.rpc_message}")
                continue
            amount0, amount1, _, _ = decode(["int256", "int256", "uint160", "int24"], answer)
            paid = -(amount1 if zero_for_one else amount0)
            if paid != case.predicted_out_wei:
                problems.append(f"{case.describe()}: the pool pays {paid}")
        return problems


async def pancake_trade(
    rpc: RpcClient, chain: ChainManifest, pool: PoolEntry, token_in: str, amount_in_wei: int
) -> None:
    """The devnet router's exact-input `swap` from a trader (traders approve every router)."""
    trader = chain.traders[0]
    data = encode_call(
        "swap(address,address,uint256,address)", pool.address, token_in, amount_in_wei, trader
    )
    await send_all(rpc, [(trader, _dex(chain, pool.dex).router, data)])


class PancakeLiquidity:
    """Mints in random ranges around the price of three pools and burns of earlier ones, from
    the deployer (`Mint`, `Burn`); with `create`, a new pool of each DEX (`PoolCreated`,
    `Initialize`)."""

    def __init__(self, rpc: RpcClient, chain: ChainManifest) -> None:
        self.rpc, self.chain = rpc, chain
        self.positions: list[tuple[str, int, int, int]] = []  # pool, lower, upper, liquidity

    async def move(self, states: Sequence[PoolState], rng: random.Random, *, create: bool) -> None:
        deployer = self.chain.deployer
        pools = [s for s in states if isinstance(s, V3PoolState)]
        txs = []
        minted = []
        for state in rng.sample(pools, min(3, len(pools))):
            spacing, at = state.tick_spacing, state.tick // state.tick_spacing
            width = rng.choice([1, 3, 10, 40])
            lower = (at - rng.randint(0, 2 * width)) * spacing
            upper = (at + 1 + rng.randint(0, 2 * width)) * spacing
            # A share of the active liquidity: amounts the deployer holds, at any depth.
            liquidity = state.liquidity // rng.randint(50, 500) + 1
            data = encode_call(
                "mint(address,address,int24,int24,uint128)",
                state.address,
                deployer,
                lower,
                upper,
                liquidity,
            )
            txs.append((deployer, _dex(self.chain, state.dex).router, data))
            minted.append((state.address, lower, upper, liquidity))
        for pool, lower, upper, liquidity in rng.sample(
            self.positions, min(2, len(self.positions))
        ):
            burned = rng.randint(1, liquidity)
            data = encode_call("burn(int24,int24,uint128)", lower, upper, burned)
            txs.append((deployer, pool, data))
            self.positions.remove((pool, lower, upper, liquidity))
            if burned < liquidity:
                self.positions.append((pool, lower, upper, liquidity - burned))
        await send_all(self.rpc, txs)
        self.positions += minted
        if create:
            for dex in sorted({s.dex for s in pools}):
                await self._new_pool(_dex(self.chain, dex))

    async def _new_pool(self, dex: DexEntry) -> None:
        """A pool of a token pair the DEX has none of at 2,500 pips, at price 1."""
        tokens = sorted((t.address for t in self.chain.tokens), key=lambda a: int(a, 16))
        for i, a in enumerate(tokens):
            for b in tokens[i + 1 :]:
                get_pool = encode_call("getPool(address,address,uint24)", a, b, 2500)
                (found,) = await call_many(self.rpc, [(dex.factory, get_pool)])
                if int(decode(["address"], found)[0], 16):
                    continue
                create = encode_call("createPool(address,address,uint24)", a, b, 2500)
                (address,) = await call_many(self.rpc, [(dex.factory, create)])
                pool = decode(["address"], address)[0]
                deployer = self.chain.deployer
                # Creating a pool runs its 23 kB creation code: more gas than `send_all` gives.
                tx = {"from": deployer, "to": dex.factory, "data": create, "gas": hex(6_000_000)}
                receipt = await mined_receipt(
                    self.rpc, await self.rpc.call("eth_sendTransaction", tx)
                )
                assert int(receipt["status"], 16) == 1, f"{dex.name}: createPool reverted"
                initialize = encode_call("initialize(uint160)", 2**96)
                await send_all(self.rpc, [(deployer, pool, initialize)])
                return
        raise AssertionError(f"{dex.name}: every pool exists")
