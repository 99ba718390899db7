"""`omniarb keys rotate --chain NAME`: rotate a chain's executor key in the running bot.

The key pool and its nonces live in the bot's process, so the rotation runs there: this verb
asks the bot's API (`POST /keys/rotate`) and waits for the answer — the new key trades, the old
one is de-authorized, swept and retired, every step in the audit log. The URL is `--url`, else
`[api] host` and `port`; the bearer token, when the API has one, `OMNIARB_API_TOKEN`.

    omniarb keys rotate --chain arbitrum --reason "quarterly rotation"

Without a running bot there is nothing to rotate live; the keys at rest are managed with the
other `omniarb keys` verbs.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import httpx

from omniarb.cli import Subparsers
from omniarb.cli._output import add_json_flag, emit_json
from omniarb.cli.breaker_cmd import api_url
from omniarb.config import Settings, load_secrets
from omniarb.errors import ConfigError, NotFoundError, NotRunningError, OmniarbError

__all__ = ["register", "register_rotate", "run"]

# A rotation waits for the old key's pending trades to settle and for four transactions.
_TIMEOUT_S = 300.0


def register_rotate(keys_subparsers: Subparsers) -> None:
    """Add `rotate` to the `keys` verb's subcommands."""
    parser = keys_subparsers.add_parser(
        "rotate",
        help="rotate a chain's executor key in the running bot (through its API)",
        description="Create a key, authorize and fund it, move trading to it, then "
        "de-authorize, sweep and retire the chain's oldest key, in the running bot.",
    )
    parser.add_argument("--chain", required=True, metavar="NAME", help="the chain's name")
    parser.add_argument("--reason", default="operator request", help="stored in the audit log")
    parser.add_argument(
        "--url", help="the bot's API, e.g. http://127.0.0.1:8000 (default: from [api])"
    )
    add_json_flag(parser)
    parser.set_defaults(func=run)


def register(verbs: Subparsers) -> None:
    """Add `rotate` under `omniarb keys` (listed in `omniarb.cli.keys_cmd.MORE_VERBS`)."""
    register_rotate(verbs)


def _post(client: httpx.Client, path: str, **kwargs: Any) -> Any:
    try:
        answer = client.post(path, **kwargs)
    except httpx.TransportError as exc:
        raise NotRunningError(
            f"no bot API answers at {client.base_url} ({type(exc).__name__}): "
            "is `omniarb run` running with [api] enabled?"
        ) from exc
    try:
        body = answer.json()
    except ValueError:
        body = {"detail": answer.text[:200]}
    detail = body.get("detail", body) if isinstance(body, dict) else body
    if answer.status_code == 401:
        raise ConfigError(f"the API refused the token ({detail}): set OMNIARB_API_TOKEN")
    if answer.status_code == 403:
        raise ConfigError(f"the API's token lacks the admin scope key rotation needs ({detail})")
    if answer.status_code == 404:
        raise NotFoundError(str(detail))
    if answer.status_code == 503:
        raise NotRunningError(str(detail))
    if answer.status_code != 200:
        raise OmniarbError(f"POST {path} answered {answer.status_code}: {detail}")
    return body


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Ask the running bot to rotate `--chain`'s key; print the new and the old address."""
    token = load_secrets().api_token
    headers = {} if token is None else {"Authorization": f"Bearer {token.get_secret_value()}"}
    with httpx.Client(
        base_url=api_url(settings, args.url), headers=headers, timeout=_TIMEOUT_S
    ) as client:
        result = _post(
            client, "/keys/rotate", params={"chain": args.chain}, json={"reason": args.reason}
        )
    if args.json:
        emit_json(result)
        return 0
    sys.stdout.write(
        f"{result['chain']}: {result['new_address']} trades now; "
        f"{result['old_address']} de-authorized, swept and retired\n"
    )
    return 0
