"""The editors' forms: every item checked by the fixture schema's rules, field by field.

Each form carries the editor's reason (``comment``), the version of the item
it was loaded at (``version``, sent back as the expected version so a stale
save is refused) and the values it was loaded with (``base``, so that after
a refused save the form can keep the editor's changes and take everyone
else's). References (layers, sources, the ends of links) are choices among
what the graph holds; what only the graph can check (a duplicate id, a
REQUIRES cycle) comes back from the service and lands on the field at fault.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms

from taxonomy.domain.architectures import scenario_of_query
from taxonomy.domain.errors import InvalidWrite, MappingFileError
from taxonomy.domain.kinds import KINDS, NODE_KINDS, PLAIN_LINK_KINDS
from taxonomy.domain.mappings import (
    DEFAULT_JUSTIFICATION,
    JUSTIFICATIONS,
    PREDICATE_WORDS,
    PREDICATES,
    MappingRow,
)
from taxonomy.domain.records import (
    INCIDENT_KINDS,
    JURISDICTION_KINDS,
    MATURITIES,
    STRENGTHS,
    Taxonomy,
)
from taxonomy.formats import fixtures_yaml

# Above this many choices a multiple choice is a list box, not checkboxes.
CHECKBOX_LIMIT = 30


def _text(label: str, *, required: bool = False, rows: int = 0, help_text: str = ""):
    widget = forms.Textarea(attrs={"rows": rows}) if rows else forms.TextInput
    return forms.CharField(
        label=label, required=required, widget=widget, help_text=help_text
    )


def _multiple(label: str, choices: list[tuple[str, str]], help_text: str = ""):
    widget = (
        forms.CheckboxSelectMultiple
        if len(choices) <= CHECKBOX_LIMIT
        else forms.SelectMultiple(attrs={"size": 10})
    )
    return forms.MultipleChoiceField(
        label=label, choices=choices, required=False, widget=widget, help_text=help_text
    )


def _id_field() -> forms.CharField:
    return forms.CharField(
        label="Id", help_text="Letters, digits, '.', '_', ':' or '-'; it cannot change."
    )


def _choices(records) -> list[tuple[str, str]]:
    return [(r.id, f"{r.name} ({r.id})") for r in sorted(records, key=lambda r: r.name)]


def _choice(label: str, records) -> forms.ChoiceField:
    return forms.ChoiceField(label=label, choices=_choices(records))


class EditForm(forms.Form):
    """What every edit form has; subclasses set ``kind``, the fixture schema's rule."""

    kind = ""
    # A link's end that a fixture file nests the link under, so not in its item.
    nested_under = ""
    comment = _text(
        "Why (optional)",
        rows=2,
        help_text="Shown in the history beside your change.",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    base = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, taxonomy: Taxonomy, identity: dict | None = None, **kw):
        """``identity`` holds the fields the URL fixes (an id, a link's ends)."""
        super().__init__(*args, **kw)
        self.taxonomy = taxonomy
        self.identity = identity or {}
        # An existing item is saved only over the version the form was loaded at.
        self.fields["version"].required = bool(self.identity)
        self.setup()
        for name in self.identity:
            self.fields.pop(name, None)
        # The editor's fields first, then why, then the hidden ones.
        order = [n for n in self.fields if n not in ("comment", "version", "base")]
        self.order_fields([*order, "comment", "version", "base"])

    def setup(self) -> None:
        """Add the fields whose choices come from the taxonomy."""

    def values(self) -> dict[str, Any]:
        """The item's fields as entered (without identity, comment, version)."""
        return {
            name: self.cleaned_data[name]
            for name in self.fields
            if name not in ("comment", "version", "base")
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.kind and not self.errors:
            problems = fixtures_yaml.item_problems(self.kind, self.fixture_item())
            for field, messages in problems.items():
                self.add_error(field if field in self.fields else None, messages)
        return cleaned

    def fixture_item(self) -> dict[str, Any]:
        """The item as a fixture file would hold it, for the schema's check."""
        values = {k: v for k, v in self.values().items() if v not in (None, "", [])}
        item = {**self.identity, **values}
        if self.nested_under:
            item.pop(self.nested_under, None)
        return item

    @property
    def expected(self) -> frozenset[int] | None:
        """The versions a save may overwrite: the one the form was loaded at."""
        version = self.cleaned_data.get("version")
        return None if version is None else frozenset({version})

    @property
    def reason(self) -> str:
        return self.cleaned_data.get("comment", "")

    def base_values(self) -> dict[str, Any]:
        """The values the form was loaded with (empty when unknown)."""
        try:
            values = json.loads(self.data.get("base") or "{}")
        except ValueError:
            return {}
        return values if isinstance(values, dict) else {}

    def add_write_errors(self, error: InvalidWrite) -> None:
        """Put the service's refusal on the fields it names."""
        for field, messages in error.errors.items():
            self.add_error(field if field in self.fields else None, messages)


class LayerForm(EditForm):
    kind = "layer"
    id = _id_field()
    name = forms.CharField(label="Name")
    description = _text("Description", rows=4)


class NamedItemForm(EditForm):
    """A node kind's form: its id and name first, and a choice of the sources
    (labelled ``sources_label``) that describe it."""

    sources_label = "Sources that describe it"
    # The field of the item's own kind: ``kind`` names the form's item kind.
    kind_field = ""
    id = _id_field()
    name = forms.CharField(label="Name")

    def setup(self) -> None:
        self.fields["sources"] = _multiple(
            self.sources_label, _choices(self.taxonomy.sources)
        )

    def values(self) -> dict[str, Any]:
        values = super().values()
        if self.kind_field:
            values["kind"] = values.pop(self.kind_field)
        return values


class ThreatForm(NamedItemForm):
    kind = "threat"
    description = _text("Description", rows=4)
    mobile = _text(
        "Mobile: why its actors choose where to act",
        rows=2,
        help_text="Empty unless its actors can move to the weakest jurisdiction "
        "(then the world view judges it there).",
    )


class MitigationForm(NamedItemForm):
    kind = "mitigation"
    maturity = forms.ChoiceField(
        label="Maturity", choices=[(m, m.capitalize()) for m in MATURITIES]
    )
    cost = forms.FloatField(
        label="Cost",
        required=False,
        initial=1,
        help_text="What adopting it costs, in your own units (a positive number; "
        "1 when empty). Recommendations spend a budget of these.",
    )
    description = _text("Description", rows=4)
    everywhere = _text(
        "Everywhere: why it acts wherever the weights go",
        rows=2,
        help_text="Empty unless it is in force in every jurisdiction at its own "
        "maturity whatever its in-force links say (e.g. a safeguard built into "
        "a model).",
    )

    def clean_cost(self) -> float:
        """Empty is the default cost, 1."""
        cost = self.cleaned_data.get("cost")
        return 1.0 if cost is None else cost

    def setup(self) -> None:
        self.fields["layer"] = _choice("Governance layer", self.taxonomy.layers)
        super().setup()
        self.order_fields(["id", "name", "layer", "maturity", "cost"])


class SourceForm(EditForm):
    kind = "source"
    id = _id_field()
    name = forms.CharField(label="Short name", help_text="e.g. “Qi et al. 2024”.")
    authors = _text("Authors")
    title = _text("Title")
    year = forms.IntegerField(label="Year", required=False)
    publisher = _text("Published in")
    url = _text("Link (URL)")
    description = _text("Description", rows=3)


class MitigatesForm(EditForm):
    """A MITIGATES link: its ends when it is new, its strength, rationale and sources."""

    kind = "mitigates"
    nested_under = "threat"
    strength = forms.ChoiceField(
        label="Strength",
        choices=[(s, s.capitalize()) for s in STRENGTHS],
        initial="medium",
        widget=forms.RadioSelect,
        help_text="How much of the threat this mitigation covers on its own.",
    )
    rationale = _text("Rationale", rows=3, help_text="One line on why this strength.")

    def setup(self) -> None:
        self.fields["mitigation"] = _choice("Mitigation", self.taxonomy.mitigations)
        self.fields["threat"] = _choice("Threat", self.taxonomy.threats)
        self.fields["sources"] = _multiple("Sources", _choices(self.taxonomy.sources))
        self.order_fields(["mitigation", "threat", "strength", "rationale"])


class TacticForm(NamedItemForm):
    kind = "tactic"
    shortname = _text(
        "Short name",
        help_text="The kill-chain phase name of STIX and Navigator layers, "
        "e.g. “ml-attack-staging”.",
    )
    order = forms.IntegerField(
        label="Column",
        min_value=0,
        required=False,
        initial=0,
        help_text="Its place in the matrix, left to right (0 first).",
    )
    description = _text("Description", rows=4)

    def clean_order(self) -> int:
        """Empty is the first column."""
        order = self.cleaned_data.get("order")
        return 0 if order is None else order


class IncidentForm(NamedItemForm):
    kind = "incident"
    sources_label = "References"
    kind_field = "incident_kind"
    incident_kind = forms.ChoiceField(
        label="Kind",
        choices=[(k, k.replace("-", " ").capitalize()) for k in INCIDENT_KINDS],
        help_text="A case study's steps are ordered; a campaign's, group's or "
        "software's uses are not.",
    )
    date = _text("Date", help_text="An ISO date (2024-05-01), a year, or empty.")
    summary = _text("Summary", rows=4)


class JurisdictionForm(NamedItemForm):
    kind = "jurisdiction"
    sources_label = "Sources"
    kind_field = "jurisdiction_kind"
    jurisdiction_kind = forms.ChoiceField(
        label="Kind",
        choices=[(k, k.capitalize()) for k in JURISDICTION_KINDS],
        help_text="A state; a bloc of states (the EU); or a multilateral body. "
        "Only a bloc or a multilateral body has members.",
    )
    weight = forms.FloatField(
        label="Weight",
        required=False,
        min_value=0,
        help_text="What the world view weighs it by, e.g. its share of the "
        "world's AI compute (cite it in the sources); empty when unknown.",
    )
    description = _text("Description", rows=4)


def _day(label: str, help_text: str) -> forms.CharField:
    return _text(label, help_text=f"An ISO date (2024-08-01); {help_text}")


class MemberOfForm(EditForm):
    """A MEMBER_OF link: a jurisdiction belongs to a bloc or a multilateral body."""

    kind = "member_of"
    nested_under = "member"
    since = _day("Since", "empty when always.")
    until = _day("Until", "the first day it no longer is; empty when still.")
    rationale = _text("Rationale", rows=3)

    def setup(self) -> None:
        choices = _choices(self.taxonomy.jurisdictions)
        self.fields["member"] = forms.ChoiceField(label="Member", choices=choices)
        self.fields["body"] = forms.ChoiceField(
            label="Member of (a bloc or multilateral body)", choices=choices
        )
        self.fields["sources"] = _multiple("Sources", _choices(self.taxonomy.sources))
        self.order_fields(["member", "body", "since", "until", "rationale"])


class InForceInForm(EditForm):
    """An IN_FORCE_IN link: a mitigation in force in a jurisdiction, at a maturity there."""

    kind = "in_force_in"
    nested_under = "jurisdiction"
    maturity = forms.ChoiceField(
        label="Maturity there", choices=[(m, m.capitalize()) for m in MATURITIES]
    )
    since = _day("Since", "empty when always.")
    until = _day("Until", "the first day it no longer is; empty when still.")
    rationale = _text("Rationale", rows=3)

    def setup(self) -> None:
        self.fields["mitigation"] = _choice("Mitigation", self.taxonomy.mitigations)
        self.fields["jurisdiction"] = _choice(
            "Jurisdiction", self.taxonomy.jurisdictions
        )
        self.fields["sources"] = _multiple("Sources", _choices(self.taxonomy.sources))
        self.order_fields(
            ["mitigation", "jurisdiction", "maturity", "since", "until", "rationale"]
        )


class ArchitectureForm(NamedItemForm):
    """A governance architecture: a named scenario (what it adopts are its
    ADOPTS links, edited on their own)."""

    kind = "architecture"
    sources_label = "Sources"
    description = _text("Description", rows=4)
    scenario = _text(
        "Scenario",
        help_text="Its parameters as in the coverage page's address after the "
        "“?”, e.g. maturity=deployed (today) or maturity=deployed&jurisdiction=eu; "
        "empty: every measure counts. The measures it adopts are added to it.",
    )

    def clean_scenario(self) -> str:
        text = self.cleaned_data["scenario"]
        try:
            scenario_of_query(text)
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None
        return text


class AdoptsForm(EditForm):
    """An ADOPTS link: an architecture adopts a mitigation, where and why."""

    kind = "adopts"
    nested_under = "architecture"
    rationale = _text("Rationale", rows=3, help_text="Why it adopts it there.")

    def setup(self) -> None:
        self.fields["architecture"] = _choice(
            "Architecture", self.taxonomy.architectures
        )
        self.fields["mitigation"] = _choice("Mitigation", self.taxonomy.mitigations)
        self.fields["jurisdictions"] = _multiple(
            "Where",
            _choices(self.taxonomy.jurisdictions),
            help_text="The jurisdictions it is adopted in (a bloc or body with its "
            "members); none ticked: everywhere.",
        )
        self.fields["sources"] = _multiple("Sources", _choices(self.taxonomy.sources))
        self.order_fields(["architecture", "mitigation", "jurisdictions", "rationale"])


def _whole_numbers(text: str) -> tuple[int, ...]:
    """``"1, 4"`` -> ``(1, 4)``; ValidationError naming what is not a number.

    >>> _whole_numbers(" 1, 4 ")
    (1, 4)
    """
    parts = [p.strip() for p in text.split(",") if p.strip()]
    bad = [p for p in parts if not p.isdigit()]
    if bad:
        raise forms.ValidationError(f"not whole numbers: {', '.join(bad)}")
    return tuple(int(p) for p in parts)


class UsesForm(EditForm):
    """A USES link: its ends when it is new, the steps at which the incident
    uses the technique, each step's tactic and description."""

    kind = "uses"
    nested_under = "incident"
    steps = _text(
        "Steps",
        help_text="The step numbers, comma-separated (“2, 5”); empty for a "
        "group, software or campaign, whose uses have no order.",
    )
    tactics = _text(
        "Tactics",
        help_text="The tactic id of each step, comma-separated, in the order of "
        "the steps (leave one empty with two commas).",
    )
    descriptions = _text(
        "What was done", rows=4, help_text="One line per step, in step order."
    )

    def setup(self) -> None:
        self.fields["incident"] = _choice("Incident", self.taxonomy.incidents)
        self.fields["threat"] = _choice("Technique (threat)", self.taxonomy.threats)
        self.order_fields(["incident", "threat", "steps", "tactics", "descriptions"])

    def clean_steps(self) -> tuple[int, ...]:
        return _whole_numbers(self.cleaned_data.get("steps", ""))

    def clean_tactics(self) -> tuple[str, ...]:
        text = self.cleaned_data.get("tactics", "")
        return tuple(t.strip() for t in text.split(",")) if text.strip() else ()

    def clean_descriptions(self) -> tuple[str, ...]:
        text = self.cleaned_data.get("descriptions", "")
        return tuple(line.strip() for line in text.splitlines() if line.strip())

    def fixture_item(self) -> dict[str, Any]:
        # The schema checks lists, as a fixture file holds them.
        return {
            k: list(v) if isinstance(v, tuple) else v
            for k, v in super().fixture_item().items()
        }


# link kind -> the labels of its source and target fields.
LINK_END_LABELS = {
    "enables": ("Threat that enables", "Threat it enables"),
    "requires": ("Mitigation that requires", "Mitigation it requires"),
    "introduces": ("Mitigation that introduces", "Threat it introduces"),
    "subtype": ("Threat (the subtype)", "Subtype of (the parent)"),
    "in_tactic": ("Threat (technique)", "Tactic it serves"),
}


class LinkForm(EditForm):
    """A new link without properties (ENABLES, REQUIRES, INTRODUCES, SUBTYPE_OF):
    a subclass per kind sets ``link_kind``."""

    link_kind = ""

    def setup(self) -> None:
        kind = PLAIN_LINK_KINDS[self.link_kind]
        labels = LINK_END_LABELS[kind.name]
        for name, end, label in zip(
            kind.ends, (kind.source, kind.target), labels, strict=True
        ):
            records = getattr(self.taxonomy, NODE_KINDS[end].field)
            self.fields[name] = forms.ChoiceField(
                label=label, choices=_choices(records)
            )


class DeleteForm(EditForm):
    """Confirm a deletion."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.fields["version"].required = True


class CascadeDeleteForm(DeleteForm):
    """Confirm the deletion of a node that others depend on; ``cascade`` allows it."""

    cascade = forms.BooleanField(
        label="Also remove everything listed above that depends on it",
        required=False,
    )


# kind -> the form that creates (and, for kinds with editable fields, changes) one.
FORMS: dict[str, type[EditForm]] = {
    form.kind: form
    for form in (
        LayerForm,
        ThreatForm,
        MitigationForm,
        SourceForm,
        TacticForm,
        IncidentForm,
        JurisdictionForm,
        MitigatesForm,
        UsesForm,
        MemberOfForm,
        InForceInForm,
        ArchitectureForm,
        AdoptsForm,
    )
}
FORMS |= {
    name: type(f"{name.capitalize()}Form", (LinkForm,), {"link_kind": name})
    for name in PLAIN_LINK_KINDS
}
assert set(FORMS) == set(KINDS), "every kind needs its edit form"


def kind_choices() -> list[tuple[str, str]]:
    """(kind, label) of the history's kind filter, in words: nodes by their plural,
    links by what they say ("Links: … mitigates …").

    >>> dict(kind_choices())["threat"], dict(kind_choices())["subtype"]
    ('Threats', 'Links: … is a subtype of …')
    """
    return [
        (name, f"Links: … {kind.words} …" if kind.is_link else kind.plural)
        for name, kind in KINDS.items()
    ]


class HistoryFilterForm(forms.Form):
    """The filters of the recent-changes page; every one optional."""

    editor = forms.ChoiceField(label="Editor", required=False)
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    kind = forms.ChoiceField(
        label="Kind",
        required=False,
        choices=[("", "Any kind"), *kind_choices()],
    )

    def __init__(self, *args, editors: list[tuple[str, str]], **kw):
        super().__init__(*args, **kw)
        self.fields["editor"].choices = [("", "Anyone"), *editors]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and since > until:
            self.add_error("until", "The end date is before the start date.")
        return cleaned

    def filters(self) -> dict[str, Any]:
        """Keyword arguments of ``audit.audit_list``."""
        data = self.cleaned_data
        return {
            "actor": data.get("editor") or None,
            "since": data.get("since"),
            "until": data.get("until"),
            "kind": data.get("kind") or None,
        }


class MappingRowForm(forms.Form):
    """One row of a mapping set (SSSOM, issue 26), as an editor enters it."""

    subject_id = forms.CharField(
        label="Subject",
        max_length=500,
        help_text="An item of the subject taxonomy, as prefix:id (atlas:AML.T0024).",
    )
    predicate_id = forms.ChoiceField(
        label="How the subject relates to the object",
        choices=[(p, f"{PREDICATE_WORDS[p]} ({p})") for p in PREDICATES],
    )
    object_id = forms.CharField(
        label="Object",
        max_length=500,
        help_text="An item of the object taxonomy, as prefix:id "
        "(layerwise:model-extraction).",
    )
    confidence = forms.FloatField(
        min_value=0,
        max_value=1,
        required=False,
        help_text="How sure the match is, from 0 to 1; leave empty if not stated.",
    )
    mapping_justification = forms.ChoiceField(
        label="Justification",
        choices=[(j, j) for j in JUSTIFICATIONS],
        initial=DEFAULT_JUSTIFICATION,
        help_text="How the match was made (semapv).",
    )
    rationale = forms.CharField(
        max_length=2000,
        required=False,
        help_text="Why they match, in one line (SSSOM's comment).",
    )
    author_id = forms.CharField(
        label="Authors",
        max_length=500,
        required=False,
        help_text="As prefix:id, separated by | (orcid:0000-0002-1825-0097).",
    )
    mapping_date = forms.DateField(
        label="Date", required=False, help_text="When it was mapped, YYYY-MM-DD."
    )
    comment = _text(
        "Why (optional)", rows=2, help_text="Shown in the history beside your change."
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def row(self) -> MappingRow:
        """The row the form holds."""
        data = self.cleaned_data
        return MappingRow(
            subject_id=data["subject_id"].strip(),
            predicate_id=data["predicate_id"],
            object_id=data["object_id"].strip(),
            mapping_justification=data["mapping_justification"],
            confidence=data["confidence"],
            comment=" ".join(data["rationale"].split()),
            author_id=tuple(
                a.strip() for a in data["author_id"].split("|") if a.strip()
            ),
            mapping_date=data["mapping_date"].isoformat()
            if data["mapping_date"]
            else "",
        )

    @staticmethod
    def initial_of(row: MappingRow) -> dict[str, Any]:
        """A stored row as the form's initial values."""
        return {
            "subject_id": row.subject_id,
            "predicate_id": row.predicate_id,
            "object_id": row.object_id,
            "confidence": row.confidence,
            "mapping_justification": row.mapping_justification,
            "rationale": row.comment,
            "author_id": "|".join(row.author_id),
            "mapping_date": row.mapping_date or None,
            "version": row.version,
        }

    def add_file_errors(self, error: MappingFileError) -> None:
        """Put the SSSOM reader's refusal on the fields it names."""
        names = {"comment": "rationale"}
        for problem in error.problems:
            field, _, message = problem.message.partition(": ")
            field = names.get(field, field)
            self.add_error(field if field in self.fields else None, message)
