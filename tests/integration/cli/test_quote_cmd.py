"""`omniarb quote` as a user runs it: JSON lines in, one JSON line out per input, amounts equal
to what the real contracts quote (QuoterV2 for V3 pools, Router02 `getAmountsOut` for V2
pairs), a clear `error` for each bad line without stopping, and exit code 3 without a devnet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from omniarb.chains.abi import decode, encode_call
from omniarb.chains.rpc import RpcClient
from omniarb.devnet.record import DevnetRecord, write_record

pytestmark = pytest.mark.integration

QUOTE = "quoteExactInputSingle((address,address,uint256,uint24,uint160))"
AMOUNTS_OUT = "getAmountsOut(uint256,address[])"
_FOREIGN_ENV = ("OMNIARB_DB_URL", "OMNIARB_PRIVATE_KEY", "OMNIARB_API_TOKEN")


def quote_cli(home: Path, lines: list[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in _FOREIGN_ENV}
    env["OMNIARB_HOME"] = str(home)
    return subprocess.run(
        [sys.executable, "-m", "omniarb", "quote"],
        input="".join(line + "\n" for line in lines),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def eth_call(rpc: RpcClient, to: str, data: str) -> str:
    return str(await rpc.call("eth_call", {"to": to, "data": data}, "latest"))


async def test_quote_answers_every_line_and_matches_the_contracts(
    devnet_factory, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    async with devnet_factory({"ethereum": None}) as net:
        chain = net.manifest.chain("ethereum")
        manifest = tmp_path / "manifest.json"
        net.manifest.write(manifest)
        # This test process stands in for the devnet's supervisor: `read_record` finds it alive.
        write_record(
            DevnetRecord(
                pid=os.getpid(),
                manifest=str(manifest),
                started_at=time.time(),
                rpc_http={chain.name: chain.rpc_http},
            ),
            home,
        )
        v3 = next(p for p in chain.pools if p.kind == "uniswap-v3" and p.fee == 3000)
        v2 = next(p for p in chain.pools if p.kind == "uniswap-v2")
        v3_dex = next(d for d in chain.dexes if d.kind == "uniswap-v3")
        v2_dex = chain.dex(v2.dex)
        async with RpcClient(chain.rpc_http) as rpc:
            held = await eth_call(rpc, v3.token0, encode_call("balanceOf(address)", v3.address))
        half = decode(["uint256"], held)[0] // 2  # enough to cross the narrow position's ticks
        cent0 = 10 ** chain.token(v3.symbol0).decimals // 100
        cent1 = 10 ** chain.token(v3.symbol1).decimals // 100
        good = [
            {"chain": "ethereum", "pool": v3.address, "token_in": v3.symbol0, "amount_in": cent0},
            {
                "chain": 1,
                "pool": v3.address.lower(),
                "token_in": v3.token1,
                "amount_in": str(cent1),
            },
            {"chain": "1", "pool": v3.address, "token_in": v3.token0, "amount_in": half},
            {"chain": "ethereum", "pool": v2.address, "token_in": v2.symbol1, "amount_in": 10**9},
        ]
        bad = [
            ("{not json", "not valid JSON"),
            ("[1, 2]", "expected a JSON object"),
            (json.dumps({"chain": "ethereum", "pool": v3.address}), "missing token_in, amount_in"),
            (json.dumps({**good[0], "chain": "solana"}), "no chain 'solana'"),
            (json.dumps({**good[0], "pool": "0x" + "12" * 20}), "unknown pool"),
            (json.dumps({**good[0], "token_in": "DOGE"}), "is not in pool"),
            (json.dumps({**good[0], "amount_in": 0}), "must be > 0"),
            (json.dumps({**good[0], "amount_in": -5}), "must be > 0"),
            (json.dumps({**good[0], "amount_in": 1.5}), "integer number of base units"),
            (json.dumps({**good[0], "amount_in": 2**256}), "below 2**255"),
        ]
        lines = [json.dumps(good[0]), "", bad[0][0], json.dumps(good[1])]
        lines += [text for text, _ in bad[1:]] + [json.dumps(g) for g in good[2:]]
        done = quote_cli(home, lines)

        assert done.returncode == 1, done.stderr  # some lines had errors
        answers = [json.loads(line) for line in done.stdout.splitlines()]
        assert len(answers) == len(lines) - 1  # the blank line gets no answer
        by_input = dict(zip([line for line in lines if line], answers, strict=True))
        for text, message in bad:
            answer = by_input[text]
            assert message in answer["error"], (text, answer)
            assert "amount_out" not in answer
        assert by_input[bad[0][0]]["line"] == 3  # line numbers count blank lines
        assert by_input[bad[5][0]]["token_in"] == "DOGE"  # the input is echoed

        async with RpcClient(chain.rpc_http) as rpc:
            for request in good[:3]:
                answer = by_input[json.dumps(request)]
                assert "error" not in answer, answer
                zero_for_one = answer["token_in"] == v3.token0
                token_in, token_out = (
                    (v3.token0, v3.token1) if zero_for_one else (v3.token1, v3.token0)
                )
                assert (answer["token_in"], answer["token_out"]) == (token_in, token_out)
                assert v3_dex.quoter is not None
                quoted = await eth_call(
                    rpc,
                    v3_dex.quoter,
                    encode_call(QUOTE, (token_in, token_out, int(request["amount_in"]), 3000, 0)),
                )
                amount_out, sqrt_after, _, _ = decode(
                    ["uint256", "uint160", "uint32", "uint256"], quoted
                )
                assert answer["amount_out"] == amount_out > 0
                assert answer["sqrt_price_x96_after"] == sqrt_after
                assert answer["amount_in_used"] == int(request["amount_in"])
                assert (answer["chain"], answer["chain_id"], answer["kind"]) == (
                    "ethereum",
                    1,
                    "uniswap-v3",
                )
            assert by_input[json.dumps(good[2])]["initialized_ticks_crossed"] >= 1

            answer = by_input[json.dumps(good[3])]
            quoted = await eth_call(
                rpc, v2_dex.router, encode_call(AMOUNTS_OUT, 10**9, [v2.token1, v2.token0])
            )
            assert answer["amount_out"] == decode(["uint256[]"], quoted)[0][1] > 0
            assert answer["kind"] == "uniswap-v2"

        only_good = quote_cli(home, [json.dumps(g) for g in good])
        assert only_good.returncode == 0, only_good.stderr
        assert [json.loads(line)["amount_out"] for line in only_good.stdout.splitlines()] == [
            by_input[json.dumps(g)]["amount_out"] for g in good
        ]


def test_quote_without_a_devnet_exits_not_running(tmp_path: Path) -> None:
    done = quote_cli(tmp_path / "empty-home", ['{"chain": 1}'])
    assert done.returncode == 3
    assert done.stdout == ""
    assert done.stderr.startswith("error: no devnet is running")
