"""Uniswap UniversalRouter calls decoded into `RouterSwap`s (npm `@uniswap/universal-router`
2.1.0): one router over Uniswap V2 pairs, V3 pools and the V4 PoolManager.

`execute(bytes commands, bytes[] inputs)` and `execute(bytes, bytes[], uint256 deadline)` run
one command per byte of `commands` with the matching input (`contracts/base/Dispatcher.sol`).
A command byte's top bit (`FLAG_ALLOW_REVERT`, 0x80) lets it fail without reverting the call;
the rest (`COMMAND_TYPE_MASK`, 0x7f in this version) is the command (`libraries/Commands.sol`):
- `V3_SWAP_EXACT_IN` 0x00 / `V3_SWAP_EXACT_OUT` 0x01: `(recipient, amount, limit, bytes path,
  payerIsUser)`, the path packed as SwapRouter's (`unpack_path`; an exact-output one backwards);
- `V2_SWAP_EXACT_IN` 0x08 / `V2_SWAP_EXACT_OUT` 0x09: the same with `address[] path`;
- `WRAP_ETH` 0x0b / `UNWRAP_WETH` 0x0c: `(recipient, amount)`; `SWEEP` 0x04
  `(token, recipient, amountMin)`; `EXECUTE_SUB_PLAN` 0x21 `(bytes commands, bytes[] inputs)`;
- `V4_SWAP` 0x10: `(bytes actions, bytes[] params)` for v4-periphery's V4Router
  (`src/libraries/Actions.sol`): `SWAP_EXACT_IN_SINGLE` 0x06, `SWAP_EXACT_IN` 0x07,
  `SWAP_EXACT_OUT_SINGLE` 0x08, `SWAP_EXACT_OUT` 0x09 (each param `abi.encode` of its
  `IV4Router` struct), and the settling actions: `TAKE` 0x0e `(currency, recipient, amount)`
  names where an output goes (`TAKE_ALL` 0x0f and the default: the sender).
Other commands and actions are skipped.

A V4 hop names its pool: `pool_ids` are the PoolIds (keccak of the ABI-encoded PoolKey) and the
path holds the currencies, address 0 being the native coin (`native_in`/`native_out`). For V2
and V3 the native coin comes through WETH: `WRAP_ETH` before a swap the router pays
(`payerIsUser` false) from the wrapped token marks it `native_in`, `UNWRAP_WETH` after a swap
paid to the router marks it `native_out` and names the unwrap's recipient. Recipients
`MSG_SENDER` (address 1) and `ADDRESS_THIS` (address 2) stand for the sender and the router
(`Dispatcher.map`, v4-periphery `ActionConstants`).

Calldata that is none of these, or does not decode, gives no swap: a pending transaction is
untrusted input and the decoder never raises on it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from omniarb.chains.abi import decode, selector
from omniarb.chains.spec import DexKind
from omniarb.dex.router_swap import RouterSwap
from omniarb.dex.uniswap_v3.router import unpack_path
from omniarb.dex.uniswap_v4.pool_key import PoolKey

__all__ = ["ROUTER_KIND", "SELECTORS", "Command", "V4Action", "decode_universal_router_call"]

ROUTER_KIND = "uniswap-universal-router"


class Command:
    """UniversalRouter 2.1.0 command bytes (`contracts/libraries/Commands.sol`)."""

    FLAG_ALLOW_REVERT = 0x80
    COMMAND_TYPE_MASK = 0x7F
    V3_SWAP_EXACT_IN = 0x00
    V3_SWAP_EXACT_OUT = 0x01
    SWEEP = 0x04
    V2_SWAP_EXACT_IN = 0x08
    V2_SWAP_EXACT_OUT = 0x09
    WRAP_ETH = 0x0B
    UNWRAP_WETH = 0x0C
    V4_SWAP = 0x10
    EXECUTE_SUB_PLAN = 0x21


class V4Action:
    """v4-periphery 1.0.3 action bytes used by swaps (`src/libraries/Actions.sol`)."""

    SWAP_EXACT_IN_SINGLE = 0x06
    SWAP_EXACT_IN = 0x07
    SWAP_EXACT_OUT_SINGLE = 0x08
    SWAP_EXACT_OUT = 0x09
    SETTLE = 0x0B
    SETTLE_ALL = 0x0C
    TAKE = 0x0E
    TAKE_ALL = 0x0F


_EXECUTE = selector("execute(bytes,bytes[])")
_EXECUTE_DEADLINE = selector("execute(bytes,bytes[],uint256)")
# The functions a pending call may start with.
SELECTORS = frozenset({_EXECUTE, _EXECUTE_DEADLINE})
_MSG_SENDER = 1
_ADDRESS_THIS = 2
_V2_KIND = DexKind.UNISWAP_V2.value
_V3_KIND = DexKind.UNISWAP_V3.value
_V4_KIND = DexKind.UNISWAP_V4.value
_SWAP_INPUT = ["address", "uint256", "uint256", "bytes", "bool"]
_V2_SWAP_INPUT = ["address", "uint256", "uint256", "address[]", "bool"]
_KEY = "(address,address,uint24,int24,address)"
_PATH_KEY = "(address,uint24,int24,address,bytes)"
_V4_SINGLE = f"({_KEY},bool,uint128,uint128,bytes)"
_V4_MULTI = f"(address,{_PATH_KEY}[],uint128,uint128)"
_MAX_SUB_PLAN_DEPTH = 2


@dataclass(frozen=True, slots=True, kw_only=True)
class _Call:
    """Who calls the router and with what: the facts the recipient constants stand for."""

    sender: str
    router: str
    weth: str | None
    deadline: int | None


def decode_universal_router_call(
    data: bytes, *, sender: str, router: str, value_wei: int = 0, weth: str | None = None
) -> tuple[RouterSwap, ...]:
    """The swaps `data` asks of the UniversalRouter at `router`, sent by `sender` with
    `value_wei` of the native coin; `weth` is the router's WETH9 (None: a wrapped coin pays any
    swap the router pays). None we know: an empty tuple."""
    raw = bytes(data)
    head, body = raw[:4], raw[4:]
    try:
        if head == _EXECUTE:
            commands, inputs = decode(["bytes", "bytes[]"], body)
            deadline = None
        elif head == _EXECUTE_DEADLINE:
            commands, inputs, deadline = decode(["bytes", "bytes[]", "uint256"], body)
        else:
            return ()
        call = _Call(sender=sender, router=router, weth=weth, deadline=deadline)
        return tuple(_plan(bytes(commands), [bytes(i) for i in inputs], call, depth=0))
    except Exception:  # untrusted calldata: any decoding failure is "not a swap we know"
        return ()


def _plan(commands: bytes, inputs: list[bytes], call: _Call, *, depth: int) -> list[RouterSwap]:
    swaps: list[RouterSwap] = []
    wrapped = False
    for byte, data in zip(commands, inputs, strict=True):
        command = byte & Command.COMMAND_TYPE_MASK
        if command in (Command.V3_SWAP_EXACT_IN, Command.V3_SWAP_EXACT_OUT):
            swap, payer_is_user = _v3(command == Command.V3_SWAP_EXACT_IN, data, call)
            swaps.extend(_paid(swap, wrapped and not payer_is_user, call))
        elif command in (Command.V2_SWAP_EXACT_IN, Command.V2_SWAP_EXACT_OUT):
            swap, payer_is_user = _v2(command == Command.V2_SWAP_EXACT_IN, data, call)
            swaps.extend(_paid(swap, wrapped and not payer_is_user, call))
        elif command == Command.WRAP_ETH:
            wrapped = True
        elif command == Command.UNWRAP_WETH:
            recipient = _map(decode(["address", "uint256"], data)[0], call.sender, call.router)
            swaps = [_forward(s, call, recipient, call.weth, unwrap=True) for s in swaps]
        elif command == Command.SWEEP:
            token, to, _ = decode(["address", "address", "uint256"], data)
            recipient = _map(to, call.sender, call.router)
            swaps = [_forward(s, call, recipient, str(token), unwrap=False) for s in swaps]
        elif command == Command.V4_SWAP:
            swaps.extend(_v4(data, call))
        elif command == Command.EXECUTE_SUB_PLAN and depth < _MAX_SUB_PLAN_DEPTH:
            sub_commands, sub_inputs = decode(["bytes", "bytes[]"], data)
            inner = [bytes(i) for i in sub_inputs]
            swaps.extend(_plan(bytes(sub_commands), inner, call, depth=depth + 1))
    return swaps


def _paid(swap: RouterSwap | None, by_wrapped_coin: bool, call: _Call) -> list[RouterSwap]:
    if swap is None:
        return []
    native_in = by_wrapped_coin and (call.weth is None or _same(swap.path[0], call.weth))
    return [replace(swap, native_in=native_in)]


def _forward(
    swap: RouterSwap, call: _Call, to: str, token: str | None, *, unwrap: bool
) -> RouterSwap:
    """`swap` with its output, held by the router, forwarded to `to` (unwrapped if `unwrap`)."""
    if not _same(swap.recipient, call.router):
        return swap
    if token is not None and not _same(swap.path[-1], token):
        return swap
    return replace(swap, recipient=to, native_out=swap.native_out or unwrap)


def _v3(exact_input: bool, data: bytes, call: _Call) -> tuple[RouterSwap | None, bool]:
    recipient, amount, limit, path, payer_is_user = decode(_SWAP_INPUT, data)
    unpacked = unpack_path(bytes(path))
    if unpacked is None:
        return None, bool(payer_is_user)
    tokens, fees = unpacked
    if not exact_input:  # an exact-output path is encoded from the token out
        tokens, fees = tokens[::-1], fees[::-1]
    name = "V3_SWAP_EXACT_IN" if exact_input else "V3_SWAP_EXACT_OUT"
    swap = _value(name, _V3_KIND, tokens, exact_input, amount, limit, call, fees_pips=fees)
    return replace(swap, recipient=_map(recipient, call.sender, call.router)), bool(payer_is_user)


def _v2(exact_input: bool, data: bytes, call: _Call) -> tuple[RouterSwap | None, bool]:
    recipient, amount, limit, path, payer_is_user = decode(_V2_SWAP_INPUT, data)
    if len(path) < 2:
        return None, bool(payer_is_user)
    tokens = tuple(str(t) for t in path)
    name = "V2_SWAP_EXACT_IN" if exact_input else "V2_SWAP_EXACT_OUT"
    swap = _value(name, _V2_KIND, tokens, exact_input, amount, limit, call)
    return replace(swap, recipient=_map(recipient, call.sender, call.router)), bool(payer_is_user)


def _v4(data: bytes, call: _Call) -> list[RouterSwap]:
    """The swaps of one `V4_SWAP`, each paid to whoever takes its output currency."""
    actions, params = decode(["bytes", "bytes[]"], data)
    swaps: list[RouterSwap] = []
    takes: dict[int, str] = {}
    for action, param in zip(bytes(actions), params, strict=True):
        raw = bytes(param)
        if action in (V4Action.SWAP_EXACT_IN_SINGLE, V4Action.SWAP_EXACT_OUT_SINGLE):
            swaps.append(_v4_single(action == V4Action.SWAP_EXACT_IN_SINGLE, raw, call))
        elif action in (V4Action.SWAP_EXACT_IN, V4Action.SWAP_EXACT_OUT):
            swaps.append(_v4_multi(action == V4Action.SWAP_EXACT_IN, raw, call))
        elif action == V4Action.TAKE:
            currency, recipient, _ = decode(["address", "address", "uint256"], raw)
            takes[int(currency, 16)] = _map(recipient, call.sender, call.router)
    return [replace(s, recipient=takes.get(int(s.path[-1], 16), s.recipient)) for s in swaps]


def _v4_single(exact_input: bool, data: bytes, call: _Call) -> RouterSwap:
    key_tuple, zero_for_one, amount, limit, _ = decode([_V4_SINGLE], data)[0]
    key = PoolKey(
        currency0=key_tuple[0],
        currency1=key_tuple[1],
        fee=key_tuple[2],
        tick_spacing=key_tuple[3],
        hooks=key_tuple[4],
    )
    path = (key.currency0, key.currency1) if zero_for_one else (key.currency1, key.currency0)
    name = "SWAP_EXACT_IN_SINGLE" if exact_input else "SWAP_EXACT_OUT_SINGLE"
    return _value(
        f"V4_SWAP:{name}",
        _V4_KIND,
        path,
        exact_input,
        amount,
        limit,
        call,
        fees_pips=(key.fee,),
        pool_ids=(key.pool_id,),
    )


def _v4_multi(exact_input: bool, data: bytes, call: _Call) -> RouterSwap:
    """A multi-hop V4 swap; each `PathKey` names the currency it leads to (exact input) or
    comes from (exact output, whose path runs from the input, `V4Router._swapExactOutput`)."""
    end, hops, amount, limit = decode([_V4_MULTI], data)[0]
    if not hops:
        raise ValueError("a V4 path of no hop")
    middle = tuple(str(hop[0]) for hop in hops)
    path = (str(end), *middle) if exact_input else (*middle, str(end))
    keys = [
        PoolKey.of(a, b, fee=hop[1], tick_spacing=hop[2], hooks=hop[3])
        for a, b, hop in zip(path[:-1], path[1:], hops, strict=True)
    ]
    name = "SWAP_EXACT_IN" if exact_input else "SWAP_EXACT_OUT"
    return _value(
        f"V4_SWAP:{name}",
        _V4_KIND,
        path,
        exact_input,
        amount,
        limit,
        call,
        fees_pips=tuple(k.fee for k in keys),
        pool_ids=tuple(k.pool_id for k in keys),
    )


def _map(recipient: str, sender: str, router: str) -> str:
    """The address a recipient constant stands for (`Dispatcher.map`)."""
    value = int(recipient, 16)
    if value == _MSG_SENDER:
        return sender
    if value == _ADDRESS_THIS:
        return router
    return str(recipient)


def _same(a: str, b: str) -> bool:
    return int(a, 16) == int(b, 16)


def _value(
    function: str,
    pool_kind: str,
    path: tuple[str, ...],
    exact_input: bool,
    amount: int,
    limit: int,
    call: _Call,
    *,
    fees_pips: tuple[int, ...] = (),
    pool_ids: tuple[str, ...] = (),
) -> RouterSwap:
    native = pool_kind == _V4_KIND
    return RouterSwap(
        router_kind=ROUTER_KIND,
        function=function,
        path=path,
        exact_input=exact_input,
        amount_in=int(amount) if exact_input else None,
        amount_out=None if exact_input else int(amount),
        amount_out_min=int(limit) if exact_input else None,
        amount_in_max=None if exact_input else int(limit),
        recipient=call.sender,
        deadline=call.deadline,
        native_in=native and int(path[0], 16) == 0,
        native_out=native and int(path[-1], 16) == 0,
        fees_pips=fees_pips,
        pool_ids=pool_ids,
        pool_kind=pool_kind,
    )
