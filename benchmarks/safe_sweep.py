"""What custody by a Safe costs in gas: one treasury withdrawal through a 2-of-3 Safe 1.4.1
(`execTransaction` with two owner signatures) against the same withdrawal sent by an owner key.

Method. Two devnet chains (automine): ethereum, whose Safe is the `Safe` singleton, and arbitrum,
whose Safe is `SafeL2` (one more event per transaction). On each, the bot's executor as the
devnet makes it (owned by the chain's Safe) and a second executor owned by a plain key
(`deploy_devnet_executor`); each holds the same USDC. The figures are the gas used by the
receipts of: the Safe's `withdraw` of 1,000 USDC (the second sweep of a token, balance slots
warm, as every sweep but the first), and the key's. The difference is the Safe's overhead
(signature checks, nonce, events); at the chain's gas price it is what custody costs a sweep.

    .venv/bin/python benchmarks/safe_sweep.py [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

from omniarb.chains.abi import encode_call
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.devnet import Devnet, dev_account
from omniarb.devnet.accounts import DEPLOYER_INDEX
from omniarb.devnet.bot_access import DevnetAccess
from omniarb.devnet.custody import devnet_safe_owner
from omniarb.execute import deploy_devnet_executor
from omniarb.execute.executor_calldata import withdraw_calldata

CHAINS = ("ethereum", "arbitrum")
_AMOUNT = 1_000 * 10**6
_KEY_INDEX = 10


async def _gas_of(rpc: RpcClient, tx_hash: str) -> int:
    receipt = await wait_for_receipt(rpc, tx_hash, timeout_s=30.0)
    if receipt is None or int(receipt["status"], 16) != 1:
        raise RuntimeError(f"{tx_hash} failed or was not mined")
    return int(receipt["gasUsed"], 16)


async def _mint(rpc: RpcClient, token: str, to: str, amount: int) -> None:
    deployer = dev_account(DEPLOYER_INDEX).address
    data = encode_call("mint(address,uint256)", to, amount)
    tx = {"from": deployer, "to": token, "data": data, "gas": hex(200_000)}
    await _gas_of(rpc, await rpc.call("eth_sendTransaction", tx))


async def _measure_chain(net: Devnet, name: str) -> dict[str, Any]:
    chain = net.manifest.chain(name)
    assert chain.safe is not None
    async with RpcClient(chain.rpc_http) as rpc:
        access = DevnetAccess(net.manifest_path)
        safe_owned = await access.executor(chain, rpc, access.signer(chain))
        key = dev_account(_KEY_INDEX).address
        key_owned = (await deploy_devnet_executor(rpc, chain, bot=key)).address
        usdc = chain.token("USDC").address
        for executor in (safe_owned, key_owned):
            await _mint(rpc, usdc, executor, 10 * _AMOUNT)
        owner = devnet_safe_owner(rpc, chain)
        safe_gas = []
        for _ in range(2):
            result = await owner.call(
                to=safe_owned, data=withdraw_calldata(usdc, _AMOUNT, chain.safe.address)
            )
            safe_gas.append(await _gas_of(rpc, result.tx_hash))
        key_gas = []
        for _ in range(2):
            data = "0x" + withdraw_calldata(usdc, _AMOUNT, chain.safe.address).hex()
            tx = {"from": key, "to": key_owned, "data": data, "gas": hex(300_000)}
            key_gas.append(await _gas_of(rpc, await rpc.call("eth_sendTransaction", tx)))
    singleton = "SafeL2" if name != "ethereum" else "Safe"
    return {
        "chain": name,
        "singleton": singleton,
        "safe_withdraw_gas": safe_gas[1],
        "key_withdraw_gas": key_gas[1],
        "safe_overhead_gas": safe_gas[1] - key_gas[1],
        "first_safe_withdraw_gas": safe_gas[0],
    }


async def measure() -> list[dict[str, Any]]:
    async with Devnet(block_times_s=dict.fromkeys(CHAINS)) as net:
        return [await _measure_chain(net, name) for name in CHAINS]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="the figures as JSON")
    args = parser.parse_args()
    rows = asyncio.run(measure())
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        print(
            f"{row['chain']:9} {row['singleton']:6}  Safe withdraw {row['safe_withdraw_gas']:>7,} "
            f"gas  key withdraw {row['key_withdraw_gas']:>7,} gas  Safe overhead "
            f"{row['safe_overhead_gas']:>7,} gas  (first Safe withdraw "
            f"{row['first_safe_withdraw_gas']:,})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
