// ScaleSmall dashboard: polls /api/overview and draws the members, the cluster's throughput and
// each stream's ring of ranges as plain SVG. No library, no build step.
"use strict";

const REFRESH_MS = 2000;
const SVG = "http://www.w3.org/2000/svg";
const PALETTE = ["#2563eb", "#d97706", "#16a34a", "#db2777", "#7c3aed", "#0891b2", "#65a30d", "#dc2626",
                 "#4b5563", "#ea580c", "#0d9488", "#9333ea"];
const colours = new Map(); // node id -> colour, stable for the page's life
let previousStreams = null; // stream name -> {t, published, consumed}, for per-stream rates
let underSinceMs = null; // since when some batches lack copies
// Copies lag their coordinator for a moment under load, and each member counts its copies at a
// slightly different moment: only a shortfall that lasts is shown as a problem.
const UNDER_REPLICATED_GRACE_MS = 10000;

function colourOf(id) {
  if (!colours.has(id)) {
    colours.set(id, PALETTE[colours.size % PALETTE.length]);
  }
  return colours.get(id);
}

function el(tag, attrs, text) {
  const e = tag.startsWith("svg:") ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    e.setAttribute(k, v);
  }
  if (text !== undefined) {
    e.textContent = text;
  }
  return e;
}

function human(n) {
  if (n === null || n === undefined || Number.isNaN(n)) return "–";
  const abs = Math.abs(n);
  if (abs >= 1e9) return (n / 1e9).toFixed(1) + "G";
  if (abs >= 1e6) return (n / 1e6).toFixed(1) + "M";
  if (abs >= 1e4) return (n / 1e3).toFixed(0) + "k";
  if (abs >= 1e3) return (n / 1e3).toFixed(1) + "k";
  return String(Math.round(n));
}

function bytes(n) {
  if (n === null || n === undefined) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
  return (i === 0 ? n : n.toFixed(1)) + " " + units[i];
}

function bar(used, total) {
  const span = el("span");
  const fraction = total > 0 ? Math.min(1, used / total) : 0;
  span.style.width = (fraction * 100).toFixed(1) + "%";
  const b = el("span", {class: "bar" + (fraction > 0.9 ? " high" : "")});
  b.appendChild(span);
  return b;
}

// ---- throughput

function drawThroughput(traffic) {
  const svg = document.getElementById("throughput-chart");
  const W = 900, H = 220, left = 48, bottom = 20, top = 8;
  // The newest second may lack some members' samples yet: leave it out.
  const n = Math.max(0, traffic.t.length - 1);
  const t = traffic.t.slice(0, n);
  const published = traffic.publishedMessages.slice(0, n);
  const consumed = traffic.consumedMessages.slice(0, n);
  const max = Math.max(1, ...published, ...consumed);
  const step = Math.pow(10, Math.floor(Math.log10(max)));
  const ceiling = Math.ceil(max / step) * step;
  svg.replaceChildren();
  for (let i = 0; i <= 4; i++) {
    const y = top + (H - top - bottom) * i / 4;
    svg.appendChild(el("svg:line", {class: "grid", x1: left, x2: W, y1: y, y2: y}));
    svg.appendChild(el("svg:text", {class: "axis", x: 4, y: y + 4}, human(ceiling * (1 - i / 4))));
  }
  const now = t.length ? t[t.length - 1] : 0;
  const span = 300; // seconds shown
  const x = sec => left + (W - left) * (1 - (now - sec) / span);
  const y = v => top + (H - top - bottom) * (1 - v / ceiling);
  for (const [cls, series] of [["published", published], ["consumed", consumed]]) {
    const d = series.map((v, i) => (i === 0 ? "M" : "L") + x(t[i]).toFixed(1) + "," + y(v).toFixed(1)).join(" ");
    svg.appendChild(el("svg:path", {class: cls, d: d || "M0,0"}));
  }
  for (const ago of [300, 240, 180, 120, 60, 0]) {
    svg.appendChild(el("svg:text", {class: "axis", x: x(now - ago) - (ago === 0 ? 24 : 10), y: H - 4},
                       ago === 0 ? "now" : "-" + ago / 60 + "m"));
  }
  const last = n ? published[n - 1] : 0;
  const lastConsumed = n ? consumed[n - 1] : 0;
  // For tests and scripts: what the chart shows now.
  svg.setAttribute("data-points", String(n));
  svg.setAttribute("data-last-published", String(last));
  svg.setAttribute("data-last-consumed", String(lastConsumed));
  svg.setAttribute("data-total-published", String(published.reduce((a, b) => a + b, 0)));
  document.getElementById("tile-published").textContent = human(last);
  document.getElementById("tile-consumed").textContent = human(lastConsumed);
}

// ---- members

function drawMembers(members) {
  const body = document.querySelector("#members tbody");
  body.replaceChildren();
  let repair = 0;
  for (const m of members) {
    const s = m.stats || {};
    const row = el("tr", {"data-node-id": m.id, "data-status": m.status});
    const dot = el("span", {class: "dot"});
    dot.style.background = colourOf(m.id);
    const cells = [
      dot,
      el("code", {title: m.id}, m.id.slice(0, 8)),
      m.clientAddress,
      m.status + (m.draining ? " (draining)" : ""),
      m.zone || "–",
    ];
    for (const [i, c] of cells.entries()) {
      const td = el("td", i === 3 ? {class: "status-" + m.status} : {});
      if (c instanceof Node) td.appendChild(c); else td.textContent = c;
      row.appendChild(td);
    }
    const extra = el("td");
    if (s.error) {
      extra.setAttribute("colspan", "6");
      extra.className = "muted";
      extra.textContent = s.error;
      row.appendChild(extra);
    } else if (s.disk) {
      const disk = el("td");
      const used = s.disk.totalBytes - s.disk.usableBytes;
      disk.appendChild(bar(used, s.disk.totalBytes));
      disk.appendChild(document.createTextNode(bytes(s.disk.dataBytes) + " data, " + bytes(s.disk.usableBytes) + " free"));
      row.appendChild(disk);
      const tail = el("td");
      tail.appendChild(bar(s.memory.tailBytes, s.memory.tailBudgetBytes));
      tail.appendChild(document.createTextNode(bytes(s.memory.tailBytes) + " / " + bytes(s.memory.tailBudgetBytes)));
      row.appendChild(tail);
      row.appendChild(el("td", {}, bytes(s.memory.heapUsedBytes) + " / " + bytes(s.memory.heapMaxBytes)));
      row.appendChild(el("td", {}, human(s.inFlightPublishes) + " (" + bytes(s.inFlightPublishBytes) + ")"));
      row.appendChild(el("td", {}, human(s.repairBacklogBatches)));
      row.appendChild(el("td", {}, s.ready ? "yes" : "no"));
      repair += s.repairBacklogBatches || 0;
    } else {
      extra.setAttribute("colspan", "6");
      extra.className = "muted";
      extra.textContent = m.status === "ALIVE" || m.status === "SUSPECT" ? "no figures" : "";
      row.appendChild(extra);
    }
    body.appendChild(row);
  }
  const alive = members.filter(m => m.status === "ALIVE").length;
  document.getElementById("tile-members").textContent = alive + " / " + members.length;
  document.getElementById("tile-repair").textContent = human(repair);
}

// ---- streams

function arc(cx, cy, r0, r1, a0, a1) {
  // An annular sector from angle a0 to a1 (radians, clockwise from 12 o'clock).
  const p = (r, a) => [cx + r * Math.sin(a), cy - r * Math.cos(a)];
  const large = a1 - a0 > Math.PI ? 1 : 0;
  const [x0, y0] = p(r1, a0), [x1, y1] = p(r1, a1), [x2, y2] = p(r0, a1), [x3, y3] = p(r0, a0);
  return `M${x0},${y0} A${r1},${r1} 0 ${large} 1 ${x1},${y1} L${x2},${y2} A${r0},${r0} 0 ${large} 0 ${x3},${y3} Z`;
}

function drawStreams(streams, timeMs) {
  const box = document.getElementById("streams");
  box.replaceChildren();
  const now = {};
  let under = 0;
  for (const s of streams) {
    under += s.underReplicatedBatches || 0;
    now[s.name] = {t: timeMs, published: s.publishedMessages, consumed: s.consumedMessages};
    const card = el("div", {class: "stream", "data-stream": s.name});
    const svg = el("svg:svg", {viewBox: "0 0 170 170", role: "img", "aria-label": "ranges of " + s.name});
    const current = s.ranges.filter(r => r.current);
    const rings = Math.max(1, s.replicationFactor);
    const outer = 82, inner = 40, width = (outer - inner) / rings;
    for (const r of current) {
      const a0 = 2 * Math.PI * r.firstHash / 4294967296;
      const a1 = 2 * Math.PI * (r.lastHash + 1) / 4294967296;
      const replicas = r.replicas.filter(x => x.replica);
      replicas.slice(0, rings).forEach((x, k) => {
        const path = el("svg:path", {d: arc(85, 85, outer - (k + 1) * width + 1, outer - k * width,
                                            a0 + 0.004, Math.max(a0 + 0.008, a1 - 0.004)),
                                     fill: colourOf(x.id), opacity: x.status === "ALIVE" ? 1 : 0.3});
        path.appendChild(el("svg:title", {}, `${s.name} range ${r.rangeId}: keys ${r.firstHash.toString(16)}-` +
          `${r.lastHash.toString(16)}, replica ${k + 1} ${x.id.slice(0, 8)} (${x.status}), ${bytes(r.sizeBytes)}`));
        svg.appendChild(path);
      });
    }
    const label = s.name.length > 14 ? s.name.slice(0, 13) + "…" : s.name;
    svg.appendChild(el("svg:text", {x: 85, y: 82, "text-anchor": "middle", "font-size": 12, "font-weight": 600}, label));
    svg.appendChild(el("svg:text", {x: 85, y: 98, "text-anchor": "middle", "font-size": 11, fill: "#6b7280"},
                       current.length + " range" + (current.length === 1 ? "" : "s")));
    card.appendChild(svg);
    const facts = el("div", {class: "facts"});
    const before = previousStreams && previousStreams[s.name];
    const seconds = before ? (timeMs - before.t) / 1000 : 0;
    const rate = (a, b) => seconds > 0 ? human(Math.max(0, (a - b) / seconds)) + "/s" : "–";
    const lines = [
      ["Size", bytes(s.sizeBytes) + " in " + human(s.batches) + " batches"],
      ["Ranges", s.ranges.length + " (" + current.length + " current)"],
      ["Replication", "R=" + s.replicationFactor],
      ["Published", human(s.publishedMessages) + " msgs, " + (before ? rate(s.publishedMessages, before.published) : "–")],
      ["Consumed", human(s.consumedMessages) + " msgs, " + (before ? rate(s.consumedMessages, before.consumed) : "–")],
      ["Under-replicated", human(s.underReplicatedBatches) + " batches"],
    ];
    facts.appendChild(el("b", {}, s.name));
    for (const [k, v] of lines) {
      const line = el("div", k === "Under-replicated" && s.underReplicatedBatches > 0 ? {class: "under"} : {});
      line.textContent = k + ": " + v;
      facts.appendChild(line);
    }
    card.appendChild(facts);
    box.appendChild(card);
  }
  if (!streams.length) {
    box.appendChild(el("p", {class: "muted"}, "No streams yet."));
  }
  previousStreams = now;
  return under;
}

// ---- refresh loop

let refreshing = false; // one request at a time: a slow answer is not overtaken by the next

// With an auth.file the node answers 401/403 until it gets a monitor's or an admin's token, which
// the login form keeps in this tab's sessionStorage and sends as a bearer token.
const TOKEN_KEY = "scalesmall.token";

function showLogin(message) {
  document.getElementById("login").hidden = false;
  document.querySelector("main").hidden = true;
  document.getElementById("login-error").textContent = message;
  const health = document.getElementById("health");
  health.className = "badge bad";
  health.textContent = "needs a token";
}

document.getElementById("sign-out").addEventListener("click", event => {
  event.preventDefault();
  sessionStorage.removeItem(TOKEN_KEY);
  location.reload();
});

document.getElementById("login").addEventListener("submit", event => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, document.getElementById("token").value.trim());
  document.getElementById("token").value = "";
  refresh();
});

async function refresh() {
  if (refreshing) return;
  refreshing = true;
  try {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const response = await fetch("api/overview", {
      cache: "no-store",
      headers: token ? {"Authorization": "Bearer " + token} : {},
    });
    if (response.status === 401 || response.status === 403) {
      const refusal = await response.json().catch(() => ({}));
      showLogin(token ? "refused: " + (refusal.error || "HTTP " + response.status) : "");
      return;
    }
    if (!response.ok) throw new Error("HTTP " + response.status);
    document.getElementById("login").hidden = true;
    document.querySelector("main").hidden = false;
    document.getElementById("sign-out").hidden = !token;
    const o = await response.json();
    drawMembers(o.members);
    drawThroughput(o.traffic);
    const under = drawStreams(o.streams, o.timeMs);
    document.getElementById("tile-under").textContent = human(under);
    const unhealthy = o.members.filter(m => m.status === "SUSPECT" || m.status === "DEAD").length;
    underSinceMs = under === 0 ? null : (underSinceMs ?? o.timeMs);
    const lasting = under > 0 && o.timeMs - underSinceMs >= UNDER_REPLICATED_GRACE_MS;
    const health = document.getElementById("health");
    const problems = [unhealthy ? unhealthy + " member(s) down" : "",
                      lasting ? human(under) + " batches under-replicated" : ""].filter(Boolean);
    health.className = "badge " + (problems.length ? "bad" : under ? "" : "ok");
    health.textContent = problems.length ? problems.join(", ") : under ? "copying " + human(under) + " batches"
                                                                       : "healthy";
    document.getElementById("served-by").textContent = "served by " + o.node.slice(0, 8);
    document.getElementById("updated").textContent = "updated " + new Date(o.timeMs).toLocaleTimeString();
    document.body.setAttribute("data-refreshes", String(1 + Number(document.body.getAttribute("data-refreshes") || 0)));
  } catch (e) {
    const health = document.getElementById("health");
    health.className = "badge bad";
    health.textContent = "cannot reach the node: " + e.message;
  } finally {
    refreshing = false;
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
