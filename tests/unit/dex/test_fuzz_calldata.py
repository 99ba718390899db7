"""Fuzzing the router decoders with the calldata a mempool may carry: random bytes, ABI-shaped
words after each decoder's own selectors (offsets, lengths, addresses and huge numbers where
the decoder reads them), and valid calls with words overwritten, bytes cut off or inserted.

A decoder reads untrusted calldata: it returns the swaps it can read (none for the rest) and
never raises; the router book counts the rest as skipped (`malformed`, `unknown-function`)."""

from __future__ import annotations

import pytest
from _fuzz_budget import FUZZ
from hypothesis import example, given, settings
from hypothesis import strategies as st

from omniarb.chains.abi import encode_call
from omniarb.dex.router_book import DecodeCounts, RouterBook, RouterRoute
from omniarb.dex.router_decoder import RouterDecoder
from omniarb.dex.router_swap import RouterSwap
from omniarb.dex.routers import ROUTER_DECODERS, shared_router

_WETH = "0x" + "11" * 20
_USDC = "0x" + "22" * 20
_ROUTER = "0x" + "ab" * 20
_ME = "0x" + "33" * 20


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


# Words where an ABI decoder is most likely to go wrong: offsets and lengths near the data,
# the largest values, addresses, and anything.
_WORDS = st.one_of(
    st.integers(min_value=0, max_value=24).map(lambda n: _word(32 * n)),
    st.integers(min_value=0, max_value=8).map(_word),
    st.sampled_from([_word(2**256 - 1), _word(2**255), _word(2**64), _word(2**160 - 1)]),
    st.sampled_from([_WETH, _USDC, "0x" + "00" * 20]).map(
        lambda a: bytes(12) + bytes.fromhex(a[2:])
    ),
    st.binary(min_size=32, max_size=32),
)
_BODIES = st.tuples(st.lists(_WORDS, max_size=16), st.binary(max_size=40)).map(
    lambda parts: b"".join(parts[0]) + parts[1]
)


def _hex(call: str) -> bytes:
    return bytes.fromhex(call.removeprefix("0x"))


_V3_PATH = bytes.fromhex(_USDC[2:]) + (500).to_bytes(3, "big") + bytes.fromhex(_WETH[2:])
# Valid calls of the decoders' functions, the seeds of the mutations.
_VALID: tuple[bytes, ...] = (
    _hex(
        encode_call(
            "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)",
            10**18,
            1,
            [_WETH, _USDC],
            _ME,
            2**32,
        )
    ),
    _hex(
        encode_call(
            "exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))",
            (_USDC, _WETH, 500, _ME, 2**32, 10**9, 1, 0),
        )
    ),
    _hex(
        encode_call(
            "exactInput((bytes,address,uint256,uint256,uint256))", (_V3_PATH, _ME, 2**32, 10**9, 1)
        )
    ),
    _hex(
        encode_call(
            "multicall(uint256,bytes[])",
            2**32,
            [
                _hex(
                    encode_call(
                        "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))",
                        (_USDC, _WETH, 500, _ROUTER, 10**9, 1, 0),
                    )
                ),
                _hex(encode_call("unwrapWETH9(uint256,address)", 1, _ME)),
            ],
        )
    ),
    _hex(
        encode_call(
            "execute(bytes,bytes[],uint256)",
            b"\x00",
            [
                _hex(
                    encode_call(
                        "f(address,uint256,uint256,bytes,bool)", _ME, 10**9, 1, _V3_PATH, True
                    )
                )[4:]
            ],
            2**32,
        )
    ),
)


@st.composite
def _mutated(draw: st.DrawFn) -> bytes:
    """A valid call with words overwritten, a cut, or bytes inserted."""
    data = bytearray(draw(st.sampled_from(_VALID)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        kind = draw(st.sampled_from(["word", "cut", "insert", "byte"]))
        at = draw(st.integers(min_value=4, max_value=max(4, len(data))))
        if kind == "word":
            data[at : at + 32] = draw(_WORDS)
        elif kind == "cut":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=33))
        else:
            data[at : at + 1] = draw(st.binary(min_size=1, max_size=1))
    return bytes(data)


def _decoders() -> list[RouterDecoder]:
    shared = [shared_router(kind, _ROUTER) for kind in ("uniswap-swap-router-02",)]
    return [*ROUTER_DECODERS.values(), *(d for d in shared if d is not None)]


_DECODERS = _decoders()
_IDS = [f"{d.kind}-{i}" for i, d in enumerate(_DECODERS)]


# Per decoder (eight kinds, two fuzzers each): a third of the budget keeps the whole under ~25 s.
_PER_DECODER = settings(FUZZ, max_examples=100)


def test_the_seeds_are_calls_a_decoder_reads() -> None:
    """The mutations start from calls that decode: each seed gives swaps to its router."""
    kinds = [
        [d.kind for d in _DECODERS if d.knows(c) and d.decode(c, value_wei=0, wrapped_native=_WETH)]
        for c in _VALID
    ]
    assert [k[0] for k in kinds] == [
        "uniswap-v2-router02",
        "uniswap-v3-swap-router",
        "uniswap-v3-swap-router",
        "uniswap-swap-router-02",
        "uniswap-universal-router",
    ]


def _decode(decoder: RouterDecoder, data: bytes, value_wei: int) -> None:
    for wrapped in (_WETH, None):
        swaps = decoder.decode(data, value_wei=value_wei, wrapped_native=wrapped)
        assert isinstance(swaps, tuple)
        assert all(isinstance(swap, RouterSwap) for swap in swaps)


@pytest.mark.parametrize("decoder", _DECODERS, ids=_IDS)
@_PER_DECODER
@given(data=st.data())
def test_a_decoder_never_raises_on_calldata_after_its_selectors(
    decoder: RouterDecoder, data: st.DataObject
) -> None:
    selector = data.draw(st.sampled_from(sorted(decoder.selectors)))
    body = data.draw(_BODIES)
    _decode(decoder, selector + body, data.draw(st.sampled_from([0, 1, 2**256 - 1])))


@pytest.mark.parametrize("decoder", _DECODERS, ids=_IDS)
@_PER_DECODER
@given(data=st.data())
def test_a_decoder_never_raises_on_mutated_valid_calls(
    decoder: RouterDecoder, data: st.DataObject
) -> None:
    call = data.draw(_mutated())
    # Half the time under one of this decoder's selectors, so its own parsing is reached.
    if data.draw(st.booleans()):
        call = data.draw(st.sampled_from(sorted(decoder.selectors))) + call[4:]
    _decode(decoder, call, 0)


@FUZZ
@given(st.binary(max_size=300), st.sampled_from(sorted(ROUTER_DECODERS)))
@example(b"", "uniswap-v2-router02")
@example(b"\x38\xed\x17", "uniswap-v2-router02")
def test_the_router_book_decodes_or_counts_any_bytes(data: bytes, kind: str) -> None:
    decoder = ROUTER_DECODERS[kind]
    counts = DecodeCounts()
    book = RouterBook(
        routes=[RouterRoute(address=_ROUTER, decoder=decoder, dexes=())],
        dex_kinds={},
        wrapped_native=_WETH,
        observer=counts,
    )
    call = book.decode(_ROUTER, data, 0)
    assert call.outcome in ("swaps", "malformed", "unknown-function")
    assert counts.count(call.outcome, kind) == 1
