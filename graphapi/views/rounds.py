"""Elicitation rounds (issue 27): a Delphi in two phases over some links.

``rounds/``: list, and open one (an editor); ``rounds/<slug>/``: a round, with
the answers the reader may see (``selectors.rounds`` says whose);
``rounds/<slug>/submit/``: a judge's answer (phase 1) or revision (phase 2,
kept beside the phase-1 answer: each judgement says its ``phase``);
``rounds/<slug>/advance/``: phase 1 to phase 2 (an editor);
``rounds/<slug>/close/``: close it, its answers then count (an editor).
"""

from __future__ import annotations

import dataclasses

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from graphapi.openapi import collection, errors
from graphapi.serializers.records import StringField
from graphapi.views.common import ApiView, body, params
from graphapi.views.judgements import JudgementSerializer, _record
from taxonomy import judgements as judgement_services
from taxonomy import rounds as services
from taxonomy.domain.errors import NotFound
from taxonomy.domain.judgements import JUDGE_MAX_LENGTH
from taxonomy.formats import judgements as files
from taxonomy.selectors import panels as panel_selectors
from taxonomy.selectors import rounds as selectors

TAGS = ["rounds"]
PHASES = ("open", "revising", "closed")


class LinkSerializer(serializers.Serializer):
    mitigation = StringField(max_length=250)
    threat = StringField(max_length=250)


class RoundLinkSerializer(LinkSerializer):
    answers = serializers.IntegerField(
        read_only=True, help_text="How many judges have answered (not what)."
    )


class AlphaSerializer(serializers.Serializer):
    phase_1 = serializers.FloatField(
        allow_null=True,
        help_text="Over each judge's phase-1 answers; null: it cannot be computed.",
    )
    latest = serializers.FloatField(
        allow_null=True,
        help_text="Over each judge's latest answer (a phase-2 revision, else "
        "the phase-1 answer); null: it cannot be computed.",
    )


class RoundSerializer(serializers.Serializer):
    slug = StringField(max_length=100, required=False, allow_blank=True)
    title = StringField(max_length=200)
    phase = serializers.ChoiceField(PHASES, read_only=True)
    closes_on = serializers.DateField(help_text="The last day of phase 1.")
    judges = serializers.ListField(
        child=StringField(max_length=JUDGE_MAX_LENGTH), min_length=1, max_length=200
    )
    links = RoundLinkSerializer(many=True)
    judgements = JudgementSerializer(
        many=True,
        read_only=True,
        help_text="The answers the reader may see: before the round closes, a "
        "judge's own; in phase 1 the others' only for a link they answered; "
        "in phase 2 the judges' and editors'.",
    )
    alpha = AlphaSerializer(
        read_only=True,
        allow_null=True,
        help_text="Krippendorff's alpha for ordinal data over the round's links "
        "(units) and judges (coders): 1 is full agreement, 0 no better than "
        "chance, below 0 systematic disagreement; Krippendorff (2004) relies "
        "on alpha >= 0.800 and draws tentative conclusions from 0.667. "
        "Null until the reader may see every answer (after phase 1: the "
        "round's judges and the editors; everyone once it is closed). It "
        "cannot be computed (null inside) without two judges' answers for "
        "some link, or when every answer is the same.",
    )


class RoundQuerySerializer(serializers.Serializer):
    judge = serializers.CharField(max_length=JUDGE_MAX_LENGTH, required=False)
    phase = serializers.ChoiceField(PHASES, required=False)


class AnswerSerializer(JudgementSerializer):
    judge = StringField(
        max_length=JUDGE_MAX_LENGTH,
        required=False,
        help_text="An external expert of the round; left out: your own.",
    )
    round = None
    phase = None


def _answer(held, viewer) -> dict:
    found = selectors.round_as_dict(held, viewer=viewer)
    found["alpha"] = panel_selectors.round_agreement(held, viewer=viewer)
    found["judgements"] = [
        files.judgement_as_dict(panel_selectors.judgement_record_of(r))
        for r in found["judgements"]
    ]
    return found


def _round_step(summary: str):
    """The schema of an editor's POST that moves a round on (no body; 409
    when the round is not in the phase the step leaves)."""
    return extend_schema_view(
        post=extend_schema(
            tags=TAGS,
            summary=summary,
            request=None,
            responses={200: RoundSerializer, **errors(401, 403, 404, 409)},
        )
    )


def _round(slug: str):
    held = selectors.round_get(slug)
    if held is None:
        raise NotFound("round", slug)
    return held


@collection(
    TAGS,
    RoundSerializer,
    RoundQuerySerializer,
    lists="Elicitation rounds, newest first",
    creates="Open a round over some links for the judges named (an editor)",
)
class RoundCollection(ApiView):
    def get(self, request: Request) -> Response:
        query = params(RoundQuerySerializer, request)
        return Response(
            [_answer(r, request.user) for r in selectors.rounds_list(**query)]
        )

    def post(self, request: Request) -> Response:
        values = body(RoundSerializer(data=request.data))
        held = services.round_open(
            slug=values.get("slug", ""),
            title=values["title"],
            links=[(link["mitigation"], link["threat"]) for link in values["links"]],
            judges=values["judges"],
            closes_on=values["closes_on"],
            actor=request.user,
        )
        return Response(
            _answer(_round(held.slug), request.user), status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    get=extend_schema(
        tags=TAGS,
        summary="A round and the answers you may see",
        responses={200: RoundSerializer, **errors(404)},
    )
)
class RoundItem(ApiView):
    def get(self, request: Request, slug: str) -> Response:
        return Response(_answer(_round(slug), request.user))


@extend_schema_view(
    post=extend_schema(
        tags=TAGS,
        summary="Give (phase 1) or revise (phase 2) your answer for a link",
        description="A judge of the round answers for themselves; the editor "
        "who opened it enters its external experts' answers. 403: not a judge "
        "of the round, or another judge's answer; 409: the round is closed.",
        request=AnswerSerializer,
        responses={
            201: JudgementSerializer,
            **errors(400, 401, 403, 404, 409, 422),
        },
    )
)
class RoundSubmit(ApiView):
    def post(self, request: Request, slug: str) -> Response:
        held = _round(slug)
        values = dict(body(AnswerSerializer(data=request.data)))
        if not values.get("judge"):
            values["judge"] = judgement_services.judge_of_user(
                user=request.user, channel="api"
            ).name
        record = dataclasses.replace(_record(values), round=held.slug)
        row = judgement_services.judgement_save(record=record, actor=request.user)
        return Response(
            files.judgement_as_dict(panel_selectors.judgement_record_of(row)),
            status=status.HTTP_201_CREATED,
        )


@_round_step("Move a round from phase 1 to phase 2 (an editor)")
class RoundAdvance(ApiView):
    def post(self, request: Request, slug: str) -> Response:
        _round(slug)
        held = services.round_advance(slug=slug, actor=request.user)
        return Response(_answer(_round(held.slug), request.user))


@_round_step("Close a round: its answers become public and count (an editor)")
class RoundClose(ApiView):
    def post(self, request: Request, slug: str) -> Response:
        held = services.round_close(slug=slug, actor=request.user)
        return Response(_answer(_round(held.slug), request.user))
