"""What a pool kind is to the devnet: the `DevnetKind` protocol and the values that cross it.

A kind deploys its DEX from the real bytecode, plans its catalog pools and creates and fills
them, and tells the market how to swap through its router and how to read a pool's price. The
catalog, the deployment and the market do the rest the same way for every kind, and reach a
kind only through `omniarb.devnet.kinds.devnet_kind`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol

from omniarb.chains.rpc import RpcRequest
from omniarb.contracts import Artifact
from omniarb.devnet.tx_sender import TxSender
from omniarb.network import DexEntry, LenderEntry, PoolEntry

__all__ = [
    "ChainTokens",
    "DevnetKind",
    "PoolDef",
    "PoolReserves",
    "PoolSeed",
    "SeedToken",
    "SeededPool",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainTokens:
    """The symbols a kind plans one chain's pools with, by role: the wrapped native coin, the
    chain's bitcoin and its two chain-flavoured tokens, and the native coin itself (no token:
    only a kind whose pools hold it, Uniswap V4, pairs it). The stablecoins are USDC, USDT and
    DAI on every chain."""

    wrapped_native: str
    btc: str
    flavour_a: str
    flavour_b: str
    native: str = "ETH"


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolDef:
    """A pool the catalog plans: on DEX `dex` of pool kind `kind`, between the tokens with
    symbols `token_a` and `token_b`, `depth_usd` deep at the reference prices (half on each
    side); `fee` its fee tier in pips where the kind gives each pool its own (None: the DEX's).

    A pool of more tokens (a Balancer pool) lists the others in `more_tokens`; the depth is
    then shared equally, or by `weights_pct` (each token's percent, in the order a, b, more)."""

    dex: str
    kind: str
    token_a: str
    token_b: str
    depth_usd: int
    fee: int | None = None
    more_tokens: tuple[str, ...] = ()
    weights_pct: tuple[int, ...] = ()

    @property
    def symbols(self) -> tuple[str, ...]:
        return (self.token_a, self.token_b, *self.more_tokens)


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedToken:
    """A token of a pool of more than two tokens beyond its first two: what goes in."""

    symbol: str
    address: str
    amount: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolSeed:
    """A catalog pool as its kind creates and fills it, in the catalog's token order: each
    token's symbol, address and amount going in (half the depth at the reference prices), the
    fee tier, and the reference price in base units of token b per base unit of token a."""

    symbol_a: str
    symbol_b: str
    token_a: str
    token_b: str
    amount_a: int
    amount_b: int
    fee: int | None
    price_raw: Fraction
    more: tuple[SeedToken, ...] = ()
    weights_pct: tuple[int, ...] = ()

    @property
    def tokens(self) -> tuple[SeedToken, ...]:
        """Every token of the pool with its amount, in the order a, b, more."""
        return (
            SeedToken(symbol=self.symbol_a, address=self.token_a, amount=self.amount_a),
            SeedToken(symbol=self.symbol_b, address=self.token_b, amount=self.amount_b),
            *self.more,
        )

    def in_address_order(self) -> PoolSeed:
        """The same seed with token a the token whose address sorts first (the pool's token0)."""
        if int(self.token_a, 16) < int(self.token_b, 16):
            return self
        return PoolSeed(
            symbol_a=self.symbol_b,
            symbol_b=self.symbol_a,
            token_a=self.token_b,
            token_b=self.token_a,
            amount_a=self.amount_b,
            amount_b=self.amount_a,
            fee=self.fee,
            price_raw=1 / self.price_raw,
            more=self.more,
            weights_pct=(
                (self.weights_pct[1], self.weights_pct[0], *self.weights_pct[2:])
                if self.weights_pct
                else ()
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SeededPool:
    """A pool a kind knows from creating it, where no contract can be asked for it by its
    tokens (a Balancer pool, which its factory CREATE-deploys): its address, and its id in the
    singleton that holds it."""

    address: str
    pool_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolReserves:
    """One pool's reserves as the market reads them (`omniarb.devnet.market.state.PoolState`):
    `balance0`/`balance1` what it holds of each token, `virtual0`/`virtual1` the reserves of a
    constant-product pool with its current price and marginal depth."""

    balance0: int
    balance1: int
    virtual0: int
    virtual1: int


class DevnetKind(Protocol):
    """One pool kind on the devnet: deploying its DEX, its catalog pools, its market swaps."""

    @property
    def kind(self) -> str:
        """The kind's name, as the chain table and the manifest spell it."""
        ...

    @property
    def artifact_paths(self) -> Mapping[str, str]:
        """The npm artifacts (by contract name) its DEX is deployed from or creates pools with."""
        ...

    def compiled_artifacts(self) -> tuple[Artifact, ...]:
        """The artifacts compiled at set-up that its DEXes may be deployed from or create
        pools with: the cache key hashes them beside the npm ones."""
        ...

    @property
    def takes_tail_pools(self) -> bool:
        """Whether the large devnet's long tail may give its DEXes pools of any pair (a stable
        pool's curve fits only tokens of one price, so a stable kind takes none)."""
        ...

    @property
    def swap_gas(self) -> int:
        """The gas limit of a market swap through its router: fixed, so nothing is estimated
        against a state that is about to change."""
        ...

    def plan_pools(self, dex: str, rank: int, tokens: ChainTokens) -> tuple[PoolDef, ...]:
        """The pools of DEX `dex`, the `rank`-th DEX of this kind on its chain (from 0), with
        depths at Ethereum's scale: the catalog scales them to the chain."""
        ...

    async def deploy(
        self, dex: str, deployer: TxSender, weth: str, lenders: Sequence[LenderEntry]
    ) -> DexEntry:
        """Deploy DEX `dex` routed through the wrapped native token `weth`, beside the chain's
        flash lenders `lenders` (deployed first: Balancer's pools live in the lenders' Vault);
        its manifest entry."""
        ...

    async def seed_pool(
        self, deployer: TxSender, dex: DexEntry, seed: PoolSeed
    ) -> SeededPool | None:
        """Create the pool of `seed` on `dex` and put the seed's amounts in, from the deployer
        (funded, and its tokens approved for the DEX's router and position manager); the pool
        where the kind knows it from creating it, None where `find_pool` asks the chain."""
        ...

    def find_pool(self, dex: DexEntry, seed: PoolSeed) -> RpcRequest:
        """The `eth_call` that asks the factory of `dex` for the address of `seed`'s pool."""
        ...

    def fee_pips(self, dex: DexEntry, seed: PoolSeed) -> int:
        """The fee of `seed`'s pool on `dex`, in pips, as the manifest records it."""
        ...

    def tick_spacing(self, fee_pips: int) -> int | None:
        """The tick spacing of a pool with fee `fee_pips` (None for a kind without ticks)."""
        ...

    def swap_calldata(
        self, pool: PoolEntry, token_in: str, token_out: str, amount_in: int, recipient: str
    ) -> str:
        """A router call swapping exactly `amount_in` of `token_in` for `token_out` in `pool`,
        paid to `recipient`, with no minimum out: the market's traders accept any price, which
        is what lets a large one move the pool far enough to open an arbitrage."""
        ...

    def state_reads(self, pool: PoolEntry, dex: DexEntry) -> tuple[RpcRequest, ...]:
        """The calls the market batches each step to read `pool` of `dex`."""
        ...

    def reserves(self, pool: PoolEntry, answers: Sequence[Any]) -> PoolReserves:
        """`pool`'s reserves from the answers to its `state_reads`, in order."""
        ...
