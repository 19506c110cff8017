"""The shipped ATLAS → seed mapping set over the published MITRE ATLAS release
(LAYERWISE_ATLAS_PATH): every ATLAS case study replayed against the seed's
mix through it equals the case study rebuilt as seed threats and replayed
directly, and the rule's guarantees hold on real data."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from taxonomy.analysis import crosswalk as cw
from taxonomy.analysis.crosswalk_report import cross_rows, crosswalk_document
from taxonomy.analysis.fast import analyse
from taxonomy.analysis.incidents import incident_model, incident_outcomes
from taxonomy.analysis.incidents_report import crossed_incident_document
from taxonomy.domain.scenario import Scenario
from taxonomy.formats.atlas import atlas_parse
from taxonomy.formats.fixtures_yaml import load_fixtures
from taxonomy.formats.sssom import read_sssom
from tests.published_atlas import atlas_file
from tests.taxonomy.analysis.test_crosswalk import rebuilt

MAPPING = (
    Path(settings.BASE_DIR) / "fixtures" / "mappings" / "atlas-to-layerwise.sssom.tsv"
)


@pytest.fixture(scope="module")
def real():
    atlas, _ = atlas_parse(atlas_file().read_bytes())
    seed = load_fixtures(Path(settings.FIXTURES_DIR))
    mapping, _ = read_sssom(MAPPING.read_text(encoding="utf-8"), name=MAPPING.name)
    ids = {t.id for t in atlas.threats} | {t.id for t in seed.threats}
    return atlas, seed, mapping, cross_rows(mapping, "layerwise", ids)


@pytest.mark.parametrize(
    "scenario", [Scenario(), Scenario(maturities=["deployed"]), Scenario(threshold=0.5)]
)
def test_atlas_case_studies_through_the_shipped_set_equal_their_rebuilt_replay(
    real, scenario
):
    atlas, seed, mapping, rows = real
    analysis = analyse(seed, scenario)
    assert rows, "the shipped set names imported ATLAS techniques"
    assert {r[2] for r in rows} <= {t.id for t in seed.threats}
    crossed = cw.crosswalk(
        [t.id for t in atlas.threats],
        rows,
        *cw.threat_inputs(analysis),
        scenario.threshold,
    )
    document = crossed_incident_document(
        atlas, analysis, crossed, mapping={"id": mapping.mapping_set_id, "name": "m"}
    )
    again, addressed = rebuilt(atlas, rows, analysis.coverages, scenario.threshold)
    direct = incident_outcomes(incident_model(again), addressed)
    assert document["totals"]["incidents"] == len(atlas.incidents) > 0
    assert [i["stopped"] for i in document["incidents"]] == [
        o.stopped for o in direct.incidents
    ]
    assert [i["first_stopped_step"] for i in document["incidents"]] == [
        o.first_stopped_step for o in direct.incidents
    ]


def test_loose_rows_of_the_shipped_set_never_make_an_atlas_technique_addressed(real):
    atlas, seed, mapping, rows = real
    analysis = analyse(seed, Scenario(threshold=0.01))
    loose = [r for r in rows if r[1] in cw.BOUND_PREDICATES]
    crossed = cw.crosswalk(
        [t.id for t in atlas.threats], loose, *cw.threat_inputs(analysis), 0.01
    )
    assert not cw.addressed_items(crossed)
    document = crosswalk_document(atlas, "atlas", analysis, seed, mapping)
    outside = document["summary"][cw.OUTSIDE]
    assert 0 < outside < len(atlas.threats)
