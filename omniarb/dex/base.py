"""What the rest of omni-arb may know about a kind of DEX pool: the adapter protocols.

A kind (`uniswap-v2`, `uniswap-v3`) is one package under `omniarb/dex/` and one entry of
`omniarb.dex.registry`. The stages reach a kind's facts through its adapter, never by
comparing kind names: how the executor contract names its hops and loans, which events change
a pool's state, the init code hash of its reference deployment, and its `PoolBook`: discovery,
state and logs of its pools on one chain, which the state stage's shared block bookkeeping
(`omniarb.state.BlockSync`) drives through heads, gaps, reorgs and late logs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from omniarb.chain_events import ChainLog, NewHead
from omniarb.chains.rpc import RpcClient
from omniarb.dex.curves import PiecewiseCurve
from omniarb.types import FlashLoan

__all__ = [
    "DexAdapter",
    "DexDeployment",
    "HopGas",
    "PoolBook",
    "PoolChanges",
    "PoolIdentity",
    "PoolState",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolIdentity:
    """What names a pool, whatever its kind: the base of every kind's state value. Addresses
    are EIP-55 checksummed; `token0` sorts below `token1` as the factories order them.

    `token0`/`token1` are the tokens a route pays in and takes out, in the pool's order. A pool
    that holds the chain's native coin itself (a Uniswap V4 pool's currency 0, address 0) names
    that side by the chain's wrapped native token, which the executor unwraps into it and
    wraps out of it, so the pool meets the wrapped token's other pools in cycles (its `token0`
    then need not sort below `token1`); its `currency` of that token is the native coin, the
    pool's real currency, for whatever shows the pool as it is."""

    chain_id: int
    address: str
    dex: str
    factory: str
    token0: str
    token1: str

    @property
    def state_key(self) -> str:
        """The name the state stage and the detector keep this state under: the pool's
        lowercase address. A view of two tokens of a pool that holds more (a Balancer pool)
        adds the two, so each of its pairs is a pool of its own to them, while `address`, the
        contract the executor swaps through, is the same for every pair of the pool."""
        return self.address.lower()

    def currency(self, token: str) -> str:
        """The pool's own currency for `token`, one of its two tokens: the token itself, but
        the native coin (address 0) for the wrapped token standing in for it."""
        return token


class PoolState(Protocol):
    """A frozen snapshot of one pool as of `block_number`: what every kind's state has."""

    kind: ClassVar[str]

    @property
    def chain_id(self) -> int: ...
    @property
    def address(self) -> str: ...
    @property
    def state_key(self) -> str:
        """`PoolIdentity.state_key`: unique among a chain's states, whatever their kind."""
        ...

    @property
    def dex(self) -> str: ...
    @property
    def token0(self) -> str: ...
    @property
    def token1(self) -> str: ...
    @property
    def block_number(self) -> int: ...
    @property
    def fee_pips(self) -> int:
        """The swap fee in hundredths of a basis point (3000 = 0.3%)."""
        ...

    def currency(self, token: str) -> str:
        """The pool's own currency for `token` (`PoolIdentity.currency`)."""
        ...

    def constant_product(self, zero_for_one: bool) -> tuple[int, int, int] | None:
        """(reserve in, reserve out, fee in basis points) in that direction when the pool
        prices every size as one constant-product curve (`UniswapV2Library.getAmountOut`);
        None for a pool whose curve has pieces (the detector then walks them)."""
        ...

    def piecewise(self, zero_for_one: bool) -> PiecewiseCurve | None:
        """The pool in that direction as a curve of pieces (V3: one per tick range), for a
        pool without one constant-product curve; None for a constant-product pool."""
        ...

    def screen_reserves(self) -> tuple[int, int]:
        """Reserves (token0, token1) of a constant-product pool that is never less profitable
        than this one at any size: what the detector's float screen prices it with."""
        ...

    def amount_out(self, token_in: str, amount_in: int) -> int:
        """What the pool pays for `amount_in` of `token_in`, exactly as its contract would."""
        ...

    def spot_price(self) -> float | None:
        """The marginal price in raw token1 units per raw token0 unit, before fees (a float:
        display and statistics only); None for a pool without a price yet."""
        ...

    def after_exact_input(self, token_in: str, amount_in: int) -> tuple[int, PoolState]:
        """(output, the state after) of selling `amount_in` of `token_in` through the pool as
        its DEX's router does (no price limit): the post-swap state a backrun is priced on,
        exact like `amount_out`; raises where the swap reverts."""
        ...

    def after_exact_output(self, token_out: str, amount_out: int) -> tuple[int, PoolState]:
        """(input, the state after) of buying exactly `amount_out` of `token_out` through the
        pool as its DEX's router does; raises where the swap reverts (the pool cannot pay
        that much)."""
        ...

    def with_pool_of(self, view: PoolState) -> PoolState:
        """This state over the pool contract's state that `view`, another view of the same
        contract (same `address`), holds: how a swap through one pair of a multi-token pool
        (Balancer) moves its other pairs. A pool with one view returns `view` when it is
        this state's own (same `state_key`), else itself."""
        ...

    def swap_report(self, token_in: str, amount_in: int) -> dict[str, int]:
        """What `omniarb quote` reports of a swap: `amount_out`, and whatever else the kind
        knows of it (the input used, the price and tick after, ticks crossed)."""
        ...


StateT = TypeVar("StateT", bound=PoolState)


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolChanges(Generic[StateT]):
    """What one step does to a kind's pools: new states by state key, the pools that are gone,
    and the pools seen for the first time (their state keys)."""

    changed: dict[str, StateT]
    removed: tuple[str, ...] = ()
    created: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class DexDeployment:
    """One DEX of a kind on one chain, as its adapter needs it: the name the history records,
    the factory (or pool manager) address, the swap fee in basis points where the DEX sets
    one fee for all its pools (None where each pool has its own), its state lens where its
    pools are read through one (Uniswap V4's StateView), and the chain's wrapped native token,
    which a pool holding the native coin itself is traded as (`PoolIdentity`; None: such a
    pool keeps the native coin's address 0, which no other pool holds, so no cycle meets it).
    Where `factory` is a singleton that holds the pools (Balancer's Vault), `pool_factory` is
    the contract that creates the ones priced, and `start_block` the block from which its
    creations are read from logs."""

    name: str
    factory: str
    fee_bps: int | None = None
    lens: str | None = None
    pool_factory: str | None = None
    start_block: int = 0
    wrapped_native: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class HopGas:
    """The gas of hops through pools of one kind, through the executor contract: each hop,
    once for a route with any hop of the kind (what its first hop sets up), each initialized
    tick (or bin) a swap crosses, each other extra step of the swap's loop, and each hop with
    a side of the native coin, which the executor unwraps into the pool or wraps out of it
    (`Hop.wraps`).

    Kinds whose first hop sets up the same thing (Balancer's weighted and stable pools, both
    swapped through the Vault) name one `route_group`: a route pays the largest route gas of
    a group once, however many of its kinds it mixes."""

    hop_gas: int
    route_gas: int = 0
    crossing_gas: int = 0
    step_gas: int = 0
    native_gas: int = 0
    route_group: str | None = None


class PoolBook(Protocol[StateT]):
    """A kind's pools on one chain, as the state stage's block bookkeeping drives them.

    The book never holds the pools: the bookkeeping passes the current states in and commits
    what the book returns, so every node read of a step happens before anything changes.
    """

    @property
    def rpc(self) -> RpcClient: ...
    @property
    def chain_id(self) -> int: ...
    @property
    def kind(self) -> str:
        """The kind's name (`DexAdapter.kind`)."""
        ...

    @property
    def noun(self) -> str:
        """What log lines call the pools ("pairs", "V3 pools")."""
        ...

    @property
    def topics(self) -> tuple[str, ...]:
        """Topic 0 of every log the book reads (its pools' and its factories')."""
        ...

    async def head(self, block: int | str = "latest") -> NewHead:
        """The header of `block`."""
        ...

    async def discover_at(self, head: NewHead) -> Sequence[StateT]:
        """Every pool of the book's DEXes in the state after block `head`."""
        ...

    async def read(self, pools: Sequence[str], head: NewHead) -> dict[str, StateT | None]:
        """The states of `pools` (state keys) after block `head`, by state key; None for a
        key that is not a pool of the book's DEXes. A pool's address asks for every state of
        that pool (all pairs of a multi-token pool)."""
        ...

    async def changes(
        self,
        pools: Mapping[str, StateT],
        head: NewHead,
        logs: Sequence[ChainLog],
        stale: Sequence[str],
    ) -> PoolChanges[StateT]:
        """What `logs` (in block order, up to `head`) do to `pools`; the pools keyed in `stale`
        are re-read at `head`, and what is read wins."""
        ...

    async def replay(
        self,
        pools: Mapping[str, StateT],
        block_number: int,
        block_logs: Sequence[ChainLog],
        head: NewHead,
    ) -> PoolChanges[StateT]:
        """What the whole of block `block_number`, applied already, changes now that a log of
        it came late; `head` is our head."""
        ...

    def differs(self, old: StateT, new: StateT) -> bool:
        """Whether a resync's `new` state of a pool changes our `old` one."""
        ...

    async def audit(
        self, pools: Mapping[str, StateT], head: NewHead, *, force: bool = False
    ) -> Mapping[str, StateT | None]:
        """The pools whose kept state has drifted from the chain's at `head`, with the chain's
        state (None: gone), when a periodic check is due (or `force`d); empty otherwise."""
        ...


class DexAdapter(Protocol):
    """One kind of pool, as the pipeline and the executor contract see it."""

    @property
    def kind(self) -> str:
        """The kind's name, as manifests, routes and the history record it."""
        ...

    @property
    def hop_kind(self) -> int:
        """The executor plan's kind byte for a hop through a pool of this kind
        (`OmniArbExecutor.sol`, `KIND_*`)."""
        ...

    @property
    def pool_loan(self) -> FlashLoan:
        """How a pool of this kind outside a route lends the route its start token."""
        ...

    @property
    def reference_init_code_hash(self) -> str:
        """The keccak of the reference deployment's pool creation code (forks differ: their
        own hash is a parameter of the DEX, `dex.deployments.dex_parameters`)."""
        ...

    @property
    def state_topics(self) -> frozenset[str]:
        """Topic 0 of the events after which what a swap reads has changed."""
        ...

    @property
    def hop_gas(self) -> HopGas:
        """Its hops' gas through the executor, measured by `benchmarks/execute.py` and rounded
        up, so a net profit is never overstated."""
        ...

    @property
    def locked_lenders(self) -> frozenset[FlashLoan]:
        """The lenders that cannot lend to a route through a pool of this kind: a singleton
        that holds the pool and locks itself while it lends (Balancer's Vault: `swap` and
        `flashLoan` share one reentrancy guard, BAL#400)."""
        ...

    @property
    def flash_swap_hop(self) -> bool:
        """Whether the executor takes a route's input from the swap of a pool of this kind that
        opens the route (a flash swap: the pool pays out before it is paid, then checks), so
        such a route needs no loan and pays nothing beyond the hop's own fee."""
        ...

    @property
    def fee_per_pool(self) -> bool:
        """Whether each pool has its own fee (else the DEX sets one fee for all its pools)."""
        ...

    def book(
        self, *, rpc: RpcClient, chain_id: int, dexes: Sequence[DexDeployment]
    ) -> PoolBook[Any]:
        """The book of `dexes` (all of this kind) on chain `chain_id`, read through `rpc`."""
        ...
