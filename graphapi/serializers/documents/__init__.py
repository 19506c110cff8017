"""Serializers that only document answers for the schema, one module per
document family: the error shape, the health checks, the graph and the
canonical document with import results, the coverage document, two revisions
compared, the recommendation, incidents and governance architectures side by
side. The views render these answers themselves."""

from graphapi.serializers.documents.architectures import (
    ArchitectureComparisonSerializer,
)
from graphapi.serializers.documents.coverage import (
    CoverageDocumentSerializer,
    RobustnessSerializer,
)
from graphapi.serializers.documents.errors import ErrorBodySerializer, ErrorSerializer
from graphapi.serializers.documents.health import HealthSerializer, PingSerializer
from graphapi.serializers.documents.history import ComparisonSerializer
from graphapi.serializers.documents.incidents import (
    IncidentCoverageSerializer,
    IncidentVerdictSerializer,
    TacticCoverageSerializer,
)
from graphapi.serializers.documents.interchange import (
    GRAPH_NODE_KINDS,
    CatalogueImportResultSerializer,
    GraphSerializer,
    ImportResultSerializer,
    TaxonomyDocumentSerializer,
)
from graphapi.serializers.documents.recommend import RecommendationSerializer

__all__ = [
    "GRAPH_NODE_KINDS",
    "ArchitectureComparisonSerializer",
    "CatalogueImportResultSerializer",
    "ComparisonSerializer",
    "CoverageDocumentSerializer",
    "ErrorBodySerializer",
    "ErrorSerializer",
    "GraphSerializer",
    "HealthSerializer",
    "ImportResultSerializer",
    "IncidentCoverageSerializer",
    "IncidentVerdictSerializer",
    "PingSerializer",
    "RecommendationSerializer",
    "RobustnessSerializer",
    "TacticCoverageSerializer",
    "TaxonomyDocumentSerializer",
]
