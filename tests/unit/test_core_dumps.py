"""`disable_core_dumps` sets the core-size limit (soft and hard) to 0 and clears the dumpable
flag, as the process itself and the kernel see it (in a child process: the test's own limits
stay)."""

from __future__ import annotations

import json
import subprocess
import sys

_CHILD = """
import json, resource
from omniarb.core_dumps import core_dump_state, disable_core_dumps
before = core_dump_state()
after = disable_core_dumps()
print(json.dumps({
    "before_dumpable": before.dumpable,
    "limits": list(resource.getrlimit(resource.RLIMIT_CORE)),
    "dumpable": after.dumpable,
    "disabled": after.disabled,
    "status_limit": [line for line in open("/proc/self/limits") if "core" in line][0].split(),
}))
"""


def test_a_process_that_disabled_core_dumps_is_not_dumpable_with_a_zero_core_limit() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD], capture_output=True, text=True, timeout=60, check=True
    )
    seen = json.loads(done.stdout)
    assert seen["before_dumpable"] is True
    assert seen["limits"] == [0, 0]
    assert seen["dumpable"] is False
    assert seen["disabled"] is True
    # What the kernel reports: "Max core file size  0  0  bytes" (soft, hard).
    assert seen["status_limit"][4:6] == ["0", "0"]
