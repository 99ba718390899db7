"""`omniarb api`: the API and the dashboard alone, as one role of a scaled-out cluster."""

from __future__ import annotations

import argparse
import sys

from omniarb.cli import Subparsers
from omniarb.cli._loop import add_loop_option, run_on_loop
from omniarb.cluster.api_role import (
    ApiRoleOptions,
    bus_feed,
    default_replica,
    require_redis,
    running_api_role,
)
from omniarb.config import Settings
from omniarb.devnet.supervise import StopSignals

__all__ = ["register"]

# The port every role serves Prometheus on (deploy/ scrapes it there).
DEFAULT_METRICS_PORT = 9464


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"expected a TCP port from 0 to 65535, got {value}")
    return value


def register(subparsers: Subparsers) -> None:
    """Add the `api` verb."""
    parser = subparsers.add_parser(
        "api",
        help="serve the API and the dashboard of a cluster (live events from the bus)",
        description="Serve the REST + WebSocket API and the dashboard alone, for a cluster whose "
        "workers run in other processes: the history from the shared database (OMNIARB_DB_URL), "
        "live messages from the bus's events stream (in a consumer group of this replica's own, "
        "api-REPLICA), /cluster/workers from the worker registry; it announces itself there. "
        "Needs [redis] enabled. Stops on Ctrl-C or SIGTERM.",
    )
    parser.add_argument("--host", metavar="H", help="address to bind (default: [api] host)")
    parser.add_argument(
        "--port", type=_port, metavar="N", help="API port (default: [api] port; 0 = a free one)"
    )
    parser.add_argument(
        "--metrics-port",
        type=_port,
        metavar="N",
        default=DEFAULT_METRICS_PORT,
        help=f"Prometheus /metrics port (default {DEFAULT_METRICS_PORT}; 0 = a free one)",
    )
    parser.add_argument(
        "--replica",
        metavar="NAME",
        help="this replica's name: its registry id and events group are api-NAME (default "
        "HOST-PID, unique per process; e.g. the pod's name)",
    )
    add_loop_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace, settings: Settings) -> int:
    require_redis(settings, "api")
    replica: str = args.replica or default_replica()
    options = ApiRoleOptions(
        host=args.host, port=args.port, metrics_port=args.metrics_port, replica=replica
    )
    run_on_loop(_serve(settings, options, replica), use_uvloop=args.uvloop)
    return 0


async def _serve(settings: Settings, options: ApiRoleOptions, replica: str) -> None:
    with StopSignals() as signals:
        async with running_api_role(settings, options, feed=bus_feed(settings, replica)) as role:
            # One line per URL, flushed: `omniarb cluster up` reads them from the log.
            sys.stdout.write(f"API and dashboard: {role.api_url}/\n")
            if role.metrics_url is not None:
                sys.stdout.write(f"metrics: {role.metrics_url}\n")
            sys.stdout.write(f"registry id and events group: {role.group}\n")
            sys.stdout.flush()
            await role.wait(signals.stopped)
