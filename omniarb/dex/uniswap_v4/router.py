"""v4-core's PoolSwapTest calls decoded into `RouterSwap`s: `swap(PoolKey, SwapParams,
TestSettings, bytes hookData)` (npm `@uniswap/v4-core` 1.0.2, `src/test/PoolSwapTest.sol`), the
router the devnet's V4 DEXes swap through.

The call names its pool by its key (`pool_ids`: the PoolId, keccak256 of the ABI-encoded key,
`PoolIdLibrary.toId`) and its direction by `zeroForOne`. v4's sign convention
(`PoolManager.swap`, `SwapParams.amountSpecified`): negative is an exact input of that many,
positive an exact output; zero reverts (`SwapAmountCannotBeZero`), and a key whose currencies
are out of order names no pool, so neither is a swap. There is no minimum or maximum amount and
no deadline: the price limit (`sqrt_price_limit_x96`) is the only bound. The router pays the
output to its caller, so `recipient` is empty (the transaction's sender). Currency address 0 is
the native coin, paid as the call's value, named in the path by the wrapped native token when
it is known (as a V4 pool's state names it: `PoolIdentity`). Anything else gives no swap: a
decoder never raises on untrusted calldata.
"""

from __future__ import annotations

from omniarb.chains.abi import decode, selector
from omniarb.dex.router_decoder import RouterDecoder, named_native
from omniarb.dex.router_swap import RouterSwap
from omniarb.dex.uniswap_v4.pool_key import PoolKey

__all__ = ["DECODER", "ROUTER_KIND", "decode_pool_swap_test_call"]

ROUTER_KIND = "uniswap-v4-pool-swap-test"

_TYPES = ("(address,address,uint24,int24,address)", "(bool,int256,uint160)", "(bool,bool)", "bytes")
_SWAP = selector(f"swap({','.join(_TYPES)})")


def decode_pool_swap_test_call(
    data: bytes, *, value_wei: int = 0, wrapped_native: str | None = None
) -> tuple[RouterSwap, ...]:
    """The swap `data` asks of a PoolSwapTest (none when it asks for none)."""
    if bytes(data[:4]) != _SWAP:
        return ()
    try:
        key_fields, params, _settings, _hook_data = decode(_TYPES, bytes(data[4:]))
        currency0, currency1, fee, tick_spacing, hooks = key_fields
        key = PoolKey(
            currency0=currency0,
            currency1=currency1,
            fee=fee,
            tick_spacing=tick_spacing,
            hooks=hooks,
        )
    except Exception:  # untrusted calldata: any decoding failure is "not a swap we know"
        return ()
    zero_for_one, amount_specified, sqrt_price_limit_x96 = params
    if amount_specified == 0:
        return ()
    exact_input = amount_specified < 0
    pay, take = (key.currency0, key.currency1) if zero_for_one else (key.currency1, key.currency0)
    token_in, native_in = named_native(pay, wrapped_native)
    token_out, native_out = named_native(take, wrapped_native)
    amount = abs(int(amount_specified))
    return (
        RouterSwap(
            router_kind=ROUTER_KIND,
            function="swap",
            path=(token_in, token_out),
            exact_input=exact_input,
            amount_in=amount if exact_input else None,
            amount_out=None if exact_input else amount,
            amount_out_min=0 if exact_input else None,
            amount_in_max=None,
            recipient="",
            deadline=None,
            native_in=native_in,
            native_out=native_out,
            fees_pips=(key.fee,),
            sqrt_price_limit_x96=int(sqrt_price_limit_x96),
            pool_ids=(key.pool_id,),
        ),
    )


DECODER = RouterDecoder(
    kind=ROUTER_KIND, selectors=frozenset((_SWAP,)), decode=decode_pool_swap_test_call
)
