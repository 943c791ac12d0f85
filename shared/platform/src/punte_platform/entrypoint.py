"""Helpers a service's `__main__` and `app` modules share."""

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from punte_platform.settings import PunteSettings
from punte_platform.tracing import configure_tracing

GRACEFUL_SHUTDOWN_SECONDS = 15


def package_version(distribution: str) -> str:
    """The installed version of a distribution, or 0.0.0 when run from a bare tree."""
    try:
        return version(distribution)
    except PackageNotFoundError:
        return "0.0.0"


def migrations_path(package_file: str) -> Path:
    """A service's Alembic folder: inside the package when installed, beside `src/` in the tree."""
    package_dir = Path(package_file).resolve().parent
    for candidate in (package_dir / "migrations", package_dir.parents[1] / "migrations"):
        if (candidate / "env.py").exists():
            return candidate
    raise FileNotFoundError(f"no migrations folder for {package_dir.name}")


def server_config(app: FastAPI, settings: PunteSettings) -> uvicorn.Config:
    """How uvicorn serves an app: no `server` banner naming the software to attackers."""
    return uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )


def serve(app: FastAPI, settings: PunteSettings) -> None:
    """Run an app under uvicorn; SIGTERM and Ctrl-C drain it through its lifespan."""
    configure_tracing(settings)
    uvicorn.Server(server_config(app, settings)).run()
