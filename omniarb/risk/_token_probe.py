"""One token's trade simulated against current state: `eth_call` with state overrides.

Nothing is deployed. For one call, the runtime code of `TokenProbe` (contracts/risk) replaces
the code at a pool that holds the token and at our executor's address, so the token sees the
callers a real trade has: the pool sends the executor a thousandth of its balance (a buy), the
executor moves half to a fresh address (an ordinary transfer) and sells the rest back into the
pool. Each leg reports whether it went through and what the recipient really received; the
token's storage (balances, pair registry, blacklist) is the chain's own.

When the buy itself fails, a second simulation tells a paused token from one that only refuses
buys: a fresh holder is given a balance by overriding the token's balance slot (`stateDiff`) and
transfers it. The slot is found as common token tools do: for each candidate mapping slot `n`,
write a marker at `keccak(holder . n)` (Solidity's layout) or `keccak(n . holder)` (Vyper's) and
see whether `balanceOf(holder)` reads it back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_abi.exceptions import DecodingError
from eth_utils.crypto import keccak

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.paths import build_dir

__all__ = ["ProbeLegs", "find_balance_slot", "holder_can_transfer", "probe_trade"]

# Arbitrary addresses with no code or history: the recipient of the ordinary transfer and the
# holder of the pause check.
FRESH = "0x5afe00000000000000000000000000000000f4e5"
HOLDER = "0x5afe00000000000000000000000000000000401d"
_PROBE_GAS = 3_000_000
# Mapping slots tried for `balanceOf`: OpenZeppelin's is 0, DevToken's 4, WETH9's 3.
_SLOT_CANDIDATES = range(16)
_MARKER = 0x5AFE_1234_5678_9ABC_DEF0
_LEGS = "(bool,uint256,bool,uint256,uint256,bool,uint256,uint256)"


@dataclass(frozen=True, slots=True, kw_only=True)
class ProbeLegs:
    """What each leg of the simulated trade did: amounts in the token's base units."""

    bought_sent: int
    bought: bool
    bought_received: int
    moved: bool
    move_sent: int
    move_received: int
    sold: bool
    sell_sent: int
    sell_received: int


@cache
def _probe_code() -> str:
    data = json.loads((build_dir() / "contracts" / "TokenProbe.json").read_text())
    code: str = data["deployedBytecode"]
    return code if code.startswith("0x") else "0x" + code


def _decode(types: list[str], answer: Any) -> tuple[Any, ...]:
    """`decode`, with an answer too short for `types` (a call to an address without code
    answers `0x`) as a `ValueError`."""
    try:
        return decode(types, answer)
    except DecodingError as exc:
        raise ValueError(f"answer {str(answer)[:80]!r} is not {', '.join(types)}") from exc


def _word(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


def _slot_keys(holder: str, slot: int) -> tuple[str, str]:
    h = bytes.fromhex(holder.removeprefix("0x")).rjust(32, b"\0")
    n = slot.to_bytes(32, "big")
    return "0x" + keccak(h + n).hex(), "0x" + keccak(n + h).hex()


async def probe_trade(
    rpc: RpcClient, *, token: str, pool: str, executor: str, block: str = "latest"
) -> ProbeLegs | None:
    """Buy from `pool`, move and sell as `executor`; None if the pool holds none of `token`."""
    (pool_balance,) = _decode(
        ["uint256"],
        await rpc.call(
            "eth_call", {"to": token, "data": encode_call("balanceOf(address)", pool)}, block
        ),
    )
    amount = pool_balance // 1000
    if amount == 0:
        return None
    code = _probe_code()
    call = {
        "from": executor,
        "to": executor,
        "gas": hex(_PROBE_GAS),
        "data": encode_call("probe(address,address,uint256,address)", token, pool, amount, FRESH),
    }
    overrides = {executor: {"code": code}, pool: {"code": code}}
    answer = await rpc.call("eth_call", call, block, overrides)
    (legs,) = _decode([_LEGS], answer)
    bought, bought_received, moved, move_sent, move_received, sold, sell_sent, sell_received = legs
    return ProbeLegs(
        bought_sent=amount,
        bought=bought,
        bought_received=bought_received,
        moved=moved,
        move_sent=move_sent,
        move_received=move_received,
        sold=sold,
        sell_sent=sell_sent,
        sell_received=sell_received,
    )


async def find_balance_slot(
    rpc: RpcClient, token: str, block: str = "latest"
) -> dict[str, Any] | None:
    """The `stateDiff` that gives `HOLDER` a marker balance of `token`, or None if no
    candidate slot reads back (balances not kept in a plain mapping: rebasing or proxied
    shares)."""
    data = encode_call("balanceOf(address)", HOLDER)
    for slot in _SLOT_CANDIDATES:
        for key in _slot_keys(HOLDER, slot):
            diff = {key: _word(_MARKER)}
            answer = await rpc.call(
                "eth_call", {"to": token, "data": data}, block, {token: {"stateDiff": diff}}
            )
            if _decode(["uint256"], answer)[0] == _MARKER:
                return diff
    return None


async def holder_can_transfer(
    rpc: RpcClient, token: str, state_diff: dict[str, Any], block: str = "latest"
) -> bool:
    """Whether `HOLDER`, given a balance by `state_diff`, can transfer some of it to `FRESH`."""
    call = {
        "from": HOLDER,
        "to": HOLDER,
        "gas": hex(_PROBE_GAS),
        "data": encode_call("send(address,address,uint256)", token, FRESH, _MARKER // 2),
    }
    overrides = {HOLDER: {"code": _probe_code()}, token: {"stateDiff": state_diff}}
    answer = await rpc.call("eth_call", call, block, overrides)
    return bool(_decode(["bool"], answer)[0])
