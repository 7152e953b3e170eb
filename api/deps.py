"""The FastAPI dependencies of the routes: the app state, the API key check, the parsed body."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from .errors import AuthError
from .schemas import TextsRequest
from .service import read_request
from .state import AppState


async def get_state(request: Request) -> AppState:
    state: AppState = request.app.state.segmenter
    return state


StateDep = Annotated[AppState, Depends(get_state)]


bearer = HTTPBearer(auto_error=False, description="the API key, when the server has one (SEGMENTER_API_KEY)")


async def require_api_key(state: StateDep,
                          credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> None:
    key = state.settings.api_key
    if key is None:
        return
    given = credentials.credentials.strip() if credentials is not None else ""
    if not given or not secrets.compare_digest(given.encode(), key.get_secret_value().encode()):
        raise AuthError("this server needs 'Authorization: Bearer <API key>'")


async def texts_request(request: Request, state: StateDep) -> TextsRequest:
    """The body of /v1/segment and /v1/tag, parsed and validated (`service.read_request`)."""
    return await read_request(request, state)


TextsDep = Annotated[TextsRequest, Depends(texts_request)]
