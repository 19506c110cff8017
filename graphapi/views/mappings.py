"""Mapping sets (SSSOM crosswalks between taxonomies) and their rows: list,
read, create, change, delete, and a set as an SSSOM/TSV file.

Sets are named by their ``mapping_set_id`` (an IRI, so a query parameter, not
a path segment): ``mappings/set/?id=``; rows by their set and CURIEs:
``mappings/row/?set=&subject=&object=``. Writes take If-Match (the ETag of a
read) and are audited.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import reverse
from django.utils.http import urlencode
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response

from graphapi import schema
from graphapi.etags import expected_versions
from graphapi.serializers import mappings as ser
from graphapi.views.common import ApiView, body, item, params
from taxonomy import services
from taxonomy.domain.mappings import MappingRow, MappingSet
from taxonomy.formats.sssom import MEDIA_TYPE, write_sssom
from taxonomy.selectors.mappings import (
    mapping_row_detail,
    mapping_set_detail,
    mapping_set_list,
)

SET, ROW = "mapping_set", "maps_to"


def _set_answer(mapping_set: MappingSet, *, code: int = 200) -> Response:
    location = ""
    if code == status.HTTP_201_CREATED:
        location = (
            reverse("api:mapping-set")
            + "?"
            + urlencode({"id": mapping_set.mapping_set_id})
        )
    return item(
        ser.set_data(mapping_set),
        kind=SET,
        key=mapping_set.mapping_set_id,
        version=mapping_set.version,
        code=code,
        location=location,
    )


def _row_answer(set_id: str, row: MappingRow, *, code: int = 200) -> Response:
    location = ""
    if code == status.HTTP_201_CREATED:
        query = {"set": set_id, "subject": row.subject_id, "object": row.object_id}
        location = reverse("api:mapping-row") + "?" + urlencode(query)
    return item(
        ser.row_data(row),
        kind=ROW,
        key=f"{set_id}|{row.key}",
        version=row.version,
        code=code,
        location=location,
    )


@schema.mapping_sets
class MappingSetCollection(ApiView):
    def get(self, request: Request) -> Response:
        query = params(ser.MappingListQuerySerializer, request)
        sets = mapping_set_list(taxonomy=query.get("taxonomy"))
        return Response([ser.set_data(s, rows=False) for s in sets])

    def post(self, request: Request) -> Response:
        values = body(ser.MappingSetSerializer(data=request.data))
        stored = services.mapping_set_save(
            mapping_set=ser.set_of(values), create_only=True, actor=request.user
        )
        return _set_answer(stored, code=status.HTTP_201_CREATED)


@schema.mapping_set
class MappingSetItem(ApiView):
    def get(self, request: Request) -> Response:
        set_id = params(ser.MappingSetQuerySerializer, request)["id"]
        return _set_answer(mapping_set_detail(mapping_set_id=set_id))

    def patch(self, request: Request) -> Response:
        set_id = params(ser.MappingSetQuerySerializer, request)["id"]
        changes = body(ser.MappingSetChangeSerializer(data=request.data, partial=True))
        if "creator_id" in changes:
            changes["creator_id"] = tuple(changes["creator_id"])
        stored = services.mapping_set_update(
            mapping_set_id=set_id,
            changes=changes,
            expected=expected_versions(request, SET, set_id),
            actor=request.user,
        )
        return _set_answer(stored)

    def delete(self, request: Request) -> Response:
        set_id = params(ser.MappingSetQuerySerializer, request)["id"]
        services.mapping_set_delete(
            mapping_set_id=set_id,
            expected=expected_versions(request, SET, set_id),
            actor=request.user,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@schema.mapping_set_export
class MappingSetExport(ApiView):
    def get(self, request: Request) -> HttpResponse:
        set_id = params(ser.MappingSetQuerySerializer, request)["id"]
        text = write_sssom(mapping_set_detail(mapping_set_id=set_id))
        response = HttpResponse(text, content_type=f"{MEDIA_TYPE}; charset=utf-8")
        name = set_id.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1] or "mappings"
        response["Content-Disposition"] = f'attachment; filename="{name}.sssom.tsv"'
        return response


@schema.mapping_rows
class MappingRowCollection(ApiView):
    def get(self, request: Request) -> Response:
        set_id = params(ser.MappingRowsQuerySerializer, request)["set"]
        rows = mapping_set_detail(mapping_set_id=set_id).rows
        return Response([ser.row_data(r) for r in rows])

    def post(self, request: Request) -> Response:
        set_id = params(ser.MappingRowsQuerySerializer, request)["set"]
        values = body(ser.MappingRowSerializer(data=request.data))
        stored = services.mapping_row_save(
            mapping_set_id=set_id, key=None, row=ser.row_of(values), actor=request.user
        )
        return _row_answer(set_id, stored, code=status.HTTP_201_CREATED)


@schema.mapping_row
class MappingRowItem(ApiView):
    def get(self, request: Request) -> Response:
        set_id, key = self._key(request)
        return _row_answer(set_id, mapping_row_detail(mapping_set_id=set_id, key=key))

    def put(self, request: Request) -> Response:
        set_id, key = self._key(request)
        values = body(ser.MappingRowSerializer(data=request.data))
        stored = services.mapping_row_save(
            mapping_set_id=set_id,
            key=key,
            row=ser.row_of(values),
            expected=expected_versions(request, ROW, f"{set_id}|{key}"),
            actor=request.user,
        )
        return _row_answer(set_id, stored)

    def delete(self, request: Request) -> Response:
        set_id, key = self._key(request)
        services.mapping_row_save(
            mapping_set_id=set_id,
            key=key,
            row=None,
            expected=expected_versions(request, ROW, f"{set_id}|{key}"),
            actor=request.user,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _key(self, request: Request) -> tuple[str, str]:
        """The set's id and the row's key ``subject->object`` the query names."""
        query = params(ser.MappingRowQuerySerializer, request)
        return query["set"], f"{query['subject']}->{query['object']}"
