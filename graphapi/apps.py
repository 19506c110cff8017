"""App configuration for the REST API."""

from django.apps import AppConfig


class GraphapiConfig(AppConfig):
    name = "graphapi"
    verbose_name = "Layerwise REST API"
