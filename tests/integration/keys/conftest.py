"""The SoftHSM2 token the PKCS#11 tests share (one per test process)."""

from _softhsm import softhsm_token

__all__ = ["softhsm_token"]
