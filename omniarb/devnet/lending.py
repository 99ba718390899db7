"""Deploy the flash lenders of one devnet chain from their npm bytecode: the Balancer V2 Vault
and an Aave V3 market, each funded with the chain's base tokens.

Balancer (`@balancer-labs/v2-deployments` 3.2.0, the audited 2021 build): an Authorizer and the
Vault, with mainnet's pause-window and buffer durations; the Vault lends whatever token balance
it holds, so funding is a plain transfer. Its flash fee is the ProtocolFeesCollector's
percentage, 0 as deployed (as on mainnet).

What each lender holds is chosen so that each is the cheapest for some trades, as happens on
mainnet where inventories differ by token and chain: the Vault holds the three stablecoins (as
a stable pool's tokens would sit there) and no wrapped native coin; Aave lists all four. A
route opening with a V3 pool from USDC then borrows from the Vault for free; from the wrapped
native coin, from a 0.05% V3 pool outside the route, or from Aave when the route itself uses
every such pool.

Aave V3 (`@aave/core-v3` 1.19.3): PoolAddressesProvider → ACLManager → the seven linked logic
libraries → Pool (L2Pool on rollups, as Aave deploys there) behind the provider's proxy →
PoolConfigurator → AaveOracle over one MockAggregator per asset (the package's Chainlink
stand-in: nothing on anvil publishes prices) → AaveProtocolDataProvider → aToken / debt token
implementations and interest-rate strategies → `initReserves`, `setReserveFlashLoaning`, a
5 bps flash premium (`updateFlashloanPremiumTotal`) → the deployer supplies liquidity. The
order is the one FACTS.md verified. Everything runs on the automine node `deploy.py` drives.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction
from typing import Any, Protocol

from eth_utils.address import to_checksum_address

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import ChainSpec
from omniarb.contracts import Artifact, load_npm_artifact
from omniarb.devnet.catalog import REFERENCE_PRICES_USD
from omniarb.devnet.pricing import amount_for_usd
from omniarb.errors import DevnetError
from omniarb.network import LenderAsset, LenderEntry, TokenEntry

__all__ = [
    "AAVE_FLASH_PREMIUM_BPS",
    "LENDER_STABLE_SYMBOLS",
    "LENDING_ARTIFACT_PATHS",
    "TxSender",
    "deploy_aave",
    "deploy_balancer",
    "deploy_lenders",
]

_BALANCER = "@balancer-labs/v2-deployments/dist/tasks/"
_AAVE = "@aave/core-v3/artifacts/contracts/"
_AAVE_LOGIC = _AAVE + "protocol/libraries/logic/"
LENDING_ARTIFACT_PATHS = {
    "Authorizer": _BALANCER + "20210418-authorizer/artifact/Authorizer.json",
    "Vault": _BALANCER + "20210418-vault/artifact/Vault.json",
    "PoolAddressesProvider": _AAVE
    + "protocol/configuration/PoolAddressesProvider.sol/PoolAddressesProvider.json",
    "ACLManager": _AAVE + "protocol/configuration/ACLManager.sol/ACLManager.json",
    "SupplyLogic": _AAVE_LOGIC + "SupplyLogic.sol/SupplyLogic.json",
    "BorrowLogic": _AAVE_LOGIC + "BorrowLogic.sol/BorrowLogic.json",
    "LiquidationLogic": _AAVE_LOGIC + "LiquidationLogic.sol/LiquidationLogic.json",
    "EModeLogic": _AAVE_LOGIC + "EModeLogic.sol/EModeLogic.json",
    "BridgeLogic": _AAVE_LOGIC + "BridgeLogic.sol/BridgeLogic.json",
    "PoolLogic": _AAVE_LOGIC + "PoolLogic.sol/PoolLogic.json",
    "FlashLoanLogic": _AAVE_LOGIC + "FlashLoanLogic.sol/FlashLoanLogic.json",
    "ConfiguratorLogic": _AAVE_LOGIC + "ConfiguratorLogic.sol/ConfiguratorLogic.json",
    "Pool": _AAVE + "protocol/pool/Pool.sol/Pool.json",
    "L2Pool": _AAVE + "protocol/pool/L2Pool.sol/L2Pool.json",
    "PoolConfigurator": _AAVE + "protocol/pool/PoolConfigurator.sol/PoolConfigurator.json",
    "MockAggregator": _AAVE + "mocks/oracle/CLAggregators/MockAggregator.sol/MockAggregator.json",
    "AaveOracle": _AAVE + "misc/AaveOracle.sol/AaveOracle.json",
    "AaveProtocolDataProvider": _AAVE
    + "misc/AaveProtocolDataProvider.sol/AaveProtocolDataProvider.json",
    "AToken": _AAVE + "protocol/tokenization/AToken.sol/AToken.json",
    "StableDebtToken": _AAVE + "protocol/tokenization/StableDebtToken.sol/StableDebtToken.json",
    "VariableDebtToken": _AAVE
    + "protocol/tokenization/VariableDebtToken.sol/VariableDebtToken.json",
    "DefaultReserveInterestRateStrategy": _AAVE
    + "protocol/pool/DefaultReserveInterestRateStrategy.sol/"
    + "DefaultReserveInterestRateStrategy.json",
}

# The stablecoins both lenders hold on every chain; Aave also lists the wrapped native coin.
LENDER_STABLE_SYMBOLS = ("USDC", "USDT", "DAI")
# Liquidity per token in USD. Aave's large markets hold billions; these are sized to the devnet's
# pools (≤ $50M), so no arbitrage the devnet can open is ever short of a lender.
_BALANCER_LIQUIDITY_USD = 10_000_000
# A devnet transaction is mined within a block time or two; this only bounds a stuck node.
_RECEIPT_TIMEOUT_S = 30.0
_AAVE_LIQUIDITY_USD = 25_000_000
# Aave V3 markets have charged 5 to 9 bps for flash loans; 5 is the common setting.
AAVE_FLASH_PREMIUM_BPS = 5
_PIPS_PER_BPS = 100
# Mainnet Vault's constructor values (90 and 30 days, the maxima the Vault accepts).
_PAUSE_WINDOW_S = 90 * 86_400
_BUFFER_PERIOD_S = 30 * 86_400
# Chains where Aave deploys L2Pool (calldata-compact entry points) instead of Pool.
_L2_POOL_CHAINS = frozenset({"arbitrum", "optimism"})
_ORACLE_UNIT = 10**8  # AaveOracle's USD base currency: 8 decimals, like Chainlink's USD feeds
_RAY = 10**27
_MAX_UINT = 2**256 - 1
_INIT_RESERVE_GAS = 6_000_000
_SUPPLY_GAS = 600_000
_ZERO = "0x" + "00" * 20

# DefaultReserveInterestRateStrategy arguments (rays) after the provider: optimal usage, base
# variable rate, variable slopes 1 and 2, stable slopes 1 and 2, base stable offset, stable excess
# offset, optimal stable/total debt. Aave V3's published "stable" and "volatile" strategies.
_RATES_STABLE = tuple(
    int(Fraction(x) * _RAY)
    for x in ("0.90", "0", "0.04", "0.60", "0.005", "0.60", "0.01", "0.08", "0.20")
)
_RATES_VOLATILE = tuple(
    int(Fraction(x) * _RAY)
    for x in ("0.80", "0", "0.038", "0.80", "0.04", "0.80", "0.02", "0.05", "0.20")
)
_RATE_TYPES = ("address", *("uint256",) * 9)

_INIT_RESERVE_INPUT = (
    "(address,address,address,uint8,address,address,address,address,"
    "string,string,string,string,string,string,bytes)[]"
)


class TxSender(Protocol):
    """What the lending deployment needs from `deploy.py`'s sender (an unlocked account on an
    automine node): sends are checked together at the end of the chain's deployment."""

    address: str

    async def send(
        self, label: str, to: str | None, data: str, *, value: int = 0, gas: int = ...
    ) -> str: ...

    async def deploy(
        self, label: str, artifact: Artifact, types: Sequence[str] = (), args: Sequence[Any] = ()
    ) -> str: ...


def _artifact(name: str) -> Artifact:
    return load_npm_artifact(LENDING_ARTIFACT_PATHS[name])


def _linked(artifact: Artifact, libraries: dict[str, str]) -> Artifact:
    """`artifact` with each library address written at its Hardhat `linkReferences` offsets."""
    references: dict[str, dict[str, list[dict[str, int]]]] = json.loads(
        artifact.source.read_text()
    ).get("linkReferences", {})
    # Unlinked code holds `__$…$__` placeholders, so it is patched as hex text (2 chars a byte).
    code = list(artifact.bytecode.removeprefix("0x"))
    for per_file in references.values():
        for library, spots in per_file.items():
            address = libraries[library].removeprefix("0x").lower()
            for spot in spots:
                start, length = 2 * spot["start"], 2 * spot["length"]
                code[start : start + length] = address
    linked = "".join(code)
    if "__" in linked:
        raise DevnetError(f"{artifact.name}: a library placeholder is left unlinked")
    return replace(artifact, bytecode="0x" + linked)


async def _call(rpc: RpcClient, to: str, signature: str, out: str, *args: Any) -> Any:
    answer = await rpc.call("eth_call", {"to": to, "data": encode_call(signature, *args)}, "latest")
    return decode([out], answer)[0]


async def _mined(rpc: RpcClient, tx_hash: str, label: str) -> None:
    """Wait for a transaction whose effect the next step reads; it must have succeeded."""
    receipt = await wait_for_receipt(rpc, tx_hash, timeout_s=_RECEIPT_TIMEOUT_S)
    if receipt is None:
        raise DevnetError(f"{label}: transaction {tx_hash} was not mined")
    if int(receipt["status"], 16) != 1:
        raise DevnetError(f"{label}: transaction {tx_hash} reverted")


async def _fund(deployer: TxSender, token: TokenEntry, to: str, amount: int) -> None:
    """Put `amount` of `token` at `to`: wrap and transfer native, or mint (the deployer owns
    every DevToken)."""
    if token.wrapped_native:
        await deployer.send(
            f"wrap {token.symbol}", token.address, encode_call("deposit()"), value=amount
        )
        if to != deployer.address:
            await deployer.send(
                f"fund {token.symbol}",
                token.address,
                encode_call("transfer(address,uint256)", to, amount),
            )
    else:
        await deployer.send(
            f"mint {token.symbol}", token.address, encode_call("mint(address,uint256)", to, amount)
        )


def _amount(token: TokenEntry, usd: int) -> int:
    return amount_for_usd(usd, REFERENCE_PRICES_USD[token.asset], token.decimals)


async def deploy_balancer(
    rpc: RpcClient, deployer: TxSender, tokens: Sequence[TokenEntry], *, weth: TokenEntry
) -> LenderEntry:
    """Authorizer + Vault, each of `tokens` transferred into the Vault."""
    authorizer = await deployer.deploy(
        "balancer Authorizer", _artifact("Authorizer"), ["address"], [deployer.address]
    )
    vault = await deployer.deploy(
        "balancer Vault",
        _artifact("Vault"),
        ["address", "address", "uint256", "uint256"],
        [authorizer, weth.address, _PAUSE_WINDOW_S, _BUFFER_PERIOD_S],
    )
    assets = []
    for token in tokens:
        amount = _amount(token, _BALANCER_LIQUIDITY_USD)
        await _fund(deployer, token, vault, amount)
        assets.append(
            LenderAsset(symbol=token.symbol, address=token.address, holder=vault, amount=amount)
        )
    fees_collector = await _call(rpc, vault, "getProtocolFeesCollector()", "address")
    return LenderEntry(
        name="balancer-v2",
        kind="balancer-v2",
        address=vault,
        fee_pips=0,
        assets=tuple(assets),
        contracts={
            "authorizer": authorizer,
            "protocol_fees_collector": str(to_checksum_address(fees_collector)),
        },
    )


async def _aave_core(chain: ChainSpec, rpc: RpcClient, deployer: TxSender) -> dict[str, str]:
    """Provider, ACL, libraries, Pool and PoolConfigurator proxies; addresses by role."""
    admin = deployer.address
    provider = await deployer.deploy(
        "aave PoolAddressesProvider",
        _artifact("PoolAddressesProvider"),
        ["string", "address"],
        ["omniarb devnet", admin],
    )
    await deployer.send("aave setACLAdmin", provider, encode_call("setACLAdmin(address)", admin))
    acl = await deployer.deploy("aave ACLManager", _artifact("ACLManager"), ["address"], [provider])
    await deployer.send("aave setACLManager", provider, encode_call("setACLManager(address)", acl))
    await deployer.send("aave addPoolAdmin", acl, encode_call("addPoolAdmin(address)", admin))

    libraries: dict[str, str] = {}
    for name in ("SupplyLogic", "BorrowLogic", "LiquidationLogic", "EModeLogic", "BridgeLogic"):
        libraries[name] = await deployer.deploy(f"aave {name}", _artifact(name))
    for name in ("PoolLogic", "FlashLoanLogic", "ConfiguratorLogic"):
        libraries[name] = await deployer.deploy(f"aave {name}", _linked(_artifact(name), libraries))
    pool_kind = "L2Pool" if chain.name in _L2_POOL_CHAINS else "Pool"
    pool_impl = await deployer.deploy(
        f"aave {pool_kind}", _linked(_artifact(pool_kind), libraries), ["address"], [provider]
    )
    tx = await deployer.send(
        "aave setPoolImpl", provider, encode_call("setPoolImpl(address)", pool_impl), gas=3_000_000
    )
    configurator_impl = await deployer.deploy(
        "aave PoolConfigurator", _linked(_artifact("PoolConfigurator"), libraries)
    )
    await _mined(rpc, tx, "aave setPoolImpl")
    tx = await deployer.send(
        "aave setPoolConfiguratorImpl",
        provider,
        encode_call("setPoolConfiguratorImpl(address)", configurator_impl),
        gas=3_000_000,
    )
    await _mined(rpc, tx, "aave setPoolConfiguratorImpl")
    pool = str(to_checksum_address(await _call(rpc, provider, "getPool()", "address")))
    configurator = str(
        to_checksum_address(await _call(rpc, provider, "getPoolConfigurator()", "address"))
    )
    if _ZERO in (pool.lower(), configurator.lower()):
        raise DevnetError(f"{chain.name}: Aave's provider created no Pool/PoolConfigurator proxy")
    return {
        "pool_addresses_provider": provider,
        "acl_manager": acl,
        "pool": pool,
        "pool_implementation": pool_impl,
        "pool_configurator": configurator,
    }


async def deploy_aave(
    chain: ChainSpec, rpc: RpcClient, deployer: TxSender, tokens: Sequence[TokenEntry]
) -> LenderEntry:
    """An Aave V3 market listing the base tokens, flash loans on, supplied by the deployer."""
    contracts = await _aave_core(chain, rpc, deployer)
    provider, pool = contracts["pool_addresses_provider"], contracts["pool"]
    configurator = contracts["pool_configurator"]

    sources = [
        await deployer.deploy(
            f"aave {t.symbol} price feed",
            _artifact("MockAggregator"),
            ["int256"],
            [int(REFERENCE_PRICES_USD[t.asset] * _ORACLE_UNIT)],
        )
        for t in tokens
    ]
    oracle = await deployer.deploy(
        "aave AaveOracle",
        _artifact("AaveOracle"),
        ["address", "address[]", "address[]", "address", "address", "uint256"],
        [provider, [t.address for t in tokens], sources, _ZERO, _ZERO, _ORACLE_UNIT],
    )
    await deployer.send(
        "aave setPriceOracle", provider, encode_call("setPriceOracle(address)", oracle)
    )
    data_provider = await deployer.deploy(
        "aave AaveProtocolDataProvider",
        _artifact("AaveProtocolDataProvider"),
        ["address"],
        [provider],
    )
    await deployer.send(
        "aave setPoolDataProvider",
        provider,
        encode_call("setPoolDataProvider(address)", data_provider),
    )
    implementations = {
        name: await deployer.deploy(f"aave {name}", _artifact(name), ["address"], [pool])
        for name in ("AToken", "StableDebtToken", "VariableDebtToken")
    }
    strategy = _artifact("DefaultReserveInterestRateStrategy")
    stable = await deployer.deploy(
        "aave stable rates", strategy, _RATE_TYPES, [provider, *_RATES_STABLE]
    )
    volatile = await deployer.deploy(
        "aave volatile rates", strategy, _RATE_TYPES, [provider, *_RATES_VOLATILE]
    )

    for token in tokens:
        name = f"{chain.name} {token.symbol}"
        reserve = (
            implementations["AToken"],
            implementations["StableDebtToken"],
            implementations["VariableDebtToken"],
            token.decimals,
            volatile if token.wrapped_native else stable,
            token.address,
            deployer.address,  # treasury
            _ZERO,  # incentives controller: none
            f"Aave {name}",
            f"a{token.symbol}",
            f"Aave {name} variable debt",
            f"variableDebt{token.symbol}",
            f"Aave {name} stable debt",
            f"stableDebt{token.symbol}",
            b"",
        )
        await deployer.send(
            f"aave initReserves {token.symbol}",
            configurator,
            encode_call(f"initReserves({_INIT_RESERVE_INPUT})", [reserve]),
            gas=_INIT_RESERVE_GAS,
        )
        await deployer.send(
            f"aave flash loans on {token.symbol}",
            configurator,
            encode_call("setReserveFlashLoaning(address,bool)", token.address, True),
        )
    await deployer.send(
        "aave flash premium",
        configurator,
        encode_call("updateFlashloanPremiumTotal(uint128)", AAVE_FLASH_PREMIUM_BPS),
    )

    amounts = {t.symbol: _amount(t, _AAVE_LIQUIDITY_USD) for t in tokens}
    tx = ""
    for token in tokens:
        await _fund(deployer, token, deployer.address, amounts[token.symbol])
        await deployer.send(
            f"aave approve {token.symbol}",
            token.address,
            encode_call("approve(address,uint256)", pool, _MAX_UINT),
        )
        tx = await deployer.send(
            f"aave supply {token.symbol}",
            pool,
            encode_call(
                "supply(address,uint256,address,uint16)",
                token.address,
                amounts[token.symbol],
                deployer.address,
                0,
            ),
            gas=_SUPPLY_GAS,
        )
    await _mined(rpc, tx, "aave supply")
    # Where each reserve's underlying sits (its aToken), straight from the market's data provider.
    answers = await rpc.batch(
        [
            (
                "eth_call",
                [
                    {
                        "to": data_provider,
                        "data": encode_call("getReserveTokensAddresses(address)", t.address),
                    },
                    "latest",
                ],
            )
            for t in tokens
        ]
    )
    assets = [
        LenderAsset(
            symbol=t.symbol,
            address=t.address,
            holder=str(to_checksum_address(decode(["address"] * 3, answer)[0])),
            amount=amounts[t.symbol],
        )
        for t, answer in zip(tokens, answers, strict=True)
    ]
    return LenderEntry(
        name="aave-v3",
        kind="aave-v3",
        address=pool,
        fee_pips=AAVE_FLASH_PREMIUM_BPS * _PIPS_PER_BPS,
        assets=tuple(assets),
        contracts={
            **contracts,
            "oracle": oracle,
            "data_provider": data_provider,
            "rate_strategy_stable": stable,
            "rate_strategy_volatile": volatile,
            **{
                f"{name[0].lower()}{name[1:]}_implementation": a
                for name, a in implementations.items()
            },
        },
    )


async def deploy_lenders(
    chain: ChainSpec, rpc: RpcClient, deployer: TxSender, tokens: Sequence[TokenEntry]
) -> tuple[LenderEntry, ...]:
    """Both lenders on `chain`: the Vault holding its stablecoins, Aave lending those and its
    wrapped native coin."""
    stables = [t for t in tokens if t.symbol in LENDER_STABLE_SYMBOLS]
    wrapped = [t for t in tokens if t.wrapped_native]
    if len(stables) != len(LENDER_STABLE_SYMBOLS) or len(wrapped) != 1:
        raise DevnetError(f"{chain.name}: the base tokens of the lenders are not all deployed")
    balancer = await deploy_balancer(rpc, deployer, stables, weth=wrapped[0])
    aave = await deploy_aave(chain, rpc, deployer, [*wrapped, *stables])
    return balancer, aave
