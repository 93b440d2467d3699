"""The reliability tests reuse the alert tests' local HTTP receiver (a real socket, every request recorded)."""

from __future__ import annotations

import sys
from pathlib import Path

ALERTS = str(Path(__file__).resolve().parent.parent / "alerts")
if ALERTS not in sys.path:
    sys.path.append(ALERTS)
