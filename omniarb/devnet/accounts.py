"""The devnet's accounts: anvil's well-known public test mnemonic, one role per index.

These keys are public knowledge (every anvil and Hardhat node has them) and exist only on local
chains; real keys come from the environment and are never derived here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from omniarb.log_redact import register_secret

__all__ = [
    "ACROSS_ADMIN_INDEX",
    "ACROSS_RELAYER_INDEX",
    "BOT_INDEX",
    "CANONICAL_MESSENGER_INDEX",
    "DEPLOYER_INDEX",
    "INVENTORY_INDEX",
    "L1_PRICE_INDEX",
    "RIVAL_FIRST_INDEX",
    "SAFE_OWNER_INDICES",
    "SAFE_RELAYER_INDEX",
    "SAFE_THRESHOLD",
    "TRADER_INDICES",
    "DevAccount",
    "dev_account",
]

_ANVIL_MNEMONIC = "test test test test test test test test test test test junk"
DEPLOYER_INDEX = 0
TRADER_INDICES = tuple(range(1, 9))
BOT_INDEX = 9
# Moves the L2s' L1 price (the fee oracles' setters): an account of its own, so its sends never
# race the deployer's (which seeds a new executor while the market runs) for a nonce.
L1_PRICE_INDEX = 10
# The owners of each chain's 2-of-3 Safe, which owns the bot's executor (`omniarb.custody`):
# accounts of their own, so no market or bot transaction ever signs with an owner's key. The
# first one (funded by anvil) also relays the Safe's transactions: owners only sign digests.
SAFE_OWNER_INDICES = (11, 12, 13)
SAFE_THRESHOLD = 2
SAFE_RELAYER_INDEX = 11
# The cross-chain inventory (`ChainManifest.inventory_account`): an account of its own, funded at
# deployment on every chain, so its legs' nonces never race the bot's atomic trades or the market.
INVENTORY_INDEX = 14
# The messenger of the devnet's canonical bridge (`omniarb.devnet.bridges.canonical_messenger`),
# the only account that may finalize a deposit: an account of its own (past anvil's funded
# ones, so the deployment funds it), so no other sender shares its nonce.
CANONICAL_MESSENGER_INDEX = 15
# The devnet's Across relayer (`omniarb.devnet.bridges`) fills deposits from an account of its
# own (funded with every token at deployment), so its fills never race another role's nonce;
# the SpokePools' cross-domain admin and withdrawal recipient is another one, which never sends.
ACROSS_RELAYER_INDEX = 16
ACROSS_ADMIN_INDEX = 17
# Rival searchers (omniarb.devnet.rivals) sign as accounts 20 and up: past anvil's funded
# accounts, so they are funded (`anvil_setBalance`) when they start, and never share a nonce
# with the market's traders or the bot.
RIVAL_FIRST_INDEX = 20


@dataclass(frozen=True, slots=True, kw_only=True)
class DevAccount:
    """An anvil dev account. `repr` leaves the key out so it cannot reach a log line."""

    index: int
    address: str
    private_key: bytes

    def __repr__(self) -> str:
        return f"DevAccount(index={self.index}, address={self.address})"


@lru_cache(maxsize=32)
def dev_account(index: int) -> DevAccount:
    """The anvil account at derivation path m/44'/60'/0'/0/index."""
    # eth_account takes most of a second to import; only commands that sign pay for it.
    from eth_account import Account

    Account.enable_unaudited_hdwallet_features()
    account = Account.from_mnemonic(_ANVIL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
    # Public keys, but keys all the same: redacted as a real one would be (the leak test
    # searches for them, standing in for keys a keystore would decrypt).
    register_secret(bytes(account.key))
    return DevAccount(index=index, address=account.address, private_key=bytes(account.key))
