"""Every page of every taxonomy the graph holds, at a laptop's and a phone's width.

The walk is derived, not listed: every named route of the site's pages (the
URL conf, the editors' routes of every kind included) is filled with real ids
of every taxonomy the test graph holds (the seed and an imported ATLAS-shaped
sample): the first ``PER_KIND`` nodes of each kind for its page, one item of
each kind for its history and, as an editor, its edit pages. Each page must
answer 200, be no wider than the window (a wide table scrolls inside a
container that says so: ``role="region"`` named by ``aria-label`` or
``aria-labelledby``), break neither the Content-Security-Policy nor its
scripts, and pass axe-core's WCAG 2.1 A and AA rules. A route the walk does
not know how to fill, or one it never reached, fails the test.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

from taxonomy import selectors
from taxonomy.domain.kinds import KINDS, NODE_KINDS, items_of, split_link_key
from taxonomy.domain.records import DEFAULT_TAXONOMY, Taxonomy
from taxonomy.formats.registry import PAGES, formats_on
from taxonomy.judgements import judge_of_user
from taxonomy.rounds import round_open
from taxonomy.services import mapping_set_save
from tests.browser.conftest import EDITOR_PASSWORD
from tests.browser.test_crosswalk_pages import MAPPING as CROSSWALK

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)
# Node pages walked per kind and taxonomy: enough to meet each page's variants
# (a sub-technique, an item with and without links) and keep the walk quick.
PER_KIND = 3
AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# Routes of the site that are not its pages: Django's admin, and the REST API
# (tested under tests/graphapi, its docs are Swagger UI's).
NOT_PAGES = ("admin/", "api/v1/")


# --- The walk: every route filled with ids of every taxonomy --------------------------


@dataclass(frozen=True)
class Route:
    """One named route of the site: its URL name, pattern and fixed arguments."""

    name: str
    pattern: str
    params: tuple[str, ...]
    defaults: dict


def site_routes() -> list[Route]:
    """Every named route of the site's pages, in URL-conf order."""

    def walk(patterns, prefix: str) -> Iterator[Route]:
        for entry in patterns:
            pattern = prefix + str(entry.pattern)
            if pattern.startswith(NOT_PAGES):
                continue
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, pattern)
            elif isinstance(entry, URLPattern) and entry.name:
                params = tuple(entry.pattern.converters)
                yield Route(entry.name, pattern, params, dict(entry.default_args))

    return list(walk(get_resolver().url_patterns, ""))


def _url(name: str, query: dict | None = None, **kwargs) -> str:
    """The path of a named route with its arguments, then its non-empty query."""
    query = {k: v for k, v in (query or {}).items() if v}
    return reverse(name, kwargs=kwargs or None) + (
        "?" + urlencode(query, doseq=True) if query else ""
    )


def _keys(taxonomy: Taxonomy, kind: str, limit: int) -> list[str]:
    """The first ``limit`` keys of a kind's items in a taxonomy, by key."""
    records = items_of(taxonomy, kind)
    return sorted(KINDS[kind].key(record) for record in records)[:limit]


def _variants(taxonomy: Taxonomy, seed: bool) -> dict[str, list[dict]]:
    """Query strings some plain pages are walked with, beside none: searches
    that find an item of each kind, a scenario compared with the baseline and,
    once (the history is of every taxonomy), the history of each kind."""
    layer = (_keys(taxonomy, "layer", 1) or [""])[0]
    compared = {"disable_layer": layer, "compare": "baseline"}
    names = [items[0].name for k in NODE_KINDS if (items := items_of(taxonomy, k))]
    return {
        "search": [{"q": name} for name in names],
        "coverage": [{}, compared],
        "brief": [{}, compared],
        "combinations": [{}, compared],
        # The form alone, and today beside every architecture the taxonomy holds.
        "architecture-compare": [{}]
        + [{"a": ["today", *_keys(taxonomy, "architecture", 3)]}]
        * bool(_keys(taxonomy, "architecture", 1)),
        "history": [{}] + [{"kind": kind} for kind in KINDS if seed],
        # A mapping set's pages name their set (the walk saves one).
        "crosswalk-set": [{"id": CROSSWALK.mapping_set_id}],
        "crosswalk-matrix": [{"id": CROSSWALK.mapping_set_id}],
    }


def anonymous_walk(taxonomies: dict[str, Taxonomy], routes: list[Route]) -> list[str]:
    """The URLs anyone may open: every page with no id of every taxonomy (and
    their variants), the first nodes of each kind, one history per kind."""
    urls = []
    for name, taxonomy in taxonomies.items():
        seed = name == DEFAULT_TAXONOMY
        keep = {} if seed else {"taxonomy": name}
        variants = _variants(taxonomy, seed)
        for route in routes:
            downloads = ("export", "architecture-compare-download")
            if route.defaults.get("action") or route.name in (*downloads, "logout"):
                continue  # an editor's page, a download or a POST
            if route.name in ("round", "judgement-edit"):
                continue  # a round's or a judgement's page: the editor's walk
            if not route.params:
                for query in variants.get(route.name, [{}]):
                    urls.append(_url(route.name, {**query, **keep}))
            elif route.name in NODE_KINDS:
                param = route.params[0]
                for key in _keys(taxonomy, route.name, PER_KIND):
                    urls.append(_url(route.name, **{param: key}))
            elif route.name == "panel":
                for key in _keys(taxonomy, "mitigates", 1):
                    mitigation, threat = split_link_key(key)
                    urls.append(
                        _url(route.name, mitigation_id=mitigation, threat_id=threat)
                    )
            elif route.name == "history-node":
                for kind in KINDS:
                    for key in _keys(taxonomy, kind, 1):
                        urls.append(_url(route.name, kind=kind, key=key))
            else:
                pytest.fail(f"the walk cannot fill {route.pattern}: teach it how")
    return urls


def editor_walk(
    taxonomies: dict[str, Taxonomy], routes: list[Route], rounds: list[str]
) -> list[str]:
    """The URLs an editor opens beside: one node page per kind and taxonomy
    (the seed's with their edit links), every edit page of one item of each
    kind of the seed (imported catalogues are changed by re-importing), and
    the page of each round of judging the editor judges in."""
    pages = {route.name: route for route in routes if route.name in NODE_KINDS}
    assert set(pages) == set(NODE_KINDS), "every kind of node has a page"
    urls = [_url("overview"), _url("history")]
    urls += [_url("round", slug=slug) for slug in rounds]
    # The judgement form of the seed's first MITIGATES link.
    for key in _keys(taxonomies[DEFAULT_TAXONOMY], "mitigates", 1):
        mitigation, threat = split_link_key(key)
        urls.append(_url("judgement-edit", mitigation_id=mitigation, threat_id=threat))
    for taxonomy in taxonomies.values():
        for kind, route in pages.items():
            param = route.params[0]
            urls += [_url(kind, **{param: key}) for key in _keys(taxonomy, kind, 1)]
    seed = taxonomies[DEFAULT_TAXONOMY]
    for route in routes:
        kind, action = route.defaults.get("kind"), route.defaults.get("action")
        if action == "create":
            urls.append(_url(route.name))
        elif action:
            keys = _keys(seed, kind, 1)
            assert keys, f"the seed holds no item of kind {kind} to edit"
            source, target = split_link_key(keys[0])
            urls.append(
                reverse(route.name, args=[source, target] if target else [source])
            )
    return urls


def download_walk(taxonomies: dict[str, Taxonomy]) -> list[str]:
    """Every download format the pages offer, of every taxonomy (files, not
    pages)."""
    return [
        _url(
            "export",
            {"taxonomy": "" if name == DEFAULT_TAXONOMY else name},
            format=f.name,
        )
        for name in taxonomies
        for f in formats_on(PAGES)
    ] + [
        # The comparison of governance architectures, as CSV and JSON.
        _url("architecture-compare-download", {"a": ["today", key]}, fmt=fmt)
        for key in _keys(taxonomies[DEFAULT_TAXONOMY], "architecture", 1)
        for fmt in ("csv", "json")
    ]


# --- What each page must be -----------------------------------------------------------

# The elements that stick out of the window, outermost first, unless they sit in
# a scroll container that says so. An element moved wholly off to the left (the
# skip link until it has focus) is not shown, so not counted. When the page is
# too wide and every such element is in a scroll container, the absolutely
# positioned ones are named: their container is not the scroll container.
TOO_WIDE = """() => {
  const limit = document.documentElement.clientWidth;
  const said = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) {
      const x = getComputedStyle(p).overflowX;
      if ((x === "auto" || x === "scroll") && p.getAttribute("role") === "region"
          && (p.getAttribute("aria-label") || p.getAttribute("aria-labelledby"))) {
        return true;
      }
    }
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
    + [...el.classList].map((c) => "." + c).join("");
  const wide = new Set();
  const found = [], inside = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || box.right <= 0) continue;
    if (box.right <= limit + 1 && box.left >= -1) continue;
    if (getComputedStyle(el).visibility === "hidden") continue;
    const where = `${name(el)} spans ${Math.round(box.left)}..${Math.round(box.right)} px`;
    if (said(el)) {
      const position = getComputedStyle(el).position;
      if (position === "absolute" || position === "fixed") {
        inside.push(where + ", positioned out of its scroll region");
      }
      continue;
    }
    wide.add(el);
    if (!wide.has(el.parentElement)) found.push(where);
  }
  const width = document.documentElement.scrollWidth;
  return {width, limit, found: found.length || width <= limit ? found : inside};
}"""

AXE_RUN = """async (tags) => {
  const result = await axe.run(document, {
    runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
  });
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""


# Every Content-Security-Policy violation of the page, recorded before its
# scripts run (as tests/browser/test_csp.py records them).
CSP_LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI}`);
});
"""


def page_problems(page: Page, where: str, axe: str) -> list[str]:
    """What is wrong with the page now shown: its width, its policy violations,
    then axe's findings."""
    problems = []
    size = page.evaluate(TOO_WIDE)
    if size["width"] > size["limit"] or size["found"]:
        problems.append(
            f"{where}: {size['width']} px wide in a {size['limit']} px window; "
            + "; ".join(size["found"][:5])
        )
    for violation in page.evaluate("() => window.__cspViolations || []"):
        problems.append(f"{where}: breaks the Content-Security-Policy: {violation}")
    # axe-core is evaluated by the browser's debugger, which the page's policy
    # does not govern: a <script> added to the page (add_script_tag) is an
    # inline script the policy refuses. So the walk needs no bypass_csp and
    # sees every page under the policy its users get.
    if not page.evaluate("() => !!window.axe"):
        page.evaluate(axe)
    for v in page.evaluate(AXE_RUN, AXE_TAGS):
        targets = ", ".join(v["targets"][:3])
        more = f" (+{len(v['targets']) - 3} more)" if len(v["targets"]) > 3 else ""
        problems.append(f"{where}: axe {v['id']} ({v['impact']}): {targets}{more}")
    return problems


def walk(page: Page, site: str, width: int, urls: list[str], shots: Path) -> list[str]:
    """Open each URL; the problems of every page that fails, all of them (and a
    screenshot of each such page in ``shots``)."""
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: `npm ci` installs it (make test does)")
    axe, problems, errors = AXE.read_text(encoding="utf-8"), [], []
    page.on("pageerror", lambda error: errors.append(str(error)))
    for url in urls:
        where = f"{width}px {url}"
        errors.clear()
        try:
            response = page.goto(site + url)
        except PlaywrightError as error:
            problems.append(f"{where}: did not load: {error.message}")
            continue
        status = response.status if response else None
        found = (
            page_problems(page, where, axe)
            if status == 200
            else [f"{where}: answered {status}"]
        )
        found += [f"{where}: script error: {error}" for error in errors]
        if found:
            slug = re.sub(r"[^A-Za-z0-9]+", "-", url).strip("-") or "overview"
            page.screenshot(path=shots / f"{width}-{slug[:120]}.png", full_page=True)
        problems += found
    return problems


def _log_in(page: Page, site: str) -> None:
    """Log in as the ``editor`` fixture's user through the login page."""
    page.goto(site + reverse("login"))
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(EDITOR_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".user-menu")).to_contain_text("ada")


def _context(browser: Browser, width: int) -> BrowserContext:
    """A window ``width`` px wide whose pages record their policy violations
    and hold axe-core."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_init_script(CSP_LISTEN)
    # axe-core as each page is created, as the policy listener is: sending its
    # source (half a megabyte) to every page after it loads took the walk
    # about 70 ms a page. Like the listener, it runs outside the page's policy.
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: `npm ci` installs it (make test does)")
    context.add_init_script(path=AXE)
    return context


def _route_of(url: str) -> str:
    """The URL name of the route a path resolves to."""
    return resolve(urlsplit(url).path).url_name


# --- The walk -------------------------------------------------------------------------


def _a_round(editor, taxonomies: dict[str, Taxonomy]) -> str:
    """Open a round of judging on the seed's first MITIGATES link with the
    editor as its judge, and give the editor's answer: the slug."""
    link = split_link_key(_keys(taxonomies[DEFAULT_TAXONOMY], "mitigates", 1)[0])
    judge = judge_of_user(user=editor)
    held = round_open(
        title="Walk round",
        links=[link],
        judges=[judge.name],
        closes_on=datetime.date.today() + datetime.timedelta(days=7),
        actor=editor,
    )
    return held.slug


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_answers_fits_the_window_and_passes_axe(
    browser: Browser, two_taxonomies: str, editor, screenshot_dir: Path, width: int
):
    site, names = two_taxonomies, selectors.taxonomy_names()
    assert {DEFAULT_TAXONOMY, "atlas"} <= set(names)
    taxonomies = {n: selectors.taxonomy_snapshot(taxonomy=n) for n in sorted(names)}
    mapping_set_save(mapping_set=CROSSWALK, channel=None)
    routes = site_routes()
    anonymous = anonymous_walk(taxonomies, routes)
    editing = editor_walk(taxonomies, routes, [_a_round(editor, taxonomies)])
    downloads = download_walk(taxonomies)
    shots = screenshot_dir / "walk"
    shots.mkdir(exist_ok=True)
    for old in shots.glob(f"{width}-*.png"):
        old.unlink()

    context = _context(browser, width)
    page = context.new_page()
    problems = walk(page, site, width, anonymous, shots)
    _log_in(page, site)
    problems += walk(page, site, width, editing, shots)
    for url in downloads:
        status = context.request.get(site + url).status
        if status != 200:
            problems.append(f"{url}: answered {status}")
    # Logging out is a POST: the walk reaches its route with the button.
    page.goto(site + reverse("overview"))
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("link", name="Log in")).to_be_visible()
    context.close()

    walked = {_route_of(url) for url in anonymous + editing + downloads} | {"logout"}
    missed = {route.name for route in routes} - walked
    assert not missed, f"the walk reached no URL of the routes {sorted(missed)}"
    assert not problems, (
        f"{len(problems)} problems (screenshots in {shots}):\n" + "\n".join(problems)
    )
