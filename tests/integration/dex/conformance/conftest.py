"""The adapter conformance suite reuses the helpers of the tests it stands beside: the V3
quoter plumbing (`_v3_quoter_helpers`, one folder up), the state tests' market and sync
plumbing (`_state_helpers`, `_v3_sync_helpers`) and the engine tests' router swap
(`_bot_helpers`), all importable here."""

from __future__ import annotations

import sys
from pathlib import Path

_INTEGRATION = Path(__file__).resolve().parents[2]
for _folder in ("dex", "state", "engine"):
    sys.path.insert(0, str(_INTEGRATION / _folder))
