"""Balancer V2 Vault swaps decoded into `RouterSwap`s: `swap(SingleSwap, FundManagement, limit,
deadline)` and `batchSwap(kind, BatchSwapStep[], assets, FundManagement, limits, deadline)`
(the Vault of `@balancer-labs/v2-deployments` 3.2.0, `20210418-vault`); the Vault is the
router of every Balancer pool.

Each hop names its pool by its bytes32 pool id (`pool_ids`). `kind` 0 is GIVEN_IN (exact
input; `limit` the minimum out), 1 GIVEN_OUT (exact output; `limit` the maximum in). The asset
address 0 is the native coin (`AssetHelpers`: the Vault wraps and unwraps it), named in the path
by the wrapped native token when it is known. A batch's steps become one swap per multi-hop
chain: a step of amount 0 continues the step before it (`Vault._swapWithPools`: given in, its
input is the output before, so its asset in must be the asset out before; given out, the
reverse, its steps listed from the last hop back), otherwise it starts a new swap. A batch's
limits are net per asset over the whole batch (positive: at most that much in; negative: at
least that much out): a swap's limit is its end asset's. Calldata that the Vault would refuse
the same way (a step of amount 0 first or not continuing, an index outside `assets`, limits and
assets of different lengths, an unknown kind) gives no swap; a decoder never raises on it.
"""

from __future__ import annotations

from collections.abc import Sequence

from omniarb.chains.abi import decode, selector
from omniarb.dex.router_decoder import RouterDecoder, named_native
from omniarb.dex.router_swap import RouterSwap

__all__ = ["DECODER", "ROUTER_KIND", "decode_vault_call"]

ROUTER_KIND = "balancer-v2-vault"

_FUNDS = "(address,bool,address,bool)"
_SWAP_TYPES = ("(bytes32,uint8,address,address,uint256,bytes)", _FUNDS, "uint256", "uint256")
_BATCH_TYPES = (
    "uint8",
    "(bytes32,uint256,uint256,uint256,bytes)[]",
    "address[]",
    _FUNDS,
    "int256[]",
    "uint256",
)
_SWAP = selector(f"swap({','.join(_SWAP_TYPES)})")
_BATCH_SWAP = selector(f"batchSwap({','.join(_BATCH_TYPES)})")
_GIVEN_IN, _GIVEN_OUT = 0, 1


def decode_vault_call(
    data: bytes, *, value_wei: int = 0, wrapped_native: str | None = None
) -> tuple[RouterSwap, ...]:
    """The swaps `data` asks of the Vault (none when it asks for none we know)."""
    head, body = bytes(data[:4]), bytes(data[4:])
    try:
        if head == _SWAP:
            swap = _single(*decode(_SWAP_TYPES, body), wrapped_native=wrapped_native)
            return () if swap is None else (swap,)
        if head == _BATCH_SWAP:
            return _batch(*decode(_BATCH_TYPES, body), wrapped_native=wrapped_native)
    except Exception:  # untrusted calldata: any decoding failure is "not a swap we know"
        return ()
    return ()


def _single(
    single: tuple[bytes, int, str, str, int, bytes],
    funds: tuple[str, bool, str, bool],
    limit: int,
    deadline: int,
    *,
    wrapped_native: str | None,
) -> RouterSwap | None:
    pool_id, kind, asset_in, asset_out, amount, _user_data = single
    if kind not in (_GIVEN_IN, _GIVEN_OUT):
        return None
    return _swap(
        function="swap",
        exact_input=kind == _GIVEN_IN,
        assets=(str(asset_in), str(asset_out)),
        pool_ids=("0x" + bytes(pool_id).hex(),),
        amount=int(amount),
        limit=int(limit),
        recipient=str(funds[2]),
        deadline=int(deadline),
        wrapped_native=wrapped_native,
    )


def _batch(
    kind: int,
    steps: Sequence[tuple[bytes, int, int, int, bytes]],
    assets: Sequence[str],
    funds: tuple[str, bool, str, bool],
    limits: Sequence[int],
    deadline: int,
    *,
    wrapped_native: str | None,
) -> tuple[RouterSwap, ...]:
    if kind not in (_GIVEN_IN, _GIVEN_OUT) or len(limits) != len(assets) or not steps:
        return ()
    exact_input = kind == _GIVEN_IN
    # The Vault compares tokens, the native coin as its wrapped token (`_translateToIERC20`).
    tokens = [named_native(str(asset), wrapped_native)[0].lower() for asset in assets]
    chains = _chains(steps, tokens, exact_input)
    if chains is None:
        return ()
    swaps = []
    for chain in chains:
        # Given out, a chain is listed from its last hop back: put it in the order tokens move.
        hops = chain if exact_input else chain[::-1]
        indices = [hops[0][1], *(step[2] for step in hops)]
        end = indices[-1] if exact_input else indices[0]
        swaps.append(
            _swap(
                function="batchSwap",
                exact_input=exact_input,
                assets=tuple(str(assets[i]) for i in indices),
                pool_ids=tuple("0x" + bytes(step[0]).hex() for step in hops),
                amount=int(chain[0][3]),
                # The net limit is signed: a minimum out is negative, a maximum in positive.
                limit=max(-int(limits[end]), 0) if exact_input else max(int(limits[end]), 0),
                recipient=str(funds[2]),
                deadline=int(deadline),
                wrapped_native=wrapped_native,
            )
        )
    return tuple(swaps)


def _chains(
    steps: Sequence[tuple[bytes, int, int, int, bytes]], tokens: Sequence[str], exact_input: bool
) -> list[list[tuple[bytes, int, int, int, bytes]]] | None:
    """The steps grouped into multi-hop chains as the Vault runs them; None where it reverts."""
    chains: list[list[tuple[bytes, int, int, int, bytes]]] = []
    for step in steps:
        _, index_in, index_out, amount, _ = step
        if max(index_in, index_out) >= len(tokens) or tokens[index_in] == tokens[index_out]:
            return None  # an index outside the assets, or BAL#509: the same token in and out
        if amount:
            chains.append([step])
            continue
        if not chains:
            return None  # BAL#507: the first swap names no amount
        before = chains[-1][-1]
        if exact_input:
            joins = tokens[index_in] == tokens[before[2]]
        else:
            joins = tokens[index_out] == tokens[before[1]]
        if not joins:
            return None  # BAL#508: a multi-hop step that does not continue the one before
        chains[-1].append(step)
    return chains


def _swap(
    *,
    function: str,
    exact_input: bool,
    assets: tuple[str, ...],
    pool_ids: tuple[str, ...],
    amount: int,
    limit: int,
    recipient: str,
    deadline: int,
    wrapped_native: str | None,
) -> RouterSwap:
    path = tuple(named_native(asset, wrapped_native)[0] for asset in assets)
    return RouterSwap(
        router_kind=ROUTER_KIND,
        function=function,
        path=path,
        exact_input=exact_input,
        amount_in=amount if exact_input else None,
        amount_out=None if exact_input else amount,
        amount_out_min=limit if exact_input else None,
        amount_in_max=None if exact_input else limit,
        recipient=recipient,
        deadline=deadline,
        native_in=named_native(assets[0], wrapped_native)[1],
        native_out=named_native(assets[-1], wrapped_native)[1],
        pool_ids=pool_ids,
    )


DECODER = RouterDecoder(
    kind=ROUTER_KIND, selectors=frozenset((_SWAP, _BATCH_SWAP)), decode=decode_vault_call
)
