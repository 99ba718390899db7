"""Every traded pool kind has its DEXes' router decoder, and each router kind names one decoder."""

from __future__ import annotations

from omniarb.chains.abi import encode_call
from omniarb.dex.registry import ADAPTERS
from omniarb.dex.routers import (
    DEX_ROUTERS,
    ROUTER_DECODERS,
    SHARED_ROUTERS,
    dex_router,
    shared_router,
)


def test_every_traded_kind_has_a_router_decoder() -> None:
    assert set(DEX_ROUTERS) == set(ADAPTERS)
    assert dex_router("velodrome") is None


def test_router_kinds_are_unique_and_all_listed() -> None:
    decoders = [*DEX_ROUTERS.values(), *SHARED_ROUTERS.values()]
    by_kind = {d.kind: d for d in decoders}
    assert all(by_kind[d.kind] is d for d in decoders)  # one decoder per router kind
    assert by_kind == ROUTER_DECODERS
    assert set(ROUTER_DECODERS) == {
        "uniswap-v2-router02",
        "uniswap-v3-swap-router",
        "pancakeswap-v3-dev-router",
        "algebra-integral-swap-router",
        "uniswap-v4-pool-swap-test",
        "balancer-v2-vault",
        "uniswap-swap-router-02",
        "uniswap-universal-router",
    }


def test_a_shared_router_decoder_knows_its_address() -> None:
    """SwapRouter02 forwards an output it holds (recipient: the router itself) to the unwrap's
    recipient; bound to the router's address, the decoder follows it to the sender."""
    router = "0x" + "ab" * 20
    weth, usdc = "0x" + "11" * 20, "0x" + "22" * 20
    swap = encode_call(
        "exactInputSingle((address,address,uint24,address,uint256,uint256,uint160))",
        (usdc, weth, 500, router, 10**9, 1, 0),
    )
    unwrap = encode_call("unwrapWETH9(uint256)", 1)
    data = bytes.fromhex(
        encode_call(
            "multicall(uint256,bytes[])",
            2_000_000_000,
            [bytes.fromhex(c[2:]) for c in (swap, unwrap)],
        )[2:]
    )
    decoder = shared_router("uniswap-swap-router-02", router)
    assert decoder is not None
    assert decoder.knows(data)
    (decoded,) = decoder.decode(data, value_wei=0, wrapped_native=weth)
    assert (decoded.path, decoded.amount_in, decoded.native_out) == ((usdc, weth), 10**9, True)
    assert decoded.recipient == ""  # the transaction's sender
    assert decoded.deadline == 2_000_000_000
    assert shared_router("uniswap-universal-router", router) is not None
    assert shared_router("velodrome-router", router) is None
