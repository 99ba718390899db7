"""The local five-chain devnet: anvil nodes with real DEX bytecode, a manifest, market activity.

It is both the test bed and the embedded default: `omniarb demo` and `omniarb devnet up` start it,
tests use `async with Devnet(...) as net:`. Deployments are saved per chain (anvil state dumps),
so only the first start deploys.
"""

from omniarb.devnet.accounts import DevAccount, dev_account
from omniarb.devnet.manifest import ChainManifest, DexEntry, Manifest, PoolEntry, TokenEntry
from omniarb.devnet.network import Devnet
from omniarb.devnet.record import DevnetRecord, read_record

__all__ = [
    "ChainManifest",
    "DevAccount",
    "Devnet",
    "DevnetRecord",
    "DexEntry",
    "Manifest",
    "PoolEntry",
    "TokenEntry",
    "dev_account",
    "read_record",
]
