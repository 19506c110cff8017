"""The frameworks page shows NIST AI 600-1's suggested actions: how many, tied
to which risks, the gaps of the package's ties, and the strength the import
assumes; counted here from the package's own files, read apart."""

from __future__ import annotations

import importlib.util
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.urls import reverse

from taxonomy.selectors.frameworks import catalogue_actions

PACKAGE_ID = "nist-ai-rmf"


def _package(section: str) -> list[dict]:
    """The items of ``section`` NIST AI 600-1 defines in any file of the
    installed package, read by PyYAML from the folder the import system finds."""
    spec = importlib.util.find_spec("ai_atlas_nexus")
    folder = Path(spec.submodule_search_locations[0]) / "data" / "knowledge_graph"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return [
        item
        for path in sorted(folder.glob("*.yaml"))
        for item in yaml.load(path.read_text("utf-8"), Loader=loader).get(section) or []
        if item.get("isDefinedByTaxonomy") == PACKAGE_ID
    ]


@pytest.fixture(scope="module")
def counted() -> dict:
    actions, risks = _package("actions"), _package("entries")
    per_risk = Counter(r for a in actions for r in a.get("hasRelatedRisk") or [])
    names = {r["id"]: r["name"] for r in risks}
    return {
        "actions": len(actions),
        "ties": sum(per_risk.values()),
        "per_risk": {names[r]: per_risk[r] for r in names},
        "without": sorted(names[r] for r in names if not per_risk[r]),
        "untied": [a["id"] for a in actions if not a.get("hasRelatedRisk")],
    }


def _section(page: str) -> str:
    return page.split('id="frameworks-actions"')[1].split("</section>")[0]


def test_the_actions_are_counted_as_the_package_ties_them(counted):
    document = catalogue_actions()
    assert document["actions"] == counted["actions"]
    assert document["ties"] == counted["ties"]
    assert {r["name"]: r["actions"] for r in document["risks"]} == counted["per_risk"]
    assert document["risks_without"] == counted["without"]
    assert [a["id"] for a in document["untied"]] == counted["untied"]
    assert all(a["name"].startswith(f"{a['id']}: ") for a in document["untied"])
    assert sum(n for _, n in document["functions"]) == counted["actions"]


def test_the_page_says_how_many_actions_and_that_their_strength_is_assumed(
    client, seeded_graph_read_only, counted
):
    page = client.get(reverse("frameworks")).content.decode()
    section = _section(page)
    assert f"suggests {counted['actions']} actions" in section
    assert f"{counted['ties']} ties in all" in section
    assumed = section.split('id="actions-assumed"')[1].split("</div>")[0]
    assert "Imported at an assumed strength" in assumed
    assert "medium strength" in assumed and "(deployed)" in assumed
    # The assumed strength says the effectiveness it is counted at.
    assert "medium strength (counted as stopping 60% of the risk)" in assumed
    assert "neither the project's judgement nor NIST's" in assumed
    gaps = section.split('id="actions-gaps"')[1].split("</p>")[0]
    for name in counted["without"]:
        assert name in gaps
    assert f"{len(counted['untied'])} actions are tied to no risk" in gaps
    untied = section.split('id="actions-untied"')[1].split("</details>")[0]
    assert untied.count("<li>") == len(counted["untied"])
    # Not imported in the seeded graph: the page says how to import it.
    assert "import_risk_atlas nist-ai-600-1" in section


def test_once_imported_the_page_links_the_catalogues_risks(client, graph, counted):
    call_command("import_risk_atlas", "nist-ai-600-1", stdout=StringIO())
    section = _section(client.get(reverse("frameworks")).content.decode())
    assert f"12 risks and {counted['actions']} actions" in section
    link = reverse("threat", args=["nist-ai-600-1:nist-information-integrity"])
    assert f'href="{link}?taxonomy=nist-ai-600-1"' in section
    assert f'href="{reverse("overview")}?taxonomy=nist-ai-600-1"' in section
    overview = client.get(reverse("overview"), {"taxonomy": "nist-ai-600-1"})
    lede = overview.content.decode().split('class="lede"')[1].split("</p>")[0]
    assert "its one layer addresses alone" in lede
    assert "strengths and maturities were assumed at import" in lede


def test_a_package_without_actions_shows_no_actions_section(
    client, seeded_graph_read_only, monkeypatch
):
    monkeypatch.setattr(
        "taxonomy.web.pages.frameworks.catalogue_actions",
        lambda: {**catalogue_actions(), "actions": 0},
    )
    page = client.get(reverse("frameworks")).content.decode()
    assert 'id="frameworks-actions"' not in page
    assert 'id="frameworks-table"' in page
