"""PoolKey and PoolId: published mainnet pool ids, the ABI encoding (sign-extended int24),
currency order, and the 20-byte name a pool gets."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils.crypto import keccak

from omniarb.dex.uniswap_v4 import NATIVE_CURRENCY, PoolKey, pool_address

USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48"
USDT = "0xdAC17F958D2ee523a2206206994597C13D831ec7"


@pytest.mark.parametrize(
    ("token", "pool_id"),
    [
        # Uniswap V4 on Ethereum: ETH/USDC and ETH/USDT, fee 500, spacing 10, no hooks.
        (USDC, "0x21c67e77068de97969ba93d4aab21826d33ca12bb9f565d8496e8fda8a82ca27"),
        (USDT, "0x72331fcb696b0151904c03584b66dc8365bc63f8a144d89a773384e3a579ca73"),
    ],
)
def test_mainnet_pool_ids(token: str, pool_id: str) -> None:
    key = PoolKey.of(token, NATIVE_CURRENCY, fee=500, tick_spacing=10)
    assert key.currency0 == NATIVE_CURRENCY  # address 0 always sorts first
    assert key.has_native
    assert key.pool_id == pool_id


@pytest.mark.parametrize("spacing", [1, 60, -5, 32767, -(2**23)])
def test_encoding_is_abi_encode_of_the_struct(spacing: int) -> None:
    key = PoolKey(
        currency0=USDC, currency1="0x" + "ff" * 20, fee=0x800000, tick_spacing=spacing, hooks=USDT
    )
    expected = encode(
        ["address", "address", "uint24", "int24", "address"],
        [USDC, "0x" + "ff" * 20, 0x800000, spacing, USDT],
    )
    assert key.encode() == expected
    assert key.pool_id == "0x" + keccak(expected).hex()
    assert key.is_dynamic_fee
    assert key.has_hooks


def test_currencies_must_be_ordered_and_distinct() -> None:
    with pytest.raises(ValueError, match="sort below"):
        PoolKey(currency0=USDT, currency1=USDC, fee=500, tick_spacing=10)
    with pytest.raises(ValueError, match="sort below"):
        PoolKey(currency0=USDC, currency1=USDC, fee=500, tick_spacing=10)
    with pytest.raises(ValueError, match="uint24"):
        PoolKey(currency0=USDC, currency1=USDT, fee=2**24, tick_spacing=10)


def test_pool_address_is_the_ids_leading_twenty_bytes() -> None:
    pool_id = "0x21c67e77068de97969ba93d4aab21826d33ca12bb9f565d8496e8fda8a82ca27"
    assert pool_address(pool_id) == "0x21C67e77068de97969BA93D4aaB21826d33Ca12B"
    with pytest.raises(ValueError, match="32 bytes"):
        pool_address("0x1234")
