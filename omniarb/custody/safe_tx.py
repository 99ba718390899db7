"""A Safe transaction as Safe 1.4.1 hashes, signs and executes it.

The hash mirrors `Safe.getTransactionHash` (contracts/Safe.sol): EIP-712 with the domain
`EIP712Domain(uint256 chainId,address verifyingContract)` (no name, no version: Safe 1.3.0 and
later) and the struct `SafeTx(...)` below, whose `data` is hashed with keccak256. Owners sign that
digest; `pack_signatures` lays the signatures out as `checkNSignatures` reads them: 65 bytes each,
r ‖ s ‖ v with v = 27 or 28 (an ECDSA signature of the digest itself, not `eth_sign`), sorted by
owner address ascending (it requires each recovered owner above the previous one, GS026).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import IntEnum

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from omniarb.chains.abi import encode_args, encode_call
from omniarb.keys.base import DigestSigner

__all__ = [
    "DOMAIN_TYPEHASH",
    "SAFE_TX_TYPEHASH",
    "Operation",
    "OwnerSignature",
    "SafeTx",
    "exec_transaction_calldata",
    "pack_signatures",
    "sign_safe_tx",
]

DOMAIN_TYPEHASH = keccak(text="EIP712Domain(uint256 chainId,address verifyingContract)")
SAFE_TX_TYPEHASH = keccak(
    text="SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,"
    "uint256 baseGas,uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)"
)
_ZERO_ADDRESS = "0x" + "00" * 20
_EXEC_TRANSACTION = (
    "execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)"
)


class Operation(IntEnum):
    """`Enum.Operation` of the Safe: a plain call, or a delegatecall (MultiSend batches)."""

    CALL = 0
    DELEGATE_CALL = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class SafeTx:
    """One Safe transaction. Refund fields default to none (`gasPrice` 0: the relayer pays its
    own gas) and `safe_tx_gas` to 0, which makes a failing inner call revert the whole
    `execTransaction` (GS013) instead of burning the Safe's nonce on a mined failure."""

    safe: str
    chain_id: int
    to: str
    value: int = 0
    data: bytes = b""
    operation: Operation = Operation.CALL
    safe_tx_gas: int = 0
    base_gas: int = 0
    gas_price: int = 0
    gas_token: str = _ZERO_ADDRESS
    refund_receiver: str = _ZERO_ADDRESS
    nonce: int

    def domain_separator(self) -> bytes:
        """`Safe.domainSeparator()`: keccak(abi.encode(DOMAIN_TYPEHASH, chainId, this))."""
        values = [DOMAIN_TYPEHASH, self.chain_id, self.safe]
        return keccak(encode_args(["bytes32", "uint256", "address"], values))

    def struct_hash(self) -> bytes:
        """keccak(abi.encode(SAFE_TX_TYPEHASH, to, value, keccak(data), operation, ...))."""
        return keccak(
            encode_args(
                [
                    "bytes32",
                    "address",
                    "uint256",
                    "bytes32",
                    "uint8",
                    "uint256",
                    "uint256",
                    "uint256",
                    "address",
                    "address",
                    "uint256",
                ],
                [
                    SAFE_TX_TYPEHASH,
                    self.to,
                    self.value,
                    keccak(self.data),
                    int(self.operation),
                    self.safe_tx_gas,
                    self.base_gas,
                    self.gas_price,
                    self.gas_token,
                    self.refund_receiver,
                    self.nonce,
                ],
            )
        )

    def digest(self) -> bytes:
        """What `getTransactionHash` returns and owners sign: keccak(0x1901 ‖ domain ‖ struct)."""
        return keccak(b"\x19\x01" + self.domain_separator() + self.struct_hash())


@dataclass(frozen=True, slots=True, kw_only=True)
class OwnerSignature:
    """One owner's signature of a Safe transaction, in the Safe's layout (r ‖ s ‖ v, v 27/28)."""

    owner: str
    signature: bytes


def sign_safe_tx(tx: SafeTx, signer: DigestSigner) -> OwnerSignature:
    """`signer`'s signature of `tx`; the recovery id becomes v = 27 + id as `ecrecover` takes it."""
    raw = signer.sign_digest(tx.digest())
    if len(raw) != 65 or raw[64] not in (0, 1):
        raise ValueError(f"{signer.address}: a digest signature is r ‖ s ‖ recid (65 bytes)")
    return OwnerSignature(
        owner=str(to_checksum_address(signer.address)), signature=raw[:64] + bytes([27 + raw[64]])
    )


def pack_signatures(signatures: Iterable[OwnerSignature]) -> bytes:
    """The `signatures` argument of `execTransaction`: sorted by owner ascending, one owner once."""
    ordered = sorted(signatures, key=lambda s: int(s.owner, 16))
    owners = [s.owner for s in ordered]
    if len(set(owners)) != len(owners):
        raise ValueError("an owner signed twice; the Safe counts each owner once (GS026)")
    return b"".join(s.signature for s in ordered)


def exec_transaction_calldata(tx: SafeTx, signatures: Sequence[OwnerSignature] | bytes) -> bytes:
    """Calldata of `Safe.execTransaction` carrying `tx` with `signatures` (packed or not)."""
    packed = signatures if isinstance(signatures, bytes) else pack_signatures(signatures)
    data = encode_call(
        _EXEC_TRANSACTION,
        tx.to,
        tx.value,
        tx.data,
        int(tx.operation),
        tx.safe_tx_gas,
        tx.base_gas,
        tx.gas_price,
        tx.gas_token,
        tx.refund_receiver,
        packed,
    )
    return bytes.fromhex(data.removeprefix("0x"))
