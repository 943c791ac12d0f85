"""Fixtures shared with the other API key, REST and audit tests (see api_keys/support.py)."""

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

SUPPORT = "punte_gateway_key_support"


def _support() -> ModuleType:
    if SUPPORT not in sys.modules:
        path = Path(__file__).resolve().parents[1] / "api_keys" / "support.py"
        spec = importlib.util.spec_from_file_location(SUPPORT, path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[SUPPORT] = module
        spec.loader.exec_module(module)
    return sys.modules[SUPPORT]


gateway_factory = _support().gateway_factory
gw = _support().gw
