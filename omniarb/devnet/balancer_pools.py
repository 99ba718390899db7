"""Balancer V2 pools on a devnet chain, in the Vault the lenders already deployed
(`omniarb.devnet.lending`): the newest weighted and composable stable pool factories of
`@balancer-labs/v2-deployments` 3.2.0 that the 2021 Vault runs (`20230206-weighted-pool-v3`,
`20230206-composable-stable-pool-v3`; later factories exist only on chains whose Vault differs
in nothing, but are not in this package), with what they need (`ProtocolFeePercentagesProvider`
of `20220725-protocol-fee-percentages-provider`), `BalancerQueries` (`20220721-balancer-queries`),
and pools created and joined with initial liquidity.

Facts, checked by the differential test:
- `ProtocolFeePercentagesProvider(vault, maxYieldValue, maxAUMValue)`; mainnet's maxima are
  50% each (5e17). Both factories take `(vault, protocolFeeProvider, factoryVersion,
  poolVersion)`; the version strings are free text (mainnet: JSON naming the task). A factory's
  pools get a 90-day pause window from the factory's deployment and a 30-day buffer
  (`FactoryWidePauseWindow`), fixed in the bytecode.
- `WeightedPoolFactory.create(name, symbol, tokens, normalizedWeights, rateProviders,
  swapFeePercentage, owner)`: tokens sorted by address, weights summing to 1e18, zero rate
  providers; `PoolCreated(pool)` names the pool. Two-token pools register with the Vault's
  TWO_TOKEN specialization, more with MINIMAL_SWAP_INFO.
- `ComposableStablePoolFactory.create(name, symbol, tokens, amplificationParameter,
  rateProviders, tokenRateCacheDurations, exemptFromYieldProtocolFeeFlags, swapFeePercentage,
  owner)`: A without precision (200 means A = 200; the pool reports 200_000); the pool adds its
  own BPT to the tokens, in address order (`getBptIndex`), GENERAL specialization.
- Joining INIT: `Vault.joinPool(poolId, sender, recipient, (assets, maxAmountsIn, userData,
  false))` with `userData = abi.encode(uint256 0, uint256[] amountsIn)`; a weighted pool's
  assets are its tokens; a composable stable pool's include its BPT (amount 0 in `amountsIn`,
  and a max amount in of 2**256 - 1 there: the Vault pulls the pool's preminted BPT, 2**111 less
  the initial supply, from the sender, with no approval needed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import rlp
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from omniarb.chains.abi import decode, encode_args, encode_call
from omniarb.chains.receipts import wait_for_receipt
from omniarb.chains.rpc import RpcClient
from omniarb.contracts import Artifact, load_npm_artifact
from omniarb.devnet.tx_sender import TxSender
from omniarb.errors import DevnetError
from omniarb.network import TokenEntry

__all__ = [
    "BALANCER_POOL_ARTIFACT_PATHS",
    "JOIN_POOL",
    "BalancerFactories",
    "BalancerPoolEntry",
    "PoolToken",
    "create_stable_pool",
    "create_weighted_pool",
    "deploy_balancer_factories",
    "deploy_fee_provider",
    "deploy_pool_factory",
    "deploy_queries",
]

_TASKS = "@balancer-labs/v2-deployments/dist/tasks/"
BALANCER_POOL_ARTIFACT_PATHS = {
    "ProtocolFeePercentagesProvider": _TASKS
    + "20220725-protocol-fee-percentages-provider/artifact/ProtocolFeePercentagesProvider.json",
    "WeightedPoolFactory": _TASKS + "20230206-weighted-pool-v3/artifact/WeightedPoolFactory.json",
    "ComposableStablePoolFactory": _TASKS
    + "20230206-composable-stable-pool-v3/artifact/ComposableStablePoolFactory.json",
    "BalancerQueries": _TASKS + "20220721-balancer-queries/artifact/BalancerQueries.json",
}
JOIN_POOL = "joinPool(bytes32,address,address,(address[],uint256[],bytes,bool))"
_CREATE_WEIGHTED = "create(string,string,address[],uint256[],address[],uint256,address)"
_CREATE_STABLE = (
    "create(string,string,address[],uint256,address[],uint256[],bool[],uint256,address)"
)
_POOL_CREATED_TOPIC = "0x" + keccak(text="PoolCreated(address)").hex()
_MAX_FEE_VALUE = 5 * 10**17  # mainnet's maximum yield and AUM fee percentages: 50%
_MAX_UINT256 = (1 << 256) - 1
_CREATE_GAS = 8_000_000
_JOIN_GAS = 1_000_000
_RECEIPT_TIMEOUT_S = 30.0
_ZERO = "0x" + "00" * 20
# CREATE addresses a factory's pending creations are probed at, per request.
_PROBES = 16


def _artifact(name: str) -> Artifact:
    return load_npm_artifact(BALANCER_POOL_ARTIFACT_PATHS[name])


class PoolToken(Protocol):
    """A token a pool is created with: its symbol (for names) and address."""

    @property
    def symbol(self) -> str: ...
    @property
    def address(self) -> str: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class BalancerFactories:
    """The Balancer pool contracts deployed beside a chain's Vault."""

    vault: str
    protocol_fee_provider: str
    weighted_pool_factory: str
    composable_stable_pool_factory: str
    queries: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BalancerPoolEntry:
    """A pool created and joined: its address, Vault pool id and tokens (Vault order, the BPT
    included for a composable stable pool)."""

    address: str
    pool_id: str
    tokens: tuple[str, ...]


async def deploy_fee_provider(deployer: TxSender, vault: str) -> str:
    """A `ProtocolFeePercentagesProvider` for `vault`, with mainnet's maxima."""
    return await deployer.deploy(
        "balancer ProtocolFeePercentagesProvider",
        _artifact("ProtocolFeePercentagesProvider"),
        ["address", "uint256", "uint256"],
        [vault, _MAX_FEE_VALUE, _MAX_FEE_VALUE],
    )


async def deploy_pool_factory(deployer: TxSender, vault: str, provider: str, name: str) -> str:
    """The factory `name` (`WeightedPoolFactory` or `ComposableStablePoolFactory`) for `vault`."""
    versions = {
        "WeightedPoolFactory": ("omniarb WeightedPoolFactory v3", "omniarb WeightedPool v3"),
        "ComposableStablePoolFactory": ("omniarb ComposableStablePoolFactory v3", "omniarb CSP v3"),
    }
    factory_version, pool_version = versions[name]
    return await deployer.deploy(
        f"balancer {name}",
        _artifact(name),
        ["address", "address", "string", "string"],
        [vault, provider, factory_version, pool_version],
    )


async def deploy_queries(deployer: TxSender, vault: str) -> str:
    """`BalancerQueries` over `vault`: `querySwap` runs the Vault's swap and reverts it."""
    return await deployer.deploy(
        "balancer BalancerQueries", _artifact("BalancerQueries"), ["address"], [vault]
    )


async def deploy_balancer_factories(deployer: TxSender, vault: str) -> BalancerFactories:
    """The fee provider, both factories and BalancerQueries, for `vault`."""
    provider = await deploy_fee_provider(deployer, vault)
    weighted = await deploy_pool_factory(deployer, vault, provider, "WeightedPoolFactory")
    stable = await deploy_pool_factory(deployer, vault, provider, "ComposableStablePoolFactory")
    queries = await deploy_queries(deployer, vault)
    return BalancerFactories(
        vault=vault,
        protocol_fee_provider=provider,
        weighted_pool_factory=weighted,
        composable_stable_pool_factory=stable,
        queries=queries,
    )


async def create_weighted_pool(
    rpc: RpcClient,
    deployer: TxSender,
    *,
    vault: str,
    factory: str,
    tokens: Sequence[PoolToken],
    weights: Sequence[int],
    amounts: Sequence[int],
    swap_fee_percentage: int,
    deploying: bool = False,
) -> BalancerPoolEntry:
    """A weighted pool of `tokens` (any order; weights and amounts alike), joined INIT with
    `amounts` from the deployer (funded and its tokens approved for the Vault here, and each
    step waited for, unless `deploying`: see `_create`)."""
    order = sorted(range(len(tokens)), key=lambda k: int(tokens[k].address, 16))
    sorted_tokens = [tokens[k] for k in order]
    symbol = "-".join(t.symbol for t in sorted_tokens)
    data = encode_call(
        _CREATE_WEIGHTED,
        f"Balancer {symbol} weighted",
        f"B-{symbol}",
        [t.address for t in sorted_tokens],
        [weights[k] for k in order],
        [_ZERO] * len(tokens),
        swap_fee_percentage,
        deployer.address,
    )
    pool = await _create(rpc, deployer, factory, data, symbol, wait=not deploying)
    return await _init_join(
        rpc,
        deployer,
        vault,
        pool,
        sorted_tokens,
        [amounts[k] for k in order],
        bpt_index=None,
        deploying=deploying,
    )


async def create_stable_pool(
    rpc: RpcClient,
    deployer: TxSender,
    *,
    vault: str,
    factory: str,
    tokens: Sequence[PoolToken],
    amplification: int,
    amounts: Sequence[int],
    swap_fee_percentage: int,
    deploying: bool = False,
) -> BalancerPoolEntry:
    """A composable stable pool of `tokens` with amplification `amplification` (A, without
    precision), rate providers off, joined INIT with `amounts` from the deployer (funded,
    approved and waited for here unless `deploying`)."""
    order = sorted(range(len(tokens)), key=lambda k: int(tokens[k].address, 16))
    sorted_tokens = [tokens[k] for k in order]
    symbol = "-".join(t.symbol for t in sorted_tokens)
    data = encode_call(
        _CREATE_STABLE,
        f"Balancer {symbol} stable",
        f"BS-{symbol}",
        [t.address for t in sorted_tokens],
        amplification,
        [_ZERO] * len(tokens),
        [0] * len(tokens),
        [False] * len(tokens),
        swap_fee_percentage,
        deployer.address,
    )
    pool = await _create(rpc, deployer, factory, data, symbol, wait=not deploying)
    (bpt_index,) = decode(
        ["uint256"], await _call(rpc, pool, encode_call("getBptIndex()"), _block(deploying))
    )
    return await _init_join(
        rpc,
        deployer,
        vault,
        pool,
        sorted_tokens,
        [amounts[k] for k in order],
        bpt_index=bpt_index,
        deploying=deploying,
    )


def _block(deploying: bool) -> str:
    """Which state to read a pool at: the pending one while deploying (see `_create`)."""
    return "pending" if deploying else "latest"


async def _create(
    rpc: RpcClient, deployer: TxSender, factory: str, data: str, label: str, *, wait: bool
) -> str:
    """Create a pool through `factory`; its address.

    A factory CREATE-deploys its pools, so the pool is at CREATE(factory, its nonce). Waiting
    for each creation costs a block each, which on the large devnet's deployment node (anvil
    recomputing its state root per block) made 337 pools take minutes; without `wait` the pool
    is found in the node's pending state (anvil executes its pool of transactions for the
    `pending` tag, though its `pending` nonce of a contract is the mined one): the highest
    CREATE address of the factory holding code there, the deployer being the only sender.
    The deployment checks the receipt at its end."""
    if not wait:
        # Read before the send: the background miner may mine the creation before a read
        # after it, whose nonce would then already be past the new pool.
        nonce = int(await rpc.call("eth_getTransactionCount", factory, "latest"), 16)
        await deployer.send(f"create Balancer pool {label}", factory, data, gas=_CREATE_GAS)
        return await _newest_created(rpc, factory, nonce)
    tx_hash = await deployer.send(f"create Balancer pool {label}", factory, data, gas=_CREATE_GAS)
    receipt = await wait_for_receipt(rpc, tx_hash, timeout_s=_RECEIPT_TIMEOUT_S)
    if receipt is None or int(receipt["status"], 16) != 1:
        raise DevnetError(f"creating Balancer pool {label} failed (tx {tx_hash})")
    created = [
        entry
        for entry in receipt["logs"]
        if entry["topics"][0] == _POOL_CREATED_TOPIC and entry["address"].lower() == factory.lower()
    ]
    if len(created) != 1:
        raise DevnetError(f"creating Balancer pool {label}: no PoolCreated log")
    return str(to_checksum_address("0x" + created[0]["topics"][1][-40:]))


async def _newest_created(rpc: RpcClient, factory: str, nonce: int) -> str:
    """The contract `factory` created last, in the node's pending state, searched from its
    creation nonce `nonce` (mined, read before the creation was sent) upwards."""
    raw_factory = bytes.fromhex(factory.removeprefix("0x"))
    newest = None
    while True:
        candidates = [
            str(to_checksum_address(keccak(rlp.encode([raw_factory, n]))[12:]))
            for n in range(nonce, nonce + _PROBES)
        ]
        codes = await rpc.batch([("eth_getCode", [a, "pending"]) for a in candidates])
        for address, code in zip(candidates, codes, strict=True):
            if len(code) <= 2:
                if newest is None:
                    raise DevnetError(f"no pool of {factory} in the pending state")
                return newest
            newest = address
        nonce += _PROBES


async def _init_join(
    rpc: RpcClient,
    deployer: TxSender,
    vault: str,
    pool: str,
    tokens: Sequence[PoolToken],
    amounts: Sequence[int],
    *,
    bpt_index: int | None,
    deploying: bool,
) -> BalancerPoolEntry:
    """Fund the deployer and approve the Vault (unless `deploying`: done already), and join
    INIT (waited for unless `deploying`)."""
    for token, amount in zip(tokens, amounts, strict=True):
        if deploying:
            break
        if not isinstance(token, TokenEntry):
            raise DevnetError(f"cannot fund the deployer with {token.symbol}: not a known token")
        await _fund(deployer, token, amount)
        await deployer.send(
            f"approve {token.symbol} for the Vault",
            token.address,
            encode_call("approve(address,uint256)", vault, _MAX_UINT256),
        )
    (pool_id,) = decode(
        ["bytes32"], await _call(rpc, pool, encode_call("getPoolId()"), _block(deploying))
    )
    assets = [t.address for t in tokens]
    amounts_in = list(amounts)
    max_in = list(amounts)
    if bpt_index is not None:
        assets.insert(bpt_index, pool)
        amounts_in.insert(bpt_index, 0)
        max_in.insert(bpt_index, _MAX_UINT256)
    user_data = encode_args(["uint256", "uint256[]"], [0, amounts_in])
    tx_hash = await deployer.send(
        f"join Balancer pool {pool} INIT",
        vault,
        encode_call(
            JOIN_POOL,
            pool_id,
            deployer.address,
            deployer.address,
            (assets, max_in, user_data, False),
        ),
        gas=_JOIN_GAS,
    )
    if not deploying:
        receipt = await wait_for_receipt(rpc, tx_hash, timeout_s=_RECEIPT_TIMEOUT_S)
        if receipt is None or int(receipt["status"], 16) != 1:
            raise DevnetError(f"joining Balancer pool {pool} failed (tx {tx_hash})")
    return BalancerPoolEntry(
        address=pool,
        pool_id="0x" + pool_id.hex(),
        tokens=tuple(str(to_checksum_address(a)) for a in assets),
    )


async def _fund(deployer: TxSender, token: TokenEntry, amount: int) -> None:
    """Give the deployer `amount` of `token`: wrap native, or mint (it owns every DevToken)."""
    if token.wrapped_native:
        await deployer.send(
            f"wrap {token.symbol}", token.address, encode_call("deposit()"), value=amount
        )
    else:
        await deployer.send(
            f"mint {token.symbol}",
            token.address,
            encode_call("mint(address,uint256)", deployer.address, amount),
        )


async def _call(rpc: RpcClient, to: str, data: str, block: str = "latest") -> str:
    return str(await rpc.call("eth_call", {"to": to, "data": data}, block))
