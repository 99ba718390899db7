"""Sign latency per key backend, for `benchmarks/signing.py --backends`.

Each backend is a factory in `backend_factories()`: name → a function that prepares the backend
in a temporary directory (the keystore: encrypts the key into it) and returns the opener that is
timed once (`open_ms`: the keystore's scrypt decrypt) and gives a `Signer` on the key. `env` and
`keystore` hand out the same in-process key once loaded, so they sign at the same speed;
`pkcs11` is listed only when `omniarb.keys.pkcs11` imports and `OMNIARB_BENCH_PKCS11_MODULE`,
`_TOKEN` and `_PIN` name a token (e.g. SoftHSM2's). The peer is eth_account's
`Account.sign_transaction`; the floor is libsecp256k1's bare `sign_recoverable` of a digest.
"""

from __future__ import annotations

import importlib
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from coincurve import PrivateKey
from eth_account import Account

from omniarb.chains.fees import Eip1559Fees
from omniarb.config import load_secrets
from omniarb.execute.signer import Signer
from omniarb.keys.env import EnvBackend
from omniarb.keys.keystore import KeystoreBackend

__all__ = ["backend_factories", "measure_backends"]

_TO = "0x00000000000000000000000000000000DeaDBeef"
_CALLDATA = bytes(range(256)) + bytes(68)  # 324 bytes, the 3-hop executor call's size
_GAS = 350_000
_FEES = Eip1559Fees(max_fee_per_gas_wei=60 * 10**9, max_priority_fee_per_gas_wei=2 * 10**9)
_PASSPHRASE = "benchmark passphrase"
_WARMUP = 200

Opener = Callable[[], Signer]
Factory = Callable[[bytes, Path], Opener]


def _env(key: bytes, _: Path) -> Opener:
    def open_env() -> Signer:
        backend = EnvBackend(load_secrets({"OMNIARB_PRIVATE_KEY": "0x" + key.hex()}))
        address = backend.list_keys()[0].address
        return Signer.from_digest_signer(backend.digest_signer(address), chain_id=1)

    return open_env


def _keystore(key: bytes, directory: Path) -> Opener:
    # geth's standard scrypt cost, the `[keys] scrypt_n` default: what a real unlock pays.
    KeystoreBackend(directory, lambda: _PASSPHRASE).import_key(key, label="bench")

    def open_keystore() -> Signer:
        backend = KeystoreBackend(directory, lambda: _PASSPHRASE)
        address = backend.list_keys()[0].address
        return Signer.from_digest_signer(backend.digest_signer(address), chain_id=1)

    return open_keystore


def _pkcs11(_: bytes, __: Path) -> Opener:
    module = importlib.import_module("omniarb.keys.pkcs11")

    def open_pkcs11() -> Signer:
        backend = module.Pkcs11Backend(
            os.environ["OMNIARB_BENCH_PKCS11_MODULE"],
            os.environ["OMNIARB_BENCH_PKCS11_TOKEN"],
            os.environ["OMNIARB_BENCH_PKCS11_PIN"],
        )
        live = [k for k in backend.list_keys() if not k.retired]
        address = live[0].address if live else backend.create_key("bench").address
        return Signer.from_digest_signer(backend.digest_signer(address), chain_id=1)

    return open_pkcs11


def backend_factories() -> dict[str, Factory]:
    """Every backend this build and environment can measure."""
    factories: dict[str, Factory] = {"env": _env, "keystore": _keystore}
    configured = all(
        os.environ.get(f"OMNIARB_BENCH_PKCS11_{part}") for part in ("MODULE", "TOKEN", "PIN")
    )
    try:
        importlib.import_module("omniarb.keys.pkcs11")
    except ImportError:
        configured = False
    if configured:
        factories["pkcs11"] = _pkcs11
    return factories


def _time_us(step: Callable[[int], object], iterations: int) -> dict[str, float]:
    for i in range(_WARMUP):
        step(i)
    clock = time.perf_counter_ns
    samples = []
    for i in range(iterations):
        started = clock()
        step(i)
        samples.append(clock() - started)
    samples.sort()
    return {
        "p50_us": round(samples[len(samples) // 2] / 1000, 2),
        "p99_us": round(samples[min(len(samples) - 1, int(len(samples) * 0.99))] / 1000, 2),
        "mean_us": round(statistics.fmean(samples) / 1000, 2),
    }


def measure_backends(key: bytes, iterations: int, peer_iterations: int) -> dict[str, Any]:
    """p50/p99 of signing one 324-byte-calldata EIP-1559 transaction with each backend's signer,
    the one-time cost of opening it, eth_account as the peer and bare coincurve as the floor."""
    result: dict[str, Any] = {}
    plain = Signer(key, chain_id=1)

    def sign_with(signer: Signer) -> Callable[[int], object]:
        return lambda i: signer.sign(nonce=i, to=_TO, data=_CALLDATA, gas=_GAS, fees=_FEES)

    result["signer"] = _time_us(sign_with(plain), iterations)
    for name, factory in backend_factories().items():
        with tempfile.TemporaryDirectory() as tmp:
            opener = factory(key, Path(tmp) / "keys")
            started = time.perf_counter()
            signer = opener()
            open_ms = (time.perf_counter() - started) * 1000
            ours = signer.sign(nonce=7, to=_TO, data=_CALLDATA, gas=_GAS, fees=_FEES).raw
            reference = plain.sign(nonce=7, to=_TO, data=_CALLDATA, gas=_GAS, fees=_FEES).raw
            # An HSM's key is its own; the others hold the same key and must sign the same bytes.
            if name != "pkcs11" and ours != reference:
                raise SystemExit(f"{name}: signs differently from the plain Signer")
            result[name] = _time_us(sign_with(signer), iterations) | {"open_ms": round(open_ms, 1)}
    account = Account.from_key(key)
    tx = {
        "type": 2, "chainId": 1, "to": _TO, "value": 0, "gas": _GAS, "data": _CALLDATA,
        "maxFeePerGas": _FEES.max_fee_per_gas_wei,
        "maxPriorityFeePerGas": _FEES.max_priority_fee_per_gas_wei,
    }  # fmt: skip
    result["eth_account"] = _time_us(
        lambda i: account.sign_transaction(tx | {"nonce": i}), peer_iterations
    )
    coincurve_key = PrivateKey(key)
    digest = bytes(range(32))
    result["coincurve_floor"] = _time_us(
        lambda _: coincurve_key.sign_recoverable(digest, hasher=None), iterations
    )
    floor = result["coincurve_floor"]["p50_us"]
    peer = result["eth_account"]["p50_us"]
    for name in ("signer", *backend_factories()):
        p50 = result[name]["p50_us"]
        result[name] |= {
            "x_floor_p50": round(p50 / floor, 2),
            "speedup_vs_eth_account": round(peer / p50, 1),
        }
    return result
