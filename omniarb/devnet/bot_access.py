"""The devnet's `ChainAccess`: the bot signs as anvil account 9 and trades through an executor
that account deploys the first time a devnet run meets it.

The address is remembered in `executors.json` beside the manifest, so a restarted bot keeps
trading through the same contract; a new contract is seeded with one unit of each start token by
the deployer, who holds spare tokens of every kind.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from omniarb.chains.abi import encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.accounts import BOT_INDEX, DEPLOYER_INDEX, dev_account
from omniarb.execute import ExecutorContract, Signer, deploy_devnet_executor
from omniarb.network import ChainManifest
from omniarb.wiring import STABLECOINS

__all__ = ["DevnetAccess"]

log = logging.getLogger(__name__)


class DevnetAccess:
    """Signer and executor of the bot on the devnet whose manifest is at `manifest_path`."""

    devnet = True

    def __init__(self, manifest_path: Path) -> None:
        self._memo = manifest_path.parent / "executors.json"

    def signer(self, chain: ChainManifest) -> Signer:
        return Signer(dev_account(BOT_INDEX).private_key, chain_id=chain.chain_id)

    async def executor(self, chain: ChainManifest, rpc: RpcClient, signer: Signer) -> str:
        """The remembered executor if it is still there and ours, else a new one."""
        bot = signer.address
        remembered: dict[str, str] = (
            json.loads(self._memo.read_text()) if self._memo.exists() else {}
        )
        address = remembered.get(chain.name)
        if address is not None:
            code = await rpc.call("eth_getCode", address, "latest")
            owner = await ExecutorContract(rpc, address).owner() if len(code) > 2 else ""
            if owner.lower() == bot.lower():
                return address
        contract = await deploy_devnet_executor(rpc, chain, bot=bot)
        # One unit of each start token makes the executor's balance slot non-zero, so no trade
        # pays the ~17k gas of creating it.
        deployer = dev_account(DEPLOYER_INDEX).address
        for symbol in (chain.tokens[0].symbol, *STABLECOINS):
            await rpc.call(
                "eth_sendTransaction",
                {
                    "from": deployer,
                    "to": chain.token(symbol).address,
                    "data": encode_call("transfer(address,uint256)", contract.address, 1),
                    "gas": hex(100_000),
                },
            )
        # Read again: the other chains' pipelines are built concurrently and may have remembered
        # their executors since the first read (no await between this read and the write).
        remembered = json.loads(self._memo.read_text()) if self._memo.exists() else {}
        remembered[chain.name] = contract.address
        self._memo.write_text(json.dumps(remembered, indent=1))
        log.info("%s: executor deployed at %s", chain.name, contract.address)
        return contract.address
