/* ui.js: controls, keyboard, the node panel (Σ local × parent.grad), the quiz, window.autogradPlayer. */
"use strict";

const $ = (id) => document.getElementById(id);
const follow = $("ag-follow");
const scrub = $("ag-scrub");
const playBtn = $("ag-play");
const SPEEDS = [0.5, 1, 2, 4, 8, 16, 32, 64, 128]; // steps per second
const PLAY_ICON = "M4 2v12l10-6z";
const PAUSE_ICON = "M3 2h4v12H3zM9 2h4v12H9z";
let selected = null; // node id shown in the panel
let timer = null;

/* ---- moving through the schedule ---- */
function goto(n) {
  const changed = moveTo(n);
  if (view.v) {
    for (const i of changed) renderNode(i);
    if (changed.size) renderLocals();
    highlight();
  }
  updateChrome();
  renderPanel();
  return st.step;
}
const step = () => goto(st.step + 1);
const back = () => goto(st.step - 1);
const reset = () => {
  pause();
  return goto(0);
};

function play() {
  if (timer !== null) return;
  if (st.step >= STEPS) goto(0);
  playBtn.querySelector("path").setAttribute("d", PAUSE_ICON);
  playBtn.title = "Pause (space)";
  const tick = () => {
    if (st.step >= STEPS) return pause();
    step();
    timer = setTimeout(tick, 1000 / SPEEDS[Number($("ag-speed").value)]);
  };
  timer = setTimeout(tick, 0);
}
function pause() {
  if (timer !== null) clearTimeout(timer);
  timer = null;
  playBtn.querySelector("path").setAttribute("d", PLAY_ICON);
  playBtn.title = "Play (space)";
}

function updateChrome() {
  const phase = phaseOf(st.step);
  const badge = $("ag-phase");
  badge.textContent = { start: "ready", forward: "forward pass", backward: "backward pass", done: "done" }[phase];
  badge.className = "ag-phase ag-phase-" + phase;
  $("ag-count").textContent = "step " + st.step + " / " + STEPS;
  scrub.value = String(st.step);
  const [html] = caption(st.step);
  $("ag-caption").innerHTML = st.step === STEPS ? html.replace(/(<div class="ag-sub">)/, "$1Done: every gradient is final. ") : html;
  $("ag-back").disabled = st.step === 0;
  $("ag-step").disabled = st.step === STEPS;
  if (QUIZ) {
    const total = QUIZ === "grad" ? N - 1 : B;
    const got = QUIZ === "grad" ? found.size - 1 : found.size;
    $("ag-quiz").textContent = "quiz: " + got + " of " + total + (QUIZ === "grad" ? " gradients" : " local derivatives") + " found";
  }
}

/* ---- views: crumbs, opening groups ---- */
function onViewChanged() {
  $("ag-crumbs").hidden = VIEWS.length === 1; // nothing to open: no crumbs
  const crumbs = [];
  for (let i = view.index; i >= 0; i = VIEWS[i].parent) crumbs.unshift(i);
  $("ag-crumbs").innerHTML = crumbs.map((i) => {
    const label = i === 0 ? "whole graph" : "inside " + esc(VIEWS[i].name);
    return i === view.index ? '<span class="ag-here">' + label + "</span>" : '<a href="#" data-view="' + i + '">' + label + "</a>";
  }).join(" › ") + (view.index > 0 ? ' <span class="ag-note">upstream: what it depends on · downstream: what depends on it</span>' : "");
  for (const a of $("ag-crumbs").querySelectorAll("a")) {
    a.addEventListener("click", (ev) => {
      ev.preventDefault();
      openView(Number(a.dataset.view));
    });
  }
}

function openView(target) {
  let index = target;
  if (typeof target === "string") index = VIEWS.findIndex((v) => v.name === target);
  if (!(index >= 0 && index < VIEWS.length)) return Promise.reject(new Error("no view " + target));
  return showView(index).catch((err) => {
    $("ag-caption").textContent = "Cannot open this view: " + err.message;
  });
}

/* Clicks on the diagram: a group opens, a value (or its op, or a copy of it) is explained in the panel,
   a box that stands for several values (merged inputs, a note of hidden values) lists them. */
canvas.addEventListener("click", (ev) => {
  if (drag && drag.moved) return;
  const g = ev.target.closest("g.node");
  if (!g) return;
  let k = g.getAttribute("data-k");
  if (view.v.copies[k] !== undefined) k = view.v.keys[view.v.copies[k]]; // a copy acts as the box it repeats
  const ki = view.v.keys.indexOf(k);
  const kind = ki >= 0 ? view.v.kinds[ki] : null;
  if (kind === "group") {
    const to = view.v.opens[ki];
    if (to >= 0) openView(to);
    else $("ag-caption").textContent = "This page does not lay out the inside of " + view.v.groups[ki] +
      " (see max_views in docs/player.md).";
    return;
  }
  if (kind === "value") return select(view.v.shows[ki]);
  if (kind !== null) return selectBox(ki);
  const m = k.match(/^op(\d+)$/);
  if (m) select(Number(m[1]));
});

/* ---- the panel: one node's gradient as a sum over its uses ---- */
function select(i) {
  selected = i === null || i === undefined ? null : Number(i);
  selectedBox = null;
  renderPanel();
  highlight();
}
/* A box of this view that stands for several values: the panel lists them. */
let selectedBox = null; // {view, key}
function selectBox(ki) {
  selected = null;
  selectedBox = { view: view.index, key: ki };
  renderPanel();
  highlight();
}
const LISTED = 60; // a box's list in the panel shows at most this many values
function boxPanel(ki) {
  const v = VIEWS[selectedBox.view];
  const members = [];
  v.unit.forEach((u, i) => u === ki && members.push(i));
  const what = v.kinds[ki] === "hidden" ? "not drawn: this note stands for them" : "drawn as one box";
  let html = "<h3>" + esc(v.groups[ki] || members.length + " hidden") + ' <span class="ag-note">' +
    members.length + " values, " + what + "</span></h3>";
  html += '<table class="ag-terms"><tr><td></td><td>data</td><td>grad</td></tr>';
  for (const i of members.slice(0, LISTED)) {
    html += '<tr><td><a href="#" data-node="' + i + '">' + esc(name(i)) + "</a></td><td>" +
      (st.data[i] === null ? "–" : esc(fmt(st.data[i]))) + "</td><td>" +
      (st.grad[i] === null ? "–" : esc(gradText(i, st.grad[i]))) + "</td></tr>";
  }
  html += "</table>";
  if (members.length > LISTED) html += '<p class="ag-note">and ' + (members.length - LISTED) + " more</p>";
  return html;
}

function renderPanel() {
  const panel = $("ag-panel-body");
  if (selectedBox !== null) {
    panel.innerHTML = boxPanel(selectedBox.key);
    for (const a of panel.querySelectorAll("a[data-node]")) a.addEventListener("click", (ev) => {
      ev.preventDefault();
      select(Number(a.dataset.node));
    });
    return;
  }
  if (selected === null) {
    panel.innerHTML = '<p class="ag-help">Click a value to see its gradient as a sum over the nodes that use it: ' +
      "Σ ∂parent/∂value · parent.grad.</p>" + (QUIZ ? quizHelp() : "");
    return;
  }
  const i = selected;
  const n = NODES[i];
  const kind = i === ROOT ? "the output" : n.leaf ? leafKind(i) : n.op + " of " + n.inputs.map(name).join(", ");
  let html = "<h3>" + esc(name(i)) + ' <span class="ag-note">' + esc(kind) + "</span></h3>";
  html += '<div class="ag-kv">data <b>' + (st.data[i] === null ? "–" : esc(fmt(st.data[i]))) + "</b>";
  html += " · grad <b>" + (st.grad[i] === null ? "–" : esc(gradText(i, st.grad[i]))) + "</b> ";
  html += st.grad[i] === null ? "" : isFinal(i) ? '<span class="ag-final-tag">final</span>' :
    '<span class="ag-partial-tag">not final yet</span>';
  html += "</div>";
  html += i === ROOT ? "<p>" + esc(name(i)) + ".grad = " + esc(fmt(S.seed)) + ": the seed of backward().</p>" : sumTable(i);
  if (QUIZ === "grad" && !found.has(i)) html += answerForm(i, null);
  if (QUIZ === "local" && !n.leaf) n.inputs.forEach((j, pos) => {
    if (!found.has(i + ":" + pos)) html += answerForm(i, pos);
  });
  panel.innerHTML = html;
  for (const form of panel.querySelectorAll("form")) form.addEventListener("submit", onAnswer);
  for (const btn of panel.querySelectorAll("button[data-reveal]")) btn.addEventListener("click", onReveal);
  for (const a of panel.querySelectorAll("a[data-node]")) a.addEventListener("click", (ev) => {
    ev.preventDefault();
    select(Number(a.dataset.node));
  });
}

/* The terms ∂p/∂x · p.grad, one per backward step into x, done or still to come. */
function sumTerms(i, withNumbers) {
  return INTO[i].map((k) => {
    const e = S.backward[k];
    const done = F + 2 + k <= st.step;
    const lc = localShown(e.parent, e.input) ? fmt(e.local) : "?";
    const up = gradShown(e.parent) ? fmt(e.upstream) : "?";
    const term = withNumbers && gradShown(i) && lc !== "?" && up !== "?" ? fmt(e.local * e.upstream) : "?";
    return { e, done, lc, up, term };
  });
}
function sumTable(i) {
  const terms = sumTerms(i, true);
  let html = '<div class="ag-sum">' + esc(name(i)) + ".grad = Σ<sub>uses p</sub> ∂p/∂" + esc(name(i)) + " · p.grad</div>";
  html += '<table class="ag-terms">';
  for (const t of terms) {
    const p = t.e.parent;
    html += '<tr class="' + (t.done ? "ag-done" : "ag-todo") + '"><td>' + (t.done ? "✓" : "·") + "</td><td>" +
      esc(partial(p, i)) + ' · <a href="#" data-node="' + p + '">' + esc(name(p)) + "</a>.grad</td><td>= " +
      esc(t.lc) + " × " + esc(t.up) + "</td><td>= " + esc(t.term) + "</td></tr>";
  }
  const total = st.grad[i] === null ? "–" : gradText(i, st.grad[i]);
  html += '<tr class="ag-total"><td></td><td colspan="2">' + (isFinal(i) ? "sum" : "sum so far") + "</td><td>= " +
    esc(total) + "</td></tr></table>";
  return html;
}

/* ---- quiz ---- */
function quizHelp() {
  return QUIZ === "grad"
    ? "<p class=\"ag-help\">Quiz: the gradients are hidden. Click a value and type its gradient; start from the output and work backward.</p>"
    : "<p class=\"ag-help\">Quiz: the local derivatives on the edges are hidden. Click an op's result and type each ∂out/∂in.</p>";
}
function answerForm(i, pos) {
  const what = pos === null ? esc(name(i)) + ".grad" : esc(partial(i, NODES[i].inputs[pos])) +
    (NODES[i].inputs.length > 1 ? ' <span class="ag-note">(input ' + (pos + 1) + ")</span>" : "");
  const key = pos === null ? String(i) : i + ":" + pos;
  return '<form class="ag-answer" data-key="' + key + '"><label>' + what + ' = <input name="v" autocomplete="off" ' +
    'placeholder="a number"></label> <button type="submit">Check</button> <button type="button" data-reveal="' + key +
    '">Reveal</button><div class="ag-feedback" id="ag-fb-' + key.replace(":", "-") + '"></div></form>';
}
function onAnswer(ev) {
  ev.preventDefault();
  const key = ev.target.dataset.key;
  const value = ev.target.elements.v.value;
  const [i, pos] = key.split(":").map(Number);
  const ok = pos === undefined ? answer(i, value) : answerLocal(i, pos, value);
  if (!ok) {
    const fb = document.getElementById("ag-fb-" + key.replace(":", "-"));
    if (fb) fb.innerHTML = explain(i, pos, value);
  }
}
function onReveal(ev) {
  found.add(ev.target.dataset.reveal.includes(":") ? ev.target.dataset.reveal : Number(ev.target.dataset.reveal));
  refresh();
}
function refresh() {
  renderAll();
  renderPanel();
  updateChrome();
}

/* Why an answer is wrong: the chain-rule sum with every number the learner already has. */
function explain(i, pos, value) {
  const got = readable(value) ? esc(String(value).trim()) : "“" + esc(String(value)) + "” (not a number)";
  if (pos !== undefined) {
    const p = i;
    const c = NODES[p].inputs[pos];
    return "✗ " + got + " is not " + esc(partial(p, c)) + ". " + esc(name(p)) + " = " + esc(expr(p, name)) +
      ": differentiate it with respect to " + esc(name(c)) + ", holding the other inputs, at " +
      esc(NODES[p].inputs.map((j) => name(j) + " = " + fmt(NODES[j].data)).join(", ")) + ".";
  }
  const terms = sumTerms(i, false).map((t) => esc(partial(t.e.parent, i)) + " · " + esc(name(t.e.parent)) +
    ".grad = " + esc(t.lc) + " × " + (t.up === "?" ? esc(name(t.e.parent)) + ".grad (find it first)" : esc(t.up)));
  return "✗ " + got + " is not " + esc(name(i)) + ".grad. It is the sum over the nodes that use " + esc(name(i)) +
    ":<br>" + esc(name(i)) + ".grad = " + (terms.join("<br>&nbsp;&nbsp;+ ") || "0");
}

/* answer(nodeId, value): is value this node's gradient? In the gradient quiz a right answer reveals it. */
function answer(i, value) {
  i = Number(i);
  if (!(i >= 0 && i < N)) throw new RangeError("no node " + i + ": ids go from 0 to " + (N - 1));
  const ok = readable(value) && close(parseAnswer(value), NODES[i].grad);
  if (ok && QUIZ === "grad") {
    found.add(i);
    refresh();
  }
  return ok;
}
/* answerLocal(parentId, input, value): is value ∂parent/∂(its input number `input`)? */
function answerLocal(p, pos, value) {
  p = Number(p);
  pos = Number(pos);
  const k = EDGE_AT.get(p + ":" + pos);
  if (k === undefined) throw new RangeError("node " + p + " has no input " + pos);
  const ok = readable(value) && close(parseAnswer(value), S.backward[k].local);
  if (ok && QUIZ === "local") {
    found.add(p + ":" + pos);
    refresh();
  }
  return ok;
}
const EDGE_AT = new Map(S.backward.map((e, k) => [e.parent + ":" + e.input, k])); // "parent:input" -> step

/* ---- controls and keyboard ---- */
scrub.max = String(STEPS);
scrub.addEventListener("input", () => goto(Number(scrub.value)));
$("ag-step").addEventListener("click", () => step());
$("ag-back").addEventListener("click", () => back());
$("ag-reset").addEventListener("click", () => reset());
playBtn.addEventListener("click", () => (timer === null ? play() : pause()));
$("ag-speed").addEventListener("input", () => {
  $("ag-speed-out").textContent = SPEEDS[Number($("ag-speed").value)] + "/s";
});
$("ag-fit").addEventListener("click", () => setScale(fitScale()));
$("ag-zoom-in").addEventListener("click", () => setScale(view.scale * 1.25));
$("ag-zoom-out").addEventListener("click", () => setScale(view.scale / 1.25));
document.addEventListener("keydown", (ev) => {
  // Typing an answer is not stepping; on buttons and sliders the keys still step and play.
  if (ev.target.closest && ev.target.closest("input:not([type=range]):not([type=checkbox]), textarea, select")) return;
  if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
  const act = {
    ArrowRight: step, ArrowLeft: back, Home: reset, End: () => goto(STEPS),
    " ": () => (timer === null ? play() : pause()),
  }[ev.key];
  if (act) {
    ev.preventDefault();
    if (ev.key !== " ") pause();
    act();
  }
});
if (QUIZ) $("ag-quiz").hidden = false;

/* ---- the scripting API (docs/player.md) ---- */
window.autogradPlayer = {
  step, back, reset, goto, play, pause, answer, answerLocal, select,
  open: openView,
  state() {
    return {
      phase: phaseOf(st.step), step: st.step, steps: STEPS,
      nodes: NODES.map((n, i) => ({ id: i, label: n.label, data: st.data[i], grad: st.grad[i] })),
      caption: caption(st.step)[1], view: view.index < 0 ? null : VIEWS[view.index].name,
      quiz: QUIZ ? { mode: QUIZ, found: [...found] } : null,
    };
  },
  format: (x) => fmt(Number(x)),
  schedule: S,
  views: VIEWS.map((v) => v.name),
  ready: null,
};
updateChrome();
renderPanel();
window.autogradPlayer.ready = showView(0).then(() => {
  document.body.dataset.ready = "1";
});
