"""The L2 fee oracles on the devnet's Optimism and Arbitrum: our stand-ins, at the real
system addresses, answering the real ABIs with L1 prices the devnet sets.

anvil has no L1 behind it, so nothing would charge or report an L1 data fee. The product reads
the OP Stack's L1Block and GasPriceOracle predeploys and Arbitrum's ArbGasInfo and
NodeInterface precompiles at their fixed addresses (`omniarb.chains.spec`); here their runtime
code is put there with `anvil_setCode` (no constructor runs) and the starting L1 prices are set
by a call, so a dump of the chain holds them. The market then moves the L1 price
(`omniarb.devnet.market.l1_price`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.chains.spec import ARB_GAS_INFO, GAS_PRICE_ORACLE, L1_BLOCK, NODE_INTERFACE, ChainSpec
from omniarb.devnet.deploy._sender import Sender, mined_receipt
from omniarb.errors import DevnetError
from omniarb.paths import build_dir

__all__ = [
    "DEV_L1_FEES",
    "L2_FEE_CONTRACTS",
    "DevL1Fees",
    "install_l2_fee_contracts",
    "l1_price_call",
    "runtime_code",
]

GWEI = 10**9

# Which of our contracts stands in at which system address.
L2_FEE_CONTRACTS = {
    L1_BLOCK: "DevL1Block",
    GAS_PRICE_ORACLE: "DevGasPriceOracle",
    ARB_GAS_INFO: "DevArbGasInfo",
    NODE_INTERFACE: "DevNodeInterface",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class DevL1Fees:
    """The devnet's starting L1 prices. The scalars are OP Mainnet's since Ecotone (5,227 and
    1,014,213, scaled by 10^6); the L1 base fee is high enough that the L1 fee matters next to
    the devnet's L2 gas, as it does on the real chains."""

    l1_base_fee_wei: int = 30 * GWEI
    blob_base_fee_wei: int = 1 * GWEI
    base_fee_scalar: int = 5_227
    blob_base_fee_scalar: int = 1_014_213


DEV_L1_FEES = DevL1Fees()


def runtime_code(name: str) -> str:
    """The deployed (runtime) bytecode of one of our contracts, 0x hex."""
    path = build_dir() / "contracts" / f"{name}.json"
    try:
        code: str = json.loads(path.read_text())["deployedBytecode"]
    except FileNotFoundError as exc:
        raise DevnetError(f"contract artifact {path} is missing; run `make setup`") from exc
    return code


def l1_price_call(
    chain: ChainSpec, l1_base_fee_wei: int, fees: DevL1Fees = DEV_L1_FEES
) -> tuple[str, str] | None:
    """(to, data) of the call that sets `chain`'s L1 base fee on the devnet; None on an L1."""
    if chain.system.l1_block is not None:
        data = encode_call(
            "setL1Fees(uint256,uint256,uint32,uint32)",
            l1_base_fee_wei,
            fees.blob_base_fee_wei,
            fees.base_fee_scalar,
            fees.blob_base_fee_scalar,
        )
        return chain.system.l1_block, data
    if chain.system.arb_gas_info is not None:
        return chain.system.arb_gas_info, encode_call(
            "setL1BaseFeeEstimate(uint256)", l1_base_fee_wei
        )
    return None


async def install_l2_fee_contracts(
    chain: ChainSpec, rpc: RpcClient, deployer: Sender, fees: DevL1Fees = DEV_L1_FEES
) -> tuple[str, ...]:
    """Put the stand-ins at `chain`'s system addresses and set the starting L1 prices; the
    addresses it filled (none on an L1)."""
    system = chain.system
    addresses = [
        a
        for a in (
            system.l1_block,
            system.gas_price_oracle,
            system.arb_gas_info,
            system.node_interface,
        )
        if a is not None
    ]
    for address in addresses:
        await rpc.call("anvil_setCode", address, runtime_code(L2_FEE_CONTRACTS[address]))
    call = l1_price_call(chain, fees.l1_base_fee_wei, fees)
    if call is not None:
        to, data = call
        tx_hash = await deployer.send("set the L1 prices", to, data)
        await mined_receipt(rpc, tx_hash)
    return tuple(addresses)
