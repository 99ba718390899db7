"""The one-batch pool read: request layout, and decoding into V2/V3 states with virtual reserves."""

from __future__ import annotations

from omniarb.chains.abi import encode_args, encode_call
from omniarb.devnet.market._reader import StateReader
from omniarb.network import ChainManifest, DexEntry, PoolEntry, TokenEntry

WETH = TokenEntry(symbol="WETH", address="0x" + "11" * 20, decimals=18, name="W", asset="ETH")
USDC = TokenEntry(symbol="USDC", address="0x" + "22" * 20, decimals=6, name="U", asset="USDC")
V2 = PoolEntry(
    address="0x" + "aa" * 20,
    dex="uniswap-v2",
    kind="uniswap-v2",
    token0=WETH.address,
    token1=USDC.address,
    fee=3000,
    symbol0="WETH",
    symbol1="USDC",
)
V3 = PoolEntry(
    address="0x" + "bb" * 20,
    dex="uniswap-v3",
    kind="uniswap-v3",
    token0=WETH.address,
    token1=USDC.address,
    fee=500,
    symbol0="WETH",
    symbol1="USDC",
    tick_spacing=10,
)
CHAIN = ChainManifest(
    chain_id=1,
    name="ethereum",
    rpc_http="",
    rpc_ws="",
    tokens=(WETH, USDC),
    dexes=(DexEntry(name="uniswap-v2", kind="uniswap-v2", factory="0x", router="0x"),),
    pools=(V2, V3),
    deployer="0x",
    traders=(),
)


def hexed(types: list[str], values: list[object]) -> str:
    return "0x" + encode_args(types, values).hex()


def test_one_batch_reads_the_block_and_every_pool() -> None:
    requests = StateReader(CHAIN).requests
    assert requests[0] == ("eth_getBlockByNumber", ["latest", False])
    calls = [(params[0]["to"], params[0]["data"]) for _, params in requests[1:]]
    assert calls == [
        (V2.address, encode_call("getReserves()")),
        (V3.address, encode_call("slot0()")),
        (V3.address, encode_call("liquidity()")),
        (WETH.address, encode_call("balanceOf(address)", V3.address)),
        (USDC.address, encode_call("balanceOf(address)", V3.address)),
    ]


def test_answers_become_states_with_virtual_reserves() -> None:
    sqrt_price_x96 = 2**96 * 3  # price 9 raw units of token1 per raw unit of token0
    liquidity = 10**20
    answers = [
        {"number": "0x2a", "baseFeePerGas": "0x7"},
        hexed(["uint112", "uint112", "uint32"], [5 * 10**18, 15_000 * 10**6, 0]),
        hexed(
            ["uint160", "int24", "uint16", "uint16", "uint16", "uint8", "bool"],
            [sqrt_price_x96, 21972, 0, 1, 1, 0, True],
        ),
        hexed(["uint128"], [liquidity]),
        hexed(["uint256"], [4 * 10**18]),
        hexed(["uint256"], [123 * 10**6]),
    ]
    state = StateReader(CHAIN).parse(answers)
    assert (state.block_number, state.base_fee_wei) == (42, 7)
    v2, v3 = state.pools
    assert (v2.balance0, v2.balance1) == (v2.virtual0, v2.virtual1) == (5 * 10**18, 15_000 * 10**6)
    assert (v2.asset0, v2.decimals1, v2.fee_pips) == ("ETH", 6, 3000)
    assert (v3.balance0, v3.balance1) == (4 * 10**18, 123 * 10**6)
    assert (v3.virtual0, v3.virtual1) == (liquidity // 3, liquidity * 3)
    assert v3.virtual1 / v3.virtual0 == 9.0
