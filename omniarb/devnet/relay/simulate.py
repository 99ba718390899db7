"""Bundle simulation without producing a block: anvil's `eth_simulateV1`.

`eth_simulateV1` runs calls in one virtual block on top of a state (`blockOverrides` set its
number, timestamp, base fee and fee recipient) and answers each call's status, gas and revert
data; nothing is mined and no other client sees it. Two facts of anvil 1.7.1 shape this module
(checked by experiment against the devnet's nodes):

- with `validation: true` it checks fees and balances but not nonces: a call with a wrong
  nonce runs anyway. The relay therefore checks nonces itself, against the state's nonces and
  the transactions placed before.
- it reports no state difference, so the coinbase payment is read in the block itself: a tiny
  contract placed by a state override (`COINBASE BALANCE PUSH0 MSTORE PUSH1 32 PUSH0 RETURN`)
  is called before and after each transaction, at a zero tip so it pays the coinbase nothing.
  The difference is everything the coinbase gained: priority fees and direct transfers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.relay.txs import SignedTx

__all__ = ["BlockEnv", "BundleSimulation", "Simulator", "TxOutcome"]

# An address no devnet deploys to: the balance reader's code lives there only in simulations.
_READER = "0x00000000000000000000000000000000C0FFEE01"
_READER_CALLER = "0x00000000000000000000000000000000C0FFEE02"
_READER_CODE = "0x41315f5260205ff3"
_READER_GAS = 30_000
_READER_BALANCE = hex(10**30)


@dataclass(frozen=True, slots=True, kw_only=True)
class BlockEnv:
    """The block a simulation pretends to be, on top of `state_block` ("latest" or 0x hex)."""

    number: int
    timestamp: int
    base_fee_wei: int
    coinbase: str
    state_block: str = "latest"


@dataclass(frozen=True, slots=True, kw_only=True)
class TxOutcome:
    """One transaction's result; `error` is set when it reverted or could not run at all
    (`invalid`: a bad nonce or fee cap, which voids the bundle whatever `revertingTxHashes`
    says)."""

    tx: SignedTx
    gas_used: int
    gas_fees_wei: int
    coinbase_diff_wei: int
    return_data: str
    error: str | None = None
    revert_data: str | None = None
    invalid: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class BundleSimulation:
    """A bundle's outcomes in order (only the ones that ran, when one was invalid)."""

    outcomes: tuple[TxOutcome, ...]
    complete: bool

    @property
    def coinbase_diff_wei(self) -> int:
        return sum(o.coinbase_diff_wei for o in self.outcomes)

    @property
    def gas_fees_wei(self) -> int:
        return sum(o.gas_fees_wei for o in self.outcomes)

    @property
    def gas_used(self) -> int:
        return sum(o.gas_used for o in self.outcomes)

    def failure(self, may_revert: frozenset[str] = frozenset()) -> str | None:
        """Why the bundle cannot be included, or None."""
        for outcome in self.outcomes:
            if outcome.invalid:
                return outcome.error
            if outcome.error is not None and outcome.tx.tx_hash not in may_revert:
                return f"{outcome.tx.tx_hash} reverted: {outcome.error}"
        return None if self.complete else "incomplete"


class Simulator:
    """Simulates transactions after a prefix of already placed ones, in one virtual block."""

    def __init__(self, rpc: RpcClient, *, chain_id: int) -> None:
        self._rpc = rpc
        self._chain_id = chain_id

    async def _nonces(self, senders: set[str], state_block: str) -> dict[str, int]:
        ordered = sorted(senders)
        answers = await self._rpc.batch(
            [("eth_getTransactionCount", [s, state_block]) for s in ordered]
        )
        return {s: int(n, 16) for s, n in zip(ordered, answers, strict=True)}

    def _invalid(self, tx: SignedTx, expected_nonce: int, env: BlockEnv) -> str | None:
        if tx.chain_id is not None and tx.chain_id != self._chain_id:
            return f"err: wrong chain id {tx.chain_id}"
        if tx.nonce < expected_nonce:
            return (
                f"err: nonce too low: address {tx.sender}, tx: {tx.nonce} state: {expected_nonce}"
            )
        if tx.nonce > expected_nonce:
            return (
                f"err: nonce too high: address {tx.sender}, tx: {tx.nonce} state: {expected_nonce}"
            )
        if tx.fee_cap_wei() < env.base_fee_wei:
            return (
                f"err: max fee per gas less than block base fee: address {tx.sender}, "
                f"maxFeePerGas: {tx.fee_cap_wei()} baseFee: {env.base_fee_wei}"
            )
        return None

    async def simulate(
        self, env: BlockEnv, txs: Sequence[SignedTx], *, prefix: Sequence[SignedTx] = ()
    ) -> BundleSimulation:
        """`txs` after `prefix` (assumed valid: a bundle already placed) in the block `env`."""
        nonces = await self._nonces({t.sender for t in (*prefix, *txs)}, env.state_block)
        for tx in prefix:
            nonces[tx.sender] = tx.nonce + 1
        runnable: list[SignedTx] = []
        invalid: TxOutcome | None = None
        for tx in txs:
            reason = self._invalid(tx, nonces[tx.sender], env)
            if reason is not None:
                invalid = TxOutcome(
                    tx=tx,
                    gas_used=0,
                    gas_fees_wei=0,
                    coinbase_diff_wei=0,
                    return_data="0x",
                    error=reason,
                    invalid=True,
                )
                break
            nonces[tx.sender] = tx.nonce + 1
            runnable.append(tx)
        outcomes = await self._run(env, runnable, prefix) if runnable else []
        if invalid is not None:
            outcomes.append(invalid)
        return BundleSimulation(outcomes=tuple(outcomes), complete=invalid is None)

    def _reader_call(self, env: BlockEnv) -> dict[str, Any]:
        return {
            "from": _READER_CALLER,
            "to": _READER,
            "gas": hex(_READER_GAS),
            "maxFeePerGas": hex(env.base_fee_wei),
            "maxPriorityFeePerGas": "0x0",
        }

    async def _run(
        self, env: BlockEnv, txs: Sequence[SignedTx], prefix: Sequence[SignedTx]
    ) -> list[TxOutcome]:
        reader = self._reader_call(env)
        calls: list[dict[str, Any]] = [t.call_object() for t in prefix]
        calls.append(reader)
        for tx in txs:
            calls += [tx.call_object(), reader]
        payload = {
            "blockStateCalls": [
                {
                    "blockOverrides": {
                        "number": hex(env.number),
                        "time": hex(env.timestamp),
                        "baseFeePerGas": hex(env.base_fee_wei),
                        "feeRecipient": env.coinbase,
                    },
                    "stateOverrides": {
                        _READER: {"code": _READER_CODE},
                        _READER_CALLER: {"balance": _READER_BALANCE},
                    },
                    "calls": calls,
                }
            ],
            "validation": True,
        }
        blocks = await self._rpc.call("eth_simulateV1", payload, env.state_block)
        results = blocks[0]["calls"][len(prefix) :]
        balance = int(results[0]["returnData"], 16)
        outcomes = []
        for index, tx in enumerate(txs):
            result, after = results[1 + 2 * index], results[2 + 2 * index]
            new_balance = int(after["returnData"], 16)
            gas_used = int(result["gasUsed"], 16)
            ok = int(result["status"], 16) == 1
            error = result.get("error") or {}
            outcomes.append(
                TxOutcome(
                    tx=tx,
                    gas_used=gas_used,
                    gas_fees_wei=gas_used * tx.tip_wei(env.base_fee_wei),
                    coinbase_diff_wei=new_balance - balance,
                    return_data=result.get("returnData", "0x"),
                    error=None if ok else str(error.get("message") or "execution reverted"),
                    revert_data=None if ok else error.get("data") or result.get("returnData"),
                )
            )
            balance = new_balance
        return outcomes
