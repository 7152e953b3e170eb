"""The demo page at / (`?text=...&standard=...` segments on load), from the files of api/demo/,
served by the app itself: no CDN, no framework, works offline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response

DEMO = Path(__file__).resolve().parent.parent / "demo"
# Only this origin: the page can load no script, style or font from elsewhere, nor send text there.
CSP = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"


class _DemoFiles(StaticFiles):
    """The demo's assets with the page's Content-Security-Policy: `/demo/index.html` is the same
    page as `/`, and must not be framable or load from elsewhere either."""

    async def get_response(self, path: str, scope: Any) -> Response:
        response = await super().get_response(path, scope)
        response.headers["Content-Security-Policy"] = CSP
        return response


def router(app: FastAPI) -> APIRouter:
    app.mount("/demo", _DemoFiles(directory=DEMO), name="demo")
    r = APIRouter()

    @r.get("/", include_in_schema=False)
    async def demo() -> FileResponse:
        return FileResponse(DEMO / "index.html", media_type="text/html", headers={"Content-Security-Policy": CSP})

    return r
