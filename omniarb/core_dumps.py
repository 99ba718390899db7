"""No core dumps from a process that holds keys: a crash must not write its memory to disk.

    state = disable_core_dumps()    # `omniarb run` and `omniarb demo` call it first

Two switches, because each misses a case of the other: the core-size limit 0 (RLIMIT_CORE, both
soft and hard, so the process cannot raise it again; inherited by every child, the anvil nodes
and the market process too) stops the kernel writing a core file, but not a `core_pattern` pipe
to a crash collector (systemd-coredump, apport), which ignores the limit. Linux's
`prctl(PR_SET_DUMPABLE, 0)` stops both, and also stops another process of the same user from
attaching with ptrace or reading `/proc/<pid>/mem` (a debugger or `py-spy` needs root then). The
dumpable flag does not outlive an `exec`: a child program starts dumpable, under the limit.
"""

from __future__ import annotations

import ctypes
import logging
import resource
import sys
from dataclasses import dataclass

__all__ = ["CoreDumpState", "core_dump_state", "disable_core_dumps"]

log = logging.getLogger(__name__)

# <linux/prctl.h>
_PR_SET_DUMPABLE = 4
_PR_GET_DUMPABLE = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class CoreDumpState:
    """The core-size limits (bytes; -1 is unlimited) and whether the process is dumpable
    (None where the platform has no such flag)."""

    core_soft_limit_bytes: int
    core_hard_limit_bytes: int
    dumpable: bool | None

    @property
    def disabled(self) -> bool:
        return (
            self.core_soft_limit_bytes == 0
            and self.core_hard_limit_bytes == 0
            and self.dumpable is not True
        )


def _prctl(option: int, value: int = 0) -> int:
    libc = ctypes.CDLL(None, use_errno=True)
    result: int = libc.prctl(option, value, 0, 0, 0)
    if result < 0:
        raise OSError(ctypes.get_errno(), f"prctl({option}) failed")
    return result


def core_dump_state() -> CoreDumpState:
    """The current process's core-dump settings."""
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    dumpable = bool(_prctl(_PR_GET_DUMPABLE)) if sys.platform == "linux" else None
    return CoreDumpState(core_soft_limit_bytes=soft, core_hard_limit_bytes=hard, dumpable=dumpable)


def disable_core_dumps() -> CoreDumpState:
    """Set the core-size limit to 0 (soft and hard) and, on Linux, clear the dumpable flag;
    returns the state after. A switch the system refuses is logged, not fatal: the other
    still applies."""
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (OSError, ValueError) as exc:
        log.warning("could not set the core-size limit to 0: %s", exc)
    if sys.platform == "linux":
        try:
            _prctl(_PR_SET_DUMPABLE, 0)
        except OSError as exc:
            log.warning("could not clear the dumpable flag: %s", exc)
    return core_dump_state()
