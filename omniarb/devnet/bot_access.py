"""The devnet's `ChainAccess`: the bot signs as anvil account 9 and trades through an executor
deployed the first time a devnet run meets it.

Where the chain has a Safe (every devnet deployment records one), the deployer deploys the
executor with the bot authorized as an executor (its constructor's `setExecutor`), then hands
ownership to the chain's 2-of-3 Safe: `transferOwnership(safe)` from the deployer, and
`acceptOwnership()` as a Safe transaction signed by two owners (`omniarb.devnet.custody`). The
bot can trade but not withdraw; profits leave only through the Safe (`omniarb treasury sweep`).
A manifest without a Safe (an older one) keeps the bot as the owner.

The key is read from a keystore of the run (`omniarb.devnet.bot_keystore`), through the same
`keystore` key backend a real deployment uses, not handed over in plain text; or, with
`[keys] backend = "pkcs11"`, it is a key generated inside a SoftHSM2 token
(`omniarb.devnet.bot_keys`), funded with gas here.

The address is remembered in `executors.json` beside the manifest, so a restarted bot keeps
trading through the same contract; a new contract is seeded with one unit of each start token by
the deployer, who holds spare tokens of every kind, and with the inventory of
`[devnet.executor_inventory]` (whole tokens by symbol: the deployer mints them, or wraps its own
coin for the wrapped native token), which trades that need capital from outside their route
may use instead of a flash loan (`omniarb.allocate.inventory`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

from omniarb.chains.abi import encode_call
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.accounts import DEPLOYER_INDEX, dev_account
from omniarb.devnet.bot_keys import DevnetBotKeys
from omniarb.devnet.bot_keystore import inventory_signer
from omniarb.devnet.custody import devnet_safe_owner
from omniarb.errors import DevnetError
from omniarb.execute import ExecutorContract, Signer, deploy_devnet_executor
from omniarb.execute.executor_calldata import (
    accept_ownership_calldata,
    bot_setup,
    transfer_ownership_calldata,
)
from omniarb.keys.base import DigestSigner
from omniarb.network import ChainManifest
from omniarb.wiring import STABLECOINS

__all__ = ["DevnetAccess"]

_RECEIPT_TIMEOUT_S = 60.0
_BOT_GAS_WEI = 10_000 * 10**18  # what anvil gives each of its own accounts
_BOT_MIN_GAS_WEI = 10**18

log = logging.getLogger(__name__)


class DevnetAccess:
    """Signer and executor of the bot on the devnet whose manifest is at `manifest_path`."""

    devnet = True

    def __init__(
        self,
        manifest_path: Path,
        inventory: Mapping[str, float] | None = None,
        *,
        keys: DevnetBotKeys | None = None,
    ) -> None:
        self._memo = manifest_path.parent / "executors.json"
        self._inventory = dict(inventory or {})
        self.keys = keys if keys is not None else DevnetBotKeys(manifest_path.parent)
        self._key: DigestSigner | None = None
        self._inventory_key: DigestSigner | None = None
        self._run_dir = manifest_path.parent

    def signer(self, chain: ChainManifest) -> Signer:
        if self._key is None:  # one unlock for every chain of the run
            self._key = self.keys.bot_signer()
        return Signer.from_digest_signer(self._key, chain_id=chain.chain_id)

    def inventory_signer(self, chain: ChainManifest) -> Signer:
        """The cross-chain inventory account's signer on `chain` (its `inventory_account`):
        its key from the run's keystore, whatever backend the bot's own key is in."""
        if self._inventory_key is None:
            self._inventory_key = inventory_signer(self._run_dir)
        return Signer.from_digest_signer(self._inventory_key, chain_id=chain.chain_id)

    async def executor(self, chain: ChainManifest, rpc: RpcClient, signer: Signer) -> str:
        """The remembered executor if it is still there and ours, else a new one."""
        bot = signer.address
        # A key made in a token has no coin on the devnet's chains: its gas, as anvil's
        # accounts have theirs.
        if int(await rpc.call("eth_getBalance", bot, "latest"), 16) < _BOT_MIN_GAS_WEI:
            await rpc.call("anvil_setBalance", bot, hex(_BOT_GAS_WEI))
        remembered: dict[str, str] = (
            json.loads(self._memo.read_text()) if self._memo.exists() else {}
        )
        address = remembered.get(chain.name)
        if address is not None and await _still_ours(rpc, chain, address, bot):
            return address
        contract = await _deploy(rpc, chain, bot)
        deployer = dev_account(DEPLOYER_INDEX).address
        # The first step of the Safe's take-over goes out at once and is mined alongside the
        # seeding (the deployer's sends are mined in nonce order), so the bot waits for one
        # block less before it trades.
        handover = None
        if chain.safe is not None:
            handover = await rpc.call(
                "eth_sendTransaction",
                {
                    "from": deployer,
                    "to": contract.address,
                    "data": "0x" + transfer_ownership_calldata(chain.safe.address).hex(),
                    "gas": hex(100_000),
                },
            )
        # One unit of each start token makes the executor's balance slot non-zero, so no trade
        # pays the ~17k gas of creating it.
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
        await self._seed_inventory(rpc, chain, contract.address)
        if chain.safe is not None and handover is not None:
            receipt = await wait_for_receipt(rpc, handover, timeout_s=_RECEIPT_TIMEOUT_S)
            if receipt is None or int(receipt["status"], 16) != 1:
                raise DevnetError(f"{chain.name}: transferOwnership to the Safe failed")
            await devnet_safe_owner(rpc, chain).call(
                to=contract.address, data=accept_ownership_calldata()
            )
            log.info(
                "%s: executor %s is owned by Safe %s",
                chain.name,
                contract.address,
                chain.safe.address,
            )
        # Read again: the other chains' pipelines are built concurrently and may have remembered
        # their executors since the first read (no await between this read and the write).
        remembered = json.loads(self._memo.read_text()) if self._memo.exists() else {}
        remembered[chain.name] = contract.address
        self._memo.write_text(json.dumps(remembered, indent=1))
        log.info("%s: executor deployed at %s", chain.name, contract.address)
        return contract.address

    async def _seed_inventory(self, rpc: RpcClient, chain: ChainManifest, executor: str) -> None:
        """Give a new executor the configured inventory of each token the chain has."""
        deployer = dev_account(DEPLOYER_INDEX).address
        seeded = []
        for symbol, whole in sorted(self._inventory.items()):
            token = next((t for t in chain.tokens if t.symbol == symbol), None)
            if token is None:
                continue  # a token of other chains
            amount = int(Decimal(str(whole)).scaleb(token.decimals))
            if token.wrapped_native:
                calls = [
                    (encode_call("deposit()"), amount),
                    (encode_call("transfer(address,uint256)", executor, amount), 0),
                ]
            else:
                calls = [(encode_call("mint(address,uint256)", executor, amount), 0)]
            for data, value in calls:
                tx_hash = await rpc.call(
                    "eth_sendTransaction",
                    {
                        "from": deployer,
                        "to": token.address,
                        "data": data,
                        "value": hex(value),
                        "gas": hex(100_000),
                    },
                )
                receipt = await wait_for_receipt(rpc, tx_hash, timeout_s=_RECEIPT_TIMEOUT_S)
                if receipt is None or int(receipt["status"], 16) != 1:
                    raise DevnetError(f"{chain.name}: seeding the executor with {symbol} failed")
            seeded.append(f"{whole:g} {symbol}")
        if seeded:
            log.info(
                "%s: executor %s holds an inventory of %s", chain.name, executor, ", ".join(seeded)
            )


async def _still_ours(rpc: RpcClient, chain: ChainManifest, address: str, bot: str) -> bool:
    """Whether the remembered executor is there, owned by the chain's Safe with the bot
    authorized (or, without a Safe, owned by the bot)."""
    code = await rpc.call("eth_getCode", address, "latest")
    if len(code) <= 2:
        return False
    contract = ExecutorContract(rpc, address)
    owner = await contract.owner()
    if chain.safe is None:
        return owner.lower() == bot.lower()
    return owner.lower() == chain.safe.address.lower() and await contract.is_executor(bot)


async def _deploy(rpc: RpcClient, chain: ChainManifest, bot: str) -> ExecutorContract:
    """A new executor: the deployer's, the bot authorized, when a Safe will own it; else the
    bot's own."""
    if chain.safe is None:
        return await deploy_devnet_executor(rpc, chain, bot=bot)
    deployer = dev_account(DEPLOYER_INDEX).address
    setup = {**bot_setup(chain, bot), "owner": deployer}
    return await ExecutorContract.deploy(rpc, sender=deployer, **setup)
