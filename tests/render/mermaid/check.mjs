// Test helper: parse Mermaid files with the real mermaid parser in Node (jsdom stands in for the
// browser that mermaid's sanitiser expects). Usage: node check.mjs FILE...
// Prints one JSON line per file: {"file", "ok", "type", "error", "vertices", "edges", "subgraphs",
// "classes"} (vertices with their classes, edges with their linkStyle, the classDef names).
import { readFileSync } from "node:fs";
import { JSDOM } from "jsdom";
import createDOMPurify from "dompurify";

const { window } = new JSDOM("");
globalThis.window = window;
globalThis.document = window.document;
const purify = createDOMPurify(window);
Object.assign(createDOMPurify, purify);

const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

let failed = false;
for (const file of process.argv.slice(2)) {
  const text = readFileSync(file, "utf8");
  const out = { file };
  try {
    const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
    const db = diagram.db;
    out.ok = true;
    out.type = diagram.type;
    out.vertices = Object.fromEntries(
      [...db.getVertices().entries()].map(([id, v]) => [id, { text: v.text, type: v.type ?? null, classes: v.classes ?? [] }])
    );
    out.edges = db.getEdges().map((e) => ({ start: e.start, end: e.end, text: e.text, stroke: e.stroke, style: e.style ?? [] }));
    out.classes = [...db.getClasses().keys()];
    out.subgraphs = db.getSubGraphs().map((s) => ({ id: s.id, title: s.title, nodes: s.nodes }));
  } catch (err) {
    failed = true;
    out.ok = false;
    out.error = String(err && err.message ? err.message : err).split("\n").slice(0, 4).join(" ");
  }
  console.log(JSON.stringify(out));
}
process.exit(failed ? 1 : 0);
