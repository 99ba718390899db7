"""Where an Algebra Integral pool lives: CREATE2 by the pool deployer, from its tokens.

`AlgebraPoolDeployer.deploy` creates `new AlgebraPool{salt: keccak256(abi.encode(token0,
token1))}()` (a custom pool: `abi.encode(deployer, token0, token1)`), and the pool's constructor
takes no arguments (it reads them back from the deployer), so the init code hash is the keccak
of `AlgebraPool`'s creation code: `POOL_INIT_CODE_HASH`, as `AlgebraFactory.POOL_INIT_CODE_HASH`
and the periphery's `PoolAddress.POOL_INIT_CODE_HASH` (1.2.4) both record it for 1.2.10.
"""

from __future__ import annotations

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

__all__ = ["POOL_INIT_CODE_HASH", "pool_address"]

# keccak256 of the AlgebraPool creation code in @cryptoalgebra/integral-core 1.2.10.
POOL_INIT_CODE_HASH = "0x62441ebe4e4315cf3d49d5957f94d66b253dbabe7006f34ad7f70947e60bf15c"


def pool_address(
    pool_deployer: str,
    token_a: str,
    token_b: str,
    *,
    custom_deployer: str | None = None,
    init_code_hash: str = POOL_INIT_CODE_HASH,
) -> str:
    """The checksummed address of the pool of `token_a` and `token_b` (any order) deployed by
    `pool_deployer` (not the factory); `custom_deployer` for a custom pool."""
    token0, token1 = sorted((token_a, token_b), key=lambda address: int(address, 16))
    words = [token0, token1] if custom_deployer is None else [custom_deployer, token0, token1]
    salt = keccak(b"".join(bytes.fromhex(w.removeprefix("0x").rjust(64, "0")) for w in words))
    digest = keccak(
        b"\xff"
        + bytes.fromhex(pool_deployer.removeprefix("0x"))
        + salt
        + bytes.fromhex(init_code_hash.removeprefix("0x"))
    )
    return str(to_checksum_address(digest[12:]))
