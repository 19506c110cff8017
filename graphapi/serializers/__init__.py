"""The API's serializers: ``records`` (items), ``queries`` (query parameters) and
``documents`` (answers documented for the schema)."""
