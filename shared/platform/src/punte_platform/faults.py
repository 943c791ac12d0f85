"""Crash points for fault tests: `PUNTE_CRASH_POINT=<name>` kills the process right there."""

import logging
import os

log = logging.getLogger(__name__)

CRASH_POINT_VARIABLE = "PUNTE_CRASH_POINT"
CRASH_EXIT_CODE = 70


def crash_point(name: str) -> None:
    """Exit at once, skipping all cleanup, when the environment names this point."""
    if os.environ.get(CRASH_POINT_VARIABLE) == name:
        log.critical("crash point %s reached: exiting", name)
        logging.shutdown()
        os._exit(CRASH_EXIT_CODE)
