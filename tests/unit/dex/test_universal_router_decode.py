"""Uniswap UniversalRouter calls decode into the swaps they ask for: `execute` calldata built with
the real ABI from npm `@uniswap/universal-router` 2.1.0, each command's input encoded as
`Dispatcher.sol` decodes it and each V4 action's as `IV4Router`'s structs, round-trips for the V2,
V3 and V4 swap commands and actions, WRAP_ETH/UNWRAP_WETH, the allow-revert flag, the recipient
constants and the deadline; the command constants match the package's Solidity; random and
truncated calldata never raises past the decoder."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from eth_abi import encode
from hypothesis import given
from hypothesis import strategies as st

from omniarb.chains.abi import selector
from omniarb.dex.uniswap_v4 import PoolKey
from omniarb.dex.uniswap_v4.universal_router import (
    ROUTER_KIND,
    Command,
    V4Action,
    decode_universal_router_call,
)

_MODULES = Path(__file__).resolve().parents[3] / "node_modules/@uniswap"
_ARTIFACT = (
    _MODULES / "universal-router/artifacts/contracts/UniversalRouter.sol/UniversalRouter.json"
)
_EXECUTES = {
    len(e["inputs"]): e
    for e in json.loads(_ARTIFACT.read_text())["abi"]
    if e.get("name") == "execute"
}
NATIVE = "0x" + "00" * 20
WETH = "0x" + "aa" * 20
USDC = "0x" + "bb" * 20
DAI = "0x" + "cc" * 20
TO = "0x" + "dd" * 20
SENDER = "0x" + "ee" * 20
ROUTER = "0x" + "ff" * 20
MSG_SENDER = "0x" + "00" * 19 + "01"
ADDRESS_THIS = "0x" + "00" * 19 + "02"
DEADLINE = 1_765_000_000
_KEY = "(address,address,uint24,int24,address)"
# IV4Router.ExactInputSingleParams / ExactOutputSingleParams, ExactInputParams / ExactOutputParams
# (PathKey: intermediateCurrency, fee, tickSpacing, hooks, hookData).
_V4_SINGLE = f"({_KEY},bool,uint128,uint128,bytes)"
_V4_MULTI = "(address,(address,uint24,int24,address,bytes)[],uint128,uint128)"


def _execute(commands: list[tuple[int, bytes]], deadline: int | None = None) -> bytes:
    """`execute` calldata as the real ABI types it (with the deadline overload if given)."""
    entry = _EXECUTES[2 if deadline is None else 3]
    types = [item["type"] for item in entry["inputs"]]
    args: list[Any] = [bytes(c for c, _ in commands), [i for _, i in commands]]
    if deadline is not None:
        args.append(deadline)
    return selector(f"execute({','.join(types)})") + encode(types, args)


def _swap_input(recipient: str, amount: int, limit: int, path: Any, payer_is_user: bool) -> bytes:
    path_type = "bytes" if isinstance(path, bytes) else "address[]"
    types = ["address", "uint256", "uint256", path_type, "bool"]
    return encode(types, [recipient, amount, limit, path, payer_is_user])


def _packed(tokens: list[str], fees: list[int]) -> bytes:
    out = bytes.fromhex(tokens[0][2:])
    for fee, token in zip(fees, tokens[1:], strict=True):
        out += fee.to_bytes(3, "big") + bytes.fromhex(token[2:])
    return out


def _v4(actions: list[tuple[int, bytes]]) -> bytes:
    return encode(["bytes", "bytes[]"], [bytes(a for a, _ in actions), [p for _, p in actions]])


def _decode(data: bytes, weth: str | None = WETH) -> Any:
    return decode_universal_router_call(data, sender=SENDER, router=ROUTER, weth=weth)


def _lower(path: tuple[str, ...]) -> list[str]:
    return [token.lower() for token in path]


def _solidity_constants(path: Path) -> dict[str, int]:
    text = path.read_text()
    return {m[1]: int(m[2], 16) for m in re.finditer(r"constant (\w+) = (0x[0-9a-fA-F]+);", text)}


def test_constants_are_the_packages() -> None:
    commands = _solidity_constants(_MODULES / "universal-router/contracts/libraries/Commands.sol")
    for name in (
        "FLAG_ALLOW_REVERT",
        "COMMAND_TYPE_MASK",
        "V3_SWAP_EXACT_IN",
        "V3_SWAP_EXACT_OUT",
        "SWEEP",
        "V2_SWAP_EXACT_IN",
        "V2_SWAP_EXACT_OUT",
        "WRAP_ETH",
        "UNWRAP_WETH",
        "V4_SWAP",
        "EXECUTE_SUB_PLAN",
    ):
        assert getattr(Command, name) == commands[name], name
    actions = _solidity_constants(_MODULES / "v4-periphery/src/libraries/Actions.sol")
    for name in (
        "SWAP_EXACT_IN_SINGLE",
        "SWAP_EXACT_IN",
        "SWAP_EXACT_OUT_SINGLE",
        "SWAP_EXACT_OUT",
        "SETTLE",
        "SETTLE_ALL",
        "TAKE",
        "TAKE_ALL",
    ):
        assert getattr(V4Action, name) == actions[name], name


def test_v3_and_v2_commands_round_trip() -> None:
    v3_in = _swap_input(TO, 10**18, 2_900, _packed([WETH, USDC, DAI], [500, 100]), True)
    v3_out = _swap_input(MSG_SENDER, 3_000, 10**18, _packed([DAI, USDC, WETH], [100, 500]), True)
    v2_in = _swap_input(TO, 5, 1, [USDC, DAI], True)
    v2_out = _swap_input(ADDRESS_THIS, 7, 9, [DAI, WETH], True)
    swaps = _decode(
        _execute(
            [
                (Command.V3_SWAP_EXACT_IN, v3_in),
                (Command.V3_SWAP_EXACT_OUT | Command.FLAG_ALLOW_REVERT, v3_out),
                (Command.V2_SWAP_EXACT_IN, v2_in),
                (Command.V2_SWAP_EXACT_OUT, v2_out),
            ],
            deadline=DEADLINE,
        )
    )
    assert [(s.function, s.pool_kind, s.exact_input) for s in swaps] == [
        ("V3_SWAP_EXACT_IN", "uniswap-v3", True),
        ("V3_SWAP_EXACT_OUT", "uniswap-v3", False),
        ("V2_SWAP_EXACT_IN", "uniswap-v2", True),
        ("V2_SWAP_EXACT_OUT", "uniswap-v2", False),
    ]
    assert all(s.router_kind == ROUTER_KIND and s.deadline == DEADLINE for s in swaps)
    assert [_lower(s.path) for s in swaps] == [
        [WETH, USDC, DAI],
        [WETH, USDC, DAI],
        [USDC, DAI],
        [DAI, WETH],
    ]
    assert [s.fees_pips for s in swaps] == [(500, 100), (500, 100), (), ()]
    assert (swaps[0].amount_in, swaps[0].amount_out_min) == (10**18, 2_900)
    assert (swaps[1].amount_out, swaps[1].amount_in_max) == (3_000, 10**18)
    assert (swaps[3].amount_out, swaps[3].amount_in_max) == (7, 9)
    assert [s.recipient.lower() for s in swaps] == [TO, SENDER, TO, ROUTER]
    assert not any(s.native_in or s.native_out for s in swaps)
    (swap,) = _decode(_execute([(Command.V2_SWAP_EXACT_IN, v2_in)]))
    assert swap.deadline is None


def test_wrapped_coin_pays_and_unwrapped_coin_is_paid() -> None:
    wrap = encode(["address", "uint256"], [ADDRESS_THIS, 10**18])
    buy = _swap_input(MSG_SENDER, 10**18, 1, _packed([WETH, USDC], [500]), False)
    user_paid = _swap_input(MSG_SENDER, 10**18, 1, [WETH, DAI], True)
    swaps = _decode(
        _execute(
            [
                (Command.WRAP_ETH, wrap),
                (Command.V3_SWAP_EXACT_IN, buy),
                (Command.V2_SWAP_EXACT_IN, user_paid),
            ]
        )
    )
    assert [(s.native_in, s.recipient) for s in swaps] == [(True, SENDER), (False, SENDER)]
    sell = _swap_input(ADDRESS_THIS, 3_000, 1, [USDC, WETH], True)
    unwrap = encode(["address", "uint256"], [TO, 1])
    (swap,) = _decode(_execute([(Command.V2_SWAP_EXACT_IN, sell), (Command.UNWRAP_WETH, unwrap)]))
    assert (swap.native_out, swap.recipient.lower()) == (True, TO)


def _key(a: str, b: str, fee: int, spacing: int) -> PoolKey:
    return PoolKey.of(a, b, fee=fee, tick_spacing=spacing)


def test_v4_single_swaps_name_their_pool_and_the_native_coin() -> None:
    key = _key(NATIVE, USDC, 3000, 60)
    exact_in = encode([_V4_SINGLE], [(key.as_tuple(), True, 10**18, 2_900, b"")])
    settle = encode(["address", "uint256"], [NATIVE, 10**18])
    take = encode(["address", "uint256"], [USDC, 2_900])
    (swap,) = _decode(
        _execute(
            [
                (
                    Command.V4_SWAP,
                    _v4(
                        [
                            (V4Action.SWAP_EXACT_IN_SINGLE, exact_in),
                            (V4Action.SETTLE_ALL, settle),
                            (V4Action.TAKE_ALL, take),
                        ]
                    ),
                )
            ]
        )
    )
    assert (swap.function, swap.pool_kind) == ("V4_SWAP:SWAP_EXACT_IN_SINGLE", "uniswap-v4")
    assert (_lower(swap.path), swap.pool_ids, swap.fees_pips) == (
        [NATIVE, USDC],
        (key.pool_id,),
        (3000,),
    )
    assert (swap.amount_in, swap.amount_out_min, swap.native_in, swap.native_out) == (
        10**18,
        2_900,
        True,
        False,
    )
    assert swap.recipient == SENDER
    exact_out = encode([_V4_SINGLE], [(key.as_tuple(), False, 10**17, 400, b"")])
    take_to = encode(["address", "address", "uint256"], [NATIVE, TO, 0])
    (swap,) = _decode(
        _execute(
            [
                (
                    Command.V4_SWAP,
                    _v4([(V4Action.SWAP_EXACT_OUT_SINGLE, exact_out), (V4Action.TAKE, take_to)]),
                )
            ]
        )
    )
    assert (_lower(swap.path), swap.native_in, swap.native_out) == ([USDC, NATIVE], False, True)
    assert (swap.amount_out, swap.amount_in_max, swap.recipient.lower()) == (10**17, 400, TO)


def test_v4_multi_hop_swaps_name_each_pool() -> None:
    hops_in = [(WETH, 500, 10, NATIVE, b""), (DAI, 100, 1, NATIVE, b"")]
    exact_in = encode([_V4_MULTI], [(USDC, hops_in, 5_000, 4)])
    # Exact output: the path keys run from the input currency; the last leads to currencyOut.
    hops_out = [(USDC, 500, 10, NATIVE, b""), (WETH, 100, 1, NATIVE, b"")]
    exact_out = encode([_V4_MULTI], [(DAI, hops_out, 6, 7_000)])
    swaps = _decode(
        _execute(
            [
                (
                    Command.V4_SWAP,
                    _v4([(V4Action.SWAP_EXACT_IN, exact_in), (V4Action.SWAP_EXACT_OUT, exact_out)]),
                )
            ]
        )
    )
    assert [_lower(s.path) for s in swaps] == [[USDC, WETH, DAI], [USDC, WETH, DAI]]
    assert swaps[0].pool_ids == (
        _key(USDC, WETH, 500, 10).pool_id,
        _key(WETH, DAI, 100, 1).pool_id,
    )
    assert swaps[1].pool_ids == swaps[0].pool_ids
    assert (swaps[0].amount_in, swaps[0].amount_out_min) == (5_000, 4)
    assert (swaps[1].amount_out, swaps[1].amount_in_max) == (6, 7_000)


def test_other_commands_are_skipped_and_bad_calls_are_no_swaps() -> None:
    transfer = encode(["address", "address", "uint256"], [USDC, TO, 5])
    v2 = _swap_input(TO, 5, 1, [USDC, DAI], True)
    swaps = _decode(_execute([(0x05, transfer), (Command.V2_SWAP_EXACT_IN, v2)]))
    assert [s.function for s in swaps] == ["V2_SWAP_EXACT_IN"]
    assert (
        _decode(_execute([(Command.V2_SWAP_EXACT_IN, _swap_input(TO, 5, 1, [USDC], True))])) == ()
    )
    assert _decode(bytes.fromhex("12210e8a")) == ()
    assert _decode(b"") == ()


@given(st.binary(max_size=800))
def test_random_calldata_never_raises(data: bytes) -> None:
    assert isinstance(_decode(data), tuple)
    assert isinstance(_decode(_EXECUTE_SELECTOR + data, weth=None), tuple)


_EXECUTE_SELECTOR = selector("execute(bytes,bytes[])")


@given(st.integers(min_value=0, max_value=1_400), st.binary(max_size=8))
def test_truncated_calls_never_raise(cut: int, tail: bytes) -> None:
    key = _key(NATIVE, USDC, 3000, 60)
    single = encode([_V4_SINGLE], [(key.as_tuple(), True, 10**18, 0, b"")])
    multi = encode([_V4_MULTI], [(USDC, [(WETH, 500, 10, NATIVE, b"")], 5, 0)])
    data = _execute(
        [
            (Command.WRAP_ETH, encode(["address", "uint256"], [ADDRESS_THIS, 1])),
            (Command.V3_SWAP_EXACT_IN, _swap_input(TO, 1, 0, _packed([WETH, USDC], [500]), False)),
            (
                Command.V4_SWAP,
                _v4([(V4Action.SWAP_EXACT_IN_SINGLE, single), (V4Action.SWAP_EXACT_IN, multi)]),
            ),
        ],
        deadline=DEADLINE,
    )
    assert isinstance(_decode(data[:cut] + tail), tuple)
