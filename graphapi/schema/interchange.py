"""The documentation of the taxonomies, the graph, export, import and import
jobs."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    PolymorphicProxySerializer,
    extend_schema,
)

from graphapi.openapi import errors
from graphapi.schema.common import CONTENT_DISPOSITION, FIXTURE_FILE
from graphapi.serializers import documents, history, jobs, queries
from taxonomy.formats.common import (
    MAX_YAML_ALIAS_NODES,
    MAX_YAML_DEPTH,
    REMOVAL_FLOOR,
    REMOVAL_SHARE,
)
from taxonomy.formats.registry import FORMATS

taxonomies = extend_schema(
    tags=["taxonomies"],
    summary="The taxonomies in the graph, with their items counted",
    description="Each name is a value of the `taxonomy` parameter of the reads; "
    "`layerwise` is the seed and the default.",
    responses={200: history.TaxonomyCountSerializer(many=True)},
)
graph = extend_schema(
    tags=["graph"],
    summary="Nodes and edges for visualisation",
    description="Layers, threats and mitigations as nodes (ids prefixed by kind), "
    "links as edges; threats carry their coverage class. With `around`, only the "
    "nodes within `depth` hops of that node. An unknown taxonomy is 404.",
    parameters=[queries.GraphQuerySerializer],
    responses={200: documents.GraphSerializer, **errors(404, 422)},
)
NAVIGATOR_LAYER = {
    "type": "object",
    "description": "An ATT&CK Navigator layer, format 4.5: score = each threat's "
    "coverage by all layers in percent (0..100), comment = its class and the layers "
    "that address it.",
    "required": ["name", "versions", "domain", "techniques"],
    "properties": {
        "name": {"type": "string"},
        "versions": {"type": "object"},
        "domain": {"type": "string"},
        "techniques": {"type": "array", "items": {"type": "object"}},
    },
}
STIX_BUNDLE = {
    "type": "object",
    "description": "A STIX 2.1 bundle.",
    "required": ["type", "id", "objects"],
    "properties": {
        "type": {"type": "string", "enum": ["bundle"]},
        "id": {"type": "string"},
        "objects": {"type": "array", "items": {"type": "object"}},
    },
}
export = extend_schema(
    tags=["import/export"],
    summary="One taxonomy as a file: fixtures (yaml, json), STIX, Navigator, GraphML, CSV",
    description="As `manage.py export --format F --taxonomy T` for stix, navigator, "
    "graphml and csv; navigator and csv take the coverage scenario (`threshold`, "
    "`disable_layer`, `disable_mitigation`, `adopt`, `maturity`, `dependence`), "
    "which other formats "
    "refuse (422). An unknown taxonomy is 404.",
    parameters=[queries.ExportQuerySerializer, CONTENT_DISPOSITION],
    responses={
        (200, "application/json"): {
            "anyOf": [
                {"$ref": "#/components/schemas/TaxonomyDocument"},
                NAVIGATOR_LAYER,
            ]
        },
        (200, "application/yaml"): FIXTURE_FILE,
        (200, FORMATS["stix"].media_type): STIX_BUNDLE,
        (200, FORMATS["graphml"].media_type): OpenApiTypes.STR,
        (200, FORMATS["csv"].media_type): OpenApiTypes.STR,
        **errors(404, 422),
    },
)
import_ = extend_schema(
    tags=["import/export"],
    summary="Import a fixture file or document, a MITRE ATLAS file, a STIX 2.1 "
    "bundle or an AI Atlas Nexus catalogue, all or nothing",
    description="`format=fixtures` (the default): one fixture file (YAML) or the "
    "canonical document (JSON), validated like `manage.py taxonomy validate`: any "
    "problem (422, each with its line for YAML and its field) writes nothing; YAML "
    "that is not YAML is 400. Without `prune` the graph keeps what the import does "
    "not mention. `dry_run=true` writes nothing and reports the change set and its "
    "coverage impact.\n\n"
    "`format=atlas` (ATLAS.yaml, sent as YAML) and `format=stix` (a STIX 2.1 "
    "bundle, sent as JSON) work as `manage.py import_atlas` / `import_stix`: the "
    "file replaces what the graph holds of its taxonomy and touches no other; a "
    "file that cannot be imported, or a `layer_map` naming an unknown layer, is 422 "
    "with every problem in `details.problems` and writes nothing; an id another "
    "taxonomy holds is 409. An import that would remove more than "
    f"{REMOVAL_SHARE:.0%} of a kind (and more than {REMOVAL_FLOOR} items) of what "
    "the graph holds of the taxonomy is 409 "
    "`removals_refused` with the counts per kind in `details.removals`, and "
    "writes nothing, unless `allow_removals=true`; a dry run lists that refusal "
    "first among its warnings. The API does not check ATLAS bodies against "
    "MITRE's JSON Schema (`manage.py import_atlas` does). The answer lists the "
    "changes and a summary per kind.\n\n"
    "`format=risk-atlas` with `catalogue=NAME` (e.g. `nist-ai-600-1`) imports "
    "that catalogue of IBM's AI Atlas Nexus from the package installed beside "
    "the server, as `manage.py import_risk_atlas NAME` does (NIST AI 600-1's "
    "suggested actions become its mitigations): the request has no body (a "
    "body is 400); it takes the options, checks and answer of atlas and stix, "
    "is audited as channel `api` and has a dry run. A catalogue the package "
    "does not define is 422 naming those it does.\n\n"
    "A body larger than `LAYERWISE_IMPORT_JOB_BYTES` (1 MiB by default), or "
    "sent with `Prefer: respond-async`, is not imported within the request: it "
    "is accepted with 202 and run as a job by the task worker (see "
    "`/api/v1/jobs/{job_id}/`), so a large import never depends on a web "
    "worker's timeout. Its query and media type are checked first (422, 415).\n\n"
    f"YAML bodies may nest at most {MAX_YAML_DEPTH} levels and their aliases "
    f"expand to at most {MAX_YAML_ALIAS_NODES:,} nodes; past that a fixture body "
    "is 400 and an ATLAS body 422.",
    parameters=[
        queries.ImportQuerySerializer,
        OpenApiParameter(
            "Prefer",
            str,
            OpenApiParameter.HEADER,
            description="`respond-async` (RFC 7240): run the import as a job "
            "(202) whatever its size.",
        ),
        OpenApiParameter(
            "Location",
            str,
            OpenApiParameter.HEADER,
            response=[202],
            description="The job's status URL.",
        ),
    ],
    request={
        "application/json": documents.TaxonomyDocumentSerializer,
        "application/yaml": FIXTURE_FILE,
    },
    responses={
        200: OpenApiResponse(
            PolymorphicProxySerializer(
                component_name="ImportAnswer",
                serializers=[
                    documents.ImportResultSerializer,
                    documents.CatalogueImportResultSerializer,
                ],
                resource_type_field_name=None,
            ),
            description="Applied or dry run: ImportResult for fixtures, "
            "CatalogueImportResult for atlas, stix and risk-atlas.",
        ),
        202: OpenApiResponse(
            jobs.JobSerializer,
            description="Run as a job by the task worker: a body larger than "
            "`LAYERWISE_IMPORT_JOB_BYTES` (1 MiB by default), or any body sent "
            "with `Prefer: respond-async`. Nothing is written yet; the `Location` "
            "header and `url` give the job's status (GET), `cancel_url` cancels "
            "it (POST). Once succeeded, the job's `result` is the 200 answer; a "
            "failed job's `error` is the error the import would have answered.",
        ),
        **errors(400, 409, 413, 415, 422),
    },
)

_JOB_ID = OpenApiParameter(
    "job_id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="The job's id."
)
_JOB_ERRORS = {
    **errors(401, 403),
    404: OpenApiResponse(documents.ErrorSerializer, description="No such job."),
}
job = extend_schema(
    tags=["import/export"],
    summary="An import job: its status, progress and outcome",
    description="For editors, and for the editor who started it. `status` is "
    "queued, running, succeeded, failed or cancelled; a running job reports "
    "`phase` (reading, writing) and `done` of `total` changes. A job whose "
    "task worker stopped is reported failed (`worker_lost`); the graph is then "
    "as it was.",
    parameters=[_JOB_ID],
    responses={200: jobs.JobSerializer, **_JOB_ERRORS},
)
job_cancel = extend_schema(
    tags=["import/export"],
    summary="Cancel an import job (editors)",
    description="A queued job is cancelled at once; a running one stops at its "
    "next batch and leaves the graph as it was (its status turns cancelled "
    "soon after: poll `url`). A job whose write has already switched cannot be "
    "undone and ends as succeeded. A job that has ended is 409 `job_ended`.",
    parameters=[_JOB_ID],
    request=None,
    responses={
        202: OpenApiResponse(jobs.JobSerializer, description="Cancel asked."),
        **_JOB_ERRORS,
        409: OpenApiResponse(
            documents.ErrorSerializer, description="The job has ended."
        ),
    },
)
