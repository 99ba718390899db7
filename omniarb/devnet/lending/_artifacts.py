"""The lenders' bytecode from their npm packages: Balancer V2's audited 2021 build
(`@balancer-labs/v2-deployments` 3.2.0) and Aave V3 (`@aave/core-v3` 1.19.3), whose Pool and
PoolConfigurator are linked here to the logic libraries deployed before them.
"""

from __future__ import annotations

import json
from dataclasses import replace

from omniarb.contracts import Artifact, load_npm_artifact
from omniarb.errors import DevnetError

__all__ = ["LENDING_ARTIFACT_PATHS", "lender_artifact", "linked"]

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


def lender_artifact(name: str) -> Artifact:
    return load_npm_artifact(LENDING_ARTIFACT_PATHS[name])


def linked(artifact: Artifact, libraries: dict[str, str]) -> Artifact:
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
