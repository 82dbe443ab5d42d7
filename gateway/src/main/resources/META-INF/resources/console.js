// Verity console: one file, no build step. Everything it shows comes from the gateway's answers and
// events; it never writes an answer or an apology of its own. Sections: sign-in, socket, chat,
// status board, usage.
"use strict";

const TOKEN_KEY = "verity.token";
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else node.setAttribute(k, v);
  }
  for (const c of children) {
    if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

function definitionList(pairs) {
  const dl = el("dl");
  for (const [term, value, cls] of pairs) {
    if (value === null || value === undefined || value === "") continue;
    dl.append(el("dt", {}, term), el("dd", cls ? { class: cls } : {}, value));
  }
  return dl;
}

// --- sign-in -------------------------------------------------------------------------------

// The local launcher prints http://localhost:8080/#token=<jwt>: read once, keep for this tab, drop from the
// URL. Only where the gateway allows it (verity.console.fragment-sign-in, on only in the local launcher).
// Resolves true when a link's token was refused.
async function tokenFromFragment() {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (!match) return false;
  history.replaceState(null, "", location.pathname + location.search);
  const settings = await fetch("/console/settings").then((r) => r.json()).catch(() => ({}));
  if (settings.fragment_sign_in === true) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]));
    return false;
  }
  return true;
}

function token() { return sessionStorage.getItem(TOKEN_KEY); }

// Only to greet the user; the gateway verifies the signature on every call.
function claims(jwt) {
  try {
    const part = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part));
  } catch (e) {
    return null;
  }
}

function signedIn() {
  const jwt = token();
  const c = jwt ? claims(jwt) : null;
  const on = Boolean(c);
  $("whoami").textContent = on ? `Signed in as ${c.sub} (org ${c.org}, tier ${c.tier})` : "Not signed in.";
  $("signin-form").hidden = on;
  $("signout").hidden = !on;
  for (const id of ["message", "send", "window", "usage-load"]) $(id).disabled = !on;
  if (on) openSocket(); else closeSocket();
}

$("signin-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const value = $("token").value.trim();
  if (!claims(value)) {
    $("whoami").textContent = "That does not look like a JWT (three dot-separated parts).";
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, value);
  $("token").value = "";
  signedIn();
});

$("signout").addEventListener("click", () => {
  sessionStorage.removeItem(TOKEN_KEY);
  signedIn();
});

// --- socket --------------------------------------------------------------------

let socket = null;
let lastEventId = null;
let reconnectTimer = null;

function openSocket() {
  if (socket && socket.readyState <= WebSocket.OPEN) return;
  // After a drop, ?after= replays what was missed before live events resume.
  const url = (location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws/v1/events"
    + (lastEventId ? `?after=${encodeURIComponent(lastEventId)}` : "");
  // Browsers cannot set headers on a WebSocket: the gateway reads the token from this sub-protocol.
  const carrier = "quarkus-http-upgrade%23Authorization%23Bearer%20" + token();
  socket = new WebSocket(url, ["bearer-token-carrier", carrier]);
  $("socket-state").textContent = "Connecting to live events…";
  socket.onopen = () => {
    $("socket-state").textContent = "Live events connected.";
    $("socket-state").dataset.state = "open";
  };
  socket.onmessage = (m) => onFrame(JSON.parse(m.data));
  socket.onclose = (c) => {
    $("socket-state").dataset.state = "closed";
    $("socket-state").textContent = "Live events disconnected" + (c.reason ? `: ${c.reason}` : "") + ".";
    socket = null;
    if (token() && c.code !== 1008) reconnectTimer = setTimeout(openSocket, 3000);
  };
}

function closeSocket() {
  clearTimeout(reconnectTimer);
  if (socket) socket.close(1000, "signed out");
  socket = null;
}

function onFrame(frame) {
  if (frame.event_id) lastEventId = frame.event_id;
  if (frame.type === "error") return showSocketProblem(frame.problem);
  if (frame.type && frame.type.startsWith("service_")) return statusEvent(frame);
  if (frame.type === "resumed") return;
  runEvent(frame);
}

// --- chat pane ------------------------------------------------------------------------------

const runsByRef = new Map();
const runsByRequest = new Map();
let runCounter = 0;

$("chat-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const message = $("message").value.trim();
  if (!message) return;
  if (!socket || socket.readyState !== WebSocket.OPEN) {
    $("socket-state").textContent = "Live events are not connected yet; try again in a moment.";
    return;
  }
  const ref = `console-${Date.now()}-${++runCounter}`;
  const steps = el("ol", { class: "steps" });
  const forming = el("p", { class: "answer forming", hidden: "" });
  const outcome = el("div", { class: "outcome" });
  const item = el("li", { class: "run", "data-client-ref": ref, "data-state": "running" },
    el("p", { class: "question" }, message), steps, forming, outcome);
  $("runs").prepend(item);
  runsByRef.set(ref, { item, steps, forming, outcome });
  socket.send(JSON.stringify({ type: "run", message, client_ref: ref }));
  $("message").value = "";
});

function runFor(event) {
  let run = event.client_ref ? runsByRef.get(event.client_ref) : null;
  if (!run && event.request_id) run = runsByRequest.get(event.request_id);
  if (run && event.request_id) {
    runsByRequest.set(event.request_id, run);
    run.item.dataset.requestId = event.request_id;
  }
  return run;
}

function step(run, text, cls) {
  run.steps.append(el("li", { class: cls || "" }, text));
}

function runEvent(event) {
  const run = runFor(event);
  if (!run) return;
  const d = event.data || {};
  switch (event.type) {
    case "request_queued":
      step(run, `Waiting in the admission queue, position ${d.position ?? d.queue_position ?? "?"}.`, "queued");
      break;
    case "agent_started":
      step(run, "Run started.", "started");
      break;
    case "agent_thinking":
      if (d.superseded) {
        superseded(run, d);
      } else if (d.delta) {
        run.forming.hidden = false;
        run.forming.textContent += d.delta;
      } else {
        step(run, d.model ? `Model ${d.model} is working.` : "A model is working.", "thinking");
      }
      break;
    case "tool_executing":
      step(run, `Tool ${d.tool ?? d.name ?? ""} running.`, "tool-executing");
      break;
    case "tool_completed": {
      const failure = d.error ?? (d.problem && d.problem.detail);
      const summary = d.summary ?? d.result_summary ?? "";
      step(run, failure ? `Tool ${d.tool ?? d.name ?? ""} failed: ${failure}`
        : `Tool ${d.tool ?? d.name ?? ""} finished: ${summary}`, failure ? "tool-failed" : "tool-completed");
      break;
    }
    case "agent_completed":
      completed(run, d);
      break;
    case "agent_failed":
      failed(run, d.problem || {});
      break;
  }
}

// The cascade scored an attempt that had streamed below its threshold and asked the next tier: the
// text shown so far is folded away, struck through, under the reason, and the next attempt's text
// forms afresh. Nothing of it is ever presented as the answer.
function superseded(run, d) {
  const s = d.superseded;
  const replaced = run.forming.textContent;
  const summary = `Attempt ${s.attempt ?? "?"} by model ${s.model ?? "?"} was replaced`
    + (d.model ? ` by model ${d.model}` : "") + `: ${s.reason || "no reason given"}`;
  run.forming.before(el("details", { class: "superseded", "data-attempt": String(s.attempt ?? ""), "data-model": s.model ?? "" },
    el("summary", {}, summary),
    el("s", { class: "superseded-text" }, replaced)));
  run.forming.textContent = "";
  run.forming.hidden = true;
}

function completed(run, d) {
  run.item.dataset.state = "completed";
  run.forming.remove();
  const p = d.provenance || {};
  run.outcome.append(
    el("p", { class: "answer" }, d.response),
    el("div", { class: "provenance" }, definitionList([
      ["Model", p.model, "model"],
      ["Degraded", p.degraded === undefined ? null : (p.degraded ? "yes (a lower-preference route answered)" : "no"), "degraded"],
      ["Cost", p.total_cost_usd === undefined || p.total_cost_usd === null ? null : `$${Number(p.total_cost_usd).toFixed(6)}`, "cost"],
      ["Latency", p.latency_ms === undefined || p.latency_ms === null ? null : `${p.latency_ms} ms`, "latency"],
      ["Cache hit", p.cache_hit === undefined ? null : (p.cache_hit ? "yes" : "no"), "cache-hit"],
      ["Provider", p.provider],
    ])));
}

function failed(run, problem) {
  run.item.dataset.state = "failed";
  run.forming.remove();
  const box = el("div", { class: "problem", role: "alert" },
    el("p", { class: "problem-title" }, problem.title ?? "The run failed."),
    el("p", { class: "problem-detail" }, problem.detail ?? ""));
  if (problem.retryable && problem.retry_after_seconds) box.append(countdown(problem.retry_after_seconds));
  box.append(tierHandling(problem.tier_handling));
  box.append(definitionList([["Request", problem.error_context?.request_id ?? run.item.dataset.requestId ?? problem.instance],
    ["Error type", problem.error_type]]));
  run.outcome.append(box);
}

function countdown(seconds) {
  const node = el("p", { class: "retry-after" });
  const end = Date.now() + seconds * 1000;
  const tick = () => {
    const left = Math.max(0, Math.ceil((end - Date.now()) / 1000));
    node.textContent = left > 0 ? `You can retry in ${left} s.` : "You can retry now.";
    if (left > 0) setTimeout(tick, 1000);
  };
  tick();
  return node;
}

function tierHandling(t) {
  if (!t) return el("p", { class: "tier muted" }, "No tier handling was attached to this failure.");
  if (t.enterprise_escalation) {
    return el("div", { class: "tier enterprise" }, el("p", {}, "Escalated to support."), definitionList([
      ["Ticket", t.support_ticket_id, "ticket-id"],
      ["Incident", t.incident === "opened" ? "opened by this request; support is being told"
        : t.incident === "joined" ? "already open; this request was counted in it" : null, "incident"],
      ["Escalation reference", t.escalation_reference, "escalation-reference"],
      ["Priority queue position", t.priority_queue_position],
      ["Account manager", t.account_manager_email],
      ["Support", t.support_contact],
      ["Alternatives", bullets(t.alternatives)],
    ]));
  }
  const link = t.status_page_url ? el("a", { href: t.status_page_url, class: "status-link" }, t.status_page_url) : null;
  return el("div", { class: "tier standard" }, definitionList([
    ["Queue position", t.queue_position, "queue-position"],
    ["Status page", link],
    ["Next steps", bullets(t.next_steps)],
  ]));
}

function bullets(items) {
  if (!items || items.length === 0) return null;
  const list = el("ul");
  for (const item of items) list.append(el("li", {}, item));
  return list;
}

function showSocketProblem(problem) {
  $("runs").prepend(el("li", { class: "run problem", role: "alert" }, problem?.detail ?? "The gateway refused the message."));
}

// --- status board ---------------------------------------------------------------

const services = new Map();

async function loadStatus() {
  try {
    const res = await fetch("/api/v1/status", { headers: { Accept: "application/json" } });
    const body = await res.json();
    $("status-overall").textContent = `Overall: ${body.status} (checked ${new Date(body.checked_at).toLocaleTimeString()})`;
    for (const [name, s] of Object.entries(body.services || {})) {
      const known = services.get(name);
      if (known && known.status !== s.status) change(name, known.status, s.status, s.reason, s.since);
      services.set(name, s);
    }
    renderTiles();
  } catch (e) {
    $("status-overall").textContent = "The gateway's status could not be read.";
  }
}

function statusEvent(event) {
  const d = event.data || {};
  if (!d.service) return;
  // Not every service_* event names the state in its data (an agent's mid-run service_degraded, a
  // request waiting for a service that is starting): its type always does.
  const status = d.status ?? event.type.slice("service_".length);
  const known = services.get(d.service) || { service: d.service, components: {} };
  if (known.status !== status) change(d.service, known.status, status, d.reason, event.timestamp);
  services.set(d.service, { ...known, status, reason: d.reason ?? null, since: d.since ?? event.timestamp });
  renderTiles();
  loadStatus(); // the event names the state; the status JSON has the components behind it
}

function change(name, from, to, reason, when) {
  const at = when ? new Date(when).toLocaleTimeString() : new Date().toLocaleTimeString();
  $("changes").prepend(el("li", {}, `${at}: ${name} ${from ?? "unknown"} → ${to ?? "unknown"}` + (reason ? ` (${reason})` : "")));
}

function renderTiles() {
  const list = $("tiles");
  list.replaceChildren();
  for (const [name, s] of [...services.entries()].sort()) {
    const components = el("ul");
    for (const [cname, c] of Object.entries(s.components || {})) {
      components.append(el("li", {}, `${cname}: ${c.state}` + (c.detail ? ` (${c.detail})` : "")));
    }
    list.append(el("li", { class: `tile ${s.status}`, "data-service": name },
      el("strong", {}, name), el("div", { class: "state" }, s.status),
      s.reason ? el("div", { class: "reason" }, s.reason) : null,
      s.since ? el("div", { class: "muted" }, `since ${new Date(s.since).toLocaleString()}`) : null,
      components));
  }
}

// --- usage pane ----------------------------------------------------------------

async function post(path, body) {
  const res = await fetch(path, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json", Authorization: `Bearer ${token()}` },
    body: JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({ detail: `The gateway answered ${res.status}.` }));
  return { ok: res.ok, json };
}

function isoDurationMs(d) {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(d);
  return ((+m[1] || 0) * 86400 + (+m[2] || 0) * 3600 + (+m[3] || 0) * 60) * 1000;
}

$("usage-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const [span, bucket] = $("window").value.split("|");
  const to = new Date();
  const from = new Date(to.getTime() - isoDurationMs(span));
  const out = $("usage-result");
  out.dataset.state = "loading";
  out.replaceChildren(el("p", { class: "muted" }, "Loading…"));
  const [metrics, cost] = await Promise.all([
    post("/api/v1/metrics/query", { metrics: ["latency_ms", "error_rate", "cost_usd"], from: from.toISOString(),
      to: to.toISOString(), bucket, group_by: "model" }),
    post("/api/v1/cost-analysis", { from: from.toISOString(), to: to.toISOString(), alternative: "cheapest_successful" }),
  ]);
  out.replaceChildren();
  out.append(metrics.ok ? metricsView(metrics.json) : problemView(metrics.json));
  out.append(cost.ok ? costView(cost.json) : problemView(cost.json));
  out.dataset.state = "loaded";
});

function problemView(problem) {
  return el("p", { class: "problem", role: "alert" }, problem.detail ?? "The request failed.");
}

function sourceNote(source) {
  if (!source) return null;
  if (source.kind === "cache" || source.degraded) {
    return el("p", { class: "source degraded" },
      `Cached result, ${source.freshness_seconds ?? "?"} s old (as of ${source.as_of ? new Date(source.as_of).toLocaleString() : "unknown"}).`);
  }
  return el("p", { class: "source muted" }, `Source: ${source.kind}.`);
}

// How complete the figures are for their window: rejected calls are missing from every figure.
function coverageNote(result) {
  const c = result.coverage;
  if (!c) return null;
  const recorded = `${c.calls_recorded} call${c.calls_recorded === 1 ? "" : "s"} recorded`;
  if (c.calls_rejected > 0) {
    return el("p", { class: "coverage degraded", role: "status" },
      `Coverage: ${recorded}, ${c.calls_rejected} rejected at ingestion — these figures are incomplete.`);
  }
  return el("p", { class: "coverage muted" }, `Coverage: ${recorded}, none rejected.`);
}

function metricsView(result) {
  const box = el("div", { class: "metrics" });
  const series = (result.series || []).filter((s) => (s.buckets || []).some((b) => b.count > 0));
  if (series.length === 0) {
    box.append(el("p", { class: "nothing" }, "Nothing to show: no calls were recorded for your organisation in this window."));
    box.append(coverageNote(result) ?? "", sourceNote(result.source) ?? "");
    return box;
  }
  // One x axis for all series; a bucket a series has no data in stays null, which uPlot draws as a gap.
  const starts = new Set((result.empty_buckets || []).map((s) => Date.parse(s) / 1000));
  for (const s of series) for (const b of s.buckets) starts.add(Date.parse(b.start) / 1000);
  const xs = [...starts].sort((a, b) => a - b);
  box.append(coverageNote(result) ?? "", sourceNote(result.source) ?? "");
  const charts = [
    ["latency_ms", "Latency p95 (ms) by model", (b) => b.p95],
    ["latency_ms", "Latency p50 (ms) by model", (b) => b.p50],
    ["error_rate", "Error rate by model", (b) => b.value],
    ["cost_usd", "Cost (USD) by model", (b) => b.value],
  ];
  for (const [metric, title, pick] of charts) {
    const of = series.filter((s) => s.metric === metric);
    if (of.length === 0) continue;
    const data = [xs];
    for (const s of of) {
      const byStart = new Map(s.buckets.filter((b) => b.count > 0).map((b) => [Date.parse(b.start) / 1000, pick(b)]));
      data.push(xs.map((x) => (byStart.has(x) ? byStart.get(x) ?? null : null)));
    }
    const holder = el("figure", { class: "chart", "data-metric": metric }, el("figcaption", {}, title));
    box.append(holder);
    holder.plot = new uPlot({
      width: 520, height: 180,
      // Three significant digits, so small dollar amounts do not all read "0".
      axes: [{}, { size: 70, values: (u, ticks) => ticks.map((v) => (v === null ? "" : String(+v.toPrecision(3)))) }],
      series: [{}, ...of.map((s, i) => ({ label: s.group ?? "all", stroke: ["#123a7a", "#a30000", "#0a5d1e", "#7a4a00"][i % 4],
        width: 2, spanGaps: false, points: { show: true } }))],
    }, data, holder);
  }
  return box;
}

function costView(c) {
  const box = el("div", { class: "cost" }, el("h3", {}, "Cost analysis"));
  if (!c.calls_analysed) {
    box.append(el("p", { class: "nothing" }, "Nothing to show: no recorded calls to analyse in this window."));
    box.append(coverageNote(c) ?? "");
    return box;
  }
  const table = el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "Model"), el("th", {}, "Calls"), el("th", {}, "USD"))));
  const body = el("tbody");
  for (const m of c.by_model || []) body.append(el("tr", {}, el("td", {}, m.model), el("td", {}, m.calls), el("td", {}, m.usd)));
  table.append(body);
  box.append(definitionList([
    ["Calls analysed", c.calls_analysed], ["Spent", `$${c.actual_usd}`],
    ["Under the alternative", c.alternative_usd === undefined ? null : `$${c.alternative_usd}`],
    ["Savings", c.savings_usd === undefined ? null : `$${c.savings_usd}`], ["Basis", c.basis],
  ]), table, coverageNote(c) ?? "", sourceNote(c.source) ?? "");
  return box;
}

loadStatus();
setInterval(loadStatus, 15000);
tokenFromFragment().then((refused) => {
  signedIn();
  if (refused) {
    $("whoami").dataset.refused = "fragment";
    $("whoami").textContent = "Sign-in links are turned off on this deployment: paste your token instead.";
  }
});
