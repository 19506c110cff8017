"""gunicorn's settings for `make run`: where it listens, how many workers, and the
time limits, which sit above the Neo4j query timeout (see config/settings.py)."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WORKERS", "2"))
# Each worker serves THREADS requests at once, with threads that are handed
# whole request heads only (config/gunicorn_worker.py): a client that sends
# its head slowly, or half of it, holds no thread, and is dropped after
# LAYERWISE_GUNICORN_HEAD_TIMEOUT seconds (10).
worker_class = "config.gunicorn_worker.HeadFirstWorker"
threads = int(os.environ.get("THREADS", "4"))
# A worker whose main loop is silent for this long is killed, and a client
# that sends none of a body, or reads none of an answer, for this long is
# dropped. Neo4j (LAYERWISE_NEO4J_QUERY_TIMEOUT, 30 s) stops a long query
# first and the request ends with a 503 in the error shape.
timeout = int(os.environ.get("LAYERWISE_GUNICORN_TIMEOUT", "60"))
# On a restart, workers get this long to finish the requests they hold.
graceful_timeout = 30
# Seconds an idle keep-alive connection stays open.
keepalive = 5
# Request line, header count and header size limits, in bytes and fields; beyond
# them gunicorn answers 400 before Django sees the request.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
# gunicorn (25.1+) opens a control socket for gunicornc at a path every
# gunicorn of the user shares ($XDG_RUNTIME_DIR/gunicorn.ctl or
# ~/.gunicorn/gunicorn.ctl), so a second server would take over the first's.
# Off, unless LAYERWISE_GUNICORN_CONTROL_SOCKET names a path of its own.
control_socket = os.environ.get("LAYERWISE_GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket


def post_worker_init(worker):
    """Answer one request before the threads serve: the first request of a
    process builds the OpenAPI document the API checks query parameters
    against, and drf-spectacular's generation fails when two threads run it
    at once (its extensions load on first use; views share one schema)."""
    from django.conf import settings
    from django.test import Client

    hosts = [h for h in settings.ALLOWED_HOSTS if h != "*" and not h.startswith(".")]
    Client().get("/api/v1/ping/", secure=True, HTTP_HOST=(hosts or ["localhost"])[0])
