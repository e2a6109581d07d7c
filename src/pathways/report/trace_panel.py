"""The report's "trace a case" panel: pick what is known about a child, see the routes lit.

The panel is a form (one control per case field, "not known" by default), a data block
(``<script type="application/json">``, never executed) and one inline script, allowed by its
SHA-256 in the page's Content-Security-Policy (:data:`SCRIPT_HASH`) and by nothing else. The
script reads guards with the same three values as :func:`pathways.trace.trace` (a field left
"not known" keeps every exit that depends on it open), walks from the entries, marks the
diagram's steps and edges (``trace-on`` / ``trace-off``) and lists the steps reached. Without
script the form stays hidden and a note names the command; the rest of the page is unchanged.

``#trace?risk=high&age=9`` at the end of the page's address preselects values (a link a
coordinator can send; the browser test uses it).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from html import escape
from typing import Any

from pathways.i18n import tr
from pathways.model import Pathway
from pathways.render._text import printable
from pathways.trace import panel_data, script_json

__all__ = ["SCRIPT", "SCRIPT_HASH", "trace_section"]

SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("trace-data").textContent);
  var form = document.getElementById("trace-form");
  var list = document.getElementById("trace-steps");
  var summary = document.getElementById("trace-summary");
  var svg = document.querySelector(".diagram svg");
  function known(f, name) { return Object.prototype.hasOwnProperty.call(f, name); }
  function table() { return Object.create(null); }
  function operand(node, f) {
    if (node[0] === "lit") { return [true, node[1]]; }
    return [known(f, node[1]), f[node[1]]];
  }
  function same(a, b) { return typeof a === typeof b && a === b; }
  function truth(e, f) {
    var l, r, i, t, stop, unknown;
    switch (e[0]) {
      case "lit": return !!e[1];
      case "name": l = operand(e, f); return l[0] ? !!l[1] : null;
      case "cmp":
        l = operand(e[2], f); r = operand(e[3], f);
        if (!l[0] || !r[0]) { return null; }
        if (e[1] === "==") { return same(l[1], r[1]); }
        if (e[1] === "!=") { return !same(l[1], r[1]); }
        if (typeof l[1] !== typeof r[1]) { return false; }
        if (e[1] === "<") { return l[1] < r[1]; }
        if (e[1] === "<=") { return l[1] <= r[1]; }
        if (e[1] === ">") { return l[1] > r[1]; }
        return l[1] >= r[1];
      case "in":
        l = operand(e[1], f);
        if (!l[0]) { return null; }
        t = e[2].some(function (x) { return same(l[1], x); });
        return t !== e[3];
      case "not": t = truth(e[1], f); return t === null ? null : !t;
      default:
        stop = e[0] === "or"; unknown = false;
        for (i = 1; i < e.length; i += 1) {
          t = truth(e[i], f);
          if (t === null) { unknown = true; } else if (t === stop) { return stop; }
        }
        return unknown ? null : !stop;
    }
  }
  function facts() {
    var out = table();
    Object.keys(data.fields).forEach(function (name) {
      var el = form.elements.namedItem(name), type = data.fields[name], n;
      if (!el || el.value === "") { return; }
      if (type === "boolean") { out[name] = el.value === "true"; }
      else if (type === "integer" || type === "number") {
        n = Number(el.value);
        if (el.value.trim() !== "" && !isNaN(n)) { out[name] = n; }
      } else { out[name] = el.value; }
    });
    return out;
  }
  function walk(f) {
    var seen = table(), order = [], queue = [], lit = table(), head = 0;
    data.entries.forEach(function (s) {
      if (!seen[s]) { seen[s] = true; order.push(s); queue.push(s); }
    });
    while (head < queue.length) {
      (known(data.exits, queue[head]) ? data.exits[queue[head]] : []).forEach(function (i) {
        var t = data.transitions[i], targets = [t.to];
        if (t.when !== null && truth(t.when, f) === false) { return; }
        if (!known(data.steps, t.to)) { return; }
        lit[t.from + "->" + t.to] = true;
        if (t.fallback !== null && known(data.steps, t.fallback)) {
          lit[t.from + "->" + t.fallback] = true;
          targets.push(t.fallback);
        }
        targets.forEach(function (s) {
          if (!seen[s]) { seen[s] = true; order.push(s); queue.push(s); }
        });
      });
      head += 1;
    }
    return { seen: seen, order: order, lit: lit };
  }
  function mark(result) {
    if (!svg) { return; }
    Array.prototype.forEach.call(svg.querySelectorAll("g.node, g.edge"), function (g) {
      var title = g.querySelector("title"), key, on;
      if (!title) { return; }
      key = title.textContent;
      if (g.classList.contains("node")) {
        if (!known(data.steps, key)) { return; }
        on = !!result.seen[key];
      } else {
        if (!known(data.pairs, key)) { return; }
        on = !!result.lit[key];
      }
      g.classList.toggle("trace-on", on);
      g.classList.toggle("trace-off", !on);
    });
  }
  function show() {
    var result = walk(facts());
    mark(result);
    list.textContent = "";
    result.order.forEach(function (s) {
      var li = document.createElement("li");
      li.textContent = data.steps[s];
      li.setAttribute("data-step", s);
      list.appendChild(li);
    });
    summary.textContent = data.words.summary
      .replace("{steps}", String(result.order.length))
      .replace("{total}", String(Object.keys(data.steps).length));
  }
  (location.hash.split("?")[1] || "").split("&").forEach(function (pair) {
    var kv = pair.split("="), name = kv[0] ? decodeURIComponent(kv[0]) : "";
    var el = name ? form.elements.namedItem(name) : null;
    if (el && kv.length === 2) { el.value = decodeURIComponent(kv[1]); }
  });
  form.hidden = false;
  form.addEventListener("change", show);
  form.addEventListener("input", show);
  form.addEventListener("reset", function () { setTimeout(show, 0); });
  show();
}());
"""
"""The panel's one script (static: the page's data is in the JSON block beside it)."""

SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(SCRIPT.encode()).digest()).decode()
"""The CSP source that allows :data:`SCRIPT` and no other script."""

CSS = """
.trace form { display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; margin: .5rem 0; }
.trace label { font-size: .92rem; } .trace select, .trace input { margin-left: .3rem; }
.diagram svg g.trace-off { opacity: .2; }
.diagram svg g.trace-on path, .diagram svg g.trace-on polygon { stroke-width: 2.5; }
@media print { .trace form { display: none; } }
"""
"""Styles of the panel and of the lit diagram (added to the report's stylesheet)."""


def _control(
    name: str, spec: Any, lang: str | None, shown: str, values: Mapping[str, str] | None = None
) -> str:
    """A field's control: ``shown`` (its label) for the reader, ``name`` (its id, as guards
    and ``#trace?name=value`` write it) for the form; an enum's options show ``values`` (the
    value labels) and keep the values."""
    unknown = escape(tr("not known", lang))
    label = escape(name)
    words = escape(printable(shown))
    if spec.type in ("enum", "boolean"):
        choices = (
            [(v, (values or {}).get(v, v)) for v in spec.values or ()]
            if spec.type == "enum"
            else [("true", tr("yes", lang)), ("false", tr("no", lang))]
        )
        options = "".join(
            f'<option value="{escape(value)}">{escape(printable(text))}</option>'
            for value, text in choices
        )
        return (
            f'<label>{words} <select name="{label}"><option value="">{unknown}</option>'
            f"{options}</select></label>"
        )
    bounds = "".join(
        f' {attr}="{bound:g}"'
        for attr, bound in (("min", spec.min), ("max", spec.max))
        if bound is not None
    )
    step = "1" if spec.type == "integer" else "any"
    return (
        f'<label>{words} <input type="number" name="{label}" step="{step}"{bounds} '
        f'placeholder="{unknown}"></label>'
    )


def trace_section(pathway: Pathway, lang: str | None = None) -> str:
    """The panel's HTML for the reader's view of ``pathway`` ("" when it has no case fields:
    every case then takes the same routes)."""
    if not pathway.case_fields:
        return ""
    data = panel_data(pathway, lang)
    data["steps"] = {step: printable(label) for step, label in data["steps"].items()}
    data["fields"] = {name: spec.type for name, spec in pathway.case_fields.items()}
    data["exits"] = {step: list(indices) for step, indices in pathway.exit_indices.items()}
    pairs = {f"{t['from']}->{t['to']}": True for t in data["transitions"]}
    pairs.update(
        {f"{t['from']}->{t['fallback']}": True for t in data["transitions"] if t["fallback"]}
    )
    data["pairs"] = pairs
    data["words"] = {"summary": tr("{steps} of {total} steps can be reached.", lang)}
    names, values = pathway.field_labels(lang), pathway.value_labels(lang)
    controls = "\n".join(
        _control(n, s, lang, names[n], values.get(n)) for n, s in pathway.case_fields.items()
    )
    example = " ".join(f"{name}=..." for name in list(pathway.case_fields)[:2])
    command = f"pathways trace {pathway.id}.yaml {example}"
    intro = tr(
        "Pick what is known about the child: the steps this child can go through stay "
        "lit on the diagram above, the rest are greyed, and the steps are listed below. "
        "A field left at “not known” keeps every route that depends on it.",
        lang,
    )
    noscript = tr(
        "Tracing in the page needs JavaScript, which is off; the rest of the page is "
        "complete. The same trace on the command line:",
        lang,
    )
    clear = tr("clear", lang)
    return (
        f'<section id="trace" class="trace"><h2>{escape(tr("Trace a case", lang))}</h2>\n'
        f"<p>{escape(intro)}</p>\n"
        f'<form id="trace-form" hidden>{controls}\n'
        f'<button type="reset">{escape(clear)}</button></form>\n'
        f'<noscript><p class="note">{escape(noscript)} <code>{escape(command)}</code></p>'
        "</noscript>\n"
        '<p id="trace-summary" class="muted" aria-live="polite"></p>\n'
        '<ol id="trace-steps"></ol>\n'
        f'<script type="application/json" id="trace-data">{script_json(data)}</script>\n'
        f"<script>{SCRIPT}</script></section>"
    )
