"""gunicorn's settings for `make run`: where it listens, how many workers, and the
time limits, which sit above the Neo4j query timeout (see config/settings.py)."""

import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WORKERS", "2"))
# A worker silent for this long is killed and its request gets no answer, so
# Neo4j (LAYERWISE_NEO4J_QUERY_TIMEOUT, 30 s) stops a long query first and the
# request ends with a 503 in the error shape.
timeout = int(os.environ.get("LAYERWISE_GUNICORN_TIMEOUT", "60"))
# On a restart, workers get this long to finish the requests they hold.
graceful_timeout = 30
# Seconds an idle keep-alive connection stays open, for gthread workers (a
# --worker-class given); the default sync workers answer one request per
# connection, which spreads requests evenly over the workers.
keepalive = 5
# Request line, header count and header size limits, in bytes and fields; beyond
# them gunicorn answers 400 before Django sees the request.
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = "-"
