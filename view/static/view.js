// ledger view: charts, and live updates by polling the log's tip.
// Data reaches the page as JSON (never as HTML); text is set with textContent.
"use strict";

const LAYOUT = {margin: {l: 50, r: 10, t: 30, b: 40}, height: 280, font: {size: 11},
                legend: {orientation: "h", y: -0.25}};
const CONFIG = {displaylogo: false, responsive: true, displayModeBar: false};  // drag zooms, double-click resets

function readJSON(id) {
  const el = document.getElementById(id);
  return el ? JSON.parse(el.textContent) : null;
}

function xAxis() {
  const checked = document.querySelector('input[name="xaxis"]:checked');
  return checked ? checked.value : "step";
}

// one chart per key: {key: [{name, step, ts, value}, ...]}
function drawCurves(container, byKey) {
  const axis = xAxis();
  const keys = Object.keys(byKey).sort();
  // every chart's box first: plotly sizes a chart to its box when it draws it
  const divs = keys.map(key => {
    let div = container.querySelector(`div.chart[data-key="${CSS.escape(key)}"]`);
    if (!div) {
      div = document.createElement("div");
      div.className = "chart";
      div.dataset.key = key;
      container.appendChild(div);
    }
    return div;
  });
  keys.forEach((key, i) => {
    const div = divs[i];
    const traces = byKey[key].map(c => ({
      x: axis === "ts" ? c.ts : c.step, y: c.value, name: c.name, type: "scatter",
      mode: c.value.length > 1 ? "lines+markers" : "markers", marker: {size: 5}, connectgaps: false,
    }));
    Plotly.react(div, traces, {...LAYOUT, title: {text: key, x: 0.02, xanchor: "left"},
                               xaxis: {title: {text: axis === "ts" ? "time (UTC)" : "step"}},
                               showlegend: traces.length > 1}, CONFIG);
  });
}

function runCurves(scalars, name) {
  const byKey = {};
  for (const [key, c] of Object.entries(scalars)) byKey[key] = [{name: name, ...c}];
  return byKey;
}

function setupRunPage() {
  const head = document.getElementById("run-head");
  if (!head || typeof Plotly === "undefined") return null;
  const runId = head.dataset.run;
  const charts = document.getElementById("charts");
  let scalars = readJSON("scalars-data") || {};
  const draw = () => {
    drawCurves(charts, runCurves(scalars, runId.slice(0, 8)));
    document.getElementById("no-scalars").hidden = Object.keys(scalars).length > 0;
  };
  draw();
  document.querySelectorAll('input[name="xaxis"]').forEach(r => r.addEventListener("change", draw));
  const out = document.getElementById("output-text");
  return async () => {
    const res = await fetch(`/api/runs/${runId}/live?offset=${out.dataset.offset}`, {credentials: "same-origin"});
    if (!res.ok) return;
    const live = await res.json();
    const status = document.getElementById("run-status");
    status.textContent = live.status.status;
    status.className = `status status-${live.status.status}`;
    document.getElementById("run-stopped").textContent = (live.status.stopped || "").slice(0, 19).replace("T", " ");
    if (live.output.text) {
      const atBottom = out.scrollTop + out.clientHeight >= out.scrollHeight - 4;
      out.appendChild(document.createTextNode(live.output.text));
      if (atBottom) out.scrollTop = out.scrollHeight;
    }
    out.dataset.offset = live.output.offset;
    scalars = live.scalars;
    draw();
  };
}

function formatSize(n) {
  // as the server's `size` filter writes it
  let value = n;
  for (const unit of ["B", "KiB", "MiB", "GiB"]) {
    if (value < 1024 || unit === "GiB") return unit === "B" ? `${n} B` : `${value.toFixed(1)} ${unit}`;
    value /= 1024;
  }
}

function setupOutputPaging() {
  // a run's page shows the end of its output; earlier output comes a page at a time, above it
  const more = document.getElementById("output-more");
  if (!more) return;
  const out = document.getElementById("output-text");
  const runId = document.getElementById("run-head").dataset.run;
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const res = await fetch(`/api/runs/${runId}/output?before=${out.dataset.start}`, {credentials: "same-origin"});
      if (!res.ok) return;
      const page = await res.json();
      const below = out.scrollHeight - out.scrollTop;  // keep the lines in view where they are
      out.insertBefore(document.createTextNode(page.text), out.firstChild);
      out.scrollTop = out.scrollHeight - below;
      out.dataset.start = page.start;
      document.getElementById("output-left-out").textContent = formatSize(page.start);
      document.getElementById("output-earlier").hidden = page.start === 0;
    } finally {
      more.disabled = false;
    }
  });
}

function setupRunsPage() {
  const table = document.getElementById("runs-table");
  if (!table) return null;
  return async () => {
    const sep = location.search ? "&" : "?";
    const res = await fetch(`/runs${location.search}${sep}fragment=1`, {credentials: "same-origin"});
    if (!res.ok) return;
    const checked = new Set([...table.querySelectorAll('input[name="runs"]:checked')].map(b => b.value));
    table.innerHTML = await res.text();  // rendered (and escaped) by the server
    table.querySelectorAll('input[name="runs"]').forEach(b => { b.checked = checked.has(b.value); });
  };
}

function setupComparePage() {
  const data = readJSON("compare-data");
  if (!data || typeof Plotly === "undefined") return;
  const names = Object.fromEntries(data.runs.map(r => [r.id, `${r.id.slice(0, 8)} ${r.label || ""}`.trim()]));
  const drawAll = () => {
    const byKey = {};
    for (const id of data.ids) {
      for (const [key, c] of Object.entries(data.series[id] || {})) {
        (byKey[key] = byKey[key] || []).push({name: names[id], ...c});
      }
    }
    drawCurves(document.getElementById("curves-charts"), byKey);
  };
  drawAll();
  document.querySelectorAll('input[name="xaxis"]').forEach(r => r.addEventListener("change", drawAll));

  const objective = data.objective.key;
  const scatter = document.getElementById("scatter-charts");
  const withObjective = data.runs.filter(r => r.metrics[objective] !== undefined && r.metrics[objective] !== null);
  const sweepFlags = data.numeric_flags.filter(n => data.differing_flags.includes(n));
  if (!withObjective.length || !sweepFlags.length) {
    scatter.textContent = `no numeric flag differs, or no run logged ${objective}`;
  }
  for (const flag of withObjective.length ? sweepFlags : []) {
    const div = document.createElement("div");
    div.className = "chart";
    scatter.appendChild(div);
    const runs = withObjective.filter(r => typeof r.flags[flag] === "number");
    Plotly.newPlot(div, [{
      x: runs.map(r => r.flags[flag]), y: runs.map(r => r.metrics[objective]), text: runs.map(r => names[r.id]),
      customdata: runs.map(r => r.id), mode: "markers", type: "scatter", marker: {size: 9},
    }], {...LAYOUT, title: {text: `${objective} by ${flag}`, x: 0.02, xanchor: "left"}, xaxis: {title: {text: flag}},
         yaxis: {title: {text: `${objective} (${data.objective.direction})`}}}, CONFIG);
    div.on("plotly_click", ev => { location.href = `/runs/${ev.points[0].customdata}`; });
  }

  const par = document.getElementById("parcoords");
  const dims = [];
  for (const flag of data.numeric_flags) {
    dims.push({label: flag, values: data.runs.map(r => typeof r.flags[flag] === "number" ? r.flags[flag] : null)});
  }
  for (const key of data.metric_keys) {
    dims.push({label: key, values: data.runs.map(r => r.metrics[key] ?? null)});
  }
  const usable = dims.filter(d => d.values.some(v => v !== null));
  if (usable.length < 2) {
    par.textContent = "needs two numeric flags or scalars";
  } else {
    const colour = data.metric_keys.includes(objective) ? data.runs.map(r => r.metrics[objective] ?? 0) : undefined;
    Plotly.newPlot(par, [{type: "parcoords", dimensions: usable,
      line: colour ? {color: colour, colorscale: "Viridis", showscale: true} : {}}],
      {...LAYOUT, height: 360, margin: {l: 60, r: 60, t: 50, b: 30}}, CONFIG);
  }
}

function startPolling(refresh) {
  const body = document.body;
  const every = parseInt(body.dataset.pollMs || "1000", 10);
  let tip = body.dataset.tip;
  let busy = false;
  setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const res = await fetch("/api/tip", {credentials: "same-origin"});
      if (!res.ok) return;
      const now = String((await res.json()).seq);
      if (now !== tip) {
        tip = now;
        const seq = document.getElementById("tip-seq");
        if (seq) seq.textContent = now;
        if (refresh) await refresh();
      }
    } catch (e) {
      // the view was stopped, or the network blinked: try again next tick
    } finally {
      busy = false;
    }
  }, every);
}

document.addEventListener("DOMContentLoaded", () => {
  setupOutputPaging();
  const refresh = setupRunPage() || setupRunsPage();
  setupComparePage();
  startPolling(refresh);
});
