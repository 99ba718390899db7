"""Transaction signing with libsecp256k1 (coincurve): EIP-1559 (type 2) and legacy EIP-155.

The signer is on the hot path from an opportunity to a raw transaction, so everything that does
not change per transaction is computed once: the coincurve key object, the address, the RLP of the
chain id and of each destination address, and the empty access list. Signing one transaction is
then a few `bytes` concatenations, two keccaks and one `secp256k1_ecdsa_sign_recoverable`.

Signatures use RFC 6979 deterministic nonces, as eth_account does, so for the same fields our raw
bytes equal `Account.sign_transaction`'s exactly (a differential test checks it).

    signer = Signer.from_secrets(load_secrets(), chain_id=1)  # ConfigError when no key is set
    signed = signer.sign(nonce=0, to=executor, data=calldata, gas=300_000, fees=fees)
    await rpc.call("eth_sendRawTransaction", signed.raw_hex)

The key itself sits behind a `DigestSigner` (`omniarb.keys`): `Signer(private_key, chain_id=)`
wraps a key held in this process, `Signer.from_digest_signer(ds, chain_id=)` any backend's (an
HSM signs the digest, we encode the transaction). For a key in this process the coincurve object
is called directly, so the hot path pays no extra call layer for the abstraction.

The private key is held only inside the coincurve object: `repr`, `str`, pickling and every error
message leave it out.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import NoReturn

from coincurve import PrivateKey
from Crypto.Hash import keccak

from omniarb._secrets import PRIVATE_KEY_ENV, Secrets
from omniarb.chains.fees import Eip1559Fees, Fees
from omniarb.chains.rlp import EMPTY_LIST, encode_bytes, encode_int, encode_list
from omniarb.errors import ConfigError
from omniarb.keys.base import DigestSigner
from omniarb.keys.local import LocalDigestSigner

__all__ = ["SignedTx", "Signer"]

log = logging.getLogger(__name__)

_TYPE_EIP1559 = b"\x02"
# EIP-155: v = recovery id + chain_id * 2 + 35.
_EIP155_V_OFFSET = 35
# rlp(0) twice: the empty r and s that EIP-155 appends to the legacy signing payload.
_EIP155_EMPTY_RS = b"\x80\x80"
# A handful of destinations (the executor contract, a token) is the norm; the cap only stops a
# caller that signs to ever-new addresses from growing the cache without end.
_MAX_CACHED_DESTINATIONS = 64


def _keccak256(data: bytes) -> bytes:
    return keccak.new(data=data, digest_bits=256).digest()


def _address_rlp(to: str | None) -> bytes:
    if to is None:  # contract creation: `to` is the empty string
        return b"\x80"
    raw = bytes.fromhex(to.removeprefix("0x"))
    if len(raw) != 20:
        raise ValueError(f"not a 20-byte address: {to!r}")
    return encode_bytes(raw)


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedTx:
    """A signed transaction: `raw` is what `eth_sendRawTransaction` takes, `tx_hash` its hash."""

    raw: bytes
    tx_hash: str
    nonce: int

    @property
    def raw_hex(self) -> str:
        return "0x" + self.raw.hex()


class Signer:
    """Signs one account's transactions for one chain id.

    `private_key` is the 32-byte secret; `from_secrets` takes it from the environment and
    `from_digest_signer` signs through any key backend.
    """

    __slots__ = (
        "_chain_rlp",
        "_digest_signer",
        "_key",
        "_legacy_v_base",
        "_to_rlp",
        "address",
        "chain_id",
    )

    def __init__(self, private_key: bytes, *, chain_id: int) -> None:
        self._setup(LocalDigestSigner(private_key), chain_id)

    def _setup(self, digest_signer: DigestSigner, chain_id: int) -> None:
        if chain_id <= 0:
            raise ValueError(f"chain_id must be positive, got {chain_id}")
        self._digest_signer = digest_signer
        # The fast path: a key in this process is signed with directly, not through the seam.
        self._key: PrivateKey | None = (
            digest_signer.coincurve_key if isinstance(digest_signer, LocalDigestSigner) else None
        )
        self.chain_id = chain_id
        self.address: str = digest_signer.address
        self._chain_rlp = encode_int(chain_id)
        self._legacy_v_base = chain_id * 2 + _EIP155_V_OFFSET
        self._to_rlp: dict[str | None, bytes] = {}

    @classmethod
    def from_digest_signer(cls, digest_signer: DigestSigner, *, chain_id: int) -> Signer:
        """The signer of `chain_id`'s transactions with the key behind `digest_signer` (a key
        backend's: env, keystore, PKCS#11)."""
        signer = cls.__new__(cls)
        signer._setup(digest_signer, chain_id)
        return signer

    @property
    def digest_signer(self) -> DigestSigner:
        """The key's digest signer (for EIP-712 digests, e.g. Safe owner signatures)."""
        return self._digest_signer

    def check_may_send(self) -> None:
        """Raise (a `FatalError`) when what this signer signed may no longer be sent: a
        fenced signer whose lease may have lapsed since (`omniarb.cluster.fence`). A plain
        key may always send."""

    def _sign_digest(self, digest: bytes) -> bytes:
        """Through the seam: another backend's signer (an HSM), its answer checked."""
        signature = self._digest_signer.sign_digest(digest)
        # A backend's bug must not become a malformed transaction (or one from another sender).
        if len(signature) != 65:
            raise ValueError(f"the digest signer returned {len(signature)} bytes, not 65")
        if signature[64] > 1:
            raise ValueError(f"the digest signer's recovery id is {signature[64]}, not 0 or 1")
        return signature

    @classmethod
    def from_secrets(
        cls, secrets: Secrets, *, chain_id: int, default_key: bytes | None = None
    ) -> Signer:
        """The signer of `OMNIARB_PRIVATE_KEY`, else of `default_key` (a devnet's public test
        key, given by whoever knows the chain is one), else a `ConfigError`: a real network
        needs the bot's own key."""
        if secrets.private_key is not None:
            digits = secrets.private_key.get_secret_value().removeprefix("0x")
            return cls(bytes.fromhex(digits), chain_id=chain_id)
        if default_key is None:
            raise ConfigError(f"{PRIVATE_KEY_ENV} is not set; a real network needs the bot's key")
        log.info("no %s set: signing with the devnet's key", PRIVATE_KEY_ENV)
        return cls(default_key, chain_id=chain_id)

    def __repr__(self) -> str:
        return f"Signer(address={self.address}, chain_id={self.chain_id})"

    __str__ = __repr__

    def __reduce__(self) -> NoReturn:
        raise TypeError("a Signer holds a private key and cannot be pickled or copied")

    def _destination(self, to: str | None) -> bytes:
        cached = self._to_rlp.get(to)
        if cached is None:
            if len(self._to_rlp) >= _MAX_CACHED_DESTINATIONS:
                self._to_rlp.clear()
            cached = self._to_rlp[to] = _address_rlp(to)
        return cached

    def sign(
        self, *, nonce: int, to: str | None, data: bytes, gas: int, fees: Fees, value: int = 0
    ) -> SignedTx:
        """Sign with the transaction type the fees imply: type 2 for EIP-1559, else legacy."""
        if isinstance(fees, Eip1559Fees):
            return self.sign_eip1559(
                nonce=nonce,
                to=to,
                data=data,
                gas=gas,
                max_fee_per_gas_wei=fees.max_fee_per_gas_wei,
                max_priority_fee_per_gas_wei=fees.max_priority_fee_per_gas_wei,
                value=value,
            )
        return self.sign_legacy(
            nonce=nonce, to=to, data=data, gas=gas, gas_price_wei=fees.gas_price_wei, value=value
        )

    def sign_eip1559(
        self,
        *,
        nonce: int,
        to: str | None,
        data: bytes,
        gas: int,
        max_fee_per_gas_wei: int,
        max_priority_fee_per_gas_wei: int,
        value: int = 0,
    ) -> SignedTx:
        """An EIP-1559 transaction with an empty access list (EIP-1559 `TransactionPayload`)."""
        # [chain_id, nonce, max_priority_fee_per_gas, max_fee_per_gas, gas_limit, destination,
        #  amount, data, access_list]
        fields = b"".join(
            (
                self._chain_rlp,
                encode_int(nonce),
                encode_int(max_priority_fee_per_gas_wei),
                encode_int(max_fee_per_gas_wei),
                encode_int(gas),
                self._destination(to),
                encode_int(value),
                encode_bytes(data),
                EMPTY_LIST,
            )
        )
        digest = _keccak256(_TYPE_EIP1559 + encode_list(fields))
        key = self._key  # the fast path inline: no extra call for a key in this process
        signature = (
            key.sign_recoverable(digest, hasher=None)
            if key is not None
            else self._sign_digest(digest)
        )
        # coincurve returns r (32) || s (32) || recovery id (1); the id is the y parity.
        raw = _TYPE_EIP1559 + encode_list(
            fields
            + encode_int(signature[64])
            + encode_bytes(signature[:32].lstrip(b"\x00"))
            + encode_bytes(signature[32:64].lstrip(b"\x00"))
        )
        return SignedTx(raw=raw, tx_hash="0x" + _keccak256(raw).hex(), nonce=nonce)

    def sign_legacy(
        self,
        *,
        nonce: int,
        to: str | None,
        data: bytes,
        gas: int,
        gas_price_wei: int,
        value: int = 0,
    ) -> SignedTx:
        """A legacy transaction with EIP-155 replay protection (the chain id is signed)."""
        fields = b"".join(
            (
                encode_int(nonce),
                encode_int(gas_price_wei),
                encode_int(gas),
                self._destination(to),
                encode_int(value),
                encode_bytes(data),
            )
        )
        digest = _keccak256(encode_list(fields + self._chain_rlp + _EIP155_EMPTY_RS))
        key = self._key
        signature = (
            key.sign_recoverable(digest, hasher=None)
            if key is not None
            else self._sign_digest(digest)
        )
        raw = encode_list(
            fields
            + encode_int(self._legacy_v_base + signature[64])
            + encode_bytes(signature[:32].lstrip(b"\x00"))
            + encode_bytes(signature[32:64].lstrip(b"\x00"))
        )
        return SignedTx(raw=raw, tx_hash="0x" + _keccak256(raw).hex(), nonce=nonce)
