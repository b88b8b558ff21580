/* core.js: the schedule, the player's state at each step, number formatting and captions.
   No DOM here except reading the embedded data. The schedule's schema is in docs/player.md. */
"use strict";

/* JSON has no Infinity or NaN: the schedule spells them "Infinity", "-Infinity", "NaN" in numeric fields.
   (A JSON.parse reviver would do this too, but makes parsing a big schedule twenty times slower.) */
const DATA = JSON.parse(document.getElementById("ag-data").textContent);
function numbers(rows, fields) {
  for (const r of rows) for (const f of fields) if (typeof r[f] === "string") r[f] = Number(r[f]);
}
numbers(DATA.schedule.nodes, ["data", "grad"]);
numbers(DATA.schedule.backward, ["local", "upstream", "before", "after"]);
numbers([DATA.schedule], ["seed"]);
const S = DATA.schedule;
const OPT = DATA.options;
const NODES = S.nodes;
const N = NODES.length;
const F = S.forward.length;
const B = S.backward.length;
const STEPS = F + 1 + B; // the forward pass, the seed, one step per backward edge
const ROOT = S.root;

/* Python's "%.{p}g", so the page prints numbers as draw_dot does. */
function fmt(x, p = OPT.precision) {
  if (x === null || x === undefined) return "";
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const [mant, e] = x.toExponential(p - 1).split("e");
  const ex = parseInt(e, 10);
  if (ex < -4 || ex >= p) {
    return strip(mant) + "e" + (ex < 0 ? "-" : "+") + String(Math.abs(ex)).padStart(2, "0");
  }
  return strip(x.toFixed(Math.max(0, p - 1 - ex)));
}
function strip(s) {
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

/* ---- the state after `step` steps: data and grad per node, null until set ---- */
const st = {
  step: 0,
  data: new Array(N).fill(null),
  grad: new Array(N).fill(null),
  got: new Int32Array(N), // backward contributions received so far
};

function phaseOf(step) {
  if (step === 0) return "start";
  if (step <= F) return "forward";
  return step < STEPS ? "backward" : "done";
}

/* What step k (1-based) does: {kind: "forward"|"seed"|"backward", node, edge}. */
function stepInfo(k) {
  if (k <= 0) return { kind: "start" };
  if (k <= F) return { kind: "forward", node: S.forward[k - 1] };
  if (k === F + 1) return { kind: "seed", node: ROOT };
  const edge = S.backward[k - F - 2];
  return { kind: "backward", node: edge.child, edge, index: k - F - 2 };
}

/* Apply step k (going from k-1 to k) or undo it; return the node whose numbers changed. */
function applyStep(k) {
  const s = stepInfo(k);
  if (s.kind === "forward") st.data[s.node] = NODES[s.node].data;
  else if (s.kind === "seed") st.grad[ROOT] = S.seed;
  else {
    st.grad[s.edge.child] = s.edge.after;
    st.got[s.edge.child] += 1;
  }
  return s.node;
}
function undoStep(k) {
  const s = stepInfo(k);
  if (s.kind === "forward") st.data[s.node] = null;
  else if (s.kind === "seed") st.grad[ROOT] = null;
  else {
    const c = s.edge.child;
    st.got[c] -= 1;
    st.grad[c] = st.got[c] > 0 ? s.edge.before : null;
  }
  return s.node;
}

/* Move to step n; return the set of nodes whose numbers changed. */
function moveTo(n) {
  n = Math.max(0, Math.min(STEPS, Math.trunc(Number(n)) || 0));
  const changed = new Set();
  while (st.step < n) changed.add(applyStep(++st.step));
  while (st.step > n) changed.add(undoStep(st.step--));
  return changed;
}

/* A grad is final once every use of the node has contributed (the root: once seeded). */
function isFinal(i) {
  if (st.grad[i] === null) return false;
  return i === ROOT || st.got[i] === NODES[i].contributions;
}

/* For each node, the backward steps that contribute to its grad, in order. */
const INTO = Array.from({ length: N }, () => []);
S.backward.forEach((e, k) => INTO[e.child].push(k));

/* ---- quiz: which numbers the page hides until the learner finds them ---- */
const QUIZ = OPT.quiz; // null, "grad" or "local"
const found = new Set(); // node ids (grad quiz) or "parent:input" keys (local quiz)
if (QUIZ === "grad") found.add(ROOT); // the seed is given

function gradShown(i) {
  return QUIZ !== "grad" || found.has(i);
}
function localShown(parent, input) {
  return QUIZ !== "local" || found.has(parent + ":" + input);
}

/* Within 1e-6 relative plus 1e-9 absolute, or equal at the page's display precision. */
function close(answer, expected) {
  if (Number.isNaN(expected)) return Number.isNaN(answer);
  if (!Number.isFinite(expected)) return answer === expected;
  if (Math.abs(answer - expected) <= 1e-6 * Math.abs(expected) + 1e-9) return true;
  return fmt(answer) === fmt(expected);
}

/* A typed answer: a number ("10", "-2.5e-3", "inf", "nan") or a fraction ("1/3"). NaN if unreadable. */
function parseAnswer(value) {
  if (typeof value === "number") return value;
  const s = String(value).trim().toLowerCase().replace(/\u2212/g, "-").replace(/\s+/g, "");
  if (s === "") return NaN;
  if (/^[+-]?(inf|infinity)$/.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
  if (s === "nan") return NaN;
  const frac = s.match(/^([^/]+)\/([^/]+)$/);
  if (frac) return Number(frac[1]) / Number(frac[2]);
  return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(s) ? Number(s) : NaN;
}
function readable(value) {
  const s = String(value).trim().toLowerCase();
  return !Number.isNaN(parseAnswer(value)) || s === "nan";
}

/* ---- captions: the chain-rule step with its real numbers ---- */
const INFIX = new Set(["+", "-", "*", "/", "**"]);
function name(i) {
  return NODES[i].name; // label, or a short formula such as "(x * y)", or "v<id>" (schedule.py)
}
function grouped(t) {
  return /^-|[ ]/.test(t) ? "(" + t + ")" : t;
}
/* "x + y", "t**2", "tanh(a)", "dot(w0, w1, …, x1)" over names or numbers. */
function expr(i, show) {
  const n = NODES[i];
  const a = n.inputs.map(show);
  if (a.length === 2 && INFIX.has(n.op)) return grouped(a[0]) + " " + n.op + " " + grouped(a[1]);
  if (a.length === 1 && n.op.startsWith("**")) return grouped(a[0]) + n.op;
  if (a.length === 1 && n.op === "-") return "-" + grouped(a[0]);
  const args = a.length > 6 ? [...a.slice(0, 3), "…", ...a.slice(-2)] : a;
  return n.op + "(" + args.join(", ") + ")";
}
function partial(parent, child) {
  return "∂" + name(parent) + "/∂" + name(child);
}
function leafKind(i) {
  const n = NODES[i];
  if (n.param) return "a parameter";
  return n.label ? "an input" : "a constant";
}
function gradText(i, value) {
  return gradShown(i) ? fmt(value) : "?";
}

/* The caption of step k as [html, plain text]. Names are escaped; numbers are ours. */
function caption(k) {
  const s = stepInfo(k);
  const b = (t) => "<b>" + esc(t) + "</b>";
  const num = (t) => '<span class="ag-num">' + esc(t) + "</span>";
  let html;
  if (s.kind === "start") {
    html = "Ready. Press <kbd>→</kbd> or ▶ to run the forward pass: each value is computed from its inputs.";
  } else if (s.kind === "forward") {
    const i = s.node;
    const n = NODES[i];
    if (n.leaf) html = b(name(i)) + " = " + num(fmt(n.data)) + ' <span class="ag-note">(' + leafKind(i) + ")</span>";
    else {
      const formula = expr(i, name);
      const named = [formula, "(" + formula + ")"].includes(name(i)) ? "" : b(name(i)) + " = "; // not "(x*y) = x*y"
      html = named + esc(formula) + " = " + num(expr(i, (j) => fmt(NODES[j].data))) + " = " + num(fmt(n.data));
    }
  } else if (s.kind === "seed") {
    html = "Backward pass. " + b(name(ROOT)) + ".grad = " + num(fmt(S.seed)) +
      ' <span class="ag-note">(the seed: ∂' + esc(name(ROOT)) + "/∂" + esc(name(ROOT)) + " = 1)</span>";
  } else {
    const e = s.edge;
    const c = e.child;
    const p = e.parent;
    const lc = localShown(p, e.input) ? fmt(e.local) : "?";
    const up = gradText(p, e.upstream);
    const term = gradShown(c) && lc !== "?" ? fmt(e.local * e.upstream) : "?";
    html = b(name(c)) + ".grad += " + esc(partial(p, c)) + " · " + b(name(p)) + ".grad = " +
      num(lc) + " × " + num(up) + " = " + num(term);
    const total = NODES[c].contributions;
    const was = e.contribution > 1 ? gradText(c, e.before) : "–";
    const fin = e.contribution === total ? ' <span class="ag-final-tag">final</span>' : "";
    html += '<div class="ag-sub">' + esc(name(c)) + ".grad: " + esc(was) + " → " + esc(gradText(c, e.after)) +
      " · contribution " + e.contribution + " of " + total + fin + "</div>";
  }
  const plain = html.replace(/<div class="ag-sub">/g, " | ").replace(/<[^>]+>/g, "").replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"');
  return [html, plain];
}

function esc(t) {
  return String(t).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
