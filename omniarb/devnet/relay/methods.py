"""The relay's JSON-RPC methods: `eth_sendBundle`, `eth_callBundle`, `eth_cancelBundle`.

`eth_callBundle` answers the Flashbots result shape (what `@flashbots/ethers-provider-bundle`
reads): wei amounts as decimal strings, `gasUsed` and `stateBlockNumber` as numbers, one entry
per transaction with `txHash`, `gasUsed`, `gasPrice`, `gasFees`, `coinbaseDiff`,
`ethSentToCoinbase`, `fromAddress`, `toAddress`, and `value` (the return data) or `error` and
`revert`. `gasFees` is the priority fee the coinbase earns (the base fee is burnt);
`ethSentToCoinbase` is the rest of the coinbase's gain; `bundleGasPrice` is the coinbase's gain
per unit of gas. A transaction that cannot run at all (a bad nonce) makes the whole call an
error, worded as the relay words it ("err: nonce too low: ...").
"""

from __future__ import annotations

from typing import Any

from omniarb.chains.rpc import RpcClient
from omniarb.devnet.relay.book import BundleBook, bundle_hash
from omniarb.devnet.relay.builder import BlockBuilder
from omniarb.devnet.relay.requests import (
    InvalidParamsError,
    parse_call_bundle,
    parse_cancel,
    parse_send_bundle,
)
from omniarb.devnet.relay.simulate import BlockEnv, BundleSimulation, TxOutcome
from omniarb.devnet.relay.stats import RelayCounters

__all__ = ["BundleInvalidError", "RelayMethods"]


class BundleInvalidError(Exception):
    """`eth_callBundle` of a bundle with a transaction that cannot run (JSON-RPC -32000)."""


def _tx_result(outcome: TxOutcome, base_fee_wei: int) -> dict[str, Any]:
    tx = outcome.tx
    result: dict[str, Any] = {
        "txHash": tx.tx_hash,
        "gasUsed": outcome.gas_used,
        "gasPrice": str(tx.tip_wei(base_fee_wei)),
        "gasFees": str(outcome.gas_fees_wei),
        "coinbaseDiff": str(outcome.coinbase_diff_wei),
        "ethSentToCoinbase": str(outcome.coinbase_diff_wei - outcome.gas_fees_wei),
        "fromAddress": tx.sender,
        "toAddress": tx.to,
    }
    if outcome.error is None:
        result["value"] = outcome.return_data
    else:
        result["error"] = outcome.error
        result["revert"] = outcome.revert_data or "0x"
    return result


def call_bundle_result(
    simulation: BundleSimulation, env: BlockEnv, state_block_number: int
) -> dict[str, Any]:
    gas_used = simulation.gas_used
    coinbase = simulation.coinbase_diff_wei
    return {
        "bundleHash": bundle_hash(tuple(o.tx.raw for o in simulation.outcomes)),
        "bundleGasPrice": str(coinbase // gas_used if gas_used else 0),
        "coinbaseDiff": str(coinbase),
        "ethSentToCoinbase": str(coinbase - simulation.gas_fees_wei),
        "gasFees": str(simulation.gas_fees_wei),
        "stateBlockNumber": state_block_number,
        "totalGasUsed": gas_used,
        "results": [_tx_result(o, env.base_fee_wei) for o in simulation.outcomes],
    }


class RelayMethods:
    """The three methods over the book and the builder; `searcher` is the proven signer."""

    def __init__(
        self,
        rpc: RpcClient,
        book: BundleBook,
        builder: BlockBuilder,
        counters: RelayCounters,
        *,
        chain_id: int,
    ) -> None:
        self._rpc = rpc
        self._book = book
        self._builder = builder
        self._counters = counters
        self._chain_id = chain_id

    async def send_bundle(self, params: Any, searcher: str) -> dict[str, Any]:
        request = parse_send_bundle(params, chain_id=self._chain_id)
        head = int(await self._rpc.call("eth_blockNumber"), 16)
        closed = max(head, self._builder.sealing)
        if request.block_number <= closed:
            raise InvalidParamsError(
                f"blockNumber {hex(request.block_number)}: block {hex(closed)} is already "
                "built or being built; target a later block"
            )
        booked = self._book.add(request, searcher=searcher)
        self._counters.received += 1
        self._counters.outcomes[booked.bundle_hash] = "pending"
        return {"bundleHash": booked.bundle_hash}

    async def call_bundle(self, params: Any, searcher: str) -> dict[str, Any]:
        request = parse_call_bundle(params, chain_id=self._chain_id)
        state, history, coinbase = await self._rpc.batch(
            [
                ("eth_getBlockByNumber", [request.state_block, False]),
                ("eth_feeHistory", ["0x1", request.state_block, []]),
                ("eth_coinbase", []),
            ]
        )
        if state is None:
            raise InvalidParamsError(f"stateBlockNumber {request.state_block}: no such block")
        state_number = int(state["number"], 16)
        env = BlockEnv(
            number=request.block_number,
            timestamp=request.timestamp or int(state["timestamp"], 16) + 1,
            base_fee_wei=int(history["baseFeePerGas"][-1], 16),
            coinbase=request.coinbase or coinbase,
            state_block=hex(state_number),
        )
        simulation = await self._builder.simulator.simulate(env, request.txs)
        self._counters.simulated += 1
        invalid = next((o for o in simulation.outcomes if o.invalid), None)
        if invalid is not None:
            raise BundleInvalidError(invalid.error)
        return call_bundle_result(simulation, env, state_number)

    async def cancel_bundle(self, params: Any, searcher: str) -> list[str]:
        request = parse_cancel(params)
        cancelled = self._book.cancel(request.replacement_uuid, searcher=searcher)
        self._counters.cancelled += len(cancelled)
        for cancelled_hash in cancelled:
            self._counters.outcomes[cancelled_hash] = "cancelled"
        return cancelled
