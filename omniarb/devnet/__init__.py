"""The local five-chain devnet: anvil nodes with real DEX bytecode, described by a manifest
(`omniarb.network`), and market activity.

It is both the test bed and the embedded default: `omniarb demo` and `omniarb devnet up` start it,
tests use `async with Devnet(...) as net:`. Deployments are saved per chain (anvil state dumps),
so only the first start deploys. The bot's access to a devnet (its signer and executor) is
`omniarb.devnet.bot_access.DevnetAccess`, kept out of this package's imports: it pulls in the
whole pipeline.
"""

from omniarb.devnet.accounts import DevAccount, dev_account
from omniarb.devnet.network import Devnet
from omniarb.devnet.record import DevnetRecord, read_record

__all__ = [
    "DevAccount",
    "Devnet",
    "DevnetRecord",
    "dev_account",
    "read_record",
]
