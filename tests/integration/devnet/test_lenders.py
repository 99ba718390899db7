"""The devnet's flash lenders: the real Balancer V2 Vault and Aave V3 market on every chain.

Against five chains started from their saved deployments: the manifest's lenders are there with
the configuration the executor relies on (the Vault's flash fee 0; Aave's premium 5 bps, flash
loans enabled on every listed reserve, L2Pool on the rollups), each holds what the manifest says
it was funded with (the Vault beside its Balancer pools' balances), and a receiver contract
compiled here borrows every base token from both — the whole funded amount — and repays it,
paying exactly the fee each lender's own formula gives.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _helpers import automine, balances_of, call_many, read, send
from _receipts import mined_receipt
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.contracts.build import compile_sources
from omniarb.devnet.accounts import TRADER_INDICES, dev_account
from omniarb.devnet.lending import LENDING_ARTIFACT_PATHS
from omniarb.network import ChainManifest, LenderEntry
from omniarb.paths import node_modules

pytestmark = pytest.mark.integration

TRADER = dev_account(TRADER_INDICES[0]).address
STABLE_SYMBOLS = {"USDC", "USDT", "DAI"}
BORROWED_TOPIC = "0x" + keccak(text="Borrowed(address,address,uint256,uint256,uint256)").hex()

RECEIVER_SOURCE = """
// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;
interface IERC20 {
    function transfer(address, uint256) external returns (bool);
    function approve(address, uint256) external returns (bool);
    function balanceOf(address) external view returns (uint256);
}
interface IVault {
    function flashLoan(address, address[] memory, uint256[] memory, bytes memory) external;
}
interface IPool {
    function flashLoanSimple(address, address, uint256, bytes calldata, uint16) external;
}
/// Borrows from the Vault or the Pool, logs what it holds during the loan, and repays.
contract FlashReceiver {
    event Borrowed(address lender, address token, uint256 amount, uint256 fee, uint256 held);

    function borrowFromVault(address vault, address token, uint256 amount) external {
        address[] memory tokens = new address[](1);
        tokens[0] = token;
        uint256[] memory amounts = new uint256[](1);
        amounts[0] = amount;
        IVault(vault).flashLoan(address(this), tokens, amounts, "");
    }

    function receiveFlashLoan(
        address[] calldata tokens,
        uint256[] calldata amounts,
        uint256[] calldata fees,
        bytes calldata
    ) external {
        IERC20 token = IERC20(tokens[0]);
        emit Borrowed(msg.sender, tokens[0], amounts[0], fees[0], token.balanceOf(address(this)));
        token.transfer(msg.sender, amounts[0] + fees[0]);
    }

    function borrowFromPool(address pool, address token, uint256 amount) external {
        IPool(pool).flashLoanSimple(address(this), token, amount, "", 0);
    }

    function executeOperation(
        address asset,
        uint256 amount,
        uint256 premium,
        address,
        bytes calldata
    ) external returns (bool) {
        IERC20 token = IERC20(asset);
        emit Borrowed(msg.sender, asset, amount, premium, token.balanceOf(address(this)));
        token.approve(msg.sender, amount + premium);
        return true;
    }
}
"""


def runtime_code(name: str) -> str:
    """The deployed bytecode of a lending artifact, as `eth_getCode` returns it."""
    data = json.loads((node_modules() / LENDING_ARTIFACT_PATHS[name]).read_text())
    code: str = data["deployedBytecode"]
    return code.lower()


def check_manifest(chain: ChainManifest) -> tuple[LenderEntry, LenderEntry]:
    assert [(lender.name, lender.kind) for lender in chain.lenders] == [
        ("balancer-v2", "balancer-v2"),
        ("aave-v3", "aave-v3"),
    ]
    balancer, aave = chain.lenders
    wrapped = next(t for t in chain.tokens if t.wrapped_native)
    # The Vault holds the stablecoins only; Aave also lists the wrapped native coin.
    assert {asset.symbol for asset in balancer.assets} == STABLE_SYMBOLS
    assert {asset.symbol for asset in aave.assets} == {wrapped.symbol, *STABLE_SYMBOLS}
    for lender in (balancer, aave):
        for asset in lender.assets:
            assert asset.address == chain.token(asset.symbol).address
            assert asset.amount > 0
    assert balancer.fee_pips == 0
    assert aave.fee_pips == 500  # 5 bps
    return balancer, aave


async def test_both_lenders_are_deployed_configured_funded_and_lend_on_every_chain(
    devnet_factory: Any, tmp_path: Path
) -> None:
    (tmp_path / "FlashReceiver.sol").write_text(RECEIVER_SOURCE)
    _, output = compile_sources(tmp_path)
    receiver_code = output["contracts"]["FlashReceiver.sol"]["FlashReceiver"]["evm"]["bytecode"]
    async with devnet_factory(automine()) as net:
        for chain in net.manifest.chains:
            async with RpcClient(chain.rpc_http) as rpc:
                await check_chain(rpc, chain, "0x" + receiver_code["object"])


async def deploy(rpc: RpcClient, creation_code: str) -> str:
    tx_hash = await rpc.call(
        "eth_sendTransaction", {"from": TRADER, "data": creation_code, "gas": hex(3_000_000)}
    )
    receipt = await mined_receipt(rpc, tx_hash)
    return str(to_checksum_address(receipt["contractAddress"]))


async def check_chain(rpc: RpcClient, chain: ChainManifest, receiver_code: str) -> None:
    balancer, aave = check_manifest(chain)

    # The real bytecode: the Vault as built; Aave's Pool implementation (L2Pool on rollups).
    vault_code, pool_impl_code = await rpc.batch(
        [
            ("eth_getCode", [balancer.address, "latest"]),
            ("eth_getCode", [aave.contracts["pool_implementation"], "latest"]),
        ]
    )
    assert len(vault_code) == len(runtime_code("Vault")), chain.name
    pool_kind = "L2Pool" if chain.name in ("arbitrum", "optimism") else "Pool"
    # Libraries are linked into the code, so compare lengths (the link sites differ).
    assert len(pool_impl_code) == len(runtime_code(pool_kind)), chain.name

    # Configuration: Balancer's flash fee is 0; Aave's premium is 5 bps, flash loans on.
    collector = balancer.contracts["protocol_fees_collector"]
    (fee_percentage,) = await read(rpc, collector, "getFlashLoanFeePercentage()", ["uint256"])
    assert fee_percentage == 0
    (premium_bps,) = await read(rpc, aave.address, "FLASHLOAN_PREMIUM_TOTAL()", ["uint128"])
    assert premium_bps == 5
    (provider_pool,) = await read(
        rpc, aave.contracts["pool_addresses_provider"], "getPool()", ["address"]
    )
    assert to_checksum_address(provider_pool) == aave.address
    data_provider = aave.contracts["data_provider"]
    enabled = await call_many(
        rpc,
        [
            (data_provider, encode_call("getFlashLoanEnabled(address)", a.address))
            for a in aave.assets
        ],
    )
    assert all(decode(["bool"], answer)[0] for answer in enabled), chain.name

    # Funding: each holder has exactly what the manifest says was put there, the Vault beside
    # what its pools hold (their balances are the Vault's tokens too, and it lends them).
    in_pools = await _vault_pool_balances(rpc, chain)
    for lender in (balancer, aave):
        for asset in lender.assets:
            (held,) = await balances_of(rpc, asset.holder, [asset.address])
            pooled = in_pools.get(asset.address.lower(), 0) if lender is balancer else 0
            assert held == asset.amount + pooled, (chain.name, lender.name, asset.symbol)

    # Borrow every base token's whole funded amount from both, and repay.
    receiver = await deploy(rpc, receiver_code)
    for asset in aave.assets:
        premium = (asset.amount * premium_bps + 5_000) // 10_000  # PercentageMath.percentMul
        # The receiver pays the premium from its own balance.
        transfer = encode_call("transfer(address,uint256)", receiver, premium)
        await send(rpc, TRADER, asset.address, transfer)
    for lender, method in ((balancer, "borrowFromVault"), (aave, "borrowFromPool")):
        for asset in lender.assets:
            (before,) = await balances_of(rpc, asset.holder, [asset.address])
            receipt = await send(
                rpc,
                TRADER,
                receiver,
                encode_call(
                    f"{method}(address,address,uint256)",
                    lender.address,
                    asset.address,
                    asset.amount,
                ),
            )
            (borrowed,) = [log for log in receipt["logs"] if log["topics"][0] == BORROWED_TOPIC]
            _, token, amount, fee, held = decode(
                ["address", "address", "uint256", "uint256", "uint256"], borrowed["data"]
            )
            expected_fee = 0 if lender is balancer else (amount * premium_bps + 5_000) // 10_000
            assert (to_checksum_address(token), amount, fee) == (
                asset.address,
                asset.amount,
                expected_fee,
            ), (chain.name, lender.name, asset.symbol)
            assert held >= asset.amount
            (after,) = await balances_of(rpc, asset.holder, [asset.address])
            assert after - before == fee, (chain.name, lender.name, asset.symbol)


async def _vault_pool_balances(rpc: RpcClient, chain: ChainManifest) -> dict[str, int]:
    """What the chain's Balancer pools hold in the Vault, by token (lowercase address)."""
    pools = {p.pool_id: p for p in chain.pools if p.pool_id is not None}
    calls = [
        (chain.dex(pool.dex).factory, encode_call("getPoolTokens(bytes32)", bytes.fromhex(i[2:])))
        for i, pool in pools.items()
    ]
    total: dict[str, int] = {}
    for answer in await call_many(rpc, calls):
        tokens, balances, _ = decode(["address[]", "uint256[]", "uint256"], answer)
        for token, balance in zip(tokens, balances, strict=True):
            total[token.lower()] = total.get(token.lower(), 0) + balance
    return total
