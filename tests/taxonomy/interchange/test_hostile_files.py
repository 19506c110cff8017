"""Hostile files: alias bombs, deep nesting and huge values are refused clearly."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from taxonomy.domain.errors import FixtureError, FixtureSyntaxError, InterchangeError
from taxonomy.formats import fixtures_yaml
from taxonomy.formats.atlas import atlas_parse
from taxonomy.formats.common import (
    MAX_YAML_ALIAS_NODES,
    MAX_YAML_DEPTH,
    layer_map_parse,
)
from taxonomy.formats.jsonstream import MAX_JSON_DEPTH
from taxonomy.formats.stix import stix_parse
from taxonomy.graph import repository

BUNDLE = '{"type": "bundle", "id": "bundle--1", "objects": [%s]}'


def alias_bomb(levels: int) -> str:
    """The "billion laughs": each level a list of nine aliases of the one below."""
    lines = ["matrices: []", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, levels + 1):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    return "\n".join(lines) + "\n"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- YAML: aliases ---------------------------------------------------------------------


@pytest.mark.parametrize("levels", [5, 9])
def test_an_alias_bomb_in_an_atlas_file_is_refused_at_its_line(levels):
    with pytest.raises(InterchangeError) as caught:
        atlas_parse(alias_bomb(levels))
    (problem,) = caught.value.problems
    assert problem == (
        f"ATLAS file: refused at line 6: aliases expand to more than "
        f"{MAX_YAML_ALIAS_NODES:,} nodes (the limit)"
    )


def test_an_alias_bomb_in_a_fixture_body_is_a_syntax_problem():
    with pytest.raises(FixtureSyntaxError) as caught:
        fixtures_yaml.load_fixture_text(alias_bomb(5), name="(body)")
    (problem,) = caught.value.problems
    assert (problem.file, problem.line) == ("(body)", 6)
    assert "aliases expand to more than" in problem.message


def test_an_alias_bomb_in_a_layer_map_is_refused():
    with pytest.raises(InterchangeError, match="aliases expand to more than"):
        layer_map_parse(alias_bomb(5), name="map.yaml")


def test_a_few_aliases_are_still_read():
    text = "- &s {id: s, name: S}\n- *s\n- *s\n"
    assert fixtures_yaml.yaml_rt().load(text)[2]["name"] == "S"


def test_an_alias_inside_the_node_it_names_is_refused():
    with pytest.raises(InterchangeError, match="an alias inside the node it names"):
        atlas_parse("matrices: &m [*m]\n")


# --- YAML and JSON: depth --------------------------------------------------------------


def test_yaml_nested_100k_deep_is_refused_naming_the_line_and_the_limit():
    text = "threats:\n- id: t\n  name: " + nested(100_000) + "\n"
    with pytest.raises(FixtureSyntaxError) as caught:
        fixtures_yaml.load_fixture_text(text)
    (problem,) = caught.value.problems
    assert problem.line == 3
    assert problem.message == (
        f"refused: nested more than {MAX_YAML_DEPTH} levels deep (the limit)"
    )


def test_an_atlas_file_nested_100k_deep_is_refused():
    with pytest.raises(InterchangeError, match="nested more than 100 levels"):
        atlas_parse("matrices:\n- techniques: " + nested(100_000) + "\n")


def test_block_mappings_past_the_depth_limit_are_refused_too(tmp_path):
    path = tmp_path / "deep.yaml"
    path.write_text("".join("  " * i + f"k{i}:\n" for i in range(150)))
    problems = fixtures_yaml.validate_path(path)
    # k0's mapping is depth 0; the one past the limit begins at k100, line 101
    assert [(p.line, "nested more than" in p.message) for p in problems] == [
        (MAX_YAML_DEPTH + 1, True)
    ]


def test_nesting_within_the_limit_is_checked_like_any_value():
    text = "threats:\n- id: t\n  name: " + nested(MAX_YAML_DEPTH - 3) + "\n"
    with pytest.raises(FixtureError) as caught:
        fixtures_yaml.load_fixture_text(text)
    assert type(caught.value) is FixtureError
    assert "is not of type 'string'" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "where"),
    [
        (BUNDLE % nested(100_000), "objects[0]"),
        (BUNDLE.replace('"objects"', f'"x": {nested(100_000)}, "objects"') % "", "'x'"),
    ],
    ids=["an object", "a header value"],
)
def test_a_stix_bundle_nested_100k_deep_is_refused_naming_where(text, where):
    with pytest.raises(InterchangeError) as caught:
        stix_parse(text)
    assert caught.value.problems == [
        f"STIX bundle: {where} is nested more than {MAX_JSON_DEPTH} levels deep"
    ]


def test_import_stix_of_a_deep_file_exits_1_and_writes_nothing(graph, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text(BUNDLE % nested(100_000))
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_stix", str(path), stdout=StringIO(), stderr=err)
    assert "is nested more than" in err.getvalue()
    assert repository.graph_revision() == 0


def test_import_atlas_of_an_alias_bomb_exits_1_and_writes_nothing(graph, tmp_path):
    path = tmp_path / "ATLAS.yaml"
    path.write_text(alias_bomb(9))
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command("import_atlas", str(path), stdout=StringIO(), stderr=err)
    assert "aliases expand to more than" in err.getvalue()
    assert repository.graph_revision() == 0


# --- Huge values in messages -----------------------------------------------------------

HUGE = 1_000_000


@pytest.mark.parametrize(
    "item",
    [
        "threats:\n- id: t\n  name: T\n  description: {big}\n",
        "threats:\n- id: {big}\n  name: T\n",
        "layers:\n- {{id: l, name: L}}\nmitigations:\n"
        "- {{id: m, name: M, layer: l, maturity: {big}}}\n",
    ],
    ids=["too long", "too long an id", "not one of"],
)
def test_a_fixture_problem_quotes_a_huge_value_cut_short_with_its_length(item):
    with pytest.raises(FixtureError) as caught:
        fixtures_yaml.load_fixture_text(item.format(big="a" * HUGE))
    (problem,) = caught.value.problems
    assert len(problem.message) < 250
    assert f"…' ({HUGE:,} characters)" in problem.message


def test_an_atlas_problem_quotes_a_huge_id_cut_short():
    big = "A" * HUGE
    text = f"matrices:\n- techniques:\n  - {{id: {big}}}\n  - {{id: {big}}}\n"
    with pytest.raises(InterchangeError) as caught:
        atlas_parse(text)
    assert all(len(p) < 200 for p in caught.value.problems)
    assert f"({HUGE:,} characters): no name" in caught.value.problems[0]
