"""An Aave V3 market (`@aave/core-v3` 1.19.3) on the pool `_aave_pool.py` sets up: AaveOracle
over one MockAggregator per asset (the package's Chainlink stand-in: nothing on anvil publishes
prices) → AaveProtocolDataProvider → aToken / debt token implementations and interest-rate
strategies → `initReserves`, `setReserveFlashLoaning`, a 5 bps flash premium
(`updateFlashloanPremiumTotal`) → the deployer supplies liquidity. The order is the one FACTS.md
verified.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from eth_utils.address import to_checksum_address

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import ChainSpec
from omniarb.devnet.catalog import REFERENCE_PRICES_USD
from omniarb.devnet.lending._aave_pool import deploy_aave_pool
from omniarb.devnet.lending._artifacts import lender_artifact
from omniarb.devnet.lending._tx import TxSender, fund, mined, usd_amount
from omniarb.network import LenderAsset, LenderEntry, TokenEntry

__all__ = ["AAVE_FLASH_PREMIUM_BPS", "deploy_aave"]

# Liquidity per token in USD. Aave's large markets hold billions; this is sized to the devnet's
# pools (≤ $50M), so no arbitrage the devnet can open is ever short of a lender.
_AAVE_LIQUIDITY_USD = 25_000_000
# Aave V3 markets have charged 5 to 9 bps for flash loans; 5 is the common setting.
AAVE_FLASH_PREMIUM_BPS = 5
_PIPS_PER_BPS = 100
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


async def deploy_aave(
    chain: ChainSpec, rpc: RpcClient, deployer: TxSender, tokens: Sequence[TokenEntry]
) -> LenderEntry:
    """An Aave V3 market listing the base tokens, flash loans on, supplied by the deployer."""
    contracts = await deploy_aave_pool(chain, rpc, deployer)
    provider, pool = contracts["pool_addresses_provider"], contracts["pool"]
    configurator = contracts["pool_configurator"]

    sources = [
        await deployer.deploy(
            f"aave {t.symbol} price feed",
            lender_artifact("MockAggregator"),
            ["int256"],
            [int(REFERENCE_PRICES_USD[t.asset] * _ORACLE_UNIT)],
        )
        for t in tokens
    ]
    oracle = await deployer.deploy(
        "aave AaveOracle",
        lender_artifact("AaveOracle"),
        ["address", "address[]", "address[]", "address", "address", "uint256"],
        [provider, [t.address for t in tokens], sources, _ZERO, _ZERO, _ORACLE_UNIT],
    )
    await deployer.send(
        "aave setPriceOracle", provider, encode_call("setPriceOracle(address)", oracle)
    )
    data_provider = await deployer.deploy(
        "aave AaveProtocolDataProvider",
        lender_artifact("AaveProtocolDataProvider"),
        ["address"],
        [provider],
    )
    await deployer.send(
        "aave setPoolDataProvider",
        provider,
        encode_call("setPoolDataProvider(address)", data_provider),
    )
    implementations = {
        name: await deployer.deploy(f"aave {name}", lender_artifact(name), ["address"], [pool])
        for name in ("AToken", "StableDebtToken", "VariableDebtToken")
    }
    strategy = lender_artifact("DefaultReserveInterestRateStrategy")
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

    amounts = {t.symbol: usd_amount(t, _AAVE_LIQUIDITY_USD) for t in tokens}
    tx = ""
    for token in tokens:
        await fund(deployer, token, deployer.address, amounts[token.symbol])
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
    await mined(rpc, tx, "aave supply")
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
