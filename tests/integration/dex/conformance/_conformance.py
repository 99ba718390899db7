"""What the adapter conformance suite must know of each kind of pool beyond its adapter.

Per kind (`SUPPORT`): the deployed contracts' own answer to a swap, which `PoolState.amount_out`
is held to to the wei (`Oracle`); a trader's swap through the DEX's router, to open a price gap
(`Trade`); and how liquidity moves besides swaps: positions added and removed, pools created
(`LiquidityMover`). A kind of the registry without an entry fails
`test_every_registered_kind_has_conformance_support` instead of going unchecked.

The suite runs on the devnet chains `CHAINS`, which between them deploy every DEX build the
devnet has: on Ethereum Uniswap V2 and SushiSwap V2 (its own build and init code hash), on BNB
Chain the 25 bps fork of Uniswap V2 named pancakeswap-v2 and Biswap (Uniswap's build), and
Uniswap V3 and PancakeSwap V3 on both (PancakeSwap V3's support: `_pancake_support`); on
Polygon QuickSwap and SushiSwap V2, Uniswap V3 and Algebra Integral (`_algebra_support`). Books
are built as the product builds them (`wiring.pool_syncs`): each kind's DEXes of the manifest
(`dex.deployments.traded_deployments`, fees from `dex_parameters`) handed to
`adapter(kind).book(...)`.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol

from _algebra_support import AlgebraLiquidity, AlgebraQuotes
from _balancer_support import (
    UNEXERCISED_TOPICS,
    BalancerLiquidity,
    BalancerQueryAnswers,
)
from _balancer_support import holdings as balancer_holdings
from _bot_helpers import swap_v2
from _lender_helpers import balance_of, fill_wrapped_native, swap_v3
from _pancake_support import PancakeLiquidity, PoolQuotes, pancake_trade
from _receipts import mined_receipt
from _router_trade import router_trade
from _snapshots import snapshot
from _state_helpers import add_liquidity
from _v3_quoter_helpers import QUOTE_IN, V3Env, call_many, quote_all, send_all
from _v3_sync_helpers import V3Market, new_pool_call, receipts
from _v4_support import V4Liquidity, V4QuoterAnswers, holdings, v4_trade

from omniarb.chain_events import NewHead
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.accounts import BOT_INDEX, DEPLOYER_INDEX, dev_account
from omniarb.devnet.market import MarketActivity, MarketParams
from omniarb.dex.base import PoolBook, PoolState
from omniarb.dex.deployments import traded_deployments
from omniarb.dex.registry import adapter
from omniarb.dex.uniswap_v2.adapter import ADAPTER as UNISWAP_V2
from omniarb.dex.uniswap_v3.adapter import ADAPTER as UNISWAP_V3
from omniarb.errors import ExecutionRevertedError
from omniarb.network import ChainManifest, DexEntry, Manifest, PoolEntry

CHAINS = ("ethereum", "bnb", "polygon")
BOT = dev_account(BOT_INDEX).address
PAIR_SWAP = "swap(uint256,uint256,address,bytes)"
# Far more of every token than any case sends into a pair (reserves are below 10**26 base units).
_FUNDS_WEI = 10**30


def books_of(chain: ChainManifest, rpc: RpcClient) -> dict[str, PoolBook[Any]]:
    """Each traded kind's book of the chain's DEXes, built as the product builds them."""
    return {
        kind: adapter(kind).book(rpc=rpc, chain_id=chain.chain_id, dexes=dexes)
        for kind, dexes in traded_deployments(chain).items()
    }


def deployments(chain: ChainManifest, kind: str) -> list[DexEntry]:
    return [dex for dex in chain.dexes if dex.kind == kind]


def chains_with(manifest: Manifest, kind: str) -> list[str]:
    """The conformance chains that deploy a DEX of `kind` (its checks run on those)."""
    return [name for name in CHAINS if deployments(manifest.chain(name), kind)]


def market_of(manifest: Manifest, chain: str, seed: int) -> MarketActivity:
    """The devnet's simulated traders on one chain, whales included: they swap every kind."""
    params = MarketParams(seed=seed, swaps_per_block=4, whale_probability=0.25)
    return MarketActivity(manifest, params, chains=[chain])


async def token_balances(
    rpc: RpcClient,
    states: Sequence[PoolState],
    block: int,
    holdings: Callable[[Any], tuple[int, int]] | None = None,
) -> dict[str, tuple[int, int]]:
    """Each pool's balance of its two tokens at `block`, by state key: what it holds, whatever
    its kind (for a kind whose pools hold no balances of their own, its support's
    `holdings`)."""
    if holdings is not None:
        return {state.state_key: holdings(state) for state in states}
    calls = [
        (token, encode_call("balanceOf(address)", state.address))
        for state in states
        for token in (state.token0, state.token1)
    ]
    values = [decode(["uint256"], answer)[0] for answer in await call_many(rpc, calls, hex(block))]
    return {s.state_key: (values[2 * i], values[2 * i + 1]) for i, s in enumerate(states)}


async def pool_holds(rpc: RpcClient, chain: ChainManifest, pool: PoolEntry, token: str) -> int:
    """What `pool` holds of `token`: its balance, or for a kind whose pools hold no balances
    (Uniswap V4), its support's `holdings` of the state its book reads."""
    holdings = SUPPORT[pool.kind].holdings
    if holdings is None:
        return await balance_of(rpc, token, pool.address)
    book = books_of(chain, rpc)[pool.kind]
    read = await book.read([pool.address], await book.head())
    # A pool's address asks for each of its states: one, or one per pair of its tokens (a
    # state names a native-coin side by the wrapped token; its `currency` is the coin).
    tokens = {pool.token0.lower(), pool.token1.lower()}
    (state,) = [
        s
        for s in read.values()
        if s is not None and {s.currency(s.token0).lower(), s.currency(s.token1).lower()} == tokens
    ]
    held = holdings(state)
    return held[0] if token.lower() == pool.token0.lower() else held[1]


@dataclass(frozen=True, slots=True, kw_only=True)
class SwapCase:
    """`amount_in_wei` of `token_in` sold to a pool in `state` (as the kind's book read it), and
    what the state says the pool pays: `state.amount_out(token_in, amount_in_wei)`, or (None)
    that the pool reverts, with the reason the state gives (`predicted_revert`)."""

    state: Any
    token_in: str
    amount_in_wei: int
    predicted_out_wei: int | None
    size: str  # which part of the amount distribution it was drawn from
    predicted_revert: str | None = None

    @property
    def token_out(self) -> str:
        state = self.state
        return str(state.token1 if self.token_in == state.token0 else state.token0)

    def describe(self) -> str:
        predicted = self.predicted_revert or self.predicted_out_wei
        return (
            f"{self.state.dex} {self.state.address} at block {self.state.block_number}: "
            f"{self.amount_in_wei} of {self.token_in} ({self.size}) -> predicted {predicted}"
        )


class Oracle(Protocol):
    """The deployed contracts' own answer to `amount_out`, for one kind."""

    async def prepare(self, rpc: RpcClient, chain: ChainManifest) -> None:
        """Whatever the checks need on the chain before the first (funds, approvals)."""
        ...

    async def disagreements(
        self, rpc: RpcClient, chain: ChainManifest, head: NewHead, cases: Sequence[SwapCase]
    ) -> list[str]:
        """One line per case whose prediction the chain does not confirm at `head`, which
        must be the chain's latest block; the chain is left as it was."""
        ...


def _one_per_pool(cases: Sequence[SwapCase]) -> list[list[SwapCase]]:
    """The cases in rounds that hold at most one case of each pool, in order."""
    rounds: list[list[SwapCase]] = []
    seen: dict[str, int] = {}
    for case in cases:
        index = seen.get(case.state.address, 0)
        seen[case.state.address] = index + 1
        if index == len(rounds):
            rounds.append([])
        rounds[index].append(case)
    return rounds


async def _swap_refusal(rpc: RpcClient, sender: str, case: SwapCase, amount_out: int) -> str | None:
    """Why the pair refuses to pay `amount_out` for what was sent to it (None: it pays)."""
    zero_for_one = case.token_in == case.state.token0
    out0, out1 = (0, amount_out) if zero_for_one else (amount_out, 0)
    data = encode_call(PAIR_SWAP, out0, out1, sender, b"")
    try:
        await rpc.call("eth_call", {"from": sender, "to": case.state.address, "data": data})
    except ExecutionRevertedError as exc:
        return exc.rpc_message
    return None


class PairPays:
    """Uniswap V2 and its forks: the pair itself. With the input transferred to the pair,
    `swap` of the predicted output succeeds and `swap` of one wei more reverts with the pair's K
    check, which applies the build's own fee: the prediction is exactly the most the pair pays.
    The transfers run on a snapshot that is then reverted."""

    async def prepare(self, rpc: RpcClient, chain: ChainManifest) -> None:
        # The deployer owns the devnet's tokens (it mints) and wraps the native coin.
        deployer = chain.deployer
        await rpc.call("anvil_setBalance", deployer, hex(2 * _FUNDS_WEI))
        mint = encode_call("mint(address,uint256)", deployer, _FUNDS_WEI)
        await send_all(
            rpc, [(deployer, t.address, mint) for t in chain.tokens if not t.wrapped_native]
        )
        await fill_wrapped_native(rpc, chain, deployer, _FUNDS_WEI, funder=DEPLOYER_INDEX)

    async def disagreements(
        self, rpc: RpcClient, chain: ChainManifest, head: NewHead, cases: Sequence[SwapCase]
    ) -> list[str]:
        sender = chain.deployer
        latest = int(await rpc.call("eth_blockNumber"), 16)
        assert latest == head.number, f"{chain.name} moved to {latest} since {head.number}"
        problems: list[str] = []
        for batch in _one_per_pool(cases):
            async with snapshot(rpc):
                transfer = "transfer(address,uint256)"
                await send_all(
                    rpc,
                    [
                        (
                            sender,
                            c.token_in,
                            encode_call(transfer, c.state.address, c.amount_in_wei),
                        )
                        for c in batch
                    ],
                )
                found = await asyncio.gather(*(self._check(rpc, sender, c) for c in batch))
            problems += [problem for problem in found if problem is not None]
        return problems

    @staticmethod
    async def _check(rpc: RpcClient, sender: str, case: SwapCase) -> str | None:
        one_more = await _swap_refusal(rpc, sender, case, case.predicted_out_wei + 1)
        if one_more is None or "UniswapV2: K" not in one_more:
            return f"{case.describe()}: one wei more is {one_more or 'paid'}, not refused by K"
        if case.predicted_out_wei == 0:
            return None  # a pair refuses to pay nothing (INSUFFICIENT_OUTPUT_AMOUNT)
        exact = await _swap_refusal(rpc, sender, case, case.predicted_out_wei)
        return None if exact is None else f"{case.describe()}: the pair refuses it: {exact}"


class QuoterAnswers:
    """Uniswap V3: the DEX's QuoterV2 (`quoteExactInputSingle`, no price limit), which runs the
    pool's own swap and reverts with its outcome, at the block the states were read."""

    async def prepare(self, rpc: RpcClient, chain: ChainManifest) -> None:
        return None

    async def disagreements(
        self, rpc: RpcClient, chain: ChainManifest, head: NewHead, cases: Sequence[SwapCase]
    ) -> list[str]:
        problems: list[str] = []
        for dex, group in itertools.groupby(sorted(cases, key=lambda c: c.state.dex), _dex):
            env = V3Env(rpc=rpc, chain=chain, dex=chain.dex(dex), pools=())
            batch = list(group)
            calls = [
                encode_call(
                    QUOTE_IN, (c.token_in, c.token_out, c.amount_in_wei, c.state.fee_pips, 0)
                )
                for c in batch
            ]
            for case, quoted in zip(
                batch, await quote_all(env, calls, hex(head.number)), strict=True
            ):
                if isinstance(quoted, ExecutionRevertedError):
                    problems.append(f"{case.describe()}: the quoter reverted: {quoted.rpc_message}")
                elif quoted[0] != case.predicted_out_wei:
                    problems.append(f"{case.describe()}: the quoter pays {quoted[0]}")
        return problems


def _dex(case: SwapCase) -> str:
    return str(case.state.dex)


Trade = Callable[[RpcClient, ChainManifest, PoolEntry, str, int], Awaitable[None]]
"""A trader sells `amount_in_wei` of a token (address) to the pool through its DEX's router."""


def _symbols(chain: ChainManifest, pool: PoolEntry, token_in: str) -> tuple[str, str]:
    symbol_in = chain.token_by_address(token_in).symbol
    return symbol_in, pool.symbol1 if symbol_in == pool.symbol0 else pool.symbol0


async def v2_trade(
    rpc: RpcClient, chain: ChainManifest, pool: PoolEntry, token_in: str, amount_in_wei: int
) -> None:
    """Router02 `swapExactTokensForTokens` (the router's library hard-codes its build's fee)."""
    path = list(_symbols(chain, pool, token_in))
    await swap_v2(rpc, chain, dex=pool.dex, path=path, amount_in=amount_in_wei)


async def v3_trade(
    rpc: RpcClient, chain: ChainManifest, pool: PoolEntry, token_in: str, amount_in_wei: int
) -> None:
    """SwapRouter `exactInputSingle` into the pool's fee tier."""
    symbol_in, symbol_out = _symbols(chain, pool, token_in)
    await swap_v3(
        rpc, chain, token_in=symbol_in, token_out=symbol_out, fee=pool.fee, amount_in=amount_in_wei
    )


class LiquidityMover(Protocol):
    """Liquidity added to and removed from a few of a kind's pools, and (`create`) one new
    pool per DEX; returns once every transaction is mined and succeeded."""

    async def move(
        self, states: Sequence[PoolState], rng: random.Random, *, create: bool
    ) -> None: ...


def _token_pair_without_pool(chain: ChainManifest, states: Sequence[PoolState]) -> tuple[str, str]:
    held = {frozenset((s.token0.lower(), s.token1.lower())) for s in states}
    for a, b in itertools.combinations(chain.tokens, 2):
        if frozenset((a.address.lower(), b.address.lower())) not in held:
            return a.symbol, b.symbol
    raise AssertionError(f"{chain.name}: every token pair has a pool")


class V2Liquidity:
    """Router02 `addLiquidity` from a trader on a random pair of each DEX (`Mint`, `Sync`); with
    `create`, also on a token pair the DEX has no pair of (`PairCreated` first)."""

    def __init__(self, rpc: RpcClient, chain: ChainManifest) -> None:
        self.rpc, self.chain = rpc, chain

    async def move(self, states: Sequence[PoolState], rng: random.Random, *, create: bool) -> None:
        for dex in sorted({s.dex for s in states}):
            pairs = [s for s in states if s.dex == dex]
            pair = rng.choice(pairs)
            symbols = [self.chain.token_by_address(t).symbol for t in (pair.token0, pair.token1)]
            targets = [tuple(symbols)]
            if create:
                targets.append(_token_pair_without_pool(self.chain, pairs))
            for symbol_a, symbol_b in targets:
                sent = await add_liquidity(self.rpc, self.chain, dex, symbol_a, symbol_b)
                await mined_receipt(self.rpc, sent)


class V3Liquidity:
    """NonfungiblePositionManager mints in random ranges around the price of three pools and
    burns of earlier positions (`Mint`, `Burn`), from the deployer; with `create`, a new pool
    (`PoolCreated`, `Initialize`)."""

    def __init__(self, rpc: RpcClient, chain: ChainManifest) -> None:
        self.market = V3Market.of(rpc, chain)

    async def move(self, states: Sequence[PoolState], rng: random.Random, *, create: bool) -> None:
        market = self.market
        by_address = {s.address.lower(): s for s in states}
        minted = rng.sample(market.pools, 3)
        sent = [await market.mint(p, by_address[p.address.lower()], rng) for p in minted]
        live = [p for p in market.positions if p.liquidity > 0]
        sent += [await market.burn(p, rng) for p in rng.sample(live, min(len(live), 2))]
        if create:
            data = new_pool_call(market.chain, market)
            sent.append(await market.send(market.chain.deployer, market.manager, data, 6_000_000))
        done = await receipts(market.rpc, sent)
        for receipt, pool in zip(done, minted, strict=False):
            market.remember_positions(receipt, pool.address)


@dataclass(frozen=True, slots=True, kw_only=True)
class KindSupport:
    oracle: Oracle
    trade: Trade
    liquidity: Callable[[RpcClient, ChainManifest], LiquidityMover]
    # What a pool holds of its two tokens, for a kind whose pools hold no token balances
    # (Uniswap V4's live in the PoolManager, Balancer's in the Vault); None: the pool's own
    # balances.
    holdings: Callable[[Any], tuple[int, int]] | None = None
    # Events of the kind's `state_topics` that the devnet's pools cannot emit (none for most).
    unexercised_topics: frozenset[str] = frozenset()
    # The largest share of a pool's balance of a token that one swap may sell into it (a
    # Balancer weighted pool takes at most 30% of a balance in, less its fee: BAL#304).
    max_in_share: Fraction = Fraction(1)


def _support() -> Mapping[str, KindSupport]:
    return {
        UNISWAP_V2.kind: KindSupport(oracle=PairPays(), trade=v2_trade, liquidity=V2Liquidity),
        UNISWAP_V3.kind: KindSupport(oracle=QuoterAnswers(), trade=v3_trade, liquidity=V3Liquidity),
        "pancakeswap-v3": KindSupport(
            oracle=PoolQuotes(), trade=pancake_trade, liquidity=PancakeLiquidity
        ),
        "algebra-integral": KindSupport(
            oracle=AlgebraQuotes(), trade=router_trade, liquidity=AlgebraLiquidity
        ),
        "uniswap-v4": KindSupport(
            oracle=V4QuoterAnswers(), trade=v4_trade, liquidity=V4Liquidity, holdings=holdings
        ),
        **{
            kind: KindSupport(
                oracle=BalancerQueryAnswers(),
                trade=router_trade,
                liquidity=BalancerLiquidity,
                holdings=balancer_holdings,
                unexercised_topics=UNEXERCISED_TOPICS,
                max_in_share=share,
            )
            for kind, share in (
                ("balancer-weighted", Fraction(29, 100)),
                ("balancer-stable", Fraction(1)),
            )
        },
    }


SUPPORT: Mapping[str, KindSupport] = _support()
