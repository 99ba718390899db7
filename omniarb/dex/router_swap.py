"""What a router call asks of the pools, decoded from its calldata: the value every protocol's
router decoder returns (the mempool issue: a pending swap becomes pool moves to backrun).

A `RouterSwap` is one swap along a token `path` (several hops through the protocol's pools),
exact input (`amount_in` given, `amount_out_min` the slippage limit) or exact output
(`amount_out` given, `amount_in_max` the limit), with the router's `deadline` (unix seconds, None
where the call has none). `native_in`/`native_out` mark the chain's coin paid in or out (the
router wraps and unwraps it: the path then starts or ends with the wrapped token), and
`fee_on_transfer` the router's variants for tokens that tax transfers (their exact output is
unknown until mined). `fees_pips` names each hop's pool fee where the router picks pools by it
(Uniswap V3: the pool of a token pair and a fee), and `sqrt_price_limit_x96` a single-pool swap's
price limit (0: none). `pool_ids` names the pools hop by hop where the call names them itself
rather than letting the router find them from the tokens (a Uniswap V4 PoolKey's id, a Balancer
pool id); empty where the path and fees name them. `pool_kind` names the kind of pool the hops
go through (`uniswap-v2`, `uniswap-v3`, `uniswap-v4`, as the adapters name kinds) where one router
swaps through several kinds (SwapRouter02, UniversalRouter); empty where the router's DEX
implies it. `pool_deployers` names, hop by hop, the deployer of each pool where a router picks
pools by their tokens and deployer (Algebra Integral: address 0 for the factory's own pools, a
custom pool deployer's address for its pools). `recipient` is empty where the router pays its
caller (the transaction's sender: v4-core's PoolSwapTest).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RouterSwap"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RouterSwap:
    router_kind: str
    function: str
    path: tuple[str, ...]
    exact_input: bool
    # Exact input: amount_in and amount_out_min; exact output: amount_out and amount_in_max.
    amount_in: int | None
    amount_out: int | None
    amount_out_min: int | None
    amount_in_max: int | None
    recipient: str
    deadline: int | None
    native_in: bool = False
    native_out: bool = False
    fee_on_transfer: bool = False
    fees_pips: tuple[int, ...] = ()
    sqrt_price_limit_x96: int = 0
    pool_ids: tuple[str, ...] = ()
    pool_kind: str = ""
    pool_deployers: tuple[str, ...] = ()
