"""The API's one exception handler: every 4xx/5xx as {"error": {code, message, details}}.

Status codes: 400 a malformed request (unparseable body, bad If-Match header,
YAML that is not YAML); 401 not authenticated; 403 not allowed; 404 no such
item, taxonomy or URL; 409 a conflict with what the graph holds (already exists, still
linked); 412 a stale If-Match; 422 a well-formed request that breaks the
taxonomy's rules (field values, unknown ids, cycles, an ATLAS or STIX file that
cannot be imported); 429 throttled; 503 Neo4j
unreachable.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf
from rest_framework import status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response

from taxonomy.domain.errors import (
    AlreadyExists,
    FixtureError,
    FixtureSyntaxError,
    InterchangeError,
    InvalidWrite,
    NotFound,
    RemovalsRefused,
    ScenarioError,
    StillReferenced,
    UnknownTaxonomy,
    VersionConflict,
    http_status,
)
from taxonomy.domain.scenario_params import PARAM_OF_KIND

logger = logging.getLogger(__name__)

_FIELD_PREFIX = re.compile(r"^([A-Za-z_][\w.\[\]]*): (.*)$", re.S)


class MalformedRequest(drf.APIException):
    """A request the API cannot even read (400)."""

    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "malformed"


class InvalidParameter(drf.APIException):
    """A well-formed request whose values break the rules (422), naming the field."""

    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_code = "invalid"

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(_summary(errors))


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _summary(errors: dict[str, Any]) -> str:
    parts = []
    for field, messages in errors.items():
        if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
            parts.append(f"{field}: {' '.join(messages)}")
        else:
            parts.append(f"{field}: invalid")
    return "; ".join(parts) or "invalid request"


def _problems(error: FixtureError) -> list[dict[str, Any]]:
    out = []
    for problem in error.problems:
        match = _FIELD_PREFIX.match(problem.message)
        out.append(
            {
                "line": problem.line or None,
                "field": match.group(1) if match else None,
                "message": problem.message,
            }
        )
    return out


def _messages(messages: list[str]) -> list[dict[str, Any]]:
    """Problems of an ATLAS or STIX file in the shape of a fixture's (no lines)."""
    return [{"line": None, "field": None, "message": m} for m in messages]


def _scenario_errors(error: ScenarioError) -> dict[str, list[str]]:
    """The unknown ids of a scenario by the query parameter that named them."""
    return {
        PARAM_OF_KIND.get(kind, kind): [f"unknown {kind} {i!r}" for i in ids]
        for kind, ids in error.unknown.items()
    }


def _problem_count(error: FixtureError | InterchangeError) -> str:
    return f"{len(error.problems)} problem(s); nothing was written"


# The project's errors: class -> the details of its answer (else none); the
# status and code are ``taxonomy.domain.errors.HTTP_STATUS``'s.
DETAILS: dict[type[Exception], Callable[[Any], dict[str, Any]]] = {
    NotFound: lambda e: {"kind": e.kind, "id": e.key},
    AlreadyExists: lambda e: {"kind": e.kind, "id": e.key},
    VersionConflict: lambda e: {"current_version": e.current},
    StillReferenced: lambda e: {"links": e.links},
    InvalidWrite: lambda e: e.errors,
    FixtureError: lambda e: {"problems": _problems(e)},
    InterchangeError: lambda e: {"problems": _messages(e.problems)},
    RemovalsRefused: lambda e: {
        "removals": {k: {"removed": n, "held": h} for k, (n, h) in e.removals.items()},
        "over": e.over,
    },
    UnknownTaxonomy: lambda e: {"kind": "taxonomy", "id": e.name, "known": e.known},
    ScenarioError: _scenario_errors,
}
# Class -> the message of its answer, where the error's own text is not it.
MESSAGES: dict[type[Exception], Callable[[Any], str]] = {
    FixtureSyntaxError: lambda e: "the body cannot be parsed",
    FixtureError: _problem_count,
    InterchangeError: _problem_count,
    UnknownTaxonomy: lambda e: f"no taxonomy {e.name!r} in the graph",
    ScenarioError: lambda e: _summary(_scenario_errors(e)),
}


def _of_class(table: dict[type[Exception], Callable], exc: Exception) -> Any:
    """The entry of ``exc``'s most specific class in ``table``, else None."""
    return next((table[cls] for cls in type(exc).__mro__ if cls in table), None)


def _ours(exc: Exception, code_status: int, code: str) -> tuple[int, str, str, dict]:
    """(status, code, message, details) of one of the project's own errors."""
    if code_status == 500:
        # A failed graph operation: its text is for the log, not the client.
        logger.exception("graph error", exc_info=exc)
        return 500, code, "a graph operation failed; see the server log", {}
    message, details = _of_class(MESSAGES, exc), _of_class(DETAILS, exc)
    return (
        code_status,
        code,
        message(exc) if message else str(exc),
        details(exc) if details else {},
    )


def _map(exc: Exception) -> tuple[int, str, str, dict[str, Any]]:
    """(status, code, message, details) of an exception the API knows."""
    if isinstance(exc, ScenarioError) and "taxonomy" in exc.unknown:
        (name, *_) = exc.unknown["taxonomy"]
        exc = UnknownTaxonomy(name, [])
    ours = http_status(exc)
    if ours is not None:
        return _ours(exc, *ours)
    if isinstance(exc, InvalidParameter):
        return 422, "invalid", str(exc.detail), exc.errors
    if isinstance(exc, drf.ValidationError):
        details = (
            exc.detail
            if isinstance(exc.detail, dict)
            else {"non_field_errors": exc.detail}
        )
        return 422, "invalid", _summary(details), details
    if isinstance(exc, (Http404, drf.NotFound)):
        return 404, "not_found", "not found", {}
    if isinstance(exc, RequestDataTooBig):
        return 413, "too_large", "the body is larger than the server accepts", {}
    if isinstance(exc, PermissionDenied):
        return 403, "permission_denied", "you do not have permission to do this", {}
    if isinstance(exc, drf.Throttled):
        return 429, "throttled", str(exc.detail), {"wait_seconds": exc.wait}
    if isinstance(exc, drf.ParseError):
        return 400, "malformed", str(exc.detail), {}
    if isinstance(exc, drf.APIException):
        codes = exc.get_codes()
        return (
            exc.status_code,
            codes if isinstance(codes, str) else exc.default_code,
            str(exc.detail),
            {},
        )
    logger.exception("unexpected error in the API", exc_info=exc)
    return 500, "server_error", "internal server error; see the server log", {}


def error_of(exc: Exception) -> tuple[int, dict[str, Any]]:
    """The status and the error body the API answers ``exc`` with (what an
    import job that failed reports)."""
    code_status, code, message, details = _map(exc)
    return code_status, error_body(code, message, details)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """DRF's EXCEPTION_HANDLER: map ``exc`` to the one error shape, always as JSON."""
    # Not at the top: rest_framework.views imports the parsers of the settings,
    # and graphapi.formats imports this module.
    from rest_framework.views import set_rollback

    code_status, code, message, details = _map(exc)
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if code_status == 503:
        headers["Retry-After"] = "30"
    request = context.get("request")
    if request is not None:
        # Errors are JSON whatever the client asked for (CSV, YAML ...).
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = "application/json"
    set_rollback()
    return Response(
        error_body(code, message, details), status=code_status, headers=headers
    )


def json_error(code_status: int, code: str, message: str) -> JsonResponse:
    """The error shape for responses Django makes outside DRF (unknown URL, crash)."""
    return JsonResponse(error_body(code, message), status=code_status)
