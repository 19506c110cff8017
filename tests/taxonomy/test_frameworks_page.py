"""The frameworks page: which of the seed's threats the AI Atlas Nexus
catalogues name, and the levers no file of the package names, computed from
the installed package's files."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.urls import reverse

from taxonomy.domain.records import Threat
from taxonomy.selectors.frameworks import framework_naming
from taxonomy.web.pages import frameworks as frameworks_page

# The hardware and institutional levers the issue found no framework names.
UNNAMED_LEVERS = {
    "export controls": r"export[- ]control",
    "chips": r"\bchips?\b|semiconductor",
    "chip attestation": r"\battestation\b",
}


def _package_files() -> dict[str, str]:
    """Every data file of the installed package, found apart from the
    selector (the import system's spec, none of the package's code run)."""
    root = Path(
        importlib.util.find_spec("ai_atlas_nexus").submodule_search_locations[0]
    )
    return {
        str(p.relative_to(root / "data")): p.read_text(encoding="utf-8")
        for p in sorted((root / "data").rglob("*"))
        if p.suffix in (".yaml", ".tsv")
    }


@pytest.fixture(scope="module")
def seed_threats() -> list[Threat]:
    data = yaml.safe_load(
        (Path(settings.BASE_DIR) / "fixtures" / "threats.yaml").read_text("utf-8")
    )
    return [Threat(t["id"], t["name"]) for t in data["threats"]]


@pytest.fixture(scope="module")
def document(seed_threats):
    return framework_naming(threats=seed_threats)


@pytest.mark.parametrize("lever", sorted(UNNAMED_LEVERS))
def test_no_file_of_the_package_names_export_controls_chips_or_attestation(
    lever, document
):
    files = _package_files()
    pattern = re.compile(UNNAMED_LEVERS[lever], re.IGNORECASE)
    assert [name for name, text in files.items() if pattern.search(text)] == []
    found = {row["lever"]: row["files"] for row in document["levers"]}
    assert found[lever] == []
    assert document["files_searched"] == len(files)


def test_compute_thresholds_are_named_only_where_a_file_speaks_of_flop(document):
    flop = re.compile(r"compute thresholds?|\bflops?\b", re.IGNORECASE)
    expected = [n for n, text in _package_files().items() if flop.search(text)]
    found = {row["lever"]: row["files"] for row in document["levers"]}
    assert found["compute thresholds"] == expected


def test_a_threat_named_by_none_has_no_matching_item_in_any_catalogue(document):
    named = {t["id"]: t["named_by"] for t in document["threats"]}
    assert document["named_by_none"]
    for threat in document["named_by_none"]:
        assert not any(named[threat].values())
    assert "sanctions-evasion" in document["named_by_none"]
    assert [c["items"] for c in document["catalogues"]][0] == 12


def test_the_page_shows_the_threats_no_framework_names(client, seeded_graph_read_only):
    response = client.get(reverse("frameworks"))
    assert response.status_code == 200
    page = response.content.decode()
    unnamed = page.split('id="frameworks-unnamed"')[1].split("</section>")[0]
    assert "Sanctions evasion" in unnamed and "Bias amplification" not in unnamed
    assert "Export controls</strong>: named in no file" in page
    assert "NIST AI 600-1 (Generative AI Profile)" in page
    # A word search, said where its count is: not "named by no framework".
    assert "none of the four catalogues uses any of the words searched" in unnamed


def test_the_page_counts_the_catalogues_the_package_ships(
    client, seeded_graph_read_only, monkeypatch
):
    """The number of catalogues is the package's, not a fixed word: with one
    dropped, the page says three wherever it said four."""
    real = frameworks_page.framework_naming

    def fewer(**kwargs):
        found = real(**kwargs)
        return {**found, "catalogues": found["catalogues"][1:]}

    monkeypatch.setattr(frameworks_page, "framework_naming", fewer)
    page = client.get(reverse("frameworks")).content.decode()
    assert "Three AI risk catalogues, as" in page
    assert "none of the three catalogues uses any of the words searched" in page
    assert "four catalogues" not in page and "Four AI risk" not in page


def test_the_table_scrolls_as_a_region_a_keyboard_reaches(
    client, seeded_graph_read_only
):
    page = client.get(reverse("frameworks")).content.decode()
    wrapper = page.split('<table class="data-table" id="frameworks-table">')[0]
    wrapper = wrapper[wrapper.rindex("<div") :]
    assert 'role="region"' in wrapper and 'tabindex="0"' in wrapper
    assert 'aria-describedby="frameworks-scroll-hint"' in wrapper
    assert 'id="frameworks-scroll-hint"' in page
    files = page.split('id="frameworks-files"')[1].split("</p>")[0]
    assert f'href="{reverse("crosswalks")}"' in files
