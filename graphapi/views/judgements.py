"""Judges' judgements of MITIGATES links and the panels they make (issue 27).

``judgements/``: list (filtered by link end and judge) and give one;
``judgements/export/?as=csv|json``: every judgement as a file;
``judgements/import/?as=csv|json``: bring a survey's answers in, all or
nothing; ``judgements/panels/``: each judged link's panel; ``judges/``: the
judges, and an external expert recorded. Reads are public, except a round's
answers before it closes (``selectors.rounds`` says who sees them); writes
need an editor, who gives their own judgements and records experts'.
"""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.request import Request
from rest_framework.response import Response

from graphapi.openapi import collection, errors, listed
from graphapi.serializers.records import NumberField, StringField
from graphapi.views.common import ApiView, body, params
from taxonomy import judgements as services
from taxonomy.domain.judgements import JUDGE_MAX_LENGTH, RATIONALE_MAX_LENGTH
from taxonomy.domain.judgements import Judgement as JudgementRecord
from taxonomy.domain.records import STRENGTHS
from taxonomy.formats import judgements as files
from taxonomy.selectors import panels as selectors

TAGS = ["judgements"]
FILES = ("csv", "json")


class JudgementSerializer(serializers.Serializer):
    mitigation = StringField(max_length=250)
    threat = StringField(max_length=250)
    judge = StringField(max_length=JUDGE_MAX_LENGTH)
    strength = serializers.ChoiceField(STRENGTHS)
    interval = serializers.ListField(
        child=NumberField(min_value=0, max_value=1),
        min_length=2,
        max_length=2,
        allow_null=True,
        required=False,
        help_text="The judge's effectiveness [low, high]; null: the strength's band.",
    )
    confidence = NumberField(min_value=0, max_value=1, allow_null=True, required=False)
    rationale = StringField(
        max_length=RATIONALE_MAX_LENGTH, allow_blank=True, required=False
    )
    sources = serializers.ListField(
        child=StringField(max_length=250), required=False, max_length=100
    )
    date = serializers.DateField(required=False, allow_null=True)
    round = StringField(max_length=100, allow_blank=True, required=False)
    phase = serializers.ChoiceField(
        (1, 2),
        allow_null=True,
        required=False,
        help_text="The round's phase it was given in: 1, or 2 for a judge's "
        "revision in the second phase (their phase-1 answer stays a judgement "
        "of its own). Left out when writing: the phase the round is in (1 "
        "outside any round); a round refuses a phase it is not in (409).",
    )


class JudgementQuerySerializer(serializers.Serializer):
    mitigation = serializers.CharField(max_length=250, required=False)
    threat = serializers.CharField(max_length=250, required=False)
    judge = serializers.CharField(max_length=JUDGE_MAX_LENGTH, required=False)


class FileQuerySerializer(serializers.Serializer):
    as_ = serializers.ChoiceField(FILES, default="json")

    def get_fields(self):
        fields = super().get_fields()
        fields["as"] = fields.pop("as_")
        return fields


class PanelSerializer(serializers.Serializer):
    mitigation = serializers.CharField()
    threat = serializers.CharField()
    judges = serializers.ListField(child=serializers.CharField())
    strength = serializers.ChoiceField(STRENGTHS, help_text="The panel's median.")
    spread = serializers.IntegerField(help_text="Interquartile range, in steps.")
    agreement = serializers.FloatField(
        help_text="Share of judges within one step of the median."
    )


class JudgeSerializer(serializers.Serializer):
    name = StringField(max_length=JUDGE_MAX_LENGTH)
    affiliation = StringField(max_length=200, allow_blank=True, required=False)
    account = serializers.CharField(read_only=True)


class ImportedSerializer(serializers.Serializer):
    written = serializers.IntegerField()


def _record(values: dict) -> JudgementRecord:
    interval = values.get("interval")
    return JudgementRecord(
        mitigation=values["mitigation"],
        threat=values["threat"],
        judge=values["judge"],
        strength=values["strength"],
        interval=tuple(interval) if interval else None,
        confidence=values.get("confidence"),
        rationale=values.get("rationale", ""),
        sources=tuple(values.get("sources") or ()),
        date=values["date"].isoformat() if values.get("date") else "",
        round=values.get("round", ""),
        phase=values.get("phase"),
    )


@collection(
    TAGS,
    JudgementSerializer,
    JudgementQuerySerializer,
    lists="Judgements of MITIGATES links",
    creates="Give (or change) a judge's judgement of a link",
    description="An editor gives their own judgements and those of the "
    "external experts an editor recorded, never another editor's (403). "
    "Audited, in the link's history.",
)
class JudgementCollection(ApiView):
    def get(self, request: Request) -> Response:
        query = params(JudgementQuerySerializer, request)
        found = selectors.judgements_list(**query, viewer=request.user)
        return Response([files.judgement_as_dict(j) for j in found])

    def post(self, request: Request) -> Response:
        record = _record(body(JudgementSerializer(data=request.data)))
        row = services.judgement_save(record=record, actor=request.user)
        stored = selectors.judgement_record_of(row)
        return Response(files.judgement_as_dict(stored), status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="Every judgement as a file (CSV or the canonical JSON)",
        parameters=[FileQuerySerializer],
        responses={
            (200, "application/json"): OpenApiTypes.OBJECT,
            (200, "text/csv"): OpenApiTypes.STR,
            **errors(422),
        },
    )
)
class JudgementExport(ApiView):
    def get(self, request: Request) -> HttpResponse:
        kind = params(FileQuerySerializer, request)["as"]
        found = selectors.judgements_list(viewer=request.user)
        if kind == "csv":
            text, media = files.judgements_write_csv(found), "text/csv"
        else:
            text, media = (
                files.judgements_write_json(
                    found,
                    [
                        {"name": j["name"], "affiliation": j["affiliation"]}
                        for j in selectors.judges_list()
                    ],
                ),
                "application/json",
            )
        response = HttpResponse(text, content_type=f"{media}; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="judgements.{kind}"'
        return response


@extend_schema_view(
    post=extend_schema(
        tags=TAGS,
        summary="Bring in judgements (CSV or the canonical JSON), all or nothing",
        description="Judges not yet recorded are recorded as external experts. "
        "A file with any bad judgement writes nothing and names each (422).",
        parameters=[FileQuerySerializer],
        request={"text/csv": OpenApiTypes.STR, "application/json": OpenApiTypes.OBJECT},
        responses={201: ImportedSerializer, **errors(400, 401, 403, 422)},
    )
)
class JudgementImport(ApiView):
    parser_classes: list = []

    def post(self, request: Request) -> Response:
        kind = params(FileQuerySerializer, request)["as"]
        try:
            text = request.body.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ParseError("the file is not UTF-8 text") from error
        if kind == "csv":
            found, judges = files.judgements_read_csv(text), []
        else:
            found, judges = files.judgements_read_json(text)
        written = services.judgements_import(
            judgements=found, judges=judges, actor=request.user, channel="api"
        )
        return Response({"written": written}, status=status.HTTP_201_CREATED)


@extend_schema_view(
    get=listed(
        TAGS,
        "Each judged link's panel: median, spread, agreement",
        JudgementQuerySerializer,
        PanelSerializer,
    )
)
class PanelCollection(ApiView):
    def get(self, request: Request) -> Response:
        query = params(JudgementQuerySerializer, request)
        judge = query.pop("judge", None)
        found = selectors.panels_now(**query)
        return Response(
            [
                {
                    "mitigation": p.mitigation,
                    "threat": p.threat,
                    "judges": list(p.judges),
                    "strength": STRENGTHS[p.strength],
                    "spread": p.spread,
                    "agreement": round(p.agreement, 6),
                }
                for _, p in sorted(found.items())
                if judge is None or judge in p.judges
            ]
        )


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="The judges",
        responses={200: JudgeSerializer(many=True)},
    ),
    post=extend_schema(
        tags=TAGS,
        summary="Record a named external expert as a judge",
        request=JudgeSerializer,
        responses={201: JudgeSerializer, **errors(400, 401, 403, 422)},
    ),
)
class JudgeCollection(ApiView):
    def get(self, request: Request) -> Response:
        return Response(selectors.judges_list())

    def post(self, request: Request) -> Response:
        values = body(JudgeSerializer(data=request.data))
        judge = services.judge_create(
            name=values["name"],
            affiliation=values.get("affiliation", ""),
            actor=request.user,
        )
        return Response(
            {"name": judge.name, "affiliation": judge.affiliation, "account": ""},
            status=status.HTTP_201_CREATED,
        )
