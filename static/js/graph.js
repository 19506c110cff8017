// The graph explorer: draws /api/v1/graph/ with Cytoscape.js. The page
// already lists every node and link in HTML; this adds the picture.
(function () {
  "use strict";

  const container = document.getElementById("cy");
  if (!container || typeof cytoscape !== "function") {
    return;
  }

  const CLASS_STYLE = {
    "unmitigated": { color: "#a33c00", icon: "✕", label: "Unmitigated" },
    "insufficient": { color: "#e0a526", icon: "◐", label: "Insufficient" },
    "defense-in-depth": { color: "#0072b2", icon: "≡", label: "Defense in depth" },
    "single-layer": { color: "#007a5a", icon: "●", label: "Single layer" },
  };
  const KIND_LABEL = { layer: "Governance layer", mitigation: "Mitigation", threat: "Threat" };
  // Few nodes: a force layout reads best. Hundreds: concentric rings by kind
  // (layers inside, mitigations, threats outside) stay legible and fast.
  const FORCE_LIMIT = 80;
  // Below this width mitigations' names show only when zoomed in this far.
  const NARROW = window.matchMedia("(max-width: 36rem)");
  const NAMES_AT_ZOOM = 1.4;

  function pageUrl(node) {
    const template = container.dataset["url" + node.kind[0].toUpperCase() + node.kind.slice(1)];
    return template.replace("__id__", encodeURIComponent(node.key));
  }

  function toElements(data) {
    const nodes = data.nodes.map((n) => {
      const style = CLASS_STYLE[n.class] || null;
      const label = n.kind === "threat" && style ? `${style.icon} ${n.name}` : n.name;
      return { group: "nodes", data: { ...n, label, classColor: style ? style.color : "#f3f5f8" }, classes: n.kind };
    });
    const edges = data.edges.map((e) => ({
      group: "edges",
      data: e,
      classes: [e.type.toLowerCase(), e.strength || ""].join(" ").trim(),
    }));
    return nodes.concat(edges);
  }

  const style = [
    { selector: "node", style: {
      "label": "data(label)", "font-size": 12, "min-zoomed-font-size": 7, "font-family": "system-ui, sans-serif",
      "text-wrap": "wrap", "text-max-width": 110, "text-valign": "bottom", "text-margin-y": 4,
      "color": "#1b1f24", "text-background-color": "#fff", "text-background-opacity": 0.8,
      "text-background-padding": 1, "border-width": 1.5, "border-color": "#1b1f24",
    } },
    { selector: "node.layer", style: {
      "shape": "round-rectangle", "background-color": "#0b2545", "width": 46, "height": 30,
      "font-size": 13, "font-weight": "bold",
    } },
    { selector: "node.mitigation", style: {
      "shape": "ellipse", "background-color": "#8fb3e0", "width": 20, "height": 20,
    } },
    { selector: "node.threat", style: {
      "shape": "diamond", "background-color": "data(classColor)", "width": 32, "height": 32,
      "font-weight": "bold",
    } },
    { selector: "edge", style: {
      "width": 1, "line-color": "#b9c0ca", "curve-style": "bezier", "opacity": 0.9,
    } },
    { selector: "edge.in_layer", style: { "line-color": "#d5dae1", "width": 1 } },
    { selector: "edge.mitigates", style: {
      "line-color": "#4a5360", "target-arrow-shape": "triangle", "target-arrow-color": "#4a5360",
      "arrow-scale": 0.7,
    } },
    { selector: "edge.mitigates.low", style: { "width": 1, "line-style": "dotted" } },
    { selector: "edge.mitigates.medium", style: { "width": 2.5, "line-style": "dashed" } },
    { selector: "edge.mitigates.high", style: { "width": 4.5, "line-style": "solid", "line-color": "#1b1f24" } },
    { selector: "edge.enables", style: {
      "line-color": "#a33c00", "width": 2.5, "target-arrow-shape": "triangle",
      "target-arrow-color": "#a33c00",
    } },
    { selector: "edge.requires", style: {
      "line-color": "#4a5360", "line-style": "dashed", "target-arrow-shape": "vee",
      "target-arrow-color": "#4a5360",
    } },
    { selector: "edge.introduces", style: {
      "line-color": "#a33c00", "line-style": "dashed", "target-arrow-shape": "tee",
      "target-arrow-color": "#a33c00",
    } },
    { selector: "edge.dense", style: { "opacity": 0.35 } },
    { selector: "edge.dense.in_layer", style: { "display": "none" } },
    { selector: ".faded", style: { "opacity": 0.12, "text-opacity": 0.12 } },
    { selector: "edge.focus", style: { "opacity": 1 } },
    { selector: "node:selected", style: { "border-width": 4, "border-color": "#ffbf47" } },
    // A phone's width: mitigations go unnamed until the reader zooms in or
    // taps one (and its neighbours), so the threats' and layers' names do
    // not overlap them.
    { selector: "node.quiet", style: { "label": "" } },
    { selector: "node.compact", style: { "font-size": 11, "text-max-width": 84 } },
    { selector: "node.quiet:selected, node.quiet.named", style: { "label": "data(label)" } },
  ];

  function layoutFor(count, around) {
    if (count <= FORCE_LIMIT) {
      return {
        name: "cose", animate: false, randomize: true, nodeRepulsion: () => 400000,
        idealEdgeLength: (edge) => (edge.hasClass("in_layer") ? 60 : 110),
        edgeElasticity: () => 100, nestingFactor: 1.2, gravity: 0.25, nodeOverlap: 20,
        componentSpacing: 60, numIter: 2500, padding: 16, nodeDimensionsIncludeLabels: true,
        boundingBox: { x1: 0, y1: 0, w: container.clientWidth, h: container.clientHeight },
      };
    }
    const ring = { layer: 3, mitigation: 2, threat: 1 };
    return {
      name: "concentric", animate: false, padding: 20, minNodeSpacing: 8,
      avoidOverlap: true, nodeDimensionsIncludeLabels: false,
      concentric: (n) => (around && n.id() === around ? 4 : ring[n.data("kind")]),
      levelWidth: () => 1,
    };
  }

  function escapeHtml(text) {
    const div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function showSummary(node) {
    const d = node.data();
    const facts = [`<dt>Kind</dt><dd>${KIND_LABEL[d.kind]}</dd>`];
    if (d.kind === "threat" && CLASS_STYLE[d.class]) {
      const c = CLASS_STYLE[d.class];
      facts.push(`<dt>Class</dt><dd><span class="class-badge class--${d.class}"><span aria-hidden="true">${c.icon}</span>${c.label}</span></dd>`);
    }
    if (d.kind === "mitigation") {
      facts.push(`<dt>Layer</dt><dd>${escapeHtml(d.layer)}</dd><dt>Maturity</dt><dd>${escapeHtml(d.maturity)}</dd>`);
    }
    facts.push(`<dt>Links</dt><dd>${node.connectedEdges().length}</dd>`);
    document.getElementById("node-summary").innerHTML =
      `<h3>${escapeHtml(d.name)}</h3><dl class="facts">${facts.join("")}</dl>` +
      `<p><a class="button" id="node-page-link" href="${pageUrl(d)}">Open its page</a> ` +
      `<a href="?around=${encodeURIComponent(d.id)}&amp;depth=1${container.dataset.taxonomy ? `&amp;taxonomy=${encodeURIComponent(container.dataset.taxonomy)}` : ""}" id="node-focus-link">Show its neighbourhood</a></p>`;
  }

  const cy = cytoscape({ container, style, wheelSensitivity: 0.3, minZoom: 0.2, maxZoom: 3 });

  function quietLabels() {
    const quiet = NARROW.matches && cy.zoom() < NAMES_AT_ZOOM;
    cy.nodes(".mitigation").toggleClass("quiet", quiet);
    cy.nodes().toggleClass("compact", NARROW.matches);
    container.dataset.quietLabels = String(quiet);
  }
  cy.on("zoom", quietLabels);
  // A phone turned sideways (or a window resized) crosses the width too; the
  // page's columns change with it, so the canvas is measured again first.
  NARROW.addEventListener("change", () => {
    cy.resize();
    quietLabels();
  });

  cy.on("tap", "node", (event) => {
    const node = event.target;
    cy.elements().addClass("faded");
    cy.edges().removeClass("focus");
    node.closedNeighborhood().removeClass("faded");
    node.connectedEdges().addClass("focus");
    cy.nodes().removeClass("named");
    node.closedNeighborhood().nodes().addClass("named");
    showSummary(node);
  });
  cy.on("tap", (event) => {
    if (event.target === cy) {
      cy.elements().removeClass("faded focus named");
    }
  });

  function load(around, depth) {
    const params = new URLSearchParams();
    if (container.dataset.taxonomy) {
      params.set("taxonomy", container.dataset.taxonomy);
    }
    if (around) {
      params.set("around", around);
      params.set("depth", depth);
    }
    container.setAttribute("aria-busy", "true");
    return fetch(`${container.dataset.elementsUrl}?${params}`, { headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : Promise.reject(response.status)))
      .then((data) => {
        cy.elements().remove();
        cy.add(toElements(data));
        if (data.nodes.length > FORCE_LIMIT) {
          // Dense graphs: layer membership is the ring itself, so its edges only
          // add clutter; the rest recede until a node is selected.
          cy.edges().addClass("dense");
        }
        quietLabels();
        cy.layout(layoutFor(data.nodes.length, around)).run();
        cy.fit(undefined, 24);
        quietLabels();
        // Ready once drawn: a tap before the next frames can miss a node
        // whose style just changed.
        requestAnimationFrame(() => requestAnimationFrame(() => {
          container.dataset.ready = "true";
          container.removeAttribute("aria-busy");
        }));
      });
  }

  // Exposed for the browser tests, which click nodes by id.
  window.layerwiseGraph = cy;
  load(container.dataset.around, container.dataset.depth || 1);
})();
