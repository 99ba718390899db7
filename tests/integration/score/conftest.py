"""The score stage against real parts: the bot's history from a devnet race, the model store on
a local directory and on a real S3 API server (moto's, over HTTP)."""

from __future__ import annotations

import sys
from pathlib import Path

# The engine tests' helpers (running the bot, planting a gap) produce the training history.
sys.path.insert(0, str(Path(__file__).parents[1] / "engine"))
# The score unit tests' real networks (`_nets`) serve the store tests.
sys.path.insert(0, str(Path(__file__).parents[2] / "unit" / "score"))
