"""``manage.py incidents``: the stopped count with its assumption and margin."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from taxonomy import services
from taxonomy.domain.records import Layer, Mitigates, Mitigation, Taxonomy
from taxonomy.domain.scenario import Scenario
from taxonomy.selectors.incidents import incident_report
from tests.taxonomy.graph.test_incident_graph import ATTACK

# ATTACK with one mitigation, in effect, that addresses t3 alone: cs1 uses t3
# at step 2, so it is stopped there; the group uses only t2 and is not.
GUARDED = Taxonomy(
    **{
        **{f: getattr(ATTACK, f) for f in ATTACK.__dataclass_fields__},
        "layers": (Layer("hw", "Hardware"),),
        "mitigations": (Mitigation("backups", "Backups", "hw", "deployed"),),
        "mitigates": (Mitigates("backups", "t3", "high"),),
    }
)


def _run(*args: str) -> str:
    out = StringIO()
    call_command("incidents", *args, stdout=out)
    return out.getvalue()


def test_the_command_says_what_is_stopped_with_its_assumption(graph):
    services.taxonomy_apply(taxonomy=GUARDED)
    text = _run()
    assert text.startswith(
        "1 of 2 documented incidents would be stopped (threshold τ = 0.8"
    )
    assert "Assumption: An incident counts as stopped when" in text
    assert "  case-study: 1 of 1\n  group: 0 of 1\n" in text
    assert "  cs1  stopped at step 2  A breach\n" in text
    assert "  g1  not stopped  A group\n" in text
    assert "Stopped across thresholds: τ 0.5: 1," in text
    assert "  t2  1 incidents  Exfiltrate" in text
    assert "cs1" not in _run("--kind", "group")
    off = _run("--disable-layer", "hw")
    assert off.startswith("0 of 2 documented incidents would be stopped")


def test_the_json_is_the_selectors_document(graph):
    services.taxonomy_apply(taxonomy=GUARDED)
    document = json.loads(_run("--format", "json"))
    expected = incident_report(scenario=Scenario())
    assert document == json.loads(json.dumps(expected))


def test_an_unknown_taxonomy_is_a_usage_error(graph):
    with pytest.raises(CommandError) as refused:
        _run("--taxonomy", "nowhere")
    assert refused.value.returncode == 2
