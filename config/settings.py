"""Django settings for Layerwise, read from the environment (docs/operations.md)."""

from __future__ import annotations

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from config.env import (
    cache_settings,
    envbool,
    envchoice,
    envfloat,
    envint,
    envlist,
    envrange,
    envsecret,
    envsize,
    envstr,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("LAYERWISE_VAR_DIR", str(BASE_DIR / "var")))
# Sessions, the secret key and the graph's password live there: owner only.
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)


def _secret_key() -> str:
    """The SECRET_KEY from the environment, else one generated once into var/."""
    key = envsecret("SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # apnumber: counts written as words in sentences ("four catalogues").
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "csp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "taxonomy",
    "graphapi",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "taxonomy.middleware.GraphUnavailableMiddleware",
    # Last, as django-axes asks: it answers a locked-out login.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
            # The browser's template tags live with its views in taxonomy/web/.
            "libraries": {
                "layerwise": "taxonomy.web.templatetags.layerwise",
                "editing": "taxonomy.web.templatetags.editing",
                "texts": "taxonomy.web.templatetags.texts",
            },
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'layerwise.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Two gunicorn workers may write audit entries at once: wait, do not fail.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    _sqlite = Path(DATABASES["default"]["NAME"])
    if not str(_sqlite).startswith((":", "file:")) and not _sqlite.exists():
        # Created owner-only, as sessions are kept in it; SQLite gives its journal
        # files the same mode and takes an empty file for an empty database.
        _sqlite.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        _sqlite.touch(mode=0o600)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Cytoscape.js is pinned in package.json and installed by `make` (npm ci) into
# node_modules/; it is served from there, never copied into the repository.
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/cytoscape", BASE_DIR / "node_modules/cytoscape/dist"),
]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
WHITENOISE_USE_FINDERS = DEBUG
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
# Editors log in at /accounts/login/ (Django's auth views) and come back
# where they were; logging out (a POST) returns to the overview.
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "overview"
LOGOUT_REDIRECT_URL = "overview"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

# --- HTTPS (behind a proxy that ends TLS) -------------------------------------
# Off by default: `make run` serves plain HTTP on 127.0.0.1. A site served over
# HTTPS sets them (docs/operations.md, "Serving over HTTPS"): cookies only
# over HTTPS, HTTP redirected to HTTPS, and browsers told to use nothing else
# for LAYERWISE_HSTS_SECONDS. Django learns that a request came over HTTPS
# from gunicorn, which trusts X-Forwarded-Proto from its forwarded_allow_ips.
LAYERWISE_HTTPS = envbool("LAYERWISE_HTTPS", False)
SESSION_COOKIE_SECURE = envbool("LAYERWISE_SECURE_COOKIES", LAYERWISE_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = envbool("LAYERWISE_SSL_REDIRECT", LAYERWISE_HTTPS)
# A load balancer's liveness checks may ask over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^api/v1/(ping|health)/$"]
SECURE_HSTS_SECONDS = envint(
    "LAYERWISE_HSTS_SECONDS", 31_536_000 if LAYERWISE_HTTPS else 0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("LAYERWISE_HSTS_SUBDOMAINS", False)
if SECURE_HSTS_SECONDS < 0:
    raise ImproperlyConfigured("LAYERWISE_HSTS_SECONDS must be 0 or more")

# --- Content-Security-Policy (django-csp) ------------------------------------
# Everything from this site only: no inline script, style or event handler, no
# eval, no plugins, no framing. Scripts and styles go in static/; a view that
# needs more widens the policy for itself with csp.decorators.csp_update.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Proxies -----------------------------------------------------------------
# How many reverse proxies in front of Django each append the address they saw
# to X-Forwarded-For. 0 ignores the header (the client is REMOTE_ADDR): any
# client can write it, and a fresh address per request would escape the API's
# throttle and the login lockout. graphapi.throttling.client_ip applies it.
LAYERWISE_TRUSTED_PROXIES = envint("LAYERWISE_TRUSTED_PROXIES", 0)
if LAYERWISE_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured("LAYERWISE_TRUSTED_PROXIES must be 0 or more")

# --- Login throttling (django-axes) ------------------------------------------
# LAYERWISE_LOGIN_FAILURES wrong passwords for one username from one address
# lock that pair out of the login form and the admin for
# LAYERWISE_LOGIN_COOLOFF_MINUTES, counted from the last attempt; a success
# before that clears the count. `manage.py axes_reset` unlocks everyone.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("LAYERWISE_LOGIN_FAILURES", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("LAYERWISE_LOGIN_COOLOFF_MINUTES", 15))
if AXES_FAILURE_LIMIT < 1 or AXES_COOLOFF_TIME <= timedelta(0):
    raise ImproperlyConfigured(
        "LAYERWISE_LOGIN_FAILURES and LAYERWISE_LOGIN_COOLOFF_MINUTES must be 1 or more"
    )
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# One address that fails this often, whatever usernames it tries (one password
# against many users), is locked out too (config.lockout.LoginHandler).
LAYERWISE_LOGIN_ADDRESS_FAILURES = envint("LAYERWISE_LOGIN_ADDRESS_FAILURES", 20)
if LAYERWISE_LOGIN_ADDRESS_FAILURES < 1:
    raise ImproperlyConfigured("LAYERWISE_LOGIN_ADDRESS_FAILURES must be 1 or more")
AXES_HANDLER = "config.lockout.LoginHandler"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "graphapi.throttling.client_ip"
AXES_LOCKOUT_CALLABLE = "config.lockout.locked_out"

# --- Neo4j -----------------------------------------------------------------
# NEO4J_URI set: use that server (bolt:// or neo4j:// for a cluster) and never
# start one. Unset: the project's own local server under var/neo4j/.
NEO4J_URI = envstr("NEO4J_URI")
NEO4J_USER = envstr("NEO4J_USER", "neo4j")
NEO4J_PASSWORD = envsecret("NEO4J_PASSWORD")
NEO4J_DATABASE = envstr("NEO4J_DATABASE", "neo4j")
# Tests never use NEO4J_URI, so a developer's data is never touched: they use
# NEO4J_TEST_URI if set, otherwise a local instance of their own.
NEO4J_TEST_URI = envstr("NEO4J_TEST_URI")
NEO4J_TEST_USER = envstr("NEO4J_TEST_USER", "neo4j")
NEO4J_TEST_PASSWORD = envsecret("NEO4J_TEST_PASSWORD")

NEO4J_HOME = VAR_DIR / "neo4j"
# A parallel test run (``pytest -n 2``, as ``make test`` runs it) gives each
# worker but the first test servers of its own: worker gwN takes the test
# ports plus 10 x N and directories of its own, and whatever a test starts
# (a server, a command, a task worker) inherits the worker's environment, so
# reaches the same servers.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
TEST_WORKER = int(_worker[2:]) if re.fullmatch(r"gw\d+", _worker) else 0
_TEST_DIR_SUFFIX = f"-gw{TEST_WORKER}" if TEST_WORKER else ""
# Memory of a local server, in bytes; None = derived (taxonomy.graph.server):
# the dev heap is a quarter of the machine's memory within 512 MiB..4 GiB, one
# transaction may hold half the heap, all transactions together 70% of it.
# The test server's heap is fixed, so its limits are too.
NEO4J_LOCAL_INSTANCES = {
    "dev": {
        "dir": NEO4J_HOME,
        "port": envint("LAYERWISE_NEO4J_PORT", 7687),
        "heap": envsize("LAYERWISE_NEO4J_HEAP"),
        "pagecache": envstr("LAYERWISE_NEO4J_PAGECACHE", "256m"),
        "tx_max": envsize("LAYERWISE_NEO4J_TX_MAX"),
        "tx_total_max": envsize("LAYERWISE_NEO4J_TX_TOTAL_MAX"),
    },
    "test": {
        "dir": Path(
            envstr("LAYERWISE_NEO4J_TEST_DIR", str(VAR_DIR / "neo4j-test"))
            + _TEST_DIR_SUFFIX
        ),
        "port": envint("LAYERWISE_NEO4J_TEST_PORT", 7688) + 10 * TEST_WORKER,
        "heap": envsize("LAYERWISE_NEO4J_TEST_HEAP", 512 * 1024**2),
        "pagecache": envstr("LAYERWISE_NEO4J_TEST_PAGECACHE", "128m"),
        "tx_max": envsize("LAYERWISE_NEO4J_TEST_TX_MAX", 32 * 1024**2),
        "tx_total_max": envsize("LAYERWISE_NEO4J_TEST_TX_TOTAL_MAX"),
    },
}
NEO4J_INSTANCE = envstr("LAYERWISE_NEO4J_INSTANCE", "dev")
if NEO4J_INSTANCE not in NEO4J_LOCAL_INSTANCES:
    raise ImproperlyConfigured(
        f"LAYERWISE_NEO4J_INSTANCE={NEO4J_INSTANCE!r}: use one of "
        f"{', '.join(NEO4J_LOCAL_INSTANCES)}"
    )
NEO4J_START_TIMEOUT = envint("LAYERWISE_NEO4J_START_TIMEOUT", 180)
# Seconds `neo4j stop` waits for a clean shutdown before it kills the server.
NEO4J_STOP_TIMEOUT = envint("LAYERWISE_NEO4J_STOP_TIMEOUT", 60)
# Seconds Neo4j lets one transaction run before it stops it (a 503 with code
# graph_timeout); 0 = no limit. Keep it below gunicorn's worker timeout
# (config/gunicorn.conf.py), which kills a request's worker without an answer.
NEO4J_QUERY_TIMEOUT = envfloat("LAYERWISE_NEO4J_QUERY_TIMEOUT", 30.0)
# A whole taxonomy is read in one transaction (the analysis needs one state):
# it may run this long (a million links take tens of seconds on 2 cores).
NEO4J_READ_TIMEOUT = envfloat("LAYERWISE_NEO4J_READ_TIMEOUT", 300.0)
# Rows of the coverage matrix per page (a large catalogue is paged).
LAYERWISE_MATRIX_PAGE = envint("LAYERWISE_MATRIX_PAGE", 500)
# Staged loads (taxonomy/graph/repository/staging.py): whole-taxonomy change
# sets larger than this are staged, in batches of this many rows; a load whose
# lease is silent this long (its writer beats every fifth of it, at most every
# 5 s: graph/repository/lease.py) is taken over, undone or finished, by the
# next write; a write waits at most this long for a switched load whose writer
# still beats to settle before it is refused (409 with Retry-After).
# The wait is kept below gunicorn's worker timeout less a query's (60 - 30 s):
# a sync worker waiting longer would be killed without an answer.
LAYERWISE_STAGED_WRITE_ITEMS = envint("LAYERWISE_STAGED_WRITE_ITEMS", 20_000)
LAYERWISE_STAGE_BATCH = envint("LAYERWISE_STAGE_BATCH", 10_000)
LAYERWISE_LOAD_STALE_SECONDS = envfloat("LAYERWISE_LOAD_STALE_SECONDS", 15.0)
LAYERWISE_SETTLE_WAIT_SECONDS = envfloat("LAYERWISE_SETTLE_WAIT_SECONDS", 3.0)
for _name, _least in (
    ("LAYERWISE_STAGED_WRITE_ITEMS", 0),
    ("LAYERWISE_STAGE_BATCH", 1),
    ("LAYERWISE_LOAD_STALE_SECONDS", 1),
    ("LAYERWISE_SETTLE_WAIT_SECONDS", 0),
):
    if globals()[_name] < _least:
        raise ImproperlyConfigured(f"{_name} must be at least {_least}")

# --- Taxonomy and coverage ---------------------------------------------------
FIXTURES_DIR = Path(envstr("LAYERWISE_FIXTURES_DIR", str(BASE_DIR / "fixtures")))
# The published MITRE ATLAS file (dist/ATLAS.yaml of mitre-atlas/atlas-data) that
# the ATLAS tests and the pages benchmark read; the project never ships a copy.
LAYERWISE_ATLAS_PATH = Path(
    envstr("LAYERWISE_ATLAS_PATH")
    or BASE_DIR.parent / "shared" / "data" / "atlas" / "ATLAS.yaml"
)
LAYERWISE_COVERAGE_THRESHOLD = envfloat("LAYERWISE_COVERAGE_THRESHOLD", 0.8)
LAYERWISE_EFFECTIVENESS = {
    "low": envfloat("LAYERWISE_EFFECTIVENESS_LOW", 0.3),
    "medium": envfloat("LAYERWISE_EFFECTIVENESS_MEDIUM", 0.6),
    "high": envfloat("LAYERWISE_EFFECTIVENESS_HIGH", 0.9),
}
if not 0 < LAYERWISE_COVERAGE_THRESHOLD <= 1:
    raise ImproperlyConfigured("LAYERWISE_COVERAGE_THRESHOLD must be in (0, 1]")
for _strength, _e in LAYERWISE_EFFECTIVENESS.items():
    if not 0 <= _e < 1:
        raise ImproperlyConfigured(
            f"LAYERWISE_EFFECTIVENESS_{_strength.upper()} must be in [0, 1)"
        )
# What each strength stands for in the robustness analysis's Monte Carlo draws:
# a band whose mean is the strength's effectiveness, so that the draws scatter
# around the judged values instead of sitting below (or above) them.
LAYERWISE_UNCERTAINTY = {
    "low": envrange("LAYERWISE_UNCERTAINTY_LOW", (0.15, 0.45)),
    "medium": envrange("LAYERWISE_UNCERTAINTY_MEDIUM", (0.45, 0.75)),
    "high": envrange("LAYERWISE_UNCERTAINTY_HIGH", (0.85, 0.95)),
}
for _strength, (_low, _high) in LAYERWISE_UNCERTAINTY.items():
    if abs((_low + _high) / 2 - LAYERWISE_EFFECTIVENESS[_strength]) > 1e-9:
        raise ImproperlyConfigured(
            f"LAYERWISE_UNCERTAINTY_{_strength.upper()} ({_low:g}-{_high:g}) must "
            f"have LAYERWISE_EFFECTIVENESS_{_strength.upper()} "
            f"({LAYERWISE_EFFECTIVENESS[_strength]:g}) as its mean"
        )

# Panels of judges (issue 27, docs/model.md): a link several judges judged
# counts at the median of their strengths; an even panel split between two
# strengths takes the "lower" (the cautious reading) or the "higher".
LAYERWISE_PANEL_TIE = envchoice("LAYERWISE_PANEL_TIE", ("lower", "higher"), "lower")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "WARNING")},
    "loggers": {"neo4j": {"level": "WARNING"}},
}

# --- REST API (graphapi/) ----------------------------------------------------
# Reads are public unless LAYERWISE_API_REQUIRE_LOGIN; writes need a user in
# the "editors" group (token for tools, session + CSRF for the browser).
LAYERWISE_API_REQUIRE_LOGIN = envbool("LAYERWISE_API_REQUIRE_LOGIN", False)
# What readers who are not editors see of the audit log, on the history pages
# and at /api/v1/audit/ (editors always see everything): "public" everything;
# "anonymised" when, what item, which fields and why, but not who nor the
# values before and after; "editors" nothing.
LAYERWISE_AUDIT_VISIBILITY = envchoice(
    "LAYERWISE_AUDIT_VISIBILITY", ("public", "anonymised", "editors"), "anonymised"
)
# Requests per anonymous client (IP) as "N/second|minute|hour|day"; empty = off.
LAYERWISE_API_ANON_RATE = envstr("LAYERWISE_API_ANON_RATE", "600/min") or None
LAYERWISE_API_PAGE_SIZE = envint("LAYERWISE_API_PAGE_SIZE", 100)
# Import jobs (graphapi/jobs.py): an API import whose body is larger than this
# (or sent with "Prefer: respond-async") is answered 202 and run by the task
# worker (`manage.py db_worker`, which `make run` starts beside gunicorn), so it
# never depends on finishing within a web worker's timeout. The queue is
# django-tasks' database backend: a table in Django's database, no other server.
LAYERWISE_IMPORT_JOB_BYTES = envint("LAYERWISE_IMPORT_JOB_BYTES", 1024 * 1024)
TASKS = {
    "default": {
        "BACKEND": "django_tasks_db.DatabaseBackend",
        "QUEUES": ["default"],
    }
}
# Cached reads check the graph revision in Neo4j at most this often (seconds)
# per process; a process sees its own writes at once, other processes' writes
# after at most this long. 0 checks on every request. With CACHE_URL every
# server sees every write on its next read; this is then only the limit for
# writes made while Redis did not answer.
LAYERWISE_REVISION_MAX_AGE = envfloat("LAYERWISE_REVISION_MAX_AGE", 1.0)
# Bytes of whole API answers each process keeps at the current graph revision
# (taxonomy.selectors.cache), besides the shared cache; 0 keeps none.
LAYERWISE_ANSWER_MEMO_BYTES = envint("LAYERWISE_ANSWER_MEMO_BYTES", 16 * 1024 * 1024)
if LAYERWISE_ANSWER_MEMO_BYTES < 0:
    raise ImproperlyConfigured("LAYERWISE_ANSWER_MEMO_BYTES must be 0 or more")
# Largest request body (bytes): a whole taxonomy imported over the API.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("LAYERWISE_MAX_BODY_BYTES", 64 * 1024 * 1024)

# CACHE_URL (or CACHE_URL_FILE) = redis://:password@host:port/db: one cache
# shared by every server (config.cache; what is cached: taxonomy.selectors
# .cache), through which each server also sees the others' writes on its next
# read. Unset: each process caches in its own memory, at most
# LAYERWISE_CACHE_ENTRIES entries.
CACHES = {
    "default": cache_settings(
        envsecret("CACHE_URL"), max_entries=envint("LAYERWISE_CACHE_ENTRIES", 2000)
    )
}
# The Redis the tests and benchmarks start themselves (config/redis_server.py):
# Debian's build unpacked by `make` under var/redis/root/, 127.0.0.1 only.
REDIS_HOME = VAR_DIR / "redis"
LAYERWISE_REDIS_TEST_PORT = envint("LAYERWISE_REDIS_TEST_PORT", 6391) + 10 * TEST_WORKER

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an anonymous write then gets 401 with WWW-Authenticate.
        "graphapi.authentication.HashedTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["graphapi.permissions.ReadPublicWriteEditors"],
    "DEFAULT_THROTTLE_CLASSES": ["graphapi.throttling.AnonymousThrottle"],
    # For any stock DRF throttle; ours reads LAYERWISE_TRUSTED_PROXIES itself.
    "NUM_PROXIES": LAYERWISE_TRUSTED_PROXIES,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["graphapi.formats.BoundedJSONParser"],
    "DEFAULT_PAGINATION_CLASS": "graphapi.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "graphapi.exceptions.exception_handler",
    # ?format= is a parameter of /export/, not a renderer switch.
    "URL_FORMAT_OVERRIDE": None,
    # OPTIONS answers 405: the OpenAPI schema describes every endpoint.
    "DEFAULT_METADATA_CLASS": None,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Layerwise API",
    "DESCRIPTION": (
        "Read, write and analyse the Layerwise threat taxonomy: governance "
        "layers, misuse threats, mitigations, sources and the links among "
        "them, and the coverage analysis over them."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "graphapi.openapi.add_common_errors",
        "graphapi.schema_types.type_nullable_schemas",
    ],
    "ENUM_NAME_OVERRIDES": {
        "StrengthEnum": "taxonomy.domain.records.STRENGTHS",
        "MaturityEnum": "taxonomy.domain.records.MATURITIES",
        "CoverageClassEnum": "taxonomy.analysis.model.CLASSES",
        "IncidentKindEnum": "taxonomy.domain.records.INCIDENT_KINDS",
        "JurisdictionKindEnum": "taxonomy.domain.records.JURISDICTION_KINDS",
    },
    # Ids in URLs (graphapi.urls.IdConverter), as in fixtures/schema.json.
    "PATH_CONVERTER_OVERRIDES": {
        "taxid": {
            "type": "string",
            "pattern": r"^[A-Za-z0-9][A-Za-z0-9._:-]*$",
            "maxLength": 200,
        }
    },
}
