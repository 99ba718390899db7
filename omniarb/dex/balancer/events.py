"""The events after which a Balancer V2 pool's swap math changes, by topic 0, and pure
functions applying the Vault's balance logs to a pool state.

A pool made by a factory is announced by the factory's `PoolCreated(pool)`, after the pool's
constructor registered it and its tokens with the Vault. What a swap reads changes with:
- Vault `Swap(poolId, tokenIn, tokenOut, amountIn, amountOut)`: the two balances, exactly;
- Vault `PoolBalanceChanged(poolId, liquidityProvider, tokens, deltas, protocolFeeAmounts)`
  (joins and exits): each balance moves by delta - protocolFeeAmount, exactly;
- Vault `PoolBalanceManaged` (an asset manager moves cash; not applied here: re-read);
- pool `SwapFeePercentageChanged(swapFeePercentage)`: the fee, whole;
- pool `AmpUpdateStarted` / `AmpUpdateStopped` (stable pools): A starts or stops moving with
  time; re-read the pool (and, while it moves, at every block);
- pool `PausedStateChanged(paused)`: a paused pool reverts every swap (BAL#402);
- pool `TokenRateCacheUpdated` / `TokenRateProviderSet` (stable pools with rate providers, none
  here): the scaling factors.
Protocol fees of these pools are paid by minting BPT, never from the balances, so the Vault
logs alone keep the balances exact (the differential test checks it against fresh reads).
"""

from __future__ import annotations

from typing import TypeVar

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from omniarb.chain_events import ChainLog
from omniarb.chains.abi import decode
from omniarb.dex.balancer.base_pool import BalancerPoolState

__all__ = [
    "AMP_UPDATE_STARTED_TOPIC",
    "AMP_UPDATE_STOPPED_TOPIC",
    "PAUSED_STATE_CHANGED_TOPIC",
    "POOL_BALANCE_CHANGED_TOPIC",
    "POOL_BALANCE_MANAGED_TOPIC",
    "POOL_CREATED_TOPIC",
    "REREAD_TOPICS",
    "STATE_TOPICS",
    "SWAP_FEE_PERCENTAGE_CHANGED_TOPIC",
    "SWAP_TOPIC",
    "TOKEN_RATE_CACHE_UPDATED_TOPIC",
    "WEIGHTED_STATE_TOPICS",
    "apply_pool_balance_changed",
    "apply_swap",
    "decode_pool_balance_changed",
    "decode_swap",
]


S = TypeVar("S", bound=BalancerPoolState)


def _topic(signature: str) -> str:
    return "0x" + keccak(text=signature).hex()


# The Vault's (v2-vault `IVault`).
SWAP_TOPIC = _topic("Swap(bytes32,address,address,uint256,uint256)")
POOL_BALANCE_CHANGED_TOPIC = _topic(
    "PoolBalanceChanged(bytes32,address,address[],int256[],uint256[])"
)
POOL_BALANCE_MANAGED_TOPIC = _topic("PoolBalanceManaged(bytes32,address,address,int256,int256)")
# The pool factories' (v2-pool-utils `BasePoolFactory._create`): a pool made by the factory.
POOL_CREATED_TOPIC = _topic("PoolCreated(address)")
# The pools' (v2-pool-utils `BasePool`, v2-pool-stable `StablePoolAmplification`,
# `ComposableStablePoolRates`, v2-solidity-utils `TemporarilyPausable`).
SWAP_FEE_PERCENTAGE_CHANGED_TOPIC = _topic("SwapFeePercentageChanged(uint256)")
AMP_UPDATE_STARTED_TOPIC = _topic("AmpUpdateStarted(uint256,uint256,uint256,uint256)")
AMP_UPDATE_STOPPED_TOPIC = _topic("AmpUpdateStopped(uint256)")
PAUSED_STATE_CHANGED_TOPIC = _topic("PausedStateChanged(bool)")
TOKEN_RATE_CACHE_UPDATED_TOPIC = _topic("TokenRateCacheUpdated(uint256,uint256)")

# Logs after which the pool is re-read rather than updated from the log.
REREAD_TOPICS = frozenset(
    {
        POOL_BALANCE_MANAGED_TOPIC,
        SWAP_FEE_PERCENTAGE_CHANGED_TOPIC,
        AMP_UPDATE_STARTED_TOPIC,
        AMP_UPDATE_STOPPED_TOPIC,
        PAUSED_STATE_CHANGED_TOPIC,
        TOKEN_RATE_CACHE_UPDATED_TOPIC,
    }
)
# The events after which a trade priced before them no longer holds: a composable stable
# pool's (`STATE_TOPICS`), and a weighted pool's, which has no amplification and reads any
# rates live (`WEIGHTED_STATE_TOPICS`).
STATE_TOPICS = frozenset({SWAP_TOPIC, POOL_BALANCE_CHANGED_TOPIC}) | REREAD_TOPICS
WEIGHTED_STATE_TOPICS = STATE_TOPICS - {
    AMP_UPDATE_STARTED_TOPIC,
    AMP_UPDATE_STOPPED_TOPIC,
    TOKEN_RATE_CACHE_UPDATED_TOPIC,
}


def _address_topic(topic: str) -> str:
    return str(to_checksum_address("0x" + topic[-40:]))


def decode_swap(log: ChainLog) -> tuple[str, str, str, int, int]:
    """(pool id, token in, token out, amount in, amount out) of a Vault `Swap` log."""
    if log.topics[0] != SWAP_TOPIC:
        raise ValueError(f"not a Vault Swap log: topic {log.topics[0]}")
    amount_in, amount_out = decode(["uint256", "uint256"], log.data)
    return (
        log.topics[1].lower(),
        _address_topic(log.topics[2]),
        _address_topic(log.topics[3]),
        amount_in,
        amount_out,
    )


def decode_pool_balance_changed(
    log: ChainLog,
) -> tuple[str, tuple[str, ...], tuple[int, ...], tuple[int, ...]]:
    """(pool id, tokens, deltas, protocol fee amounts) of a Vault `PoolBalanceChanged` log."""
    if log.topics[0] != POOL_BALANCE_CHANGED_TOPIC:
        raise ValueError(f"not a Vault PoolBalanceChanged log: topic {log.topics[0]}")
    tokens, deltas, fees = decode(["address[]", "int256[]", "uint256[]"], log.data)
    return (
        log.topics[1].lower(),
        tuple(str(to_checksum_address(t)) for t in tokens),
        tuple(deltas),
        tuple(fees),
    )


def _check_pool(state: BalancerPoolState, pool_id: str) -> None:
    if pool_id != state.pool_id.lower():
        raise ValueError(f"log of pool {pool_id}, not of {state.pool_id}")


def apply_swap(state: S, log: ChainLog) -> S:
    """The state after the Vault `Swap` log `log` of this pool."""
    pool_id, token_in, token_out, amount_in, amount_out = decode_swap(log)
    _check_pool(state, pool_id)
    return state.after_swap(
        token_in=token_in,
        token_out=token_out,
        amount_in=amount_in,
        amount_out=amount_out,
        block_number=log.block_number,
    )


def apply_pool_balance_changed(state: S, log: ChainLog) -> S:
    """The state after the Vault `PoolBalanceChanged` log `log` (a join or exit) of this pool."""
    pool_id, tokens, deltas, fees = decode_pool_balance_changed(log)
    _check_pool(state, pool_id)
    return state.with_balance_changes(
        tokens=tokens, deltas=deltas, protocol_fee_amounts=fees, block_number=log.block_number
    )
