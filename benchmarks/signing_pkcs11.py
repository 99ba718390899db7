"""Sign latency of the pkcs11 key backend on SoftHSM2, in microseconds.

A fresh SoftHSM2 token in a temporary directory, one secp256k1 key generated inside it, then:
- `sign_digest`: the token's `CKM_ECDSA` over a 32-byte digest plus our low-s normalization and
  recovery-id search (what custody and every transaction signature cost);
- `recovery`: that host-side part alone (`low_s_recoverable` on the token's raw r ‖ s);
- `tx`: a whole EIP-1559 transfer through `Signer.from_digest_signer` (RLP, keccak, signature);
- `env`: the same transaction signed by the in-process key (`Signer`), for comparison.
`benchmarks/signing.py` can take the per-backend row from `measure_pkcs11_signing()`.

    .venv/bin/python benchmarks/signing_pkcs11.py [--iterations 2000] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pkcs11
from eth_utils.address import to_canonical_address
from pkcs11 import Mechanism, ObjectClass
from signing import _WARMUP, _percentiles_us, _time

from omniarb.chains.fees import Eip1559Fees
from omniarb.execute.signer import Signer
from omniarb.keys._pkcs11_signer import low_s_recoverable
from omniarb.keys.pkcs11 import Pkcs11Backend
from omniarb.keys.softhsm import SOFTHSM_CONF_ENV, init_softhsm_token

_FEES = Eip1559Fees(max_fee_per_gas_wei=30 * 10**9, max_priority_fee_per_gas_wei=2 * 10**9)
_TO = "0x" + "11" * 20


def _figures_us(step: Callable[[int], object], iterations: int) -> dict[str, float]:
    p50_us, p99_us, mean_us = _percentiles_us(_time(step, iterations))  # type: ignore[arg-type]
    return {"p50_us": round(p50_us, 1), "p99_us": round(p99_us, 1), "mean_us": round(mean_us, 1)}


def measure_pkcs11_signing(iterations: int = 2_000) -> dict[str, Any]:
    """p50/p99/mean per step (flat keys `<step>_p50_us`...), on a throwaway SoftHSM2 token.

    Sets `SOFTHSM2_CONF` for this process: run it before anything else loads the module.
    """
    digests = [os.urandom(32) for _ in range(1024)]
    result: dict[str, Any] = {"iterations": iterations, "module": "softhsm2"}
    with tempfile.TemporaryDirectory(prefix="omniarb-softhsm-") as directory:
        pin = secrets.token_hex(8)
        token = init_softhsm_token(
            Path(directory), label="bench", pin=pin, so_pin=secrets.token_hex(8)
        )
        os.environ[SOFTHSM_CONF_ENV] = str(token.conf_path)
        with Pkcs11Backend(token.module_path, token.label, pin) as backend:
            address = backend.create_key("bench").address
            signer = backend.digest_signer(address)
            public = signer.public_key
            token_raw = _token_signatures(token.module_path, token.label, address, digests)
            tx_signer = Signer.from_digest_signer(signer, chain_id=1)
            steps: dict[str, Callable[[int], object]] = {
                "sign_digest": lambda i: signer.sign_digest(digests[i % 1024]),
                "recovery": lambda i: low_s_recoverable(
                    token_raw[i % 1024], digests[i % 1024], public
                ),
                "tx": lambda i: tx_signer.sign(nonce=i, to=_TO, data=b"", gas=21_000, fees=_FEES),
            }
            for name, step in steps.items():
                result |= {f"{name}_{k}": v for k, v in _figures_us(step, iterations).items()}
    env_signer = Signer(secrets.token_bytes(32), chain_id=1)

    def env_step(i: int) -> object:
        return env_signer.sign(nonce=i, to=_TO, data=b"", gas=21_000, fees=_FEES)

    result |= {f"env_tx_{k}": v for k, v in _figures_us(env_step, iterations).items()}
    return result


def _token_signatures(
    module_path: str, token_label: str, address: str, digests: list[bytes]
) -> list[bytes]:
    """The token's raw r ‖ s for each digest, through a second session (the process's login
    covers it), so that `recovery` times the host-side part alone."""
    token = pkcs11.lib(module_path).get_token(token_label=token_label)
    with token.open() as session:
        key: Any = session.get_key(
            object_class=ObjectClass.PRIVATE_KEY, id=to_canonical_address(address)
        )
        return [bytes(key.sign(digest, mechanism=Mechanism.ECDSA)) for digest in digests]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=2_000)
    parser.add_argument("--json", action="store_true", help="one JSON object on stdout")
    args = parser.parse_args()
    result = measure_pkcs11_signing(args.iterations)
    if args.json:
        print(json.dumps(result))
        return 0
    print(f"pkcs11 (SoftHSM2) signing, {args.iterations} iterations after {_WARMUP} warm-up")
    for name in ("sign_digest", "recovery", "tx", "env_tx"):
        print(
            f"{name:12} p50 {result[f'{name}_p50_us']:8.1f} us  p99 "
            f"{result[f'{name}_p99_us']:8.1f} us  mean {result[f'{name}_mean_us']:8.1f} us"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
