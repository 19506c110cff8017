"""The project's exceptions: one base, ``TaxonomyError``, and a class per failure.

Every layer raises these (the repository translates driver errors into them
once); the API's handler and the site's error pages map each class to an
HTTP status and an error code through one table (``graphapi.exceptions``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

MAX_PROBLEMS = 50


class TaxonomyError(Exception):
    """Anything the project itself refuses or fails at, as opposed to a bug."""


# --- The graph -------------------------------------------------------------------


class GraphError(TaxonomyError):
    """A graph operation failed for a reason other than availability."""


class GraphUnavailable(GraphError):
    """Neo4j cannot be reached or refused our credentials."""


class GraphTimeout(GraphUnavailable):
    """Neo4j stopped a transaction that ran longer than ``NEO4J_QUERY_TIMEOUT``."""


class WriteTooLarge(GraphError):
    """A write Neo4j aborted for needing more memory than a limit of its allows.

    Neo4j rolled the transaction back, so nothing was written. ``setting`` is
    the limit hit (``db.memory.transaction.max`` ...), ``limit`` its value as
    Neo4j put it, ``remedy`` how to raise it.
    """

    def __init__(self, setting: str, limit: str, remedy: str):
        self.setting, self.limit, self.remedy = setting, limit, remedy
        scope = (
            "one transaction"
            if setting.endswith(".transaction.max")
            else "all transactions together"
        )
        super().__init__(
            f"the write needs more memory than Neo4j lets {scope} hold "
            f"({setting} = {limit}); nothing was written. {remedy}"
        )


class GraphConflict(GraphError):
    """A write would break the graph: an id of another taxonomy, an unknown layer."""


class LoadInProgress(GraphConflict):
    """A staged load holds the graph: other writes wait until it is done.

    ``state`` is the load's meta (``id``, ``state``, ``done``, ``total``,
    ``started``, ``what``); ``stale`` says its writer has not been heard of
    for ``LAYERWISE_LOAD_STALE_SECONDS`` (it died: the load can be settled);
    ``wait`` is the seconds to wait before trying again (``Retry-After``).
    """

    def __init__(self, state: Mapping, stale: bool = False, wait: int = 5):
        self.state, self.stale, self.wait = dict(state), stale, wait
        done, total = state.get("done") or 0, state.get("total") or 0
        share = f", {100 * done // total}% of {total:,} items" if total else ""
        what = state.get("what") or "a large write"
        super().__init__(
            f"{what} is being written in stages ({state.get('state')}{share}); "
            f"other writes wait until it is done: try again in {wait} s"
        )


class NotFound(GraphError):
    """No node or link with that key."""

    def __init__(self, kind: str, key: str):
        self.kind, self.key = kind, key
        super().__init__(f"no {kind} {key!r}")


class AlreadyExists(GraphError):
    """A node or link with that key exists already."""

    def __init__(self, kind: str, key: str):
        self.kind, self.key = kind, key
        super().__init__(f"{kind} {key!r} already exists")


class VersionConflict(GraphError):
    """The item changed since the version the client expected (a stale If-Match)."""

    def __init__(self, kind: str, key: str, current: int):
        self.kind, self.key, self.current = kind, key, current
        super().__init__(
            f"{kind} {key!r} is at version {current}, not the version expected; "
            "read it again and reapply your change"
        )


class StillReferenced(GraphError):
    """A node that links still point at; ``links`` lists them."""

    def __init__(self, kind: str, key: str, links: list[dict[str, str]]):
        self.kind, self.key, self.links = kind, key, links
        super().__init__(
            f"{kind} {key!r} is still linked ({len(links)} link(s)); delete them "
            "first or delete with cascade"
        )


class InvalidWrite(GraphError):
    """A write that breaks the taxonomy's rules; ``errors`` maps field -> messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__(
            "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
        )


# --- Files: fixtures, documents, catalogues ------------------------------------------


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a fixture, where it is and what it is."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass(frozen=True, order=True)
class CellProblem(Problem):
    """A problem at a file's line and column (both from 1), e.g. one cell of
    an SSSOM mapping set; ``message`` opens with the field at fault."""

    column: int = 0

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class FixtureError(TaxonomyError):
    """Fixtures that cannot be loaded; ``problems`` says every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class MappingFileError(FixtureError):
    """An SSSOM mapping set that cannot be loaded: ``problems`` are
    ``CellProblem``s, each at its file, line and column; nothing was written."""


class FixtureSyntaxError(FixtureError):
    """Fixture text that is not even well-formed (YAML or JSON syntax, wrong top level)."""


class InterchangeError(TaxonomyError, ValueError):
    """A file that cannot be imported; ``problems`` names every object at fault."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        shown = self.problems[:MAX_PROBLEMS]
        more = len(self.problems) - len(shown)
        super().__init__("\n".join(shown + ([f"... and {more} more"] if more else [])))


class RemovalsRefused(TaxonomyError):
    """An import that would remove too large a share of what the graph holds of
    its taxonomy (a truncated or wrong file?); ``removals`` maps each kind it
    removes from to ``(removed, held)``, ``over`` lists the kinds past the limit.
    """

    def __init__(
        self, message: str, removals: Mapping[str, tuple[int, int]], over: list[str]
    ):
        self.removals, self.over = dict(removals), list(over)
        super().__init__(message)


# --- Lookups and queries -----------------------------------------------------------


class UnknownTaxonomy(TaxonomyError, LookupError):
    """The graph holds no item of the taxonomy asked for."""

    def __init__(self, name: str, known: Iterable[str]):
        self.name = name
        self.known = sorted(known)
        held = ", ".join(self.known) or "none"
        super().__init__(f"no taxonomy {name!r} in the graph (it holds: {held})")


class ScenarioError(TaxonomyError, ValueError):
    """Ids a scenario or a query names that the taxonomy does not hold.

    ``unknown`` maps each kind (``layer``, ``mitigation``, ``threat``,
    ``maturity``) to the sorted unknown ids of that kind.
    """

    def __init__(self, unknown: Mapping[str, Iterable[str]]):
        self.unknown = {
            kind: tuple(sorted(ids)) for kind, ids in unknown.items() if ids
        }
        parts = [
            f"unknown {kind}{'s' if len(ids) > 1 else ''}: {', '.join(ids)}"
            for kind, ids in self.unknown.items()
        ]
        super().__init__("; ".join(parts))


class GeographyError(TaxonomyError, ValueError):
    """Jurisdictions, memberships or in-force links that cannot be used (issue 25):
    an unknown jurisdiction, a date that is not a date, a membership cycle...;
    ``problems`` names every item at fault."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("; ".join(self.problems))


class RecommendationError(TaxonomyError, ValueError):
    """A recommendation's candidates, budget or costs cannot be used.

    ``field`` names the argument (``candidates``, ``budget``, ``costs``,
    ``time_limit``) and the message the offending values.
    """

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


class RevisionError(TaxonomyError):
    """A name that cannot be tagged, or no revision by that name."""


class BackupError(TaxonomyError):
    """A backup file that cannot be restored, or a restore the graph refuses."""


# --- How each error is answered ----------------------------------------------------

# Error class -> (HTTP status, error code), for the API's one exception handler
# and the site's error pages; ``http_status`` looks a class up along its MRO,
# so the most specific entry wins.
HTTP_STATUS: dict[type[TaxonomyError], tuple[int, str]] = {
    GraphUnavailable: (503, "graph_unavailable"),
    GraphTimeout: (503, "graph_timeout"),
    WriteTooLarge: (413, "too_large"),
    NotFound: (404, "not_found"),
    VersionConflict: (412, "version_conflict"),
    StillReferenced: (409, "still_referenced"),
    AlreadyExists: (409, "already_exists"),
    LoadInProgress: (409, "load_in_progress"),
    GraphConflict: (409, "conflict"),
    InvalidWrite: (422, "invalid"),
    FixtureSyntaxError: (400, "malformed"),
    FixtureError: (422, "invalid"),
    UnknownTaxonomy: (404, "not_found"),
    RemovalsRefused: (409, "removals_refused"),
    InterchangeError: (422, "invalid"),
    ScenarioError: (422, "invalid"),
    GeographyError: (422, "invalid"),
    RecommendationError: (422, "invalid"),
    RevisionError: (404, "not_found"),
    BackupError: (422, "invalid"),
    GraphError: (500, "graph_error"),
}


def http_status(error: BaseException) -> tuple[int, str] | None:
    """The (status, code) an error is answered with; None for one not of ours.

    >>> http_status(NotFound("threat", "x")), http_status(InvalidWrite({}))
    ((404, 'not_found'), (422, 'invalid'))
    >>> http_status(ValueError("x")) is None
    True
    """
    for cls in type(error).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return None
