"""REST endpoints under /api/v1/: thin views that validate, call one selector or
service, and render; their OpenAPI documentation is ``graphapi.schema``'s.

Reads answer for the graph's current revision token (``graphapi.caching``):
a repeated read is one token check and a cache lookup, and the taxonomy
itself is re-read from Neo4j only after a write. Reads answer for one
taxonomy, ``?taxonomy=`` (default the seed); one the graph does not hold is 404.
Writes go through ``taxonomy.services`` and are single transactions.
"""
