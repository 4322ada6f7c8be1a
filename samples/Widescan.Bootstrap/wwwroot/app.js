// The bootstrap page: peers and the scan's map, live from /events (server-sent events). Plain
// JavaScript, no build step, nothing fetched from outside this server.
"use strict";

const peers = new Map(); // nodeId + " " + address -> row
const tbody = document.querySelector("#peers tbody");
const canvas = document.getElementById("map");
const ctx = canvas.getContext("2d");
const colours = Object.fromEntries(["idle", "sent", "alive", "peer", "unreachable", "aliased"]
  .map(name => [name, hex(getComputedStyle(document.documentElement).getPropertyValue("--" + name).trim())]));
let map = null;      // the last MapSnapshot
let cellIndex = null; // cell index -> [alive, peer, unreachable, aliased] of the grid drawn

function hex(text) {
  const n = parseInt(text.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

// --- peers -------------------------------------------------------------------------------------

// The rows kept on the page: the server's LiveFeed.PageRows (a new page gets that many, the most
// recently seen); past it the row updated longest ago leaves the table.
const MAX_ROWS = 500;
const FRESH_MS = 1500;
let total = 0;          // the rows in the server's book (the "peers" event)
const fresh = new Map(); // tr -> when its highlight ends
let freshTimer = 0;

function time(iso) {
  const d = new Date(iso);
  return d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0");
}

function showPeer(row) {
  const key = row.nodeId + " " + row.address;
  let tr = peers.get(key);
  if (tr) {
    peers.delete(key); // re-inserted below: the Map's order is the order of the last updates
  } else {
    tr = document.createElement("tr");
    tr.dataset.nodeId = row.nodeId;
    tr.dataset.address = row.address;
    tbody.appendChild(tr);
  }
  peers.set(key, tr);
  while (peers.size > MAX_ROWS) {
    const [oldKey, oldRow] = peers.entries().next().value;
    peers.delete(oldKey);
    fresh.delete(oldRow);
    oldRow.remove();
  }
  const expired = row.expiredAt != null;
  tr.dataset.sightings = row.sightings;
  tr.dataset.state = expired ? "expired" : "live";
  tr.classList.toggle("expired", expired);
  const cells = [row.address, row.nodeId, row.port, row.authenticated ? "yes" : "no", row.how,
    row.roundTripMs == null ? "-" : row.roundTripMs.toFixed(2), time(row.firstSeen), time(row.lastSeen),
    row.sightings + "x", expired ? "expired " + time(row.expiredAt).slice(0, 8) : "live"];
  tr.replaceChildren(...cells.map((text, i) => {
    const td = document.createElement("td");
    td.textContent = text;
    if (i === 1) td.className = "id";
    if (i === 9) td.className = "state";
    return td;
  }));
  tr.classList.add("fresh");
  fresh.set(tr, performance.now() + FRESH_MS);
  if (!freshTimer) freshTimer = setTimeout(unfresh, FRESH_MS);
  schedule();
}

// One timer for every highlighted row, however many updates came.
function unfresh() {
  freshTimer = 0;
  const now = performance.now();
  let next = Infinity;
  for (const [tr, until] of fresh) {
    if (until <= now) { tr.classList.remove("fresh"); fresh.delete(tr); } else next = Math.min(next, until);
  }
  if (next < Infinity) freshTimer = setTimeout(unfresh, next - now);
}

function showCount() {
  let live = 0;
  for (const tr of peers.values()) if (tr.dataset.state === "live") live++;
  const shown = peers.size < total ? `, ${peers.size} shown` : "";
  document.getElementById("peer-count").textContent = `${Math.max(total, peers.size)} (${live} live${shown})`;
}

// --- rendezvous --------------------------------------------------------------------------------

function showRendezvous(state) {
  const span = document.getElementById("rendezvous");
  span.dataset.addresses = state.claims.map(c => c.address).join(" ");
  span.textContent = state.claims.length
    ? "rendezvous: " + state.claims.map(c => `${c.address} on ${c.interface} (slot ${c.slot}, key ${c.keyId})`).join(", ")
    : "rendezvous: " + (state.problem || "none claimed");
  span.title = state.problem || "";
}

// --- the map -----------------------------------------------------------------------------------

// Distance d along a Hilbert curve filling a side x side square -> (x, y).
function hilbert(side, d) {
  let x = 0, y = 0;
  for (let s = 1; s < side; s *= 2) {
    const rx = (d >> 1) & 1, ry = (d ^ rx) & 1;
    if (ry === 0) {
      if (rx === 1) { x = s - 1 - x; y = s - 1 - y; }
      [x, y] = [y, x];
    }
    x += s * rx; y += s * ry;
    d >>= 2;
  }
  return [x, y];
}

// (x, y) -> distance d along the same curve: the cell under the mouse in O(log side).
function hilbertIndex(side, x, y) {
  let d = 0;
  for (let s = side >> 1; s > 0; s >>= 1) {
    const rx = (x & s) > 0 ? 1 : 0, ry = (y & s) > 0 ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    if (ry === 0) {
      if (rx === 1) { x = side - 1 - x; y = side - 1 - y; }
      [x, y] = [y, x];
    }
  }
  return d;
}

function mix(from, to, t) {
  return from.map((v, i) => Math.round(v + (to[i] - v) * t));
}

let selected = 0; // the grid drawn: an index into map.grids

function drawMap(snapshot) {
  map = snapshot;
  if (selected >= snapshot.grids.length) selected = 0;
  showGridButtons(snapshot);
  const grid = snapshot.grids[selected];
  drawGrid(grid);

  const pct = snapshot.positions ? 100 * snapshot.cursor / snapshot.positions : 0;
  document.getElementById("progress-bar").style.width = pct.toFixed(1) + "%";
  const answered = grid ? grid.answeredCells : 0;
  document.getElementById("progress-text").textContent =
    `${snapshot.status} · cursor ${snapshot.cursor.toLocaleString()} / ${snapshot.positions.toLocaleString()} (${pct.toFixed(1)} %)` +
    ` · ${Math.round(snapshot.sendRate).toLocaleString()} probes/s · ${snapshot.probesSent.toLocaleString()} sent` +
    ` · ${answered.toLocaleString()} cell(s) answered` + (snapshot.grids.length > 1 ? ` in this prefix, ${snapshot.grids.length} prefixes` : "");
  canvas.dataset.version = snapshot.version;
  canvas.dataset.run = snapshot.run;
  canvas.dataset.grids = snapshot.grids.length;
}

// One button per include prefix (when there are several), with its answered cells.
function showGridButtons(snapshot) {
  const bar = document.getElementById("grids");
  if (snapshot.grids.length < 2) { bar.replaceChildren(); return; }
  bar.replaceChildren(...snapshot.grids.map((g, i) => {
    const b = document.createElement("button");
    b.setAttribute("role", "tab");
    b.setAttribute("aria-selected", i === selected ? "true" : "false");
    b.dataset.grid = i;
    b.textContent = `${g.prefix} · ${g.answeredCells.toLocaleString()} answered`;
    b.onclick = () => { selected = i; drawMap(map); };
    return b;
  }));
}

const ORDER = [[1, "peer"], [3, "aliased"], [0, "alive"], [2, "unreachable"]];

function drawGrid(grid) {
  if (!grid) { ctx.clearRect(0, 0, canvas.width, canvas.height); canvas.dataset.paintedCells = 0; return; }
  const side = 1 << grid.order, cells = side * side, px = canvas.width / side;
  const kinds = 4, flat = grid.answers;
  cellIndex = new Map();
  const max = [1, 1, 1, 1];
  for (let i = 0; i < flat.length; i += kinds + 1) {
    const counts = flat.slice(i + 1, i + 1 + kinds);
    cellIndex.set(flat[i], counts);
    counts.forEach((c, k) => { if (c > max[k]) max[k] = c; });
  }
  // A cell's share probed: of the probes its targets take (the configured scan), else of the busiest cell's.
  const full = grid.probesPerCell || grid.cellProbes.reduce((a, b) => Math.max(a, b), 1);

  // Every cell is drawn: the background shows how much of it was probed.
  const image = ctx.createImageData(canvas.width, canvas.height);
  let painted = 0;
  for (let d = 0; d < cells; d++) {
    const probed = Math.min(1, grid.cellProbes[d] / full);
    let colour = mix(colours.idle, colours.sent, probed > 0 ? 0.25 + 0.75 * probed : 0);
    const counts = cellIndex.get(d);
    // The first kind answered, of peer, aliased, alive, unreachable; none (all counts 0): the grey above.
    const answer = counts && ORDER.find(([k]) => counts[k] > 0);
    if (answer) {
      painted++;
      const [k, name] = answer;
      const strength = 0.45 + 0.55 * Math.log1p(counts[k]) / Math.log1p(max[k]);
      colour = mix(colours.sent, colours[name], strength);
    }
    const [x, y] = hilbert(side, d);
    for (let dy = 0; dy < px; dy++) {
      let at = ((y * px + dy) * canvas.width + x * px) * 4;
      for (let dx = 0; dx < px; dx++, at += 4) {
        image.data[at] = colour[0]; image.data[at + 1] = colour[1]; image.data[at + 2] = colour[2]; image.data[at + 3] = 255;
      }
    }
  }
  ctx.putImageData(image, 0, 0);
  canvas.dataset.paintedCells = painted;
  canvas.dataset.prefix = grid.prefix;

  const window = grid.windowLength ? `, window /${grid.windowLength}` : "";
  const each = grid.probesPerCell ? `, ${perCell(grid.probesPerCell)} probes each` : "";
  document.getElementById("map-title").textContent =
    `${grid.prefix}${window}: ${cells.toLocaleString()} cells of /${grid.cellLength}${each} (${map.run})`;
}

function perCell(n) {
  return n < 1e6 ? n.toLocaleString() : "2^" + Math.log2(n).toFixed(0);
}

// The sub-prefix under the mouse, with its counts.
function ipv6(value) {
  const groups = [];
  for (let i = 7; i >= 0; i--) groups.push(Number((value >> BigInt(16 * i)) & 0xffffn).toString(16));
  let best = [-1, 0];
  for (let i = 0; i < 8;) {
    if (groups[i] !== "0") { i++; continue; }
    let j = i; while (j < 8 && groups[j] === "0") j++;
    if (j - i > best[1] && j - i > 1) best = [i, j - i];
    i = j;
  }
  if (best[0] < 0) return groups.join(":");
  return groups.slice(0, best[0]).join(":") + "::" + groups.slice(best[0] + best[1]).join(":");
}

function parseIpv6(text) {
  const [head, tail] = text.includes("::") ? text.split("::") : [text, null];
  const h = head ? head.split(":") : [], t = tail ? tail.split(":") : [];
  const all = tail === null ? h : [...h, ...Array(8 - h.length - t.length).fill("0"), ...t];
  return all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || "0", 16)), 0n);
}

canvas.addEventListener("mousemove", e => {
  const grid = map && map.grids[selected];
  if (!grid) return;
  const side = 1 << grid.order, rect = canvas.getBoundingClientRect();
  const x = Math.floor((e.clientX - rect.left) / rect.width * side), y = Math.floor((e.clientY - rect.top) / rect.height * side);
  if (x < 0 || y < 0 || x >= side || y >= side) return;
  const d = hilbertIndex(side, x, y);
  const network = parseIpv6(grid.prefix.split("/")[0]) + (BigInt(d) << BigInt(128 - grid.cellLength));
  const c = cellIndex.get(d) || [0, 0, 0, 0];
  const of = grid.probesPerCell ? ` of ${perCell(grid.probesPerCell)}` : "";
  document.getElementById("hover").textContent =
    `${ipv6(network)}/${grid.cellLength}: ${grid.cellProbes[d].toLocaleString()}${of} probes, ${c[0]} alive, ${c[1]} peer, ${c[2]} unreachable, ${c[3]} aliased`;
});

// --- drawing, once a frame --------------------------------------------------------------------

// However many events arrive, the page parses and draws the latest map and recounts the rows once a frame.
let pendingMap = null, frame = 0;

function schedule() {
  if (!frame) frame = requestAnimationFrame(render);
}

function render() {
  frame = 0;
  if (pendingMap) { const text = pendingMap; pendingMap = null; drawMap(JSON.parse(text)); }
  showCount();
}

// --- the stream --------------------------------------------------------------------------------

const badge = document.getElementById("connection");
const events = new EventSource("events");
events.onopen = () => { badge.textContent = "live"; badge.className = "badge live"; };
events.onerror = () => { badge.textContent = "reconnecting"; badge.className = "badge"; };
events.addEventListener("peer", e => showPeer(JSON.parse(e.data)));
events.addEventListener("peers", e => { total = JSON.parse(e.data).total; schedule(); });
events.addEventListener("map", e => { pendingMap = e.data; schedule(); });
events.addEventListener("rendezvous", e => showRendezvous(JSON.parse(e.data)));
