"""What the deploy tests share: a service's settings as its container's environment gives them."""

import importlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from punte_platform.settings import PunteSettings

SettingsOf = Callable[[str, dict[str, str]], PunteSettings]


@pytest.fixture
def settings_of(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> SettingsOf:
    """`settings_of(service, env)`: the service's own settings class, read from `env` alone."""

    def read(name: str, env: dict[str, str]) -> PunteSettings:
        module = importlib.import_module(f"punte_{name}.settings")
        (settings_class,) = [
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, PunteSettings)
            and value is not PunteSettings
        ]
        for key in list(os.environ):
            if key.startswith("PUNTE_"):
                monkeypatch.delenv(key)
        monkeypatch.chdir(tmp_path)  # no stray .env
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        settings: PunteSettings = settings_class()
        return settings

    return read
