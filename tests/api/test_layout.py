"""The service's modules keep to their jobs: `main` is the import path of the app, `deps` holds
the FastAPI dependencies only, `service` the request pipeline, `middleware` the ASGI layers.
Cross-cutting: about how the modules divide the work, not one module."""

from __future__ import annotations

import inspect

from fastapi import FastAPI
from segmenter_api import app as factory
from segmenter_api import deps, handlers, main, middleware, service
from segmenter_api.settings import Settings


def defined_here(module: object) -> set[str]:
    """The functions and classes a module defines itself (not those it imports)."""
    return {name for name, obj in vars(module).items()
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and obj.__module__ == module.__name__}  # type: ignore[attr-defined]


def test_main_is_the_import_path_of_the_app(monkeypatch, tmp_path):
    assert main.create_app is factory.create_app
    monkeypatch.chdir(tmp_path)  # no .env file
    monkeypatch.setattr(main, "_APP", [])
    app = main.app  # built from the environment's settings on first access, the models not loaded yet
    assert isinstance(app, FastAPI) and main.app is app
    assert app.state.segmenter.settings == Settings() and not app.state.segmenter.models


def test_deps_holds_the_dependencies_only():
    assert defined_here(deps) == {"get_state", "require_api_key", "texts_request"}
    assert {"StateDep", "TextsDep", "bearer"} <= set(vars(deps))
    assert all(inspect.iscoroutinefunction(getattr(deps, name)) for name in defined_here(deps))
    assert {"read_request", "model_named", "checked", "answer", "client_gone", "Checked"} <= defined_here(service)


def test_the_middleware_and_the_handlers_are_installed_by_the_factory():
    assert {"BodyLimitMiddleware", "MetricsMiddleware", "add_middleware"} <= defined_here(middleware)
    assert {"error_response", "validation_message", "add_error_handlers"} <= defined_here(handlers)
    app = factory.create_app(Settings(_env_file=None))
    stack = [m.cls for m in app.user_middleware]
    assert stack[0] is middleware.MetricsMiddleware and stack[-1] is middleware.BodyLimitMiddleware  # outermost first
    assert set(handlers.STATUS) <= set(app.exception_handlers)
