"""Balancer V2 Vault swaps decode into the swaps they ask for: `swap` and `batchSwap` calldata
built with the real ABI of the Vault (npm `@balancer-labs/v2-deployments` 3.2.0) round-trips,
given in and given out, multi-hop batches are split where the Vault starts a new swap, the
native coin (asset 0) is named by the wrapped token; batches the Vault would refuse, random and
truncated calldata give no swap and never raise."""

from __future__ import annotations

from _abi_calls import AbiCalls
from hypothesis import given
from hypothesis import strategies as st

from omniarb.dex.balancer.router import DECODER, ROUTER_KIND, decode_vault_call

VAULT = AbiCalls.npm("@balancer-labs/v2-deployments/dist/tasks/20210418-vault/artifact/Vault.json")
WETH = "0x" + "aa" * 20
USDC = "0x" + "bb" * 20
DAI = "0x" + "cc" * 20
TO = "0x" + "dd" * 20
NATIVE = "0x" + "00" * 20
POOL_A = bytes.fromhex("a1" * 20 + "0001" + "00" * 9 + "01")
POOL_B = bytes.fromhex("b2" * 20 + "0002" + "00" * 9 + "02")
FUNDS = (TO, False, TO, False)
DEADLINE = 1_765_000_000
GIVEN_IN, GIVEN_OUT = 0, 1


def _id(pool: bytes) -> str:
    return "0x" + pool.hex()


def _lower(items: tuple[str, ...]) -> list[str]:
    return [item.lower() for item in items]


def test_the_decoder_reads_the_vaults_two_swap_functions() -> None:
    single = VAULT.call("swap", (POOL_A, 0, WETH, USDC, 1, b""), FUNDS, 0, DEADLINE)
    batch = VAULT.call("batchSwap", 0, [], [], FUNDS, [], DEADLINE)
    assert DECODER.knows(single)
    assert DECODER.knows(batch)
    assert not DECODER.knows(VAULT.call("getPoolTokens", POOL_A))


def test_single_swaps_round_trip_given_in_and_given_out() -> None:
    (swap,) = decode_vault_call(
        VAULT.call("swap", (POOL_A, GIVEN_IN, WETH, USDC, 10**18, b"\x01"), FUNDS, 7, DEADLINE)
    )
    assert (swap.router_kind, swap.function, swap.exact_input) == (ROUTER_KIND, "swap", True)
    assert _lower(swap.path) == [WETH, USDC]
    assert swap.pool_ids == (_id(POOL_A),)
    assert (swap.amount_in, swap.amount_out_min, swap.amount_out) == (10**18, 7, None)
    assert (swap.recipient.lower(), swap.deadline) == (TO, DEADLINE)
    (swap,) = decode_vault_call(
        VAULT.call("swap", (POOL_B, GIVEN_OUT, USDC, DAI, 5 * 10**18, b""), FUNDS, 6, DEADLINE)
    )
    assert swap.exact_input is False
    assert (swap.amount_out, swap.amount_in_max, swap.amount_in) == (5 * 10**18, 6, None)


def test_the_native_coin_is_named_by_the_wrapped_token() -> None:
    call = VAULT.call("swap", (POOL_A, GIVEN_IN, NATIVE, USDC, 10**18, b""), FUNDS, 0, DEADLINE)
    (swap,) = decode_vault_call(call, value_wei=10**18, wrapped_native=WETH)
    assert _lower(swap.path) == [WETH, USDC]
    assert (swap.native_in, swap.native_out) == (True, False)
    (swap,) = decode_vault_call(call, value_wei=10**18)
    assert _lower(swap.path) == [NATIVE, USDC]  # no wrapped token known: address 0 stays
    assert swap.native_in is True


def test_a_given_in_batch_chains_steps_of_amount_zero_and_starts_new_swaps_otherwise() -> None:
    assets = [WETH, USDC, DAI]
    steps = [
        (POOL_A, 0, 1, 10**18, b""),  # WETH -> USDC
        (POOL_B, 1, 2, 0, b""),  # USDC -> DAI with the output before
        (POOL_B, 2, 1, 500, b""),  # a new swap: DAI -> USDC
    ]
    limits = [10**18, -3, -2_000]
    first, second = decode_vault_call(
        VAULT.call("batchSwap", GIVEN_IN, steps, assets, FUNDS, limits, DEADLINE)
    )
    assert (first.function, first.exact_input) == ("batchSwap", True)
    assert _lower(first.path) == [WETH, USDC, DAI]
    assert first.pool_ids == (_id(POOL_A), _id(POOL_B))
    assert (first.amount_in, first.amount_out_min) == (10**18, 2_000)
    assert _lower(second.path) == [DAI, USDC]
    assert (second.amount_in, second.amount_out_min) == (500, 3)


def test_a_given_out_batch_is_listed_from_its_last_hop_back() -> None:
    assets = [NATIVE, USDC, DAI]
    steps = [
        (POOL_B, 1, 2, 3_000 * 10**18, b""),  # USDC -> DAI, exactly 3,000 DAI out
        (POOL_A, 0, 1, 0, b""),  # native -> USDC: as much USDC as the hop after needs
    ]
    (swap,) = decode_vault_call(
        VAULT.call("batchSwap", GIVEN_OUT, steps, assets, FUNDS, [2 * 10**18, 0, -1], DEADLINE),
        value_wei=2 * 10**18,
        wrapped_native=WETH,
    )
    assert swap.exact_input is False
    assert _lower(swap.path) == [WETH, USDC, DAI]
    assert swap.pool_ids == (_id(POOL_A), _id(POOL_B))
    assert (swap.amount_out, swap.amount_in_max) == (3_000 * 10**18, 2 * 10**18)
    assert (swap.native_in, swap.native_out) == (True, False)


def test_batches_the_vault_refuses_are_no_swaps() -> None:
    assets = [WETH, USDC, DAI]
    limits = [0, 0, 0]

    def batch(kind: int, steps: list[tuple[bytes, int, int, int, bytes]]) -> bytes:
        return VAULT.call("batchSwap", kind, steps, assets, FUNDS, limits, DEADLINE)

    assert decode_vault_call(batch(GIVEN_IN, [(POOL_A, 0, 1, 0, b"")])) == ()  # BAL#507
    broken = [(POOL_A, 0, 1, 5, b""), (POOL_B, 2, 0, 0, b"")]  # does not continue: BAL#508
    assert decode_vault_call(batch(GIVEN_IN, broken)) == ()
    assert decode_vault_call(batch(GIVEN_IN, [(POOL_A, 0, 3, 5, b"")])) == ()  # no asset 3
    assert decode_vault_call(batch(GIVEN_IN, [(POOL_A, 1, 1, 5, b"")])) == ()  # same token
    assert decode_vault_call(batch(2, [(POOL_A, 0, 1, 5, b"")])) == ()  # no kind 2
    assert decode_vault_call(batch(GIVEN_IN, [])) == ()
    short_limits = VAULT.call(
        "batchSwap", GIVEN_IN, [(POOL_A, 0, 1, 5, b"")], assets, FUNDS, [0], DEADLINE
    )
    assert decode_vault_call(short_limits) == ()
    assert decode_vault_call(VAULT.call("getPoolTokens", POOL_A)) == ()


@given(st.binary(max_size=800), st.integers(min_value=0, max_value=10**20))
def test_random_calldata_never_raises(data: bytes, value_wei: int) -> None:
    assert isinstance(decode_vault_call(data, value_wei=value_wei, wrapped_native=WETH), tuple)


@given(
    st.integers(min_value=0, max_value=900),
    st.binary(max_size=8),
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=3),
            st.integers(min_value=0, max_value=3),
            st.integers(min_value=0, max_value=2),
        ),
        max_size=4,
    ),
)
def test_truncated_and_random_batches_never_raise(
    cut: int, tail: bytes, shape: list[tuple[int, int, int]]
) -> None:
    steps = [(POOL_A, i, o, amount, b"") for i, o, amount in shape]
    data = VAULT.call("batchSwap", GIVEN_IN, steps, [WETH, USDC, DAI], FUNDS, [0, 0, 0], DEADLINE)
    assert isinstance(decode_vault_call(data), tuple)
    assert isinstance(decode_vault_call(data[:cut] + tail, wrapped_native=WETH), tuple)


def test_a_hop_may_continue_from_the_native_coin_into_the_wrapped_token() -> None:
    # The Vault compares tokens with the native coin as its wrapped token, not asset indices.
    assets = [NATIVE, USDC, WETH, DAI]
    steps = [(POOL_A, 1, 0, 5, b""), (POOL_B, 2, 3, 0, b"")]
    call = VAULT.call("batchSwap", GIVEN_IN, steps, assets, FUNDS, [0, 5, 0, -1], DEADLINE)
    (swap,) = decode_vault_call(call, wrapped_native=WETH)
    assert _lower(swap.path) == [USDC, WETH, DAI]
