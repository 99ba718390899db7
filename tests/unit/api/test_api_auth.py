"""API auth: what counts as loopback, when the API refuses to start, token comparison, how
scopes nest and what a well-formed stored token looks like."""

from __future__ import annotations

import pytest

from omniarb.api import ApiAuth, is_loopback_host
from omniarb.errors import ConfigError
from omniarb.store.api_tokens import SCOPES, scope_allows, token_id_of


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.3.4.5", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("no-such-host.invalid", False),
    ],
)
def test_is_loopback_host(host: str, loopback: bool) -> None:
    assert is_loopback_host(host) is loopback


def test_without_a_token_only_loopback_binds() -> None:
    open_api = ApiAuth(None)
    assert open_api.mode == "loopback"
    open_api.check_bind("127.0.0.1")
    with pytest.raises(ConfigError, match="OMNIARB_API_TOKEN"):
        open_api.check_bind("0.0.0.0")
    with_token = ApiAuth("s3cret")
    assert with_token.mode == "token"
    with_token.check_bind("0.0.0.0")


def test_token_matching() -> None:
    auth = ApiAuth("s3cret")
    assert auth.matches("s3cret")
    assert not auth.matches("s3cre")
    assert not auth.matches("")
    assert not auth.matches(None)
    assert ApiAuth(None).matches(None)


def test_scopes_nest() -> None:
    allowed = {(held, needed) for held in SCOPES for needed in SCOPES if scope_allows(held, needed)}
    assert allowed == {
        ("read", "read"),
        ("control", "read"),
        ("control", "control"),
        ("admin", "read"),
        ("admin", "control"),
        ("admin", "admin"),
    }


def test_only_a_well_formed_token_names_an_id() -> None:
    assert token_id_of("oat_0123abcd_" + "A" * 43) == "0123abcd"
    assert token_id_of("oat_0123abcd_" + "A" * 42) is None
    assert token_id_of("oat_0123ABCD_" + "A" * 43) is None
    assert token_id_of("oat_0123abcd_" + "A" * 42 + "!") is None
    assert token_id_of("test-token") is None
