"""The staff web UI's build (`web/dist`), served at `/` with a history fallback for its routes."""

import logging
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

log = logging.getLogger(__name__)

# The checkout's `web/dist` (gateway/src/punte_gateway/web.py -> the repository's root).
DEFAULT_WEB_DIR = Path(__file__).resolve().parents[3] / "web" / "dist"
# Paths of the API and the operations endpoints: an unknown one is a 404, never the UI's page.
RESERVED_PREFIXES = (
    "graphql",
    "api/",
    "uploads",
    "downloads",
    "healthz",
    "readyz",
    "metrics",
    "assets/",
)
IMMUTABLE = "public, max-age=31536000, immutable"


class HashedAssets(StaticFiles):
    """Vite's assets: their names carry a content hash, so browsers may keep them for good."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code == 200:
            response.headers["Cache-Control"] = IMMUTABLE
        return response


def mount_web_ui(app: FastAPI, web_dir: Path) -> bool:
    """Serve the UI's build if it exists: assets, top-level files, else index.html (no cache)."""
    root = web_dir.resolve()
    index = root / "index.html"
    if not index.is_file():
        log.info("no web UI build at %s: serving the API only (make up builds it)", root)
        return False
    assets = HashedAssets(directory=root / "assets", check_dir=False)
    app.mount("/assets", assets, name="web-assets")

    @app.get("/{path:path}", include_in_schema=False)
    async def web_ui(path: str) -> FileResponse:
        if path.startswith(RESERVED_PREFIXES):
            raise HTTPException(status_code=404)
        candidate = (root / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(root):
            return FileResponse(candidate)
        return FileResponse(index, headers={"Cache-Control": "no-cache"})

    return True
