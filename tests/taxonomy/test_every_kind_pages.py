"""Every kind of the registry has its page, its history, its search result and its
edit links, for anonymous readers and for editors, in the seed and in an
imported ATLAS-shaped catalogue: walked over the registry itself, so a kind
added later is walked too (and fails here until the samples hold one)."""

from __future__ import annotations

import doctest
import re
from dataclasses import replace
from html import unescape

import pytest
from django.conf import settings
from django.http import QueryDict
from django.urls import reverse
from rest_framework.test import APIClient

from graphapi.models import APIToken
from taxonomy import audit, selectors, services
from taxonomy.analysis.report import coverage_document
from taxonomy.domain.kinds import KINDS, LINK_KINDS, NODE_KINDS, items_of, record_key
from taxonomy.domain.records import (
    DEFAULT_TAXONOMY,
    SEARCH_MAX_LENGTH,
    Adopts,
    Architecture,
    Incident,
    InForceIn,
    Jurisdiction,
    Link,
    MemberOf,
    Tactic,
    Uses,
)
from taxonomy.domain.scenario_params import scenario_values
from taxonomy.graph import repository
from taxonomy.graph.repository import staging
from taxonomy.models import AuditEntry
from taxonomy.selectors.coverage import coverage_scenario
from taxonomy.web import forms, history_words
from taxonomy.web.templatetags import editing as editing_tags

ATLAS_SAMPLE = """\
id: ATLAS
name: Adversarial Threat Landscape for AI Systems
version: 9.9.9
matrices:
- id: ATLAS
  name: ATLAS Matrix
  tactics:
  - id: AML.TA0002
    name: Reconnaissance
    description: The adversary gathers information, see [the notes](https://example.org/recon).
  - id: AML.TA0001
    name: Attack Staging
    description: The adversary prepares the attack.
  techniques:
  - id: AML.T0000
    name: Search for Research Materials
    description: Adversaries read the victim's *published* research.
    tactics: [AML.TA0002]
  - id: AML.T0000.001
    name: Journals and Conference Proceedings
    description: Papers and talks.
    subtechnique-of: AML.T0000
  - id: AML.T0020
    name: Poison Training Data
    description: Adversaries poison datasets, see [paper by Le et al.](https://example.org/le).
    tactics: [AML.TA0001]
  mitigations:
  - id: AML.M0000
    name: Limit Public Release of Information
    description: Publish less.
    category: [Policy]
    techniques: [{id: AML.T0000, use: Limit what you publish.}]
  - id: AML.M0007
    name: Sanitize Training Data
    description: Clean the data.
    category: [ML Pipeline]
    techniques: [{id: AML.T0020, use: Detect and remove poisoned data.}]
case-studies:
- id: AML.CS0000
  name: Evasion of a Malware Traffic Detector
  summary: A red team evaded the detector, as the [paper by Le et al.](https://example.org/le) shows.
  incident-date: 2020-01-01
  incident-date-granularity: YEAR
  case-study-type: exercise
  procedure:
  - {tactic: AML.TA0002, technique: AML.T0000.001, description: They searched.}
  - {tactic: AML.TA0001, technique: AML.T0020, description: They poisoned.}
  references:
  - {title: Le et al. 2018, url: 'https://example.org/le'}
"""

# What each taxonomy lacks of the registry's kinds, added by the test: the seed
# has no tactic, incident or MEMBER_OF, the ATLAS sample no ENABLES, REQUIRES,
# INTRODUCES, jurisdiction or governance architecture.
SEED_EXTRAS = {
    "tactics": (
        Tactic(
            "ta-evasion",
            "Evading safeguards",
            "Getting past a *safeguard*, see [the report](https://example.org/r).",
            "evading-safeguards",
        ),
    ),
    "incidents": (
        Incident(
            "inc-stripped",
            "Guardrails stripped from a released model",
            "case-study",
            "2024",
            "A team removed the guardrails; see [the write-up](https://example.org/w).",
        ),
    ),
    "subtypes": (Link("shadow-ai", "covert-deployment"),),
    "in_tactic": (Link("guardrail-removal", "ta-evasion"),),
    "uses": (
        Uses("inc-stripped", "guardrail-removal", (1,), ("ta-evasion",), ("tuned",)),
    ),
    "memberships": (MemberOf("uk", "ai-safeguards-agency", since="2030-01-01"),),
}
ATLAS_EXTRAS = {
    "enables": (Link("atlas:AML.T0000", "atlas:AML.T0020"),),
    "requires": (Link("atlas:AML.M0007", "atlas:AML.M0000"),),
    "introduces": (Link("atlas:AML.M0000", "atlas:AML.T0020"),),
    "jurisdictions": (
        Jurisdiction("atlas:eu", "A *bloc*", "bloc", taxonomy="atlas"),
        Jurisdiction("atlas:fr", "A member state", taxonomy="atlas"),
    ),
    "memberships": (MemberOf("atlas:fr", "atlas:eu", since="1958-01-01"),),
    "in_force": (InForceIn("atlas:AML.M0000", "atlas:eu", "pilot"),),
    "architectures": (
        Architecture(
            "atlas:careful",
            "A *careful* option",
            "Publish less, see [the notes](https://example.org/n).",
            "maturity=deployed&jurisdiction=atlas:eu",
            taxonomy="atlas",
        ),
    ),
    "adopts": (
        Adopts("atlas:careful", "atlas:AML.M0000", ("atlas:fr",), "Publish less."),
    ),
}
TAXONOMIES = (DEFAULT_TAXONOMY, "atlas")


def _with_extras(name: str, extras: dict) -> None:
    """Add to taxonomy ``name`` the extras of the kinds it holds none of."""
    snapshot = selectors.taxonomy_snapshot(taxonomy=name)
    missing = {f: v for f, v in extras.items() if not getattr(snapshot, f)}
    services.taxonomy_apply(
        taxonomy=replace(
            snapshot, **{f: getattr(snapshot, f) + v for f, v in missing.items()}
        ),
        scope=name,
        actor="taxonomy load (samples)",
        channel="fixtures",
    )


@pytest.mark.parametrize("module", [history_words, editing_tags, forms])
def test_the_helpers_do_what_their_examples_say(module):
    assert doctest.testmod(module).failed == 0


@pytest.fixture(scope="module")
def every_kind_graph(neo4j_server, tmp_path_factory):
    """The seed and an imported ATLAS sample, each with an item of every kind."""
    staging.join_background()
    repository.graph_clear()
    # The audit table is per test (see below): the writes here fill the journal only.
    patch = pytest.MonkeyPatch()
    patch.setattr(audit, "audit_up_to_date", lambda: None)
    services.taxonomy_load(
        path=settings.FIXTURES_DIR, actor="taxonomy load (fixtures)", channel="fixtures"
    )
    _with_extras(DEFAULT_TAXONOMY, SEED_EXTRAS)
    path = tmp_path_factory.mktemp("atlas") / "ATLAS.yaml"
    path.write_text(ATLAS_SAMPLE, encoding="utf-8")
    with path.open("rb") as data:
        services.catalogue_import(
            format="atlas",
            data=data,
            taxonomy="atlas",
            actor="import_atlas (ATLAS.yaml)",
            channel="import",
        )
    _with_extras("atlas", ATLAS_EXTRAS)
    patch.undo()
    samples = {
        name: {
            kind: sorted(
                items_of(selectors.taxonomy_snapshot(taxonomy=name), kind),
                key=record_key,
            )
            for kind in KINDS
        }
        for name in TAXONOMIES
    }
    yield samples
    staging.join_background()
    repository.graph_clear()


@pytest.fixture(autouse=True)
def _audit_copied_anew(db):
    """Each test's database is new: copy the journal into its audit table again."""
    audit._copied_at = None


@pytest.fixture(params=["anonymous", "editor"])
def reader(request, client):
    """A browser session of an anonymous reader, or of the editor ada."""
    if request.param == "anonymous":
        return request.param, client
    return request.param, request.getfixturevalue("editor_client")


def _get(session, url: str) -> str:
    response = session.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


def _links_to(html: str, url: str) -> bool:
    """Whether the page has a link to ``url`` (with or without a query)."""
    return re.search(rf'href="{re.escape(url)}(\?[^"]*)?"', html) is not None


def _edit_hrefs(html: str) -> set[str]:
    """The page's links to editing pages, but the editor bar's "new item" ones."""
    found = {unescape(h) for h in re.findall(r'href="(/edit/[^"]*)"', html)}
    return {h for h in found if not re.fullmatch(r"/edit/new/[^/?]+/", h)}


def _sample(samples, taxonomy: str, kind: str):
    records = samples[taxonomy][kind]
    assert records, f"the {taxonomy} sample holds no {kind}: add one to the extras"
    return records[0]


@pytest.mark.parametrize("taxonomy", TAXONOMIES)
@pytest.mark.parametrize("kind", list(NODE_KINDS))
def test_every_node_kind_has_its_page_history_and_search_result(
    every_kind_graph, reader, taxonomy, kind
):
    who, session = reader
    record = _sample(every_kind_graph, taxonomy, kind)
    page_url = reverse(kind, args=[record.id])
    page = _get(session, page_url)
    assert unescape(record.name) in unescape(page)
    history = _get(session, reverse("history-node", args=[kind, record.id]))
    assert record.name in unescape(history)
    _get(session, f"/history/?kind={kind}")
    found = _get(session, f"/search/?q={record.name}&taxonomy={taxonomy}")
    assert _links_to(found, page_url), f"search for {record.name!r} finds no {kind}"

    editing = who == "editor" and taxonomy == DEFAULT_TAXONOMY
    edits = _edit_hrefs(page)
    if not editing:
        assert not edits
        return
    expected = {reverse(f"delete-{kind}", args=[record.id])}
    if NODE_KINDS[kind].editable:
        expected.add(reverse(f"edit-{kind}", args=[record.id]))
    assert expected <= edits
    for url in edits:
        _get(session, url)


@pytest.mark.parametrize("taxonomy", TAXONOMIES)
@pytest.mark.parametrize("kind", list(LINK_KINDS))
def test_every_link_kind_is_shown_on_a_page_with_its_history_and_edit_links(
    every_kind_graph, reader, taxonomy, kind
):
    who, session = reader
    spec = LINK_KINDS[kind]
    link = _sample(every_kind_graph, taxonomy, kind)
    source, target = spec.end_ids(link)
    source_url = reverse(spec.source, args=[source])
    target_url = reverse(spec.target, args=[target])
    pages = [_get(session, source_url), _get(session, target_url)]
    assert _links_to(pages[0], target_url) or _links_to(pages[1], source_url)
    history = unescape(
        _get(session, reverse("history-node", args=[kind, record_key(link)]))
    )
    assert f" {spec.words} " in history
    _get(session, f"/history/?kind={kind}")

    editing = who == "editor" and taxonomy == DEFAULT_TAXONOMY
    shown = _edit_hrefs("".join(pages))
    expected = {reverse(f"delete-{kind}", args=[source, target])}
    if spec.editable:
        expected.add(reverse(f"edit-{kind}", args=[source, target]))
    if not editing:
        assert not shown
        return
    assert expected <= shown
    for url in expected:
        _get(session, url)


@pytest.mark.parametrize("taxonomy", TAXONOMIES)
def test_the_graph_explorer_lists_a_taxonomy_with_tactics(
    every_kind_graph, client, taxonomy
):
    html = _get(client, f"/graph/?taxonomy={taxonomy}")
    threat = _sample(every_kind_graph, taxonomy, "threat")
    assert threat.name in unescape(html)
    data = client.get(f"/api/v1/graph/?taxonomy={taxonomy}").json()
    ids = {node["id"] for node in data["nodes"]}
    assert all(e["source"] in ids and e["target"] in ids for e in data["edges"])


@pytest.mark.parametrize("layer_off", [False, True])
@pytest.mark.parametrize("taxonomy", TAXONOMIES)
def test_a_tactic_page_lists_its_threats_with_their_class_under_the_scenario(
    every_kind_graph, client, taxonomy, layer_off
):
    snapshot = selectors.taxonomy_snapshot(taxonomy=taxonomy)
    query = f"disable_layer={snapshot.layers[0].id}" if layer_off else ""
    scenario = coverage_scenario(**scenario_values(QueryDict(query)))
    document = coverage_document(snapshot, scenario=scenario)
    classes = {t["id"]: t["class"] for t in document["threats"]}
    assert snapshot.tactics
    for tactic in snapshot.tactics:
        html = _get(client, f"{reverse('tactic', args=[tactic.id])}?{query}")
        rows = re.findall(r'<tr data-threat="([^"]+)" data-class="([^"]+)"', html)
        inside = {x.source for x in snapshot.in_tactic if x.target == tactic.id}
        assert sorted(rows) == sorted((t, classes[t]) for t in inside)


def test_a_tactic_description_is_rendered_markdown(every_kind_graph, client):
    html = _get(client, reverse("tactic", args=["atlas:AML.TA0002"]))
    assert (
        '<a href="https://example.org/recon" rel="nofollow noopener noreferrer">'
        "the notes</a>"
    ) in html


# --- Search: a query longer than the index takes ---------------------------------


def test_a_search_too_long_gets_a_message_beside_the_box_not_a_500(
    every_kind_graph, client
):
    query = "poisoning " * 120
    response = client.get("/search/", {"q": query, "taxonomy": "atlas"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="search-error"' in html and 'aria-invalid="true"' in html
    assert f"at most {SEARCH_MAX_LENGTH} characters" in html
    assert f'maxlength="{SEARCH_MAX_LENGTH}"' in html
    # One word just past the limit: the index itself refused such words (a 500).
    assert client.get("/search/", {"q": "a" * 1_200}).status_code == 200


def test_a_search_at_the_limit_is_answered_and_the_api_caps_at_the_same_length(
    every_kind_graph, client
):
    longest = "poisoning " * (SEARCH_MAX_LENGTH // 10)
    html = _get(client, f"/search/?q={longest.strip()}&taxonomy=atlas")
    assert 'id="search-error"' not in html and 'id="result-count"' in html
    assert (
        client.get("/api/v1/threats/", {"q": "a" * SEARCH_MAX_LENGTH}).status_code
        == 200
    )
    over = client.get("/api/v1/threats/", {"q": "a" * (SEARCH_MAX_LENGTH + 1)})
    assert over.status_code == 422


@pytest.mark.parametrize("taxonomy", TAXONOMIES)
def test_search_finds_a_name_with_punctuation(every_kind_graph, client, taxonomy):
    source = _sample(every_kind_graph, taxonomy, "source")
    html = _get(client, f"/search/?q={source.name}, &taxonomy={taxonomy}")
    assert _links_to(html, reverse("source", args=[source.id]))


# --- The history: the editor filter and rows in words ----------------------------


def _options(html: str, name: str) -> list[tuple[str, str]]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    return [
        (unescape(value), unescape(label))
        for value, label in re.findall(
            r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1)
        )
    ]


def test_the_editor_filter_has_one_option_per_person_and_per_command(
    every_kind_graph, editor_client
):
    for channel in ("api", "browser", "api"):
        _entry("ada", channel, "update", "threat", "shadow-ai")
    html = _get(editor_client, "/history/")
    options = _options(html, "editor")[1:]
    entries = AuditEntry.objects.values_list("actor_name", "channel")
    assert len(options) == len(set(options)) < entries.count()
    # Brute force: a person is a name on a browser or API entry, a command the
    # name of a fixture load or import up to the file it read.
    people = {name for name, channel in entries if channel in ("api", "browser")}
    commands = {
        name.split(" (")[0]
        for name, channel in entries
        if channel in ("fixtures", "import")
    }
    assert sorted(label for _, label in options) == sorted(
        [*people, *(f"{c} (command)" for c in commands)]
    )
    value = dict((label, v) for v, label in options)["import_atlas (command)"]
    page = editor_client.get("/history/", {"editor": value, "kind": "tactic"})
    rows = re.findall(r'data-kind="tactic" data-key="([^"]+)"', page.content.decode())
    imported = AuditEntry.objects.filter(
        actor_name="import_atlas (ATLAS.yaml)", kind="tactic"
    )
    assert sorted(rows) == sorted(imported.values_list("key", flat=True)) != []


def _entry(actor, channel, action, kind, key, before=None, after=None):
    return AuditEntry.objects.create(
        actor_name=actor,
        channel=channel,
        action=action,
        kind=kind,
        key=key,
        before=before,
        after=after,
    )


def _row(html: str, key: str) -> str:
    """The text of the newest history row about ``key``, tags stripped."""
    row = re.search(rf'data-key="{re.escape(key)}">(.*?)</li>', html, re.S).group(1)
    head = re.search(r'class="audit-entry__head">(.*?)</p>', row, re.S).group(1)
    return " ".join(unescape(re.sub(r"<[^>]+>", "", head)).split())


def test_history_rows_read_as_sentences_with_names_not_ids(
    every_kind_graph, editor_client
):
    seed = every_kind_graph[DEFAULT_TAXONOMY]
    held = [every_kind_graph[name] for name in TAXONOMIES]
    names = {k: {r.id: r.name for t in held for r in t[k]} for k in NODE_KINDS}
    html = _get(editor_client, "/history/?kind=mitigates")
    newest = re.search(r'data-kind="mitigates" data-key="([^"]+)"', html).group(1)
    links = [x for t in held for x in t["mitigates"]]
    link = next(x for x in links if record_key(x) == unescape(newest))
    mitigation, threat = (
        names["mitigation"][link.mitigation],
        names["threat"][link.threat],
    )
    row = _row(html, newest)
    assert f"Added the link: {mitigation} mitigates {threat} ({link.strength})" in row
    assert "->" not in row and "MITIGATES" not in row
    assert _links_to(html, reverse("mitigation", args=[link.mitigation]))

    changed = seed["mitigation"][0]
    _entry(
        "ada",
        "browser",
        "update",
        "mitigation",
        changed.id,
        {"name": changed.name, "maturity": "pilot"},
        {"name": changed.name, "maturity": "deployed"},
    )
    _entry("ada", "browser", "delete", "threat", "gone", {"name": "A threat now gone"})
    html = _get(editor_client, "/history/")
    possessive = "'" if changed.name.endswith("s") else "'s"
    assert f"{changed.name}{possessive} maturity from pilot to deployed" in _row(
        html, changed.id
    )
    assert "Deleted the threat A threat now gone" in _row(html, "gone")
    assert not _links_to(html, reverse("threat", args=["gone"]))


def test_anonymous_readers_get_the_sentence_without_the_values(
    every_kind_graph, client
):
    changed = every_kind_graph[DEFAULT_TAXONOMY]["mitigation"][0]
    _entry(
        "ada",
        "browser",
        "update",
        "mitigation",
        changed.id,
        {"maturity": "pilot"},
        {"maturity": "deployed"},
    )
    row = _row(_get(client, "/history/"), changed.id)
    assert f"Changed {changed.name}" in row and "maturity" in row
    assert "pilot" not in row and "ada" not in row


def test_the_history_stays_readable_when_its_newest_changes_are_tactics(
    every_kind_graph, client, ada
):
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {APIToken.objects.issue(user=ada)}")
    made = api.post(
        "/api/v1/tactics/", {"id": "ta-brief", "name": "Brief tactic"}, format="json"
    )
    assert made.status_code == 201, made.content
    assert api.delete("/api/v1/tactics/ta-brief/").status_code == 204
    html = _get(client, "/history/")
    assert "Deleted the tactic Brief tactic" in _row(html, "ta-brief")
    _get(client, "/history/tactic/ta-brief/")
    _get(client, "/history/?kind=tactic")


# --- Incidents: where to find some, and their summaries --------------------------


def test_an_incident_summary_is_rendered_markdown_with_safe_links(
    every_kind_graph, client
):
    html = _get(client, reverse("incident", args=["atlas:AML.CS0000"]))
    assert (
        '<a href="https://example.org/le" rel="nofollow noopener noreferrer">'
        "paper by Le et al.</a>"
    ) in html
    assert "[paper by Le et al.](" not in html


@pytest.mark.parametrize(
    "kind, key",
    [
        ("threat", "atlas:AML.T0020"),
        ("tactic", "ta-evasion"),
        ("incident", "inc-stripped"),
    ],
)
def test_imported_descriptions_are_rendered_markdown_on_their_pages(
    every_kind_graph, client, kind, key
):
    html = _get(client, reverse(kind, args=[key]))
    links = re.findall(r'<a href="https://example\.org/[^"]*" rel="([^"]*)">', html)
    assert links and all({"nofollow", "noopener"} <= set(r.split()) for r in links)
    assert "](https://example.org" not in html
