/* view.js: the Graphviz diagrams (SVG laid out in Python), what stands for each node in them,
   writing the current numbers into the boxes, highlighting the active step, zoom and scroll. */
"use strict";

const VIEWS = DATA.views;
const stage = document.getElementById("ag-stage");
const canvas = document.getElementById("ag-canvas");
const view = { index: -1, v: null, svg: null, els: new Map(), scale: 1, w: 0, h: 0 };
const loaded = new Map(); // view index -> {svg element, els}

async function svgText(v) {
  if (v.svg !== undefined) return v.svg;
  if (typeof DecompressionStream === "undefined") {
    throw new Error("this browser cannot unpack the diagram (it lacks DecompressionStream)");
  }
  const bin = atob(v.svgz);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return await new Response(stream).text();
}

/* Index a view's SVG: key -> [elements]; for node boxes, their data and grad <text> cells;
   the labels "∂t/∂x = 1" of the edges from a value into an op. */
function indexSvg(svg) {
  const els = new Map();
  const locals = [];
  for (const g of svg.querySelectorAll("g[data-k]")) {
    const k = g.getAttribute("data-k");
    if (!els.has(k)) els.set(k, []);
    els.get(k).push(g);
    if (g.classList.contains("node")) {
      for (const t of g.querySelectorAll("text")) {
        const s = t.textContent;
        if (s.startsWith("data ") || s.startsWith("out data ")) g.agData = t;
        else if (s.startsWith("grad ")) g.agGrad = t;
      }
      if (k[0] === "g" && /^g\d+$/.test(k)) g.classList.add("ag-group");
    } else {
      const t = g.querySelector("text");
      const m = k.match(/^v(\d+)->op(\d+)$/);
      if (t && m && t.textContent.includes("∂")) locals.push({ t, text: t.textContent, c: Number(m[1]), p: Number(m[2]) });
    }
  }
  return { els, locals };
}

let wanted = -1; // the view asked for last: a slower unpacking of an earlier one must not win
async function showView(index) {
  wanted = index;
  if (index === view.index) return;
  let entry = loaded.get(index);
  if (!entry) {
    const text = await svgText(VIEWS[index]);
    if (wanted !== index) return;
    const holder = document.createElement("div");
    holder.innerHTML = text;
    const svg = holder.querySelector("svg");
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    const label = svg.querySelector("g.graph > text");
    if (label && index > 0) label.remove(); // draw_dot's "summary of N nodes" line; the crumbs say where we are
    const vb = svg.viewBox.baseVal;
    entry = { svg, ...indexSvg(svg), w: vb.width, h: vb.height };
    loaded.set(index, entry);
  }
  if (view.svg) view.svg.remove();
  Object.assign(view, { index, v: VIEWS[index], svg: entry.svg, els: entry.els, locals: entry.locals, w: entry.w,
    h: entry.h });
  canvas.appendChild(entry.svg);
  fitInitial();
  renderAll();
  highlight();
  onViewChanged();
}

/* ---- the element that stands for node i in this view ---- */
function keyOf(i) {
  const u = view.v.unit[i];
  return u < 0 ? null : view.v.keys[u];
}
function boxOf(i) {
  const k = keyOf(i);
  if (k === null) return null;
  if (k === "v" + i) return first(k);
  const ki = view.v.unit[i];
  return view.v.outputs[ki] === i ? first(k) : null; // a group box shows its one output's numbers
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
  const g = boxOf(i);
  if (!g) return;
  const prefix = g.agData && g.agData.textContent.startsWith("out ") ? "out data " : "data ";
  const d = st.data[i];
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

/* Edge labels "∂t/∂x = 1": a local derivative exists once the forward pass has computed its op
   ("∂t/∂x = –" before); in the local-derivative quiz it stays "?" until found. */
function renderLocals() {
  for (const e of view.locals) {
    const positions = [];
    NODES[e.p].inputs.forEach((j, pos) => j === e.c && positions.push(pos));
    const hidden = !positions.every((pos) => localShown(e.p, pos));
    const text = st.data[e.p] === null ? e.text.replace(/=[^=]*$/, "= –") : hidden ? e.text.replace(/=[^=]*$/, "= ?") : e.text;
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
  const a = k === null ? null : view.els.get(k);
  if (!a) return null;
  for (const el of a) {
    el.classList.add(cls);
    lit.push([el, cls]);
  }
  return a[0];
}
/* The drawn elements of the edge from node c into node p (p's op ellipse, or p's group).
   When c is several inputs of p (x * x), `pos` picks its own drawn edge if each has one. */
function lightEdge(c, p, cls, pos) {
  const kc = keyOf(c);
  const kp = keyOf(p);
  if (kc === null || kp === null) return null;
  const into = kp === "v" + p ? "op" + p : kp;
  if (kc === into) return light(kc, "ag-inner");
  const key = kc + "->" + into;
  const edges = view.els.get(key) || [];
  const nth = NODES[p].inputs.slice(0, pos === undefined ? 0 : pos).filter((j) => j === c).length;
  const el = pos !== undefined && into === "op" + p && edges.length > nth ? lightOne(edges[nth], cls) : light(key, cls);
  if (into === "op" + p) {
    light(into, cls);
    light(into + "->" + kp, cls);
  }
  return el;
}
function lightOne(el, cls) {
  el.classList.add(cls);
  lit.push([el, cls]);
  return el;
}

function highlight() {
  for (const [el, cls] of lit) el.classList.remove(cls);
  lit = [];
  if (!view.v) return;
  const s = stepInfo(st.step);
  let focus = null;
  if (s.kind === "forward") {
    NODES[s.node].inputs.forEach((j, pos) => {
      light(keyOf(j), "ag-from");
      lightEdge(j, s.node, "ag-fwd", pos);
    });
    focus = light(keyOf(s.node), "ag-to");
  } else if (s.kind === "seed") {
    focus = light(keyOf(ROOT), "ag-to");
  } else if (s.kind === "backward") {
    light(keyOf(s.edge.parent), "ag-from");
    focus = lightEdge(s.edge.child, s.edge.parent, "ag-active", s.edge.input) || focus;
    focus = light(keyOf(s.edge.child), "ag-to") || focus;
  }
  if (selected !== null) light(keyOf(selected), "ag-selected");
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
