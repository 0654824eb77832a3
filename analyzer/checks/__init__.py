"""Check types, one module each, registered by the name a rule's `check:` uses."""
from __future__ import annotations

from collections.abc import Callable

from ..pack.schema import CheckType
from . import count, forbidden, order, required, timing
from .base import Outcome, not_applicable

# Checks that see only the window's turns; timing checks also need the episode (its measured hold).
CHECKS: dict[CheckType, Callable[..., Outcome]] = {
    CheckType.REQUIRED: required.evaluate,
    CheckType.FORBIDDEN: forbidden.evaluate,
    CheckType.COUNT: count.evaluate,
    CheckType.ORDER: order.evaluate,
}
SPAN_CHECKS: dict[CheckType, Callable[..., Outcome]] = {
    CheckType.MAX_HOLD: timing.max_hold,
    CheckType.MAX_SILENCE: timing.max_silence,
    CheckType.MAX_DELAY: timing.max_delay,
}

__all__ = ["CHECKS", "SPAN_CHECKS", "Outcome", "not_applicable"]
