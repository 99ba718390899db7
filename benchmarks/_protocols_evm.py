"""The EVM baseline of `benchmarks/protocols.py`: each kind's real contracts in pyrevm.

pyrevm forks the devnet chain at the block the states were read at and runs, per swap, the
call that makes the pool's own bytecode price it: Uniswap V3's QuoterV2, Algebra's QuoterV2,
V4Quoter and `BalancerQueries.querySwap` (each runs the pool's swap and reverts it out),
PancakeSwap V3 through the devnet router's `quote` (the same, for lack of a published quoter
artifact), and Uniswap V2 as a real `swapExactTokensForTokens` through Router02 (the pair has
no quote path: the router prices with `getReserves` and the pair's `swap` checks the
invariant), undone with a journal checkpoint after each swap. pyrevm runs at the block's
number and timestamp.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from importlib.metadata import version
from typing import Any

from _protocols_chain import DEADLINE, ZERO, Bench

from omniarb.chains.abi import decode, encode_call

Swap = tuple[str, str, int]  # token in, token out, amount in
_V2_SWAP = "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)"
_V3_QUOTE = "quoteExactInputSingle((address,address,uint256,uint24,uint160))"
_ALGEBRA_QUOTE = "quoteExactInputSingle((address,address,address,uint256,uint160))"
_V4_QUOTE = "quoteExactInputSingle(((address,address,uint24,int24,address),bool,uint128,bytes))"
_PANCAKE_QUOTE = "quote(address,bool,int256,uint160)"
_QUERY_SWAP = "querySwap((bytes32,uint8,address,address,uint256,bytes),(address,bool,address,bool))"
_NO_LIMIT = {True: 4295128740, False: 1461446703485210103287273052203988822378723970341}
LABELS = {
    "uniswap-v2": "Router02 swap, reverted",
    "uniswap-v3": "QuoterV2",
    "pancakeswap-v3": "dev router quote",
    "algebra-integral": "Algebra QuoterV2",
    "uniswap-v4": "V4Quoter",
    "balancer-weighted": "BalancerQueries",
    "balancer-stable": "BalancerQueries",
}


def _calls(bench: Bench, kind: str, swap: Swap) -> tuple[str, str, Callable[[bytes], int]]:
    """(contract, calldata, answer -> amount out) for one swap of `kind`."""
    state = bench.states[kind]
    token_in, token_out, amount = swap
    zero_for_one = token_in == getattr(state, "token0", None)
    if kind == "uniswap-v2":
        path = [token_in, token_out]
        data = encode_call(_V2_SWAP, amount, 0, path, bench.deployer, DEADLINE)
        return bench.dexes[kind].router, data, lambda a: int(decode(["uint256[]"], a)[0][-1])
    if kind == "uniswap-v3":
        quoter = bench.dexes[kind].quoter
        assert quoter is not None
        data = encode_call(_V3_QUOTE, (token_in, token_out, amount, state.fee_pips, 0))
        return quoter, data, lambda a: int(decode(["uint256"], a[:32])[0])
    if kind == "algebra-integral":
        quoter = bench.dexes[kind].quoter
        assert quoter is not None
        data = encode_call(_ALGEBRA_QUOTE, (token_in, token_out, ZERO, amount, 0))
        return quoter, data, lambda a: int(decode(["uint256"], a[:32])[0])
    if kind == "uniswap-v4":
        quoter = bench.dexes[kind].quoter
        assert quoter is not None
        data = encode_call(_V4_QUOTE, (bench.v4_key.as_tuple(), zero_for_one, amount, b""))
        return quoter, data, lambda a: int(decode(["uint256"], a[:32])[0])
    if kind == "pancakeswap-v3":
        limit = _NO_LIMIT[zero_for_one]
        data = encode_call(_PANCAKE_QUOTE, state.address, zero_for_one, amount, limit)
        index = 1 if zero_for_one else 0
        return (
            bench.dexes[kind].router,
            data,
            lambda a: -int(decode(["int256", "int256", "uint160", "int24"], a)[index]),
        )
    single = (bytes.fromhex(state.pool_id[2:]), 0, token_in, token_out, amount, b"")
    funds = (bench.deployer, False, bench.deployer, False)
    data = encode_call(_QUERY_SWAP, single, funds)
    return bench.balancer_queries, data, lambda a: int(decode(["uint256"], a)[0])


def run_pyrevm(
    rpc_url: str, bench: Bench, cases: Sequence[tuple[str, Sequence[Swap]]], repeats: int
) -> tuple[list[tuple[list[int], float]], str] | str:
    """Per case, the contracts' outputs and the best of `repeats` timed passes, with pyrevm's
    version; or why it could not run."""
    try:
        from pyrevm import EVM, BlockEnv
    except ImportError:
        return "pyrevm is not installed (pip install pyrevm==0.3.7)"
    evm: Any = EVM(fork_url=rpc_url, fork_block=bench.block_hash)
    # A fork starts at block 0, timestamp 1: a composable stable pool's rate and amplification
    # bookkeeping then reverts. The block the states were read at is what every swap sees.
    evm.set_block_env(
        BlockEnv(number=bench.block_number, timestamp=bench.block_timestamp, basefee=0)
    )
    caller = bench.deployer
    results = []
    for kind, swaps in cases:
        calls = []
        for swap in swaps:
            to, data, read = _calls(bench, kind, swap)
            calls.append((to, bytes.fromhex(data[2:]), read))
        revert = kind == "uniswap-v2"  # a real swap: undo it, so every swap sees one state

        def one_pass(
            collect: list[int] | None, calls: list[Any] = calls, revert: bool = revert
        ) -> float:
            started = time.perf_counter()
            for to, data, read in calls:
                if revert:
                    checkpoint = evm.snapshot()
                    answer = evm.message_call(caller, to, data)
                    evm.revert(checkpoint)
                else:
                    answer = evm.message_call(caller, to, data)
                if collect is not None:
                    collect.append(read(answer))
            return time.perf_counter() - started

        outputs: list[int] = []
        one_pass(outputs)  # untimed: also pulls every slot the swaps touch into pyrevm's cache
        best = min(one_pass(None) for _ in range(repeats))
        results.append((outputs, best))
    return results, version("pyrevm")
