// perpdex funding dashboard: the live opportunity table and per-symbol funding history across
// venues, from the service's own JSON API. No framework, no build step, no third-party code;
// every value from the API is inserted as text (never as HTML).
"use strict";

const API = "/api/v1";
const COLORS = ["#58a6ff", "#f0883e", "#3fb950", "#d2a8ff", "#ff7b72", "#e3b341", "#79c0ff"];
const params = new URLSearchParams(window.location.search);
const REFRESH_MS = Math.max(1, Number(params.get("refresh") || 10)) * 1000;
const state = { symbol: params.get("symbol"), timer: null, venueColors: {} };

function $(id) { return document.getElementById(id); }

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function pct(value, digits) {
  if (value === null || value === undefined) return "–";
  return (Number(value) * 100).toFixed(digits === undefined ? 4 : digits) + " %";
}

function usd(value) {
  if (value === null || value === undefined) return "–";
  const n = Number(value);
  if (n >= 1e9) return "$" + (n / 1e9).toFixed(2) + "B";
  if (n >= 1e6) return "$" + (n / 1e6).toFixed(2) + "M";
  if (n >= 1e3) return "$" + (n / 1e3).toFixed(1) + "k";
  return "$" + n.toFixed(0);
}

function signClass(value) { return Number(value) > 0 ? "num pos" : Number(value) < 0 ? "num neg" : "num"; }

function colorOf(venue) {
  if (!(venue in state.venueColors)) {
    state.venueColors[venue] = COLORS[Object.keys(state.venueColors).length % COLORS.length];
  }
  return state.venueColors[venue];
}

async function getJSON(path) {
  const response = await fetch(API + path, { headers: { Accept: "application/json" } });
  const body = await response.json();
  if (!response.ok) throw new Error(body.message || response.statusText);
  return body;
}

function opportunityQuery() {
  const q = new URLSearchParams({ limit: "50", horizon_hours: $("horizon").value, fee_mode: $("fee-mode").value });
  if ($("profitable").checked) q.set("min_net_apr", "0");
  return "?" + q.toString();
}

function renderVenues(venues) {
  const box = $("venues");
  box.replaceChildren();
  for (const v of venues) {
    const pill = el("span", v.venue, "pill " + v.status);
    pill.title = v.status + (v.last_error ? " — " + v.last_error : "") +
      (v.last_latency_seconds ? " · " + Number(v.last_latency_seconds).toFixed(2) + " s" : "");
    box.appendChild(pill);
  }
}

function renderOpportunities(data) {
  const body = $("opportunities").tBodies[0];
  const rows = data.opportunities.map((o, i) => {
    const tr = el("tr");
    tr.dataset.symbol = o.symbol;
    const minVolume = [o.long.volume_24h_usd, o.short.volume_24h_usd].filter((v) => v !== null)
      .map(Number).reduce((a, b) => Math.min(a, b), Infinity);
    const cells = [
      el("td", i + 1), el("td", o.symbol), el("td", o.long.venue), el("td", o.short.venue),
      el("td", pct(o.spread_8h), signClass(o.spread_8h)), el("td", pct(o.gross_apr, 2), signClass(o.gross_apr)),
      el("td", pct(o.round_trip_fee, 3), "num"), el("td", pct(o.net_apr, 2), signClass(o.net_apr)),
      el("td", o.breakeven_hours === null ? "–" : Number(o.breakeven_hours).toFixed(1) + " h", "num"),
      el("td", minVolume === Infinity ? "–" : usd(minVolume), "num"),
    ];
    cells.forEach((c) => tr.appendChild(c));
    if (o.symbol === state.symbol) tr.classList.add("selected");
    tr.addEventListener("click", () => { state.symbol = o.symbol; refresh(); });
    return tr;
  });
  body.replaceChildren(...rows);
  $("empty").hidden = rows.length > 0;
  if (!state.symbol && data.opportunities.length) state.symbol = data.opportunities[0].symbol;
}

function svg(tag, attrs) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
  return node;
}

function drawMessage(message) {
  const t = svg("text", { x: 320, y: 130, "text-anchor": "middle" });
  t.textContent = message;
  $("chart").replaceChildren(t);
}

function drawChart(series) {
  const chart = $("chart");
  chart.replaceChildren();
  const W = 640, H = 260, L = 58, R = 10, T = 12, B = 26;
  const points = series.flatMap((s) => s.points);
  if (!points.length) {
    drawMessage("no stored history yet");
    return;
  }
  const times = points.map((p) => p.t), values = points.map((p) => p.v).concat([0]);
  let t0 = Math.min(...times), t1 = Math.max(...times);
  if (t1 === t0) { t0 -= 60000; t1 += 60000; }
  let v0 = Math.min(...values), v1 = Math.max(...values);
  if (v1 === v0) { v0 -= 1e-5; v1 += 1e-5; }
  const x = (t) => L + (t - t0) / (t1 - t0) * (W - L - R);
  const y = (v) => T + (v1 - v) / (v1 - v0) * (H - T - B);
  chart.appendChild(svg("line", { x1: L, x2: L, y1: T, y2: H - B, class: "axis" }));
  chart.appendChild(svg("line", { x1: L, x2: W - R, y1: H - B, y2: H - B, class: "axis" }));
  chart.appendChild(svg("line", { x1: L, x2: W - R, y1: y(0), y2: y(0), class: "zero" }));
  for (const v of [v0, (v0 + v1) / 2, v1]) {
    const label = svg("text", { x: L - 4, y: y(v) + 3, "text-anchor": "end" });
    label.textContent = (v * 100).toFixed(4) + "%";
    chart.appendChild(label);
  }
  for (const [t, anchor] of [[t0, "start"], [t1, "end"]]) {
    const label = svg("text", { x: x(t), y: H - 8, "text-anchor": anchor });
    const iso = new Date(t).toISOString();   // short spans show seconds, long ones the date
    label.textContent = (t1 - t0 < 2 * 3600 * 1000 ? iso.slice(11, 19) : iso.slice(5, 16).replace("T", " ")) + "Z";
    chart.appendChild(label);
  }
  for (const s of series) {
    if (!s.points.length) continue;
    const path = s.points.map((p) => x(p.t).toFixed(1) + "," + y(p.v).toFixed(1)).join(" ");
    const line = svg("polyline", { points: path, fill: "none", stroke: colorOf(s.venue), "stroke-width": 1.6 });
    line.dataset.venue = s.venue;
    chart.appendChild(line);
  }
}

function renderLegend(series, rates) {
  const legend = $("legend");
  legend.replaceChildren(...series.map((s) => {
    const item = el("span");
    const swatch = el("span", null, "swatch");
    swatch.style.background = colorOf(s.venue);
    item.append(swatch, s.venue + " (" + s.points.length + ")");
    return item;
  }));
  $("chart-rates").replaceChildren(...rates.map((r) => el("span",
    r.venue + ": " + pct(r.rate_8h) + " / 8h (raw " + pct(r.raw_rate) + " / " +
    (Number(r.interval_hours) === 0 ? "continuous" : Number(r.interval_hours) + " h") + ")" + (r.stale ? " stale" : ""))));
}

async function renderHistory() {
  if (!state.symbol) return;
  $("chart-title").textContent = state.symbol + " funding, 8h-equivalent, last 24 h";
  const rates = (await getJSON("/funding-rates?symbol=" + encodeURIComponent(state.symbol))).rates;
  const series = await Promise.all(rates.map(async (r) => {
    const h = await getJSON("/history/" + encodeURIComponent(r.venue) + "/" + encodeURIComponent(state.symbol));
    return { venue: r.venue, points: h.points.map((p) => ({ t: Date.parse(p.sampled_at), v: Number(p.rate_8h) })) };
  }));
  drawChart(series);
  renderLegend(series, rates);
}

async function refresh() {
  clearTimeout(state.timer);
  try {
    const [ops, venues] = await Promise.all([getJSON("/opportunities" + opportunityQuery()), getJSON("/venues")]);
    renderVenues(venues.venues);
    renderOpportunities(ops);
    await renderHistory().catch((err) => drawMessage("history unavailable: " + err.message));
    $("updated").textContent = "updated " + new Date().toLocaleTimeString() + " · " + ops.count + " shown";
    $("error").textContent = "";
    document.body.dataset.state = "ready";
  } catch (err) {
    $("error").textContent = "refresh failed: " + err.message;
    if (document.body.dataset.state !== "ready") document.body.dataset.state = "error";
  }
  state.timer = setTimeout(refresh, REFRESH_MS);
}

document.addEventListener("DOMContentLoaded", () => {
  for (const id of ["horizon", "fee-mode", "profitable"]) $(id).addEventListener("change", refresh);
  refresh();
});
