"""Node errors into our tree: the translation's decisions on the wordings nodes really send,
which requests may be sent twice, and endpoint names safe to log."""

from __future__ import annotations

import pytest

from omniarb.chains.rpc import may_resend, reads_only, rpc_error_of, translate_node_error
from omniarb.errors import (
    NODE_ERRORS,
    ExecutionRevertedError,
    MalformedAnswerError,
    RateLimitedError,
    RetryableError,
    RevertError,
    RpcConnectError,
    RpcError,
    RpcHttpError,
    RpcTimeoutError,
    endpoint_label,
)

URL = "https://node.example/v3/SECRETKEY"


def node_error(method: str, code: int, message: str, data: object = None) -> RpcError:
    return RpcError(method=method, code=code, message=message, data=data)


@pytest.mark.parametrize(
    ("method", "code", "message"),
    [
        ("eth_call", 3, "execution reverted: UniswapV2: K"),  # geth, anvil, erigon
        ("eth_estimateGas", 3, "execution reverted"),
        ("eth_call", -32000, "Execution reverted"),  # besu
        ("eth_call", -32015, "VM execution error. revert"),  # nethermind, openethereum
        ("eth_call", -32603, "EVM error OutOfGas"),  # anvil's exceptional halts
        ("eth_call", -32603, "EVM error CreateContractSizeLimit"),
        ("eth_call", -32000, "out of gas"),  # geth
        ("eth_call", -32000, "invalid opcode: INVALID"),
        ("eth_sendRawTransaction", 3, "execution reverted"),  # code 3 means revert anywhere
    ],
)
def test_reverts_and_halts_are_reverts_with_their_data(method: str, code: int, message: str):
    translated = translate_node_error(node_error(method, code, message, "0x08c379a0"), url=URL)
    assert isinstance(translated, ExecutionRevertedError)
    assert isinstance(translated, RevertError)
    assert not isinstance(translated, RpcError | RetryableError)
    assert (translated.method, translated.code, translated.data) == (method, code, "0x08c379a0")
    assert translated.rpc_message == message


@pytest.mark.parametrize(
    ("method", "code", "message"),
    [
        ("eth_getBalance", -32602, "invalid string length"),
        ("eth_foo", -32601, "Method not found"),
        ("eth_sendRawTransaction", -32003, "nonce too low"),
        ("eth_sendRawTransaction", -32000, "insufficient funds for gas * price + value"),
        # An execution wording from a method that executes nothing is not a revert.
        ("eth_getLogs", -32000, "out of gas while filtering"),
        ("eth_getLogs", -32602, "query returned more than 10000 results"),
    ],
)
def test_other_node_errors_are_refusals(method: str, code: int, message: str) -> None:
    error = node_error(method, code, message)
    assert translate_node_error(error, url=URL) is error


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (-32005, "daily request count exceeded, request rate limited"),  # Infura
        (429, "Your app has exceeded its compute units per second capacity"),  # Alchemy
        (-32000, "Too Many Requests"),
        (-32016, "over rate limit"),
    ],
)
def test_a_providers_limit_is_rate_limited_and_retryable(code: int, message: str) -> None:
    translated = translate_node_error(node_error("eth_call", code, message), url=URL)
    assert isinstance(translated, RateLimitedError)
    assert isinstance(translated, RetryableError)
    assert message in str(translated)


def test_an_error_that_is_not_an_object_is_malformed() -> None:
    with pytest.raises(MalformedAnswerError, match="error is not an object"):
        rpc_error_of("eth_call", "boom", url=URL)
    with pytest.raises(MalformedAnswerError, match="error code"):
        rpc_error_of("eth_call", {"code": "three", "message": "x"}, url=URL)
    parsed = rpc_error_of("eth_call", {"code": 3, "message": "m", "data": "0x"}, url=URL)
    assert (parsed.code, parsed.rpc_message, parsed.data) == (3, "m", "0x")


def test_only_reads_may_be_sent_twice_unless_the_node_never_saw_them() -> None:
    assert reads_only(["eth_call", "eth_getLogs", "eth_blockNumber", "eth_getBlockByNumber"])
    for method in ("eth_sendRawTransaction", "eth_sendTransaction", "evm_mine", "anvil_mine"):
        assert not reads_only([method])
    assert not reads_only(["eth_getFilterChanges"])  # reading it moves the filter's cursor
    assert not reads_only(["eth_call", "eth_sendRawTransaction"])  # a batch is all or nothing
    send = ["eth_sendRawTransaction"]
    assert may_resend(send, RpcConnectError("connect: refused", url=URL))
    assert may_resend(send, RateLimitedError("HTTP 429", url=URL))
    assert not may_resend(send, RpcTimeoutError("no answer", url=URL))
    assert not may_resend(send, RpcHttpError("HTTP 502", url=URL, status=502))
    assert may_resend(["eth_call"], RpcTimeoutError("no answer", url=URL))


def test_endpoint_names_leave_keys_and_paths_out() -> None:
    assert endpoint_label(URL) == "https://node.example"
    assert endpoint_label("http://user:pw@10.0.0.1:8545/rpc?key=1") == "http://10.0.0.1:8545"
    assert endpoint_label("ws://[::1]:8546") == "ws://[::1]:8546"
    assert endpoint_label("not a url") == "<endpoint>"
    message = str(RpcTimeoutError("no answer within 30 s", url=URL))
    assert "SECRETKEY" not in message
    assert message.endswith("(https://node.example)")


def test_node_errors_cover_the_three_outcomes_of_a_read() -> None:
    for error in (
        RpcConnectError("x", url=URL),
        ExecutionRevertedError(method="eth_call", code=3, message="execution reverted"),
        node_error("eth_call", -32602, "bad"),
    ):
        assert isinstance(error, NODE_ERRORS)
