"""Opportunity → signed raw transaction: the signing half of the execute path, in microseconds.

Each iteration does what the execute stage does with an approved 3-hop opportunity: encode its
route, amount and minimum profit for the executor contract (the codec is long-lived, as in the
engine, so packed hops are reused; 324 bytes of calldata), fees from the block's base fee, the
transaction request, a nonce from the nonce book, signing with libsecp256k1 and the hex string
`eth_sendRawTransaction` takes. The
baseline does the same with eth_account's `LocalAccount.sign_transaction` (key object made once,
like ours) on the same inputs; both outputs are checked to be identical byte for byte.

Target (issue #5): p50 ≤ 0.5 ms for the whole path. `--json` prints one JSON object.

`--backends` adds the sign latency of one transaction per key backend (issue #19): the plain
`Signer`, `env`, `keystore` (and the one-time scrypt decrypt, `open_ms`), `pkcs11` when
configured (`benchmarks/_signing_backends.py`), eth_account as the peer and bare libsecp256k1 as
the floor, under `backends` in the JSON.

    .venv/bin/python benchmarks/signing.py [--iterations 10000] [--backends] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from _deadline import BENCH_DEADLINE_BLOCK
from _signing_backends import measure_backends
from eth_account import Account
from eth_utils.address import to_checksum_address

from omniarb.chains.fees import Eip1559Fees, fees_for
from omniarb.chains.spec import FeeModel
from omniarb.devnet.accounts import BOT_INDEX, dev_account
from omniarb.execute.nonces import NonceBook
from omniarb.execute.route_codec import RouteCodec
from omniarb.execute.signer import Signer
from omniarb.execute.submit import TxRequest
from omniarb.types import Hop, Route

TARGET_P50_US = 500.0
CALLDATA_BYTES = 324  # execute(bytes) with a 3-hop plan: 4 + 32 + 32 + 256
GAS = 350_000
TIP_WEI = 2 * 10**9
_WARMUP = 300


def _percentiles_us(samples_ns: list[int]) -> tuple[float, float, float]:
    ordered = sorted(samples_ns)
    p50 = ordered[len(ordered) // 2] / 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1000
    return p50, p99, statistics.fmean(ordered) / 1000


def _time(step: Callable[[int], str], iterations: int) -> list[int]:
    for i in range(_WARMUP):
        step(i)
    samples = []
    clock = time.perf_counter_ns
    for i in range(iterations):
        started = clock()
        step(i)
        samples.append(clock() - started)
    return samples


def _measure_model(
    fee_model: FeeModel, chain_id: int, iterations: int, baseline: int
) -> dict[str, Any]:
    key = dev_account(BOT_INDEX).private_key
    rng = random.Random(5)
    executor = to_checksum_address(rng.randbytes(20))
    tokens = [to_checksum_address(rng.randbytes(20)) for _ in range(3)]
    route = Route(
        chain_id=chain_id,
        hops=tuple(
            Hop(
                pool=to_checksum_address(rng.randbytes(20)),
                dex="uniswap-v2",
                kind="uniswap-v2",
                token_in=tokens[i],
                token_out=tokens[(i + 1) % 3],
                zero_for_one=tokens[i].lower() < tokens[(i + 1) % 3].lower(),
                fee_pips=3000,
            )
            for i in range(3)
        ),
    )
    codec = RouteCodec({"uniswap-v2": to_checksum_address(rng.randbytes(20))})
    amounts = [rng.randrange(10**15, 10**21) for _ in range(1024)]
    if (
        len(codec.calldata(route, amounts[0], 1, deadline_block=BENCH_DEADLINE_BLOCK))
        != CALLDATA_BYTES
    ):
        raise SystemExit("unexpected calldata size")
    base_fees = [rng.randrange(10**8, 10**11) for _ in range(1024)]
    signer = Signer(key, chain_id=chain_id)
    account = Account.from_key(key)

    def make_ours(book: NonceBook) -> Callable[[int], str]:
        def ours(i: int) -> str:
            fees = fees_for(fee_model, base_fee_wei=base_fees[i % 1024], tip_wei=TIP_WEI)
            calldata = codec.calldata(
                route, amounts[i % 1024], 10**12, deadline_block=BENCH_DEADLINE_BLOCK
            )
            request = TxRequest(to=executor, data=calldata, gas=GAS, fees=fees)
            nonce = book.reserve()
            book.mark_sent(nonce)
            signed = signer.sign(
                nonce=nonce, to=request.to, data=request.data, gas=request.gas, fees=request.fees
            )
            return signed.raw_hex

        return ours

    def make_theirs(book: NonceBook) -> Callable[[int], str]:
        def theirs(i: int) -> str:
            fees = fees_for(fee_model, base_fee_wei=base_fees[i % 1024], tip_wei=TIP_WEI)
            calldata = codec.calldata(
                route, amounts[i % 1024], 10**12, deadline_block=BENCH_DEADLINE_BLOCK
            )
            nonce = book.reserve()
            book.mark_sent(nonce)
            tx: dict[str, Any] = {
                "chainId": chain_id,
                "nonce": nonce,
                "to": executor,
                "value": 0,
                "gas": GAS,
                "data": calldata,
            }
            if isinstance(fees, Eip1559Fees):
                tx |= {
                    "type": 2,
                    "maxFeePerGas": fees.max_fee_per_gas_wei,
                    "maxPriorityFeePerGas": fees.max_priority_fee_per_gas_wei,
                }
            else:
                tx["gasPrice"] = fees.gas_price_wei
            return "0x" + bytes(account.sign_transaction(tx).raw_transaction).hex()

        return theirs

    # Same inputs, same bytes: the comparison is of equals.
    check_ours, check_theirs = make_ours(NonceBook(0)), make_theirs(NonceBook(0))
    if any(check_ours(i) != check_theirs(i) for i in range(100)):
        raise SystemExit("our raw transaction differs from eth_account's")

    ours, theirs = make_ours(NonceBook(0)), make_theirs(NonceBook(0))
    ours_p50, ours_p99, ours_mean = _percentiles_us(_time(ours, iterations))
    base_p50, base_p99, base_mean = _percentiles_us(_time(theirs, baseline))
    return {
        "p50_us": round(ours_p50, 2),
        "p99_us": round(ours_p99, 2),
        "mean_us": round(ours_mean, 2),
        "eth_account_p50_us": round(base_p50, 2),
        "eth_account_p99_us": round(base_p99, 2),
        "eth_account_mean_us": round(base_mean, 2),
        "speedup_p50": round(base_p50 / ours_p50, 1),
    }


def measure_signing(
    iterations: int = 10_000, baseline_iterations: int | None = None
) -> dict[str, Any]:
    """p50/p99 of opportunity → signed raw transaction, ours and eth_account's, flat keys."""
    baseline = iterations if baseline_iterations is None else baseline_iterations
    result: dict[str, Any] = {
        "iterations": iterations,
        "baseline_iterations": baseline,
        "calldata_bytes": CALLDATA_BYTES,
        "target_p50_us": TARGET_P50_US,
    }
    for label, model, chain_id in (
        ("eip1559", FeeModel.EIP1559, 1),
        ("legacy", FeeModel.LEGACY, 56),
    ):
        figures = _measure_model(model, chain_id, iterations, baseline)
        result |= {f"{label}_{name}": value for name, value in figures.items()}
    result["target_met"] = max(result["eip1559_p50_us"], result["legacy_p50_us"]) <= TARGET_P50_US
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=10_000)
    parser.add_argument(
        "--baseline-iterations", type=int, default=None, help="default: --iterations"
    )
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    parser.add_argument(
        "--backends", action="store_true", help="also sign with each key backend's signer"
    )
    args = parser.parse_args()
    result = measure_signing(args.iterations, args.baseline_iterations)
    if args.backends:
        baseline = args.iterations if args.baseline_iterations is None else args.baseline_iterations
        result["backends"] = measure_backends(
            dev_account(BOT_INDEX).private_key, args.iterations, baseline
        )
    if args.json:
        print(json.dumps(result))
        return 0
    print(
        f"opportunity -> signed raw tx, {CALLDATA_BYTES}-byte calldata, "
        f"{args.iterations} iterations (eth_account: {result['baseline_iterations']})"
    )
    for label in ("eip1559", "legacy"):
        print(
            f"{label:8} ours p50 {result[f'{label}_p50_us']:7.1f} us  p99 "
            f"{result[f'{label}_p99_us']:7.1f} us | eth_account p50 "
            f"{result[f'{label}_eth_account_p50_us']:7.1f} us  p99 "
            f"{result[f'{label}_eth_account_p99_us']:7.1f} us | {result[f'{label}_speedup_p50']}x"
        )
    print(
        f"target p50 <= {TARGET_P50_US:g} us: {'met' if result['target_met'] else 'NOT met'} "
        f"({max(result['eip1559_p50_us'], result['legacy_p50_us']) / TARGET_P50_US:.1%} of target)"
    )
    for name, figures in result.get("backends", {}).items():
        opened = f"  open {figures['open_ms']:8.1f} ms" if "open_ms" in figures else ""
        ratios = (
            f"  {figures['x_floor_p50']:5.2f}x floor  {figures['speedup_vs_eth_account']:5.1f}x "
            "faster than eth_account"
            if "x_floor_p50" in figures
            else ""
        )
        print(
            f"backend {name:16} p50 {figures['p50_us']:8.1f} us  p99 {figures['p99_us']:8.1f} us"
            f"{opened}{ratios}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
