"""`omniarb breaker`: read, trip and reset the circuit breakers of a running bot.

The breakers live in the bot's process, so this verb talks to its API (`/breaker`): the URL is
`--url`, else `[api] host` and `port` from the config (a port of 0 is picked when the bot
starts, and `omniarb run` prints the URL it got); the bearer token, when the API has one, is
`OMNIARB_API_TOKEN` from the environment, as the bot's. `--chain NAME` acts on that chain's
breaker (the bot runs with `[monitor.breaker] per_chain = true`), else on the global one.

    omniarb breaker status
    omniarb breaker reset --chain base
    omniarb breaker trip --reason "node upgrade" --url http://127.0.0.1:8000
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import httpx

from omniarb.cli import Subparsers
from omniarb.cli._output import add_json_flag, emit_json
from omniarb.config import Settings, load_secrets
from omniarb.errors import ConfigError, NotFoundError, NotRunningError, OmniarbError

__all__ = ["register", "run"]

_TIMEOUT_S = 10.0


def register(subparsers: Subparsers) -> None:
    """Add the `breaker` verb."""
    parser = subparsers.add_parser(
        "breaker",
        help="show, trip or reset a running bot's circuit breakers (through its API)",
        description="Show every scope's circuit breaker (global and, with per-chain breakers, "
        "each chain's), or trip or reset one. Talks to the running bot's API.",
    )
    parser.add_argument("action", choices=("status", "reset", "trip"), nargs="?", default="status")
    parser.add_argument(
        "--chain", metavar="NAME", help="this chain's breaker (default: the global one)"
    )
    parser.add_argument("--reason", help="why, stored with the trip (trip only)")
    parser.add_argument(
        "--url", help="the bot's API, e.g. http://127.0.0.1:8000 (default: from [api])"
    )
    add_json_flag(parser)
    parser.set_defaults(func=run)


def api_url(settings: Settings, url: str | None) -> str:
    """The API's base URL: `url`, else `[api]`'s host and port."""
    if url is not None:
        return url.rstrip("/")
    if settings.api.port == 0:
        raise ConfigError(
            "[api] port is 0 (a free port, chosen when the bot starts): "
            "pass the URL `omniarb run` printed with --url"
        )
    host = f"[{settings.api.host}]" if ":" in settings.api.host else settings.api.host
    return f"http://{host}:{settings.api.port}"


def _call(client: httpx.Client, method: str, path: str, **kwargs: Any) -> Any:
    """One request; the API's refusals as our errors."""
    try:
        answer = client.request(method, path, **kwargs)
    except httpx.TransportError as exc:
        raise NotRunningError(
            f"no bot API answers at {client.base_url} ({type(exc).__name__}): "
            "is `omniarb run` running with [api] enabled?"
        ) from exc
    detail = _detail(answer)
    if answer.status_code == 401:
        raise ConfigError(f"the API refused the token ({detail}): set OMNIARB_API_TOKEN")
    if answer.status_code == 404:
        raise NotFoundError(detail)
    if answer.status_code == 503:
        raise NotRunningError(detail)
    if answer.status_code != 200:
        raise OmniarbError(f"{method} {path} answered {answer.status_code}: {detail}")
    return answer.json()


def _detail(answer: httpx.Response) -> str:
    try:
        body = answer.json()
    except ValueError:
        return answer.text[:200]
    return str(body.get("detail", body)) if isinstance(body, dict) else str(body)


def _line(scope: dict[str, Any]) -> str:
    trip = scope.get("trip")
    if trip is None:
        return f"{scope['scope']:<12} {scope['state']}"
    return (
        f"{scope['scope']:<12} {scope['state']:<6} {trip['reason']}: {trip['detail']} "
        f"(tripped {trip['tripped_at']} by {trip['tripped_by']})"
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Show every scope, or trip or reset one, then show every scope."""
    if args.action != "trip" and args.reason is not None:
        raise ConfigError("--reason goes with `breaker trip` only")
    params = {} if args.chain is None else {"chain": args.chain}
    token = load_secrets().api_token
    headers = {} if token is None else {"Authorization": f"Bearer {token.get_secret_value()}"}
    with httpx.Client(
        base_url=api_url(settings, args.url), headers=headers, timeout=_TIMEOUT_S
    ) as c:
        if args.action == "status":
            status = _call(c, "GET", "/breaker")
        elif args.action == "reset":
            status = _call(c, "POST", "/breaker/reset", params=params)
        else:
            reason = args.reason or "tripped from the command line"
            status = _call(c, "POST", "/breaker/trip", params=params, json={"reason": reason})
    if args.json:
        emit_json(status)
        return 0
    scopes = status.get("scopes") or [status]
    sys.stdout.write("".join(f"{_line(scope)}\n" for scope in scopes))
    return 0
