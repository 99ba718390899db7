"""Read Balancer V2 pools' swap state from a node, pinned to one block, in two batched
JSON-RPC round trips: (1) each pool's own getters (`getPoolId`, `getVault`,
`getSwapFeePercentage`, `getScalingFactors`, `getPausedState`, `getRateProviders`, and
`getNormalizedWeights` for a weighted pool or `getAmplificationParameter` and `getBptIndex` for
a composable stable pool); (2)
`Vault.getPoolTokens(poolId)` for each. Both round trips are at the same block (by hash when
given a header), so the state is one block's.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from eth_utils.address import to_checksum_address

from omniarb.chain_events import NewHead
from omniarb.chains.abi import decode, encode_call
from omniarb.chains.blocks import eth_calls_at
from omniarb.chains.rpc import RpcClient
from omniarb.dex.balancer.base_pool import BalancerPoolState
from omniarb.dex.balancer.stable_pool import STABLE_KIND, ComposableStablePoolState
from omniarb.dex.balancer.weighted_pool import WEIGHTED_KIND, WeightedPoolState
from omniarb.errors import NotFoundError

__all__ = ["BalancerPoolReader"]

S = TypeVar("S", bound=BalancerPoolState)

_COMMON = (
    "getPoolId()",
    "getVault()",
    "getSwapFeePercentage()",
    "getScalingFactors()",
    "getPausedState()",
    "getRateProviders()",
)
_WEIGHTED = ("getNormalizedWeights()",)
_STABLE = ("getAmplificationParameter()", "getBptIndex()")
_GET_POOL_TOKENS = "getPoolTokens(bytes32)"


def _checksum(address: str) -> str:
    return str(to_checksum_address(address))


def _found(address: str, state: BalancerPoolState | None, kind: type[S]) -> S:
    if state is None:
        raise NotFoundError(f"no Balancer pool at {address} (its getters do not answer)")
    if not isinstance(state, kind):
        raise TypeError(f"{address} read as {type(state).__name__}, not {kind.__name__}")
    return state


class BalancerPoolReader:
    """Reads weighted and composable stable pool states on one chain through `rpc`.

    `await reader.read_weighted([address], dex="balancer-v2", at=block)` returns the states
    after block `at` (a number or a header); any number of pools share the two round trips.
    """

    def __init__(
        self,
        rpc: RpcClient,
        *,
        chain_id: int,
        calls_per_request: int = 500,
        concurrent_requests: int = 4,
    ) -> None:
        self._rpc = rpc
        self._chain_id = chain_id
        self._calls_per_request = calls_per_request
        self._concurrent_requests = concurrent_requests

    async def read_weighted(
        self, addresses: Sequence[str], *, dex: str, at: NewHead | int
    ) -> list[WeightedPoolState]:
        """The states of weighted pools `addresses`, in order, after block `at`."""
        return [
            _found(address, state, WeightedPoolState)
            for address, state in zip(
                addresses,
                await self.read_some(addresses, kind=WEIGHTED_KIND, dex=dex, at=at),
                strict=True,
            )
        ]

    async def read_stable(
        self, addresses: Sequence[str], *, dex: str, at: NewHead | int
    ) -> list[ComposableStablePoolState]:
        """The states of composable stable pools `addresses`, in order, after block `at`."""
        return [
            _found(address, state, ComposableStablePoolState)
            for address, state in zip(
                addresses,
                await self.read_some(addresses, kind=STABLE_KIND, dex=dex, at=at),
                strict=True,
            )
        ]

    async def read_some(
        self, addresses: Sequence[str], *, kind: str, dex: str, at: NewHead | int
    ) -> list[BalancerPoolState | None]:
        """The states of pools `addresses` of `kind` (`WEIGHTED_KIND` or `STABLE_KIND`), in
        order, after block `at`; None for an address with no contract (a pool a reorg
        dropped)."""
        extra_calls = _WEIGHTED if kind == WEIGHTED_KIND else _STABLE
        rows = await self._read(addresses, extra_calls, at)
        states: list[BalancerPoolState | None] = []
        for row in rows:
            if row is None:
                states.append(None)
                continue
            common, extra = row
            if kind == WEIGHTED_KIND:
                (weights,) = decode(["uint256[]"], extra[0])
                states.append(
                    WeightedPoolState(**common, dex=dex, normalized_weights=tuple(weights))
                )
                continue
            amp, updating, _precision = decode(["uint256", "bool", "uint256"], extra[0])
            (bpt_index,) = decode(["uint256"], extra[1])
            states.append(
                ComposableStablePoolState(
                    **common,
                    dex=dex,
                    amplification_parameter=amp,
                    amp_is_updating=updating,
                    bpt_index=bpt_index,
                )
            )
        return states

    async def _read(
        self, addresses: Sequence[str], extra_calls: Sequence[str], at: NewHead | int
    ) -> list[tuple[dict[str, Any], list[str]] | None]:
        """Per pool: the common fields, and the answers to `extra_calls`; None where the
        getters do not answer (no contract there)."""
        signatures = (*_COMMON, *extra_calls)
        answers = await self._calls(
            [(address, encode_call(sig)) for address in addresses for sig in signatures], at
        )
        width = len(signatures)
        heads = [answers[k * width : (k + 1) * width] for k in range(len(addresses))]
        found = [
            (address, head)
            for address, head in zip(addresses, heads, strict=True)
            if all(len(answer) >= 66 for answer in head)
        ]
        pool_ids = ["0x" + decode(["bytes32"], head[0])[0].hex() for _, head in found]
        vaults = [_checksum(decode(["address"], head[1])[0]) for _, head in found]
        tokens_answers = await self._calls(
            [
                (vault, encode_call(_GET_POOL_TOKENS, bytes.fromhex(pool_id[2:])))
                for vault, pool_id in zip(vaults, pool_ids, strict=True)
            ],
            at,
        )
        block_number = at.number if isinstance(at, NewHead) else at
        rows: dict[str, tuple[dict[str, Any], list[str]]] = {}
        for k, (address, head) in enumerate(found):
            tokens, balances, _last_change_block = decode(
                ["address[]", "uint256[]", "uint256"], tokens_answers[k]
            )
            common = {
                "chain_id": self._chain_id,
                "address": _checksum(address),
                "vault": vaults[k],
                "pool_id": pool_ids[k],
                "tokens": tuple(_checksum(t) for t in tokens),
                "balances": tuple(balances),
                "swap_fee_percentage": decode(["uint256"], head[2])[0],
                "scaling_factors": tuple(decode(["uint256[]"], head[3])[0]),
                "paused": bool(decode(["bool", "uint256", "uint256"], head[4])[0]),
                "rate_providers": tuple(_checksum(a) for a in decode(["address[]"], head[5])[0]),
                "block_number": block_number,
            }
            rows[address] = (common, list(head[len(_COMMON) :]))
        return [rows.get(address) for address in addresses]

    async def _calls(self, calls: Sequence[tuple[str, str]], at: NewHead | int) -> list[str]:
        return await eth_calls_at(
            self._rpc,
            [{"to": to, "data": data} for to, data in calls],
            at,
            calls_per_request=self._calls_per_request,
            concurrent_requests=self._concurrent_requests,
            decode=str,
        )
