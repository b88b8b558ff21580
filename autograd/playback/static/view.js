/* view.js: the Graphviz diagrams (SVG laid out in Python), what stands for each node in them,
   writing the current numbers into the boxes, highlighting the active step, zoom and scroll. */
"use strict";

const VIEWS = DATA.views;
const stage = document.getElementById("ag-stage");
const canvas = document.getElementById("ag-canvas");
const view = { index: -1, v: null, svg: null, els: new Map(), scale: 1, w: 0, h: 0 };
const loaded = new Map(); // view index -> {svg element, els}

/* A view's SVG and maps (layout.py's View: what stands for each node) are gzip in base64. */
async function unzip(b64) {
  if (typeof DecompressionStream === "undefined") {
    throw new Error("this browser cannot unpack the diagram (it lacks DecompressionStream)");
  }
  const bin = atob(b64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return await new Response(stream).text();
}

/* Index a view's SVG: name -> [elements] for nodes and parts (their DOT names) and edges (draw_dot's ids
   "e<k>"); for boxes, their data and grad <text> cells; for copies of a value, their text; the "∂t/∂x = 1"
   labels of the edges that draw a use of a value by an op (view.v.uses). */
function indexSvg(svg, v) {
  const els = new Map();
  const add = (k, g) => {
    if (!els.has(k)) els.set(k, []);
    els.get(k).push(g);
  };
  for (const g of svg.querySelectorAll("g[data-k]")) {
    add(g.dataset.e || g.getAttribute("data-k"), g);
    if (!g.classList.contains("node")) continue;
    for (const t of g.querySelectorAll("text")) {
      const s = t.textContent;
      if (!g.agData && (s.startsWith("data ") || s.startsWith("out data "))) g.agData = t;
      else if (!g.agGrad && s.startsWith("grad ")) g.agGrad = t; // not the note "grad includes earlier passes"
    }
  }
  for (const [key, ki] of Object.entries(v.groupsByKey)) for (const g of els.get(key) || []) g.classList.add("ag-group");
  const copies = new Map(); // node -> the texts of the copies of its box ("#1  x  data 0.5  (copy)")
  for (const [name, ki] of Object.entries(v.copies)) {
    const i = v.shows[ki];
    const g = (els.get(name) || [])[0];
    const t = g && g.querySelector("text");
    if (i === undefined || v.kinds[ki] !== "value" || !t) continue;
    t.agText = t.textContent;
    if (!copies.has(i)) copies.set(i, []);
    copies.get(i).push(t);
  }
  const locals = [];
  const seen = new Set();
  for (const [p, ks] of Object.entries(v.uses)) {
    if (v.output[p] === undefined) continue; // into a group box: "×16", no local derivative
    ks.forEach((k, pos) => {
      if (k < 0 || seen.has(k)) return;
      seen.add(k);
      const g = (els.get("e" + k) || [])[0];
      const t = g && g.querySelector("text");
      if (!t || !t.textContent.includes("∂")) return;
      const positions = ks.flatMap((kk, q) => (kk === k ? [q] : [])); // a merged edge: every use it draws
      locals.push({ t, text: t.textContent, p: Number(p), positions });
    });
  }
  return { els, locals, copies };
}

let wanted = -1; // the view asked for last: a slower unpacking of an earlier one must not win
async function showView(index) {
  wanted = index;
  if (index === view.index) return;
  let entry = loaded.get(index);
  if (!entry) {
    const v = VIEWS[index];
    const [text, maps] = await Promise.all([unzip(v.svgz), v.keys ? null : unzip(v.mapz)]);
    if (maps !== null && !v.keys) Object.assign(v, JSON.parse(maps));
    if (wanted !== index) return;
    const holder = document.createElement("div");
    holder.innerHTML = text;
    const svg = holder.querySelector("svg");
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    const label = svg.querySelector("g.graph > text");
    if (label && index > 0) label.remove(); // draw_dot's "summary of N nodes" line; the crumbs say where we are
    const vb = svg.viewBox.baseVal;
    v.groupsByKey = Object.fromEntries(Object.keys(v.groups).map((ki) => [v.keys[ki], Number(ki)]));
    entry = { svg, ...indexSvg(svg, v), w: vb.width, h: vb.height };
    loaded.set(index, entry);
  }
  if (view.svg) view.svg.remove();
  Object.assign(view, { index, v: VIEWS[index], svg: entry.svg, els: entry.els, locals: entry.locals,
    copies: entry.copies, w: entry.w, h: entry.h });
  canvas.appendChild(entry.svg);
  fitInitial();
  renderAll();
  highlight();
  onViewChanged();
}

/* ---- the element that stands for node i in this view (layout.py: every node has one) ---- */
function keyOf(i) {
  return view.v.keys[view.v.unit[i]];
}
/* The box whose cells show node i's numbers: its own, or a group's whose one output it is. */
function boxOf(i) {
  const ki = view.v.unit[i];
  return view.v.shows[ki] === i ? first(view.v.keys[ki]) : null;
}
function first(k) {
  const a = view.els.get(k);
  return a ? a[0] : null;
}

/* ---- writing numbers into boxes ---- */
function setText(t, text, fit = true) {
  if (!t || t.textContent === text) return;
  t.textContent = text;
  if (!fit) return;
  if (t.agWidth === undefined) {
    const cell = t.previousElementSibling;
    t.agWidth = cell && cell.tagName === "polygon" ? cell.getBBox().width - 9 : 0;
    t.agCell = cell && cell.tagName === "polygon" ? cell : null;
  }
  t.removeAttribute("textLength");
  t.removeAttribute("lengthAdjust");
  if (t.agWidth > 0 && t.getComputedTextLength() > t.agWidth) {
    t.setAttribute("textLength", t.agWidth); // squeeze into the cell Graphviz sized for the final number
    t.setAttribute("lengthAdjust", "spacingAndGlyphs");
  }
}
function setState(t, cls) {
  if (!t) return;
  const cell = t.agCell !== undefined ? t.agCell : t.previousElementSibling;
  for (const el of [t, cell]) {
    if (!el) continue;
    el.classList.remove("ag-unset", "ag-partial", "ag-final", "ag-hiddenq");
    if (cls) el.classList.add(cls);
  }
}

function renderNode(i) {
  const d = st.data[i];
  for (const t of view.copies.get(i) || []) {
    setText(t, t.agText.replace(/data \S+(?=\s+\(copy\)$)/, "data " + (d === null ? "–" : fmt(d))), false);
    t.classList.toggle("ag-unset", d === null);
  }
  const g = boxOf(i);
  if (!g) return;
  const prefix = g.agData && g.agData.textContent.startsWith("out ") ? "out data " : "data ";
  setText(g.agData, prefix + (d === null ? "–" : fmt(d)));
  setState(g.agData, d === null ? "ag-unset" : null);
  const v = st.grad[i];
  if (v === null) {
    setText(g.agGrad, "grad –");
    setState(g.agGrad, "ag-unset");
  } else {
    setText(g.agGrad, "grad " + gradText(i, v));
    setState(g.agGrad, !gradShown(i) ? "ag-hiddenq" : isFinal(i) ? "ag-final" : "ag-partial");
  }
}

/* Edge labels "∂t/∂x = 1", or "∂s/∂x = 1000 (sum of 1,000 uses)" on a merged edge: a local derivative
   exists once the forward pass has computed its op ("∂t/∂x = –" before); in the local-derivative quiz
   it stays "?" until every use the edge draws is found. */
const LOCAL_NUMBER = /= \S+((?: \(sum of [\d,]+ uses\))?)$/;
function renderLocals() {
  for (const e of view.locals) {
    const hidden = !e.positions.every((pos) => localShown(e.p, pos));
    const text = st.data[e.p] === null ? e.text.replace(LOCAL_NUMBER, "= –$1") :
      hidden ? e.text.replace(LOCAL_NUMBER, "= ?$1") : e.text;
    setText(e.t, text, false);
    e.t.classList.toggle("ag-local-hidden", hidden && st.data[e.p] !== null);
    e.t.classList.toggle("ag-unset", st.data[e.p] === null);
  }
}

function renderAll() {
  if (!view.v) return;
  for (let i = 0; i < N; i++) if (view.v.unit[i] >= 0) renderNode(i);
  renderLocals();
}

/* ---- highlighting the active step ---- */
let lit = [];
function light(k, cls) {
  const a = k === null || k === undefined ? null : view.els.get(k);
  if (!a) return null;
  for (const el of a) {
    el.classList.add(cls);
    lit.push([el, cls]);
  }
  return a[0];
}
/* The drawn edge of input `pos` of node p (into p's op ellipse, or into p's group): one edge can
   draw several uses (a merged edge, or one between groups), and lights at each of them. The copy or
   note it starts at, if any, lights as the input's box does (`end`). Both ends in one box: that box,
   dashed. Returns the element to follow: the edge, or the copy or note it starts at. */
function lightEdge(p, pos, cls, end) {
  const k = view.v.uses[p] ? view.v.uses[p][pos] : -1;
  const c = NODES[p].inputs[pos];
  if (k === undefined || k < 0) return keyOf(c) === keyOf(p) ? { el: light(keyOf(c), "ag-inner"), tail: null } : null;
  const el = light("e" + k, cls);
  const tail = view.v.tails[k];
  if (tail !== undefined) light(tail, end);
  if (view.v.output[p] !== undefined) {
    light("op" + p, cls);
    light("e" + view.v.output[p], cls);
  }
  return tail !== undefined ? { el: first(tail), tail } : { el, tail: null };
}
/* A long picture is cut into parts (framed): the part of the active element is outlined too. */
function lightPart(name) {
  const p = name === null ? undefined : view.v.parts[name];
  if (p !== undefined) light("cluster_part" + p, "ag-part");
}

function highlight() {
  for (const [el, cls] of lit) el.classList.remove(cls);
  lit = [];
  if (!view.v) return;
  const s = stepInfo(st.step);
  let focus = null;
  let where = null; // the DOT name of the focus, for its part
  if (s.kind === "start") {
    focus = first(keyOf(S.forward[0])); // in sight: where the forward pass starts (part 1 of a long picture)
  } else if (s.kind === "forward") {
    NODES[s.node].inputs.forEach((j, pos) => {
      light(keyOf(j), "ag-from");
      lightEdge(s.node, pos, "ag-fwd", "ag-from");
    });
    where = keyOf(s.node);
    focus = light(where, "ag-to");
  } else if (s.kind === "seed") {
    where = keyOf(ROOT);
    focus = light(where, "ag-to");
  } else if (s.kind === "backward") {
    light(keyOf(s.edge.parent), "ag-from");
    const edge = lightEdge(s.edge.parent, s.edge.input, "ag-active", "ag-to");
    const box = light(keyOf(s.edge.child), "ag-to");
    // Follow the copy the edge starts at (next to the op) rather than the far box it repeats.
    if (edge && edge.tail !== null) [focus, where] = [edge.el, edge.tail];
    else if (box) [focus, where] = [box, keyOf(s.edge.child)];
    else if (edge) focus = edge.el;
  }
  lightPart(where);
  if (selected !== null) light(keyOf(selected), "ag-selected");
  else if (selectedBox !== null && selectedBox.view === view.index) light(view.v.keys[selectedBox.key], "ag-selected");
  if (focus && follow.checked) reveal(focus);
}

/* Scroll the stage so that an element is in sight (only when it is not). */
function reveal(el) {
  const r = el.getBoundingClientRect();
  const s = stage.getBoundingClientRect();
  const pad = 40;
  if (r.left < s.left + pad || r.right > s.right - pad) {
    stage.scrollLeft += (r.left + r.right) / 2 - (s.left + s.right) / 2;
  }
  if (r.top < s.top + pad || r.bottom > s.bottom - pad) {
    stage.scrollTop += (r.top + r.bottom) / 2 - (s.top + s.bottom) / 2;
  }
}

/* ---- zoom: 1 = Graphviz's size (points shown as CSS pixels * 4/3) ---- */
function setScale(scale) {
  const cx = (stage.scrollLeft + stage.clientWidth / 2) / (view.scale || 1);
  const cy = (stage.scrollTop + stage.clientHeight / 2) / (view.scale || 1);
  view.scale = Math.max(0.05, Math.min(4, scale));
  view.svg.style.width = (view.w * view.scale * 4) / 3 + "px";
  view.svg.style.height = (view.h * view.scale * 4) / 3 + "px";
  stage.scrollLeft = cx * view.scale - stage.clientWidth / 2;
  stage.scrollTop = cy * view.scale - stage.clientHeight / 2;
}
function fitScale() {
  const sw = (stage.clientWidth - 16) / ((view.w * 4) / 3);
  const sh = (stage.clientHeight - 16) / ((view.h * 4) / 3);
  return Math.min(sw, sh, 1.5);
}
/* Whole diagram when it stays readable, else readable size from the start of the forward pass. */
function fitInitial() {
  view.scale = 1;
  setScale(Math.max(fitScale(), 0.7));
  stage.scrollLeft = 0;
  stage.scrollTop = Math.max(0, (stage.scrollHeight - stage.clientHeight) / 2);
}
stage.addEventListener("wheel", (ev) => {
  if (!ev.ctrlKey && !ev.metaKey) return;
  ev.preventDefault();
  setScale(view.scale * (ev.deltaY < 0 ? 1.1 : 1 / 1.1));
}, { passive: false });

/* Drag to pan. */
let drag = null;
stage.addEventListener("pointerdown", (ev) => {
  if (ev.button !== 0) return;
  drag = { x: ev.clientX, y: ev.clientY, l: stage.scrollLeft, t: stage.scrollTop, moved: false };
});
window.addEventListener("pointermove", (ev) => {
  if (!drag) return;
  const dx = ev.clientX - drag.x;
  const dy = ev.clientY - drag.y;
  if (Math.abs(dx) + Math.abs(dy) > 4) drag.moved = true;
  if (drag.moved) {
    stage.scrollLeft = drag.l - dx;
    stage.scrollTop = drag.t - dy;
    stage.classList.add("ag-dragging");
  }
});
window.addEventListener("pointerup", () => {
  stage.classList.remove("ag-dragging");
  setTimeout(() => (drag = null), 0);
});
