"""The judgements API (issue 27): give, list, export and import judgements,
read the panels; writes for editors only, a bad file writes nothing."""

from __future__ import annotations

import io
import json

import pandas as pd

from taxonomy.models import AuditEntry, Judgement

URL = "/api/v1/judgements/"
LINK = {"mitigation": "deployer-liability", "threat": "guardrail-removal"}


def _expert(api, name="Dr Hopper"):
    answer = api.post("/api/v1/judges/", {"name": name}, format="json")
    assert answer.status_code == 201, answer.content


def test_an_editor_gives_an_experts_judgement_and_anyone_reads_it(
    seeded_graph_read_only, api, anon
):
    _expert(api)
    given = {**LINK, "judge": "Dr Hopper", "strength": "high", "interval": [0.8, 0.9]}
    answer = api.post(URL, given, format="json")
    assert answer.status_code == 201, answer.content
    assert anon.get(URL, {"threat": "guardrail-removal"}).json()[0]["interval"] == [
        0.8,
        0.9,
    ]
    [panel] = anon.get(URL + "panels/").json()
    assert (panel["strength"], panel["judges"]) == ("high", ["Dr Hopper"])
    assert AuditEntry.objects.filter(kind="judgement", actor_name="editor").exists()


def test_anonymous_and_non_editor_writes_are_refused(
    seeded_graph_read_only, anon, viewer_api
):
    given = {**LINK, "judge": "Dr Hopper", "strength": "high"}
    assert anon.post(URL, given, format="json").status_code == 401
    assert viewer_api.post(URL, given, format="json").status_code == 403
    assert (
        viewer_api.post("/api/v1/judges/", {"name": "x"}, format="json").status_code
        == 403
    )
    assert not Judgement.objects.exists()


def test_a_judgement_of_an_unknown_link_is_404_and_a_bad_one_422(
    seeded_graph_read_only, api
):
    _expert(api)
    missing = {"mitigation": "tee", "threat": "shadow-ai", "judge": "Dr Hopper"}
    assert (
        api.post(URL, {**missing, "strength": "low"}, format="json").status_code == 404
    )
    bad = {**LINK, "judge": "Dr Hopper", "strength": "low", "interval": [0.9, 0.1]}
    answer = api.post(URL, bad, format="json")
    assert answer.status_code == 422 and "interval" in answer.content.decode()
    assert not Judgement.objects.exists()


def test_a_csv_survey_comes_in_whole_and_goes_out_as_pandas_reads_it(
    seeded_graph_read_only, api, anon
):
    rows = [
        "mitigation,threat,judge,strength,low,high,confidence,rationale,sources,date,round",
        'deployer-liability,guardrail-removal,Expert A,high,0.8,0.95,0.7,"cheap, sure",,2026-11-01,',
        "deployer-liability,guardrail-removal,Expert B,low,,,,,,2026-11-02,",
        "tee,model-extraction,Expert B,medium,,,,,,,",
    ]
    answer = api.post(
        URL + "import/?as=csv", "\n".join(rows) + "\n", content_type="text/csv"
    )
    assert answer.status_code == 201, answer.content
    assert answer.json() == {"written": 3}
    text = anon.get(URL + "export/", {"as": "csv"}).content.decode()
    frame = pd.read_csv(io.StringIO(text))
    assert sorted(frame["judge"]) == ["Expert A", "Expert B", "Expert B"]
    row = frame[frame["judge"] == "Expert A"].iloc[0]
    assert (row["low"], row["high"], row["rationale"]) == (0.8, 0.95, "cheap, sure")
    document = json.loads(anon.get(URL + "export/", {"as": "json"}).content)
    assert {j["name"] for j in document["judges"]} == {"Expert A", "Expert B"}
    # The canonical JSON comes back in unchanged.
    Judgement.objects.all().delete()
    again = api.post(
        URL + "import/?as=json", json.dumps(document), content_type="application/json"
    )
    assert again.status_code == 201, again.content
    assert json.loads(anon.get(URL + "export/").content) == document


def test_a_file_with_one_bad_line_writes_nothing_and_names_it(
    seeded_graph_read_only, api
):
    rows = [
        "mitigation,threat,judge,strength",
        "deployer-liability,guardrail-removal,Expert A,high",
        "tee,shadow-ai,Expert A,low",
        "tee,model-extraction,Expert A,enormous",
    ]
    answer = api.post(
        URL + "import/?as=csv", "\n".join(rows) + "\n", content_type="text/csv"
    )
    assert answer.status_code == 422
    text = answer.content.decode()
    assert "judgements.csv:4: strength" in text
    assert not Judgement.objects.exists()
    rows.pop()
    answer = api.post(
        URL + "import/?as=csv", "\n".join(rows) + "\n", content_type="text/csv"
    )
    assert answer.status_code == 422 and "tee->shadow-ai" in answer.content.decode()
    assert not Judgement.objects.exists()
