"""Uniswap SwapRouter02 calls decoded into `RouterSwap`s (npm `@uniswap/swap-router-contracts`
1.3.1): one router over Uniswap V2 pairs and V3 pools.

Its V3 functions are SwapRouter's without the `deadline` field in the structs
(`exactInputSingle`, `exactInput`, `exactOutputSingle`, `exactOutput`); its V2 functions are
Router02's `swapExactTokensForTokens` and `swapTokensForExactTokens` without the deadline
argument. A deadline, when there is one, comes with `multicall(uint256 deadline, bytes[])`;
`multicall(bytes32 previousBlockhash, bytes[])` pins the parent block instead, and plain
`multicall(bytes[])` has neither.

A recipient may be one of the router's constants (`libraries/Constants.sol`): `MSG_SENDER`
(address 1) stands for the transaction's sender, `ADDRESS_THIS` (address 2) for the router, which
then holds the output for a later call of the multicall. The native coin is folded into the
swaps the way a wallet builds such a multicall: the transaction's value (or `wrapETH`) pays a
swap whose input is the wrapped native token (`native_in`); `unwrapWETH9` after a swap paid to
the router unwraps its output to the unwrap's recipient (`native_out`), and `sweepToken`
forwards a swap's output token held by the router to the sweep's recipient. An amount in of 0
is the router's `CONTRACT_BALANCE` flag: what an earlier call of the multicall left it.

Calldata that is none of these, or does not decode, gives no swap: a pending transaction is
untrusted input and the decoder never raises on it.
"""

from __future__ import annotations

from dataclasses import replace

from omniarb.chains.abi import decode, selector
from omniarb.chains.spec import DexKind
from omniarb.dex.router_swap import RouterSwap
from omniarb.dex.uniswap_v3.router import unpack_path

__all__ = [
    "ADDRESS_THIS",
    "MSG_SENDER",
    "ROUTER_KIND",
    "SELECTORS",
    "decode_swap_router02_call",
]

ROUTER_KIND = "uniswap-swap-router-02"
MSG_SENDER = "0x" + "00" * 19 + "01"
ADDRESS_THIS = "0x" + "00" * 19 + "02"

_SINGLE = "(address,address,uint24,address,uint256,uint256,uint160)"
_MULTI = "(bytes,address,uint256,uint256)"
_V2 = ["uint256", "uint256", "address[]", "address"]
_EXACT_INPUT_SINGLE = selector(f"exactInputSingle({_SINGLE})")
_EXACT_INPUT = selector(f"exactInput({_MULTI})")
_EXACT_OUTPUT_SINGLE = selector(f"exactOutputSingle({_SINGLE})")
_EXACT_OUTPUT = selector(f"exactOutput({_MULTI})")
_V2_EXACT_IN = selector("swapExactTokensForTokens(uint256,uint256,address[],address)")
_V2_EXACT_OUT = selector("swapTokensForExactTokens(uint256,uint256,address[],address)")
_MULTICALL = selector("multicall(bytes[])")
_MULTICALL_DEADLINE = selector("multicall(uint256,bytes[])")
_MULTICALL_BLOCKHASH = selector("multicall(bytes32,bytes[])")
_WRAP_ETH = selector("wrapETH(uint256)")
_UNWRAP = selector("unwrapWETH9(uint256)")
_UNWRAP_TO = selector("unwrapWETH9(uint256,address)")
_SWEEP = selector("sweepToken(address,uint256)")
_SWEEP_TO = selector("sweepToken(address,uint256,address)")
# The functions a pending call may start with (the wraps, unwraps and sweeps come only inside a
# multicall, after a swap).
SELECTORS = frozenset(
    {
        _EXACT_INPUT_SINGLE,
        _EXACT_INPUT,
        _EXACT_OUTPUT_SINGLE,
        _EXACT_OUTPUT,
        _V2_EXACT_IN,
        _V2_EXACT_OUT,
        _MULTICALL,
        _MULTICALL_DEADLINE,
        _MULTICALL_BLOCKHASH,
    }
)
_V2_KIND = DexKind.UNISWAP_V2.value
_V3_KIND = DexKind.UNISWAP_V3.value


def decode_swap_router02_call(
    data: bytes, *, sender: str, router: str, value_wei: int = 0, weth: str | None = None
) -> tuple[RouterSwap, ...]:
    """The swaps `data` asks of the SwapRouter02 at `router`, sent by `sender` with `value_wei`
    of the native coin; `weth` is the router's WETH9 (None: any swap of a call that pays the
    coin is taken to spend it). None we know: an empty tuple."""
    try:
        calls, deadline = _calls(bytes(data))
        return _fold(calls, deadline, sender=sender, router=router, value_wei=value_wei, weth=weth)
    except Exception:  # untrusted calldata: any decoding failure is "not a swap we know"
        return ()


def _calls(data: bytes) -> tuple[list[bytes], int | None]:
    """The calls of a multicall (or the one call) and the multicall's deadline."""
    head, body = data[:4], data[4:]
    if head == _MULTICALL:
        (calls,) = decode(["bytes[]"], body)
        return [bytes(c) for c in calls], None
    if head == _MULTICALL_DEADLINE:
        deadline, calls = decode(["uint256", "bytes[]"], body)
        return [bytes(c) for c in calls], int(deadline)
    if head == _MULTICALL_BLOCKHASH:
        _, calls = decode(["bytes32", "bytes[]"], body)
        return [bytes(c) for c in calls], None
    return [data], None


def _fold(
    calls: list[bytes],
    deadline: int | None,
    *,
    sender: str,
    router: str,
    value_wei: int,
    weth: str | None,
) -> tuple[RouterSwap, ...]:
    swaps: list[RouterSwap] = []
    pays_native = value_wei > 0
    for call in calls:
        head, body = call[:4], call[4:]
        if head == _WRAP_ETH:
            pays_native = True
        elif head in (_UNWRAP, _UNWRAP_TO):
            to = (
                sender
                if head == _UNWRAP
                else _resolve(decode(["uint256", "address"], body)[1], sender, router)
            )
            swaps = [_forward(s, router, to, weth, unwrap=True) for s in swaps]
        elif head in (_SWEEP, _SWEEP_TO):
            types = ["address", "uint256", "address"][: 2 if head == _SWEEP else 3]
            token, *rest = decode(types, body)
            to = sender if head == _SWEEP else _resolve(rest[1], sender, router)
            swaps = [_forward(s, router, to, str(token), unwrap=False) for s in swaps]
        else:
            swap = _swap(call, deadline)
            if swap is None:
                continue
            recipient = _resolve(swap.recipient, sender, router)
            native_in = pays_native and (weth is None or _same(swap.path[0], weth))
            swaps.append(replace(swap, recipient=recipient, native_in=native_in))
    return tuple(swaps)


def _forward(
    swap: RouterSwap, router: str, to: str, token: str | None, *, unwrap: bool
) -> RouterSwap:
    """`swap` with its output, held by the router, forwarded to `to` (unwrapped if `unwrap`)."""
    if not _same(swap.recipient, router) or (token is not None and not _same(swap.path[-1], token)):
        return swap
    return replace(swap, recipient=to, native_out=swap.native_out or unwrap)


def _resolve(recipient: str, sender: str, router: str) -> str:
    """The address a recipient constant stands for (`Constants.sol`)."""
    if _same(recipient, MSG_SENDER):
        return sender
    if _same(recipient, ADDRESS_THIS):
        return router
    return str(recipient)


def _same(a: str, b: str) -> bool:
    return int(a, 16) == int(b, 16)


def _swap(call: bytes, deadline: int | None) -> RouterSwap | None:
    head, body = call[:4], call[4:]
    if head in (_EXACT_INPUT_SINGLE, _EXACT_OUTPUT_SINGLE):
        exact_input = head == _EXACT_INPUT_SINGLE
        token_in, token_out, fee, recipient, amount, limit, price_limit = decode([_SINGLE], body)[0]
        return _value(
            "exactInputSingle" if exact_input else "exactOutputSingle",
            _V3_KIND,
            (str(token_in), str(token_out)),
            exact_input,
            amount,
            limit,
            str(recipient),
            deadline,
            fees_pips=(int(fee),),
            sqrt_price_limit_x96=int(price_limit),
        )
    if head in (_EXACT_INPUT, _EXACT_OUTPUT):
        exact_input = head == _EXACT_INPUT
        path, recipient, amount, limit = decode([_MULTI], body)[0]
        unpacked = unpack_path(bytes(path))
        if unpacked is None:
            return None
        tokens, fees = unpacked
        if not exact_input:  # an exact-output path is encoded from the token out
            tokens, fees = tokens[::-1], fees[::-1]
        return _value(
            "exactInput" if exact_input else "exactOutput",
            _V3_KIND,
            tokens,
            exact_input,
            amount,
            limit,
            str(recipient),
            deadline,
            fees_pips=fees,
        )
    if head in (_V2_EXACT_IN, _V2_EXACT_OUT):
        exact_input = head == _V2_EXACT_IN
        amount, limit, path, to = decode(_V2, body)
        if len(path) < 2:
            return None
        return _value(
            "swapExactTokensForTokens" if exact_input else "swapTokensForExactTokens",
            _V2_KIND,
            tuple(str(t) for t in path),
            exact_input,
            amount,
            limit,
            str(to),
            deadline,
        )
    return None


def _value(
    function: str,
    pool_kind: str,
    path: tuple[str, ...],
    exact_input: bool,
    amount: int,
    limit: int,
    recipient: str,
    deadline: int | None,
    *,
    fees_pips: tuple[int, ...] = (),
    sqrt_price_limit_x96: int = 0,
) -> RouterSwap:
    return RouterSwap(
        router_kind=ROUTER_KIND,
        function=function,
        path=path,
        exact_input=exact_input,
        amount_in=int(amount) if exact_input else None,
        amount_out=None if exact_input else int(amount),
        amount_out_min=int(limit) if exact_input else None,
        amount_in_max=None if exact_input else int(limit),
        recipient=recipient,
        deadline=deadline,
        fees_pips=fees_pips,
        sqrt_price_limit_x96=sqrt_price_limit_x96,
        pool_kind=pool_kind,
    )
