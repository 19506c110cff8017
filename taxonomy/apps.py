"""App configuration for the taxonomy domain."""

from django.apps import AppConfig


class TaxonomyConfig(AppConfig):
    name = "taxonomy"
    verbose_name = "Layerwise taxonomy"
