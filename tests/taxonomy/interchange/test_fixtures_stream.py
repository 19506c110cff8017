"""The stream reader of fixture files against the round-trip reader that builds
each file whole (the oracle): on random files, valid and broken, both find the
same problems at the same file and line, or the same taxonomy."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from taxonomy.domain.errors import FixtureError, FixtureSyntaxError, Problem
from taxonomy.domain.records import DEFAULT_TAXONOMY
from taxonomy.formats import document_json, fixtures_stream, fixtures_yaml
from taxonomy.formats.common import MAX_YAML_ALIAS_NODES
from tests.taxonomy.interchange.test_incident_formats import _same, catalogues

SYNTAX = "invalid YAML"

EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# What a mutation writes in place of a value, or as a line of its own: wrong
# types, unknown ids, YAML syntax errors, anchors and aliases, merge keys. (Not
# an unknown tag: the two readers word it differently; tested on its own. Nor
# an explicit ``!!str``, which ruamel's round-trip loader keeps as a tagged
# object no field accepts (tested on its own: it is the text it tags). Nor
# a tab: libyaml takes "kind: <tab>" as an empty value, ruamel's own parser
# refuses the tab; the parsers differ there, not the readers.)
TOKENS = [
    "x",
    "1",
    "true",
    "2020-01-31",
    "~",
    "''",
    "[a, b]",
    "{a: b}",
    "[",
    "{",
    "'open",
    "nowhere",
    "high",
    "&a m0",
    "*a",
    "*nowhere",
    "- x",
    "a: b: c",
    "@",
]


def _mutated(text: str, rng: random.Random, times: int) -> str:
    """``text`` with ``times`` random edits: a line dropped, doubled, moved,
    re-indented, or a value replaced by a token."""
    lines = text.splitlines()
    for _ in range(times):
        if not lines:
            break
        i = rng.randrange(len(lines))
        edit = rng.randrange(6)
        if edit == 0:
            del lines[i]
        elif edit == 1:
            lines.insert(i, lines[i])
        elif edit == 2:
            lines.insert(rng.randrange(len(lines)), lines.pop(i))
        elif edit == 3:
            lines[i] = " " * rng.choice([1, 2, 4]) + lines[i]
        elif edit == 4 and ":" in lines[i]:
            head = lines[i].split(":", 1)[0]
            lines[i] = f"{head}: {rng.choice(TOKENS)}"
        else:
            indent = len(lines[i]) - len(lines[i].lstrip())
            lines.insert(i, " " * indent + rng.choice(TOKENS))
    return "\n".join(lines) + "\n"


def _files(tmp_path: Path, texts: list[str]) -> Path:
    folder = tmp_path / f"case{len(list(tmp_path.iterdir()))}"
    folder.mkdir()
    for n, text in enumerate(texts):
        (folder / f"f{n}.yaml").write_bytes(text.encode("utf-8"))  # line ends kept
    return folder


def _both(folder: Path):
    """What each reader makes of ``folder``: (problems, taxonomy or None)."""
    oracle = fixtures_yaml.problems_of_files(folder)
    streamed = fixtures_stream.validate_path(folder)
    if oracle:
        return oracle, streamed, None, None
    files, _ = fixtures_yaml.read_fixture_files(folder)
    return (
        oracle,
        streamed,
        fixtures_yaml.taxonomy_from_files(files),
        fixtures_stream.load_fixtures(folder),
    )


def _split(text: str, rng: random.Random) -> list[str]:
    """One fixture document as one or two files (the sections shared out)."""
    if rng.random() < 0.5:
        return [text]
    first, second, current = [], [], None
    for line in text.splitlines(keepends=True):
        if line and not line[0].isspace() and not line.startswith("-"):
            current = first if rng.random() < 0.5 else second
        (current if current is not None else first).append(line)
    return ["".join(first), "".join(second)]


@EXAMPLES
@given(catalogues(), st.integers(0, 2**32 - 1), st.integers(0, 4))
def test_the_stream_reader_finds_what_the_whole_file_reader_finds(
    tmp_path, taxonomy, seed, edits
):
    """Valid files give the same taxonomy; broken ones the same problems,
    sorted by file and line (syntax, limits, schema, and the rules across
    files with the lines a second pass finds)."""
    rng = random.Random(seed)
    text = fixtures_yaml.export_yaml_text(taxonomy)
    texts = [_mutated(t, rng, edits) for t in _split(text, rng)]
    oracle, streamed, expected, got = _both(_files(tmp_path, texts))
    _same_problems(streamed, oracle)
    assert got == expected
    if not edits:
        assert not oracle
        _same(got, taxonomy)


def _same_problems(streamed: list[Problem], oracle: list[Problem]) -> None:
    """The same problems at the same places, but for two known differences:

    - an empty value (``layers:`` and nothing) is placed by ruamel on the
      line of whatever follows it, by the stream reader on its own line;
    - of several keys given twice in a file, the stream reader names the
      first in the file, ruamel the first it constructs (a nested one can
      come first): both name a key given twice, at its line.
    """
    assert len(streamed) == len(oracle), (streamed, oracle)
    groups: dict[tuple[str, str], list[list[int]]] = {}
    for n, problems in enumerate((streamed, oracle)):
        for p in map(_comparable, problems):
            groups.setdefault((p.file, p.message), [[], []])[n].append(p.line)
    duplicates = {
        (p.file, p.line): m.group(1)
        for p in streamed
        if (m := re.search(r'found duplicate key "([^"]+)"', p.message))
    }
    twice_too = {p.file for p in oracle if "found duplicate key" in p.message}
    for (file, message), (mine, theirs) in groups.items():
        assert len(mine) == len(theirs), (file, message, mine, theirs)
        text = Path(file).read_text().splitlines() if file.endswith(".yaml") else []
        for a, b in zip(sorted(mine), sorted(theirs), strict=True):
            key = duplicates.get((file, a))
            also_twice = (
                key is not None
                and file in twice_too
                and re.match(rf"\s*(- )?{re.escape(key)}\s*:", text[a - 1])
            )
            assert a == b or _empty_value_before(text, a, b) or also_twice, (
                file,
                message,
                a,
                b,
            )


def _empty_value_before(lines: list[str], a: int, b: int) -> bool:
    """Line ``a`` ends in a key with no value, and only blank lines or
    comments come between it and line ``b``."""
    if not 0 < a < b or a > len(lines):
        return False
    between = lines[a : b - 1]
    blank = all(not x.strip() or x.strip().startswith("#") for x in between)
    return lines[a - 1].rstrip().endswith(":") and blank


def _comparable(problem: Problem) -> Problem:
    """A problem as both readers word it: the stream reader words the errors
    it finds itself (a duplicate key, a second document) in its own way."""
    ours = ("duplicate key", "duplicate merge key", "holds one document")
    if problem.message.startswith(SYNTAX) and any(w in problem.message for w in ours):
        return Problem(problem.file, problem.line, SYNTAX)
    return problem


@EXAMPLES
@given(catalogues())
def test_the_api_text_reader_reads_back_what_the_export_wrote(taxonomy):
    text = fixtures_yaml.export_yaml_text(taxonomy)
    files, problems = fixtures_yaml.read_fixture_text(text, name="(body)")
    assert not problems and not fixtures_yaml.validate_files(files)
    streamed = fixtures_stream.load_fixture_text(text)
    assert streamed == fixtures_yaml.taxonomy_from_files(files)
    assert fixtures_stream.load_fixture_text(text.encode()) == streamed
    _same(streamed, taxonomy)


def test_a_rule_broken_late_in_a_long_file_is_named_at_its_line(tmp_path):
    """The second pass: a duplicate and an unknown id 3,000 items in."""
    items = [f"  - id: t{i}\n    name: T{i}\n" for i in range(3000)]
    items.append("  - id: t5\n    name: Again\n    enables: [nowhere]\n")
    path = tmp_path / "threats.yaml"
    path.write_text("threats:\n" + "".join(items))
    problems = fixtures_stream.validate_path(path)
    assert problems == fixtures_yaml.problems_of_files(path)
    duplicate, unknown = problems
    assert (duplicate.line, unknown.line) == (6002, 6004)
    assert duplicate.message.endswith(f"(first defined at {path}:12)")
    assert unknown.message.startswith("threats[3000].enables[0]: unknown")


# Texts that the C parser reads otherwise than ruamel's, or where a whole-file
# reader finds another error first, each read as the round-trip reader reads it.
EDGES = {
    "a colon in a flow list (an imported id)": (
        "threats:\n  - {id: 'atlas:A', name: A, enables: [atlas:B]}\n"
        "  - {id: 'atlas:B', name: B}\n"
    ),
    "a url in a flow mapping": "sources:\n  - {id: s, name: S, url: http://e.org/a}\n",
    "a NEL in a plain text": "layers:\n  - id: a\n    name: x\x85y\n",
    "a line separator in a quoted text, then an error": (
        "layers:\n  - id: a\n    name: 'x\u2028y'\n  - id: b\n    name: 5\n"
    ),
    "YAML 1.1": "%YAML 1.1\n---\nlayers:\n  - {id: a, name: yes}\n",
    "an alias a broken rule's second pass passes": (
        "threats:\n  - id: a\n    name: &n A\n  - id: b\n    name: *n\n"
        "    enables: [nowhere]\n"
    ),
    "an anchor on a key": "layers:\n  - {&k id: a, name: A, *k : b}\n",
    "two merge keys": (
        "layers:\n  - &a {id: a, name: A}\n  - {<<: *a, <<: *a, id: c}\n"
    ),
    "a root that is a list with an undefined alias": "- *nope\n",
    "a duplicate key, then an undefined alias": (
        "layers: []\nlayers: []\nx: *nowhere\n"
    ),
    "a value its tag refuses, then a syntax error": (
        "layers:\n  - {id: a, name: A, description: !!timestamp x}\n  - [\n"
    ),
}


@pytest.mark.parametrize("text", EDGES.values(), ids=EDGES.keys())
def test_texts_the_parsers_read_differently_are_read_as_ruamel_reads_them(
    tmp_path, text
):
    folder = _files(tmp_path, [text])
    oracle, streamed, expected, got = _both(folder)
    _same_problems(streamed, oracle)
    assert got == expected


def test_a_file_not_in_utf8_cannot_be_read(tmp_path):
    path = tmp_path / "utf16.yaml"
    path.write_bytes("layers: []\n".encode("utf-16"))
    (problem,) = fixtures_stream.validate_path(path)
    assert (problem.line, problem.message.split(":")[0]) == (0, "cannot read")


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x1b", "\ufffe"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_a_character_yaml_refuses_is_named_at_its_line_by_every_reader(
    tmp_path, character, newline
):
    # Characters of two and three bytes before it: its place counts characters.
    text = newline.join(
        [
            "layers:",
            "- id: hardware",
            "  name: Hardwäre €",
            f"  description: a{character}b",
            "threats: []",
            "",
        ]
    )
    oracle, streamed, _, _ = _both(_files(tmp_path, [text]))
    (by_text,) = fixtures_yaml.read_fixture_text(text, name="f0.yaml")[1]
    bodies = []
    for body in (text, text.encode("utf-8")):  # as the API passes either
        with pytest.raises(FixtureSyntaxError) as raised:
            fixtures_stream.load_fixture_text(body, name="f0.yaml")
        bodies.append(raised.value.problems)
    for found in (oracle, streamed, [by_text], *bodies):
        ((problem),) = found
        assert problem.line == 4
        assert problem.message.startswith("invalid YAML: unacceptable character #x")
        assert f"{ord(character):04x}" in problem.message


def test_a_taxonomy_named_after_its_items_applies_to_them(tmp_path):
    path = tmp_path / "late.yaml"
    path.write_text("layers:\n  - id: l\n    name: L\ntaxonomy: other\n")
    (layer,) = fixtures_stream.load_fixtures(path).layers
    assert layer.taxonomy == "other" != DEFAULT_TAXONOMY


def test_anchors_aliases_and_merge_keys_read_as_the_whole_file_reader_reads_them(
    tmp_path,
):
    path = tmp_path / "anchors.yaml"
    path.write_text(
        "layers:\n"
        "  - &base {id: a, name: Shared name}\n"
        "  - <<: *base\n"
        "    id: b\n"
        "  - {id: c, name: &n Named}\n"
        "  - {id: d, name: *n}\n"
    )
    streamed = fixtures_stream.load_fixtures(path)
    files, _ = fixtures_yaml.read_fixture_files(path)
    assert streamed == fixtures_yaml.taxonomy_from_files(files)
    assert [x.name for x in streamed.layers] == [
        "Shared name",
        "Shared name",
        "Named",
        "Named",
    ]


def test_aliases_past_the_limit_are_refused_at_the_alias(tmp_path):
    names = ", ".join(["x"] * 101)
    lines = ["a: &a [" + names + "]"]
    lines += [f"b{i}: *a" for i in range(MAX_YAML_ALIAS_NODES // 100)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n")
    (problem,) = fixtures_stream.validate_path(path)
    assert "aliases expand to more than" in problem.message
    assert problem == fixtures_yaml.problems_of_files(path)[0]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("layers: []\n---\nlayers: []\n", 2, "holds one document; another begins"),
        ("layers: []\nlayers: []\n", 2, 'duplicate key "layers"'),
        ("layers:\n  - {id: a, name: A, id: b}\n", 2, 'duplicate key "id"'),
        ("layers:\n  - {? [a]: b}\n", 2, "a mapping key must be a scalar"),
        ("layers:\n  - {id: *nowhere}\n", 2, "undefined alias 'nowhere'"),
    ],
)
def test_what_yaml_allows_a_fixture_file_does_not(tmp_path, text, line, message):
    """One problem, at the line it is on, and nothing read from the file."""
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    (problem,) = fixtures_stream.validate_path(path)
    assert message in problem.message and problem.message.startswith("invalid YAML")
    assert problem.line == line
    with pytest.raises(FixtureError):
        fixtures_stream.load_fixtures(path)


def test_a_text_with_a_syntax_error_is_a_syntax_error_not_a_rule():
    with pytest.raises(FixtureSyntaxError) as caught:
        fixtures_stream.load_fixture_text("layers: [\n", name="(body)")
    (problem,) = caught.value.problems
    assert problem.file == "(body)" and problem.message.startswith("invalid YAML")


def test_an_unknown_tag_is_refused_at_its_field(tmp_path):
    path = tmp_path / "tagged.yaml"
    path.write_text("layers:\n  - id: a\n    name: !custom x\n")
    (problem,) = fixtures_stream.validate_path(path)
    assert (problem.line, problem.message) == (
        3,
        "layers[0].name: !custom 'x' is not of type 'string'",
    )


# --- The canonical JSON document, read as a stream --------------------------------

VALUES = [None, 1, 2.5, True, "x", "", "nowhere", "high", [], ["x"], {}, {"a": 1}]


def _broken(document: dict, rng: random.Random, times: int) -> dict:
    """``document`` with ``times`` random edits of its items and keys."""
    for _ in range(times):
        keys = [k for k, v in document.items() if isinstance(v, list) and v]
        edit = rng.randrange(5)
        if edit == 0 or not keys:
            document[rng.choice(["layers", "threats", "extra"])] = rng.choice(VALUES)
            continue
        items = document[rng.choice(keys)]
        item = items[rng.randrange(len(items))]
        if not isinstance(item, dict) or not item:
            continue
        field = rng.choice(sorted(item))
        if edit == 1:
            del item[field]
        elif edit == 2:
            item["unknown"] = rng.choice(VALUES)
        else:
            item[field] = rng.choice(VALUES)
    return document


def _outcome(read, document):
    try:
        return read(document)
    except FixtureError as e:
        return sorted(e.problems)


@EXAMPLES
@given(catalogues(), st.integers(0, 2**32 - 1), st.integers(0, 3))
def test_the_json_stream_reader_finds_what_the_parsed_document_reader_finds(
    taxonomy, seed, edits
):
    document = _broken(
        document_json.taxonomy_to_document(taxonomy), random.Random(seed), edits
    )
    body = json.dumps(document).encode()
    expected = _outcome(document_json.taxonomy_from_document, json.loads(body))
    assert _outcome(document_json.taxonomy_from_document_stream, body) == expected
    if not edits:
        _same(expected, taxonomy)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "the body is empty"),
        (b"[1, 2]", "must be a JSON object"),
        (b'{"layers": [', "invalid JSON"),
        (b'{"layers": [], "layers": []}', "'layers' is given twice"),
        (b"[" * 500 + b"]" * 500, "nested more than 100 levels deep"),
        (b'{"threats": [{"id": ' + b"[" * 200 + b"]" * 200 + b"}]}", "nested more"),
        (b'{"layers": []} {}', "invalid JSON"),
    ],
)
def test_a_json_body_that_is_no_document_is_a_syntax_error(body, message):
    with pytest.raises(FixtureSyntaxError) as caught:
        document_json.taxonomy_from_document_stream(body)
    (problem,) = caught.value.problems
    assert message in problem.message


def test_an_explicit_str_tag_reads_as_the_text_it_tags(tmp_path):
    path = tmp_path / "str.yaml"
    path.write_text("layers:\n  - id: !!str 5\n    name: Five\n")
    (layer,) = fixtures_stream.load_fixtures(path).layers
    assert layer.id == "5"
