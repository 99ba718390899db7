"""Execute: turns an approved decision into a transaction that trades through our executor contract.

`route_codec` packs a route, its amount in and its minimum profit into the calldata of
`OmniArbExecutor.execute` (contracts/executor/), which borrows through a Uniswap V2 flash swap, runs
the hops pair to pair and reverts unless the cycle pays at least the minimum profit;
`executor_calldata` says what a transaction to that contract carries (its creation data, the owner's
calls, its registry, its errors) and `executor_contract` deploys and administers it through an
unlocked account (the devnet). Signing, nonces and submission live
beside them in this package, with the follower that replaces a stuck transaction (`replace`).
`bribe` prices a chain's share of the profit paid to the block's coinbase
(`OmniArbExecutor.executeAndPayCoinbase`).
"""

from omniarb.execute.bribe import BribeError, BribePolicy, bribe_wei, bribed_calldata
from omniarb.execute.executor_calldata import (
    UNISWAP_V2_PAIR_INIT_CODE_HASH,
    ExecutorRevertError,
    v2_factories,
)
from omniarb.execute.executor_contract import ExecutorContract, deploy_devnet_executor
from omniarb.execute.in_flight import InFlightTx
from omniarb.execute.nonces import NonceBook, NonceManager
from omniarb.execute.replace import Replacer
from omniarb.execute.replace_policy import ReplacementPolicy, bumped_fees
from omniarb.execute.route_codec import (
    FlashSource,
    RouteCodec,
    RouteEncodingError,
    encode_execute_calldata,
)
from omniarb.execute.signer import SignedTx, Signer
from omniarb.execute.submit import (
    MemorySubmissionGuard,
    Submission,
    SubmissionGuard,
    Submitter,
    TxRequest,
)

__all__ = [
    "UNISWAP_V2_PAIR_INIT_CODE_HASH",
    "BribeError",
    "BribePolicy",
    "ExecutorContract",
    "ExecutorRevertError",
    "FlashSource",
    "InFlightTx",
    "MemorySubmissionGuard",
    "NonceBook",
    "NonceManager",
    "ReplacementPolicy",
    "Replacer",
    "RouteCodec",
    "RouteEncodingError",
    "SignedTx",
    "Signer",
    "Submission",
    "SubmissionGuard",
    "Submitter",
    "TxRequest",
    "bribe_wei",
    "bribed_calldata",
    "bumped_fees",
    "deploy_devnet_executor",
    "encode_execute_calldata",
    "v2_factories",
]
