"""ETags of nodes and links, and the versions an If-Match header accepts.

A node's ETag is ``"threat:guardrail-removal:v3"``; a link's
``"mitigates:tee->model-extraction:v2"``. If-Match takes such tags, ``*``
or a bare version number (``3`` or ``"3"``).
"""

from __future__ import annotations

import re

from rest_framework.request import Request

from graphapi.exceptions import MalformedRequest

_TAG = re.compile(r'^(W/)?"([^"]*)"$')
# ASCII digits only (str.isdigit also takes "²"), and few enough to be a version.
_VERSION = re.compile(r"^[0-9]{1,18}$")
# The header the parser below accepts, for the schema: *, or a list of tags
# and version numbers (a tag holding a comma would be split at it).
_ONE = r'(?:W/)?"[^",]*"|[0-9]{1,18}'
IF_MATCH_PATTERN = rf"^\s*(?:\*|(?:{_ONE})(?:\s*,\s*(?:{_ONE}))*)\s*$"


def etag(kind: str, key: str, version: int) -> str:
    return f'"{kind}:{key}:v{version}"'


def expected_versions(request: Request, kind: str, key: str) -> frozenset[int] | None:
    """The versions the client's If-Match accepts; None when it sets no precondition.

    Tags of another item, and weak tags (If-Match compares strongly), accept no
    version, so a write with only those fails with 412. A header that is not a
    list of tags or numbers is a malformed request (400).
    """
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    versions: set[int] = set()
    for part in header.split(","):
        part = part.strip()
        if _VERSION.match(part):
            versions.add(int(part))
            continue
        match = _TAG.match(part)
        if match is None:
            raise MalformedRequest(
                f"If-Match: {part!r} is neither an ETag such as "
                f"{etag(kind, key, 1)} nor a version number"
            )
        weak, value = match.groups()
        if weak:
            continue
        number = (
            value.rsplit(":v", 1)[1] if value.startswith(f"{kind}:{key}:v") else value
        )
        if _VERSION.match(number):
            versions.add(int(number))
        elif number.isdigit():
            raise MalformedRequest(f"If-Match: {part[:40]!r} holds no version number")
    return frozenset(versions)
