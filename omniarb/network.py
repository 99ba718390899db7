"""The network description (the manifest): the chains the bot trades on, as JSON.

The devnet writes one for what it deployed; `omniarb run --manifest FILE` reads one written for
real networks; the engine, the allocator and the executor set-up read it, and nothing in it is
specific to the devnet.

The field names (`chain_id`, `name`, `rpc_http`, `rpc_ws`, `tokens`, `dexes`, `pools`, and
within them `symbol`, `address`, `decimals`, `kind`, `factory`, `router`, `quoter`, `dex`,
`token0`, `token1`, `fee`) are a published format: add fields, never rename one.
`fee` is in hundredths of a basis point (pips) for both kinds, so a V2 pool's 0.3% is 3000.
`lenders` lists the flash lenders (Balancer V2 Vault, Aave V3 Pool): `name`, `kind`, `address`
(what `flashLoan`/`flashLoanSimple` is called on), `fee_pips` (the flash fee, same unit), the
`assets` it can lend (`symbol`, `address`, `holder` whose token balance is the lendable amount,
`amount` funded at deployment) and the protocol's other `contracts` by role.

The same format describes a real network for `omniarb run --manifest FILE`: there `pools` may be
empty (pools are discovered from the factories), `deployer` and `traders` (the devnet's accounts)
may be left out, and each chain names the bot's `executor` contract (`omniarb executor deploy`
writes it with `write_executor`). The devnet's own manifest has `executor: null`.

`relay_url` is the chain's bundle relay (an `eth_sendBundle` endpoint), or null where none is
used: the devnet writes its own relay's URL, or null when it runs none; a described network may
name one, which `[submission.<chain>] relay_url` overrides (`omniarb.config.submission_for`).

`routers` lists the routers that are no single DEX's own (`RouterEntry`: Uniswap's SwapRouter02 and
UniversalRouter); pending swaps sent to them are decoded as those sent to a DEX's `router`.

`devnet` is true on the chains of the devnet's own manifest (local anvil nodes running the real
chains' ids) and absent (false) in a real network's description; the env key backend signs only
where it is true unless `[keys] allow_env_on_mainnet` says otherwise.
`bridges` lists the bridges the chain can send from (`BridgeEntry`: the devnet's Across SpokePool
and its lock-and-mint bridge; a described network names the real ones), and
`inventory_account` the account holding the cross-chain inventory (null: no cross-chain trading).
A token's `bridged` names the issuer of a bridged variant (null: the asset's own issue).
`safe` (optional, null when absent) is the Safe multisig that owns the executor (`SafeEntry`):
the devnet deploys Safe 1.4.1 on every chain and records it; a described network may name one,
which `omniarb treasury` sweeps profits to and signs through.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from omniarb.errors import ConfigError, NotFoundError
from omniarb.types import FlashPool, Hop

__all__ = [
    "BridgeEntry",
    "ChainManifest",
    "DexEntry",
    "LenderAsset",
    "LenderEntry",
    "Manifest",
    "PoolEntry",
    "RouterEntry",
    "SafeEntry",
    "TokenEntry",
    "write_executor",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class TokenEntry:
    symbol: str
    address: str
    decimals: int
    name: str
    asset: str
    wrapped_native: bool = False
    # Who issued this token when it is a bridged variant of `asset` (e.g. "binance-peg" for
    # Binance-Peg USDC on BNB Chain, "pos" for Polygon PoS WETH), None for the asset's own
    # issue. A bridged variant is another asset than the native one unless the configuration
    # declares them equivalent (`omniarb.chains.assets`).
    bridged: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DexEntry:
    name: str
    kind: str
    factory: str
    router: str
    quoter: str | None = None
    position_manager: str | None = None
    # A V2 DEX's swap fee in pips (0.3% = 3000), the init code hash its pools are created
    # with, and the contract that CREATE2-deploys them where that is not the factory
    # (PancakeSwap V3's pool deployer); when absent, the chain spec's values for the DEX of
    # that name and factory apply.
    fee_pips: int | None = None
    init_code_hash: str | None = None
    pool_deployer: str | None = None
    # The DEX's read-only contract for pool state where pools cannot be asked themselves
    # (Uniswap V4's StateView over the PoolManager, which is `factory`); when absent, the
    # chain spec's for the DEX of that name and factory.
    lens: str | None = None
    # Where `factory` is a singleton that holds the pools (Balancer's Vault): the contract
    # whose pools are traded, and the block from which its pools are looked for in its logs;
    # when absent, the chain spec's for the DEX of that name and factory (else block 0).
    pool_factory: str | None = None
    start_block: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PoolEntry:
    address: str
    dex: str
    kind: str
    token0: str
    token1: str
    fee: int
    symbol0: str
    symbol1: str
    tick_spacing: int | None = None
    # The pool's id in the singleton that holds it, where that is how it is named there
    # (a Balancer pool's bytes32 id in the Vault); a pool of more than two tokens has one
    # entry per pair of them, all with its address.
    pool_id: str | None = None

    def hop(self, token_in: str) -> Hop:
        """The hop that sells `token_in` (one of the pool's tokens) through this pool."""
        return Hop(
            pool=self.address,
            dex=self.dex,
            kind=self.kind,
            token_in=token_in,
            token_out=self.token1 if token_in == self.token0 else self.token0,
            zero_for_one=token_in == self.token0,
            fee_pips=self.fee,
            tick_spacing=self.tick_spacing,
        )

    def flash_pool(self) -> FlashPool:
        """This pool as a lender outside a route, as the executor's plan names it."""
        return FlashPool(
            pool=self.address,
            dex=self.dex,
            kind=self.kind,
            token0=self.token0,
            token1=self.token1,
            fee_pips=self.fee,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class RouterEntry:
    """A router that is not one DEX's own (`DexEntry.router`): Uniswap's SwapRouter02 and
    UniversalRouter route through several DEXes' pools. `kind` names its calldata decoder
    (`uniswap-swap-router-02`, `uniswap-universal-router`); `dexes` the DEXes (by name) whose
    pools it swaps through, in the order its calls name them (V2, then V3, then V4)."""

    kind: str
    address: str
    dexes: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RouterEntry:
        return cls(kind=data["kind"], address=data["address"], dexes=tuple(data.get("dexes", ())))


@dataclass(frozen=True, slots=True, kw_only=True)
class LenderAsset:
    """A token a flash lender holds: the lendable amount is `token.balanceOf(holder)`
    (the Vault itself for Balancer, the reserve's aToken for Aave)."""

    symbol: str
    address: str
    holder: str
    amount: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LenderEntry:
    """A flash lender: `kind` is `balancer-v2` or `aave-v3`; `fee_pips` the flash fee in
    hundredths of a basis point (Balancer 0, Aave's 5 bps = 500)."""

    name: str
    kind: str
    address: str
    fee_pips: int
    assets: tuple[LenderAsset, ...]
    contracts: dict[str, str] = field(default_factory=dict)

    def asset(self, symbol: str) -> LenderAsset:
        for asset in self.assets:
            if asset.symbol == symbol:
                return asset
        raise NotFoundError(f"lender {self.name} holds no {symbol!r}")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LenderEntry:
        return cls(
            name=data["name"],
            kind=data["kind"],
            address=data["address"],
            fee_pips=data["fee_pips"],
            assets=tuple(LenderAsset(**a) for a in data["assets"]),
            contracts=dict(data.get("contracts", {})),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SafeEntry:
    """The Safe multisig that owns the executor: the proxy (`address`), its `owners` and
    `threshold` when it was set up, and the Safe 1.4.1 contracts it was made from (`singleton`,
    `Safe` or `SafeL2`; `proxy_factory`; `fallback_handler`). Owners and threshold on chain win
    over these (`getOwners`, `getThreshold`): a Safe can change them."""

    address: str
    owners: tuple[str, ...]
    threshold: int
    singleton: str = ""
    proxy_factory: str = ""
    fallback_handler: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SafeEntry:
        return cls(
            address=data["address"],
            owners=tuple(data.get("owners", ())),
            threshold=int(data.get("threshold", 0)),
            singleton=data.get("singleton", ""),
            proxy_factory=data.get("proxy_factory", ""),
            fallback_handler=data.get("fallback_handler", ""),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class BridgeEntry:
    """A bridge this chain can send from (`omniarb.bridges`): its adapter `kind` (`across`,
    `canonical`), `address` (Across: the SpokePool proxy; canonical: the bridge contract),
    `api_url` (Across: the base of its HTTP API, which serves `/suggested-fees`),
    `expected_delay_s` (what a transfer usually takes, for quoting when nothing says better)
    and other `contracts` by role."""

    name: str
    kind: str
    address: str
    api_url: str | None = None
    expected_delay_s: float | None = None
    contracts: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BridgeEntry:
        return cls(
            name=data["name"],
            kind=data["kind"],
            address=data["address"],
            api_url=data.get("api_url"),
            expected_delay_s=data.get("expected_delay_s"),
            contracts=dict(data.get("contracts", {})),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ChainManifest:
    chain_id: int
    name: str
    rpc_http: str
    rpc_ws: str
    tokens: tuple[TokenEntry, ...]
    dexes: tuple[DexEntry, ...]
    pools: tuple[PoolEntry, ...]
    deployer: str
    traders: tuple[str, ...]
    block_time_s: float | None = None
    lenders: tuple[LenderEntry, ...] = ()
    executor: str | None = None
    routers: tuple[RouterEntry, ...] = ()
    relay_url: str | None = None
    devnet: bool = False
    safe: SafeEntry | None = None
    bridges: tuple[BridgeEntry, ...] = ()
    # The account that holds the cross-chain inventory on this chain and signs its legs and
    # bridge deposits (`omniarb.crosschain`), or None where cross-chain trading is off.
    inventory_account: str | None = None

    def bridge(self, name: str) -> BridgeEntry:
        for bridge in self.bridges:
            if bridge.name == name:
                return bridge
        raise NotFoundError(f"no bridge {name!r} on {self.name}")

    def token(self, symbol: str) -> TokenEntry:
        for token in self.tokens:
            if token.symbol == symbol:
                return token
        raise NotFoundError(f"no token {symbol!r} on {self.name}")

    def token_by_address(self, address: str) -> TokenEntry:
        for token in self.tokens:
            if token.address.lower() == address.lower():
                return token
        raise NotFoundError(f"no token at {address} on {self.name}")

    def dex(self, name: str) -> DexEntry:
        for dex in self.dexes:
            if dex.name == name:
                return dex
        raise NotFoundError(f"no DEX {name!r} on {self.name}")

    def lender(self, name: str) -> LenderEntry:
        for lender in self.lenders:
            if lender.name == name:
                return lender
        raise NotFoundError(f"no lender {name!r} on {self.name}")

    def with_endpoint(
        self, *, rpc_http: str, rpc_ws: str, block_time_s: float | None
    ) -> ChainManifest:
        return replace(self, rpc_http=rpc_http, rpc_ws=rpc_ws, block_time_s=block_time_s)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ChainManifest:
        return cls(
            chain_id=data["chain_id"],
            name=data["name"],
            rpc_http=data["rpc_http"],
            rpc_ws=data["rpc_ws"],
            tokens=tuple(TokenEntry(**t) for t in data["tokens"]),
            dexes=tuple(DexEntry(**d) for d in data["dexes"]),
            pools=tuple(PoolEntry(**p) for p in data.get("pools", ())),
            # A described network has no devnet accounts.
            deployer=data.get("deployer", ""),
            traders=tuple(data.get("traders", ())),
            block_time_s=data.get("block_time_s"),
            lenders=tuple(LenderEntry.from_dict(x) for x in data.get("lenders", ())),
            executor=data.get("executor"),
            routers=tuple(RouterEntry.from_dict(r) for r in data.get("routers", ())),
            relay_url=data.get("relay_url"),
            devnet=bool(data.get("devnet", False)),
            safe=SafeEntry.from_dict(data["safe"]) if data.get("safe") else None,
            bridges=tuple(BridgeEntry.from_dict(b) for b in data.get("bridges", ())),
            inventory_account=data.get("inventory_account"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Manifest:
    """All chains of one running devnet, or of a network description."""

    chains: tuple[ChainManifest, ...]

    def chain(self, name_or_id: str | int) -> ChainManifest:
        for chain in self.chains:
            if name_or_id in (chain.name, chain.chain_id, str(chain.chain_id)):
                return chain
        raise NotFoundError(
            f"the manifest has no chain {name_or_id!r} "
            f"(it has {', '.join(c.name for c in self.chains)})"
        )

    def to_json(self) -> str:
        return json.dumps({"chains": [asdict(c) for c in self.chains]}, indent=2)

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(self.to_json())
        tmp.replace(path)

    @classmethod
    def read(cls, path: Path) -> Manifest:
        """The manifest at `path`; a file that is not one is a `ConfigError` naming what is
        wrong (it may be a hand-written network description)."""
        try:
            data = json.loads(path.read_text())
            return cls(chains=tuple(ChainManifest.from_dict(c) for c in data["chains"]))
        except FileNotFoundError as exc:
            raise NotFoundError(f"manifest {path} not found") from exc
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: not JSON: {exc}") from exc
        except KeyError as exc:
            raise ConfigError(f"{path}: not a manifest: missing key {exc}") from exc
        except (TypeError, AttributeError) as exc:
            raise ConfigError(f"{path}: not a manifest: {exc}") from exc


def write_executor(path: Path, *, chain: str, address: str) -> None:
    """Set the `executor` of chain `chain` in the manifest file at `path`, atomically.

    The file is edited as JSON, so whatever else it holds (fields this version does not know,
    the other chains) is kept as it was.
    """
    data = json.loads(path.read_text())
    entries = [entry for entry in data["chains"] if entry.get("name") == chain]
    if not entries:
        raise NotFoundError(f"{path} has no chain {chain!r}")
    entries[0]["executor"] = address
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)
