// Dashboard of one vertx-libp2p-swarm node. Plain JS, no build step, no external resources.
// Connection membership comes from the /api/events WebSocket (a snapshot, then every event);
// byte and stream counters, and any open streams panel, are refreshed by polling the REST API,
// which never adds a connection, so a slow poll cannot resurrect one the event stream closed.
// When the node has a token, the API answers 401 and the page asks for it in a form. The token
// is kept in sessionStorage (this tab only) and sent as a header; it never goes into a URL. The
// WebSocket, which cannot carry a header, opens with a single-use ticket fetched just before.
// Each connection shows its health (state, health-check RTT, failed checks): live from
// connection.health events, and refreshed with every poll. The kept peers panel re-reads
// GET /api/kept shortly after any event that can change it, coalescing bursts into one request.
// Closed connections (GET /api/connections?state=closed) are re-read the same way after each
// connection.closed; a click on any connection row, open or closed, shows its timeline (GET
// /api/connections/{id}/timeline): dial attempts, upgrade phases, streams and close reason.
// In a cluster (config.cluster.enabled), the cluster panel shows GET /api/cluster and GET
// /api/cluster/peers, re-read after cluster.node.joined/left and this node's connection events,
// and every CLUSTER_POLL_MS for what other nodes' connections do; outside one it says so.
(function () {
  "use strict";

  const POLL_MS = 2000;
  const WINDOW_MS = 5 * 60 * 1000;
  const MAX_SAMPLES = WINDOW_MS / POLL_MS + 2;
  const MAX_LOG = 500;
  const RECONNECT_MIN_MS = 500;
  const RECONNECT_MAX_MS = 10000;
  // kept peers are re-read this long after the first of a burst of events, once for the burst
  const KEPT_DEBOUNCE_MS = 150;
  // the closed connections are re-read this long after the first connection.closed of a burst
  const CLOSED_DEBOUNCE_MS = 150;
  // the cluster views are re-read this long after the first event of a burst that can change them
  const CLUSTER_DEBOUNCE_MS = 250;
  // and this often besides: other nodes' connections send no event to this page
  const CLUSTER_POLL_MS = 5000;
  // the contract's close reasons: anything else is shown as sent, without a reason style
  const CLOSE_REASONS = new Set(["local", "remote", "trimmed", "replaced", "unhealthy", "limit",
    "keepalive-timeout", "error", "shutdown"]);

  const TOKEN_KEY = "vertxp2p.dashboard.token";
  const $ = (id) => document.getElementById(id);
  let token = sessionStorage.getItem(TOKEN_KEY);
  // true while the token form is up: polling and reconnecting wait for it
  let locked = false;

  // peer id -> Map(conn id -> Conn JSON)
  const peers = new Map();
  const rtts = new Map();
  const expanded = new Set();
  const samples = [];
  let lastBytes = new Map(); // conn id -> {in, out} at the previous poll
  let lastPollAt = 0;
  let rateIn = 0;
  let rateOut = 0;
  let maxPerPeer = null;
  // peer id -> [tags]: peers the connection manager never trims
  let protectedPeers = new Map();
  // peer id -> {peer, target, open, downForMs}, as GET /api/kept last answered
  let keptPeers = new Map();
  let keptTimer = null;
  let keptSeq = 0;
  let closedTimer = null;
  let closedSeq = 0;
  // config.cluster.enabled as GET /api/node last said it; null until it answered
  let clusterEnabled = null;
  let selfPeerId = null;
  let clusterTimer = null;
  let clusterSeq = 0;
  // the connection whose timeline is shown, or null
  let timelineId = null;
  let timelineSeq = 0;
  let ws = null;
  let connecting = false;
  let reconnectTimer = null;
  let reconnectDelay = RECONNECT_MIN_MS;

  // ---- helpers ---------------------------------------------------------------------------------

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function shortId(id) {
    return id && id.length > 20 ? id.slice(0, 12) + "…" + id.slice(-6) : (id || "–");
  }

  function bytes(n) {
    if (n === null || n === undefined) return "–";
    const u = ["B", "KiB", "MiB", "GiB", "TiB"];
    let i = 0;
    while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
    return (i === 0 ? n.toFixed(0) : n.toFixed(n >= 100 ? 0 : 1)) + " " + u[i];
  }

  function rate(n) { return bytes(n) + "/s"; }

  function ms(x) { return x.toFixed(2) + " ms"; }

  function duration(millis) {
    const s = Math.floor(millis / 1000);
    if (s < 60) return s + "s";
    if (s < 3600) return Math.floor(s / 60) + "m " + (s % 60) + "s";
    return Math.floor(s / 3600) + "h " + Math.floor((s % 3600) / 60) + "m";
  }

  function age(iso) {
    return duration(Math.max(0, Date.now() - Date.parse(iso)));
  }

  // Health states, from best to worst; each has a mark besides its colour, so the word and the
  // mark tell it without colour (the mark is hidden from screen readers, which read the word).
  const HEALTH_RANK = { healthy: 0, unknown: 1, draining: 2, degraded: 3, unhealthy: 4 };
  const HEALTH_MARK = { healthy: "✓", unknown: "?", draining: "↓", degraded: "!", unhealthy: "✕" };

  /** A Conn's "health" section, with defaults for a node that sends none. */
  function healthOf(c) {
    const h = c.health || {};
    const state = Object.prototype.hasOwnProperty.call(HEALTH_RANK, h.state) ? h.state : "unknown";
    return {
      state,
      rttMs: typeof h.rttMs === "number" ? h.rttMs : null,
      failed: typeof h.failedChecks === "number" ? h.failedChecks : 0,
    };
  }

  /** Puts a health badge into the cell: mark and state word, styled per state. */
  function showHealth(cell, state, failed) {
    let badge = cell.firstElementChild;
    if (!badge) {
      badge = el("span");
      badge.append(el("span", "mark"), el("span", "state"));
      badge.firstElementChild.setAttribute("aria-hidden", "true");
      cell.append(badge);
    }
    badge.className = "hstate " + state;
    badge.dataset.state = state;
    badge.firstElementChild.textContent = HEALTH_MARK[state];
    badge.lastElementChild.textContent = state;
    cell.title = "health: " + state + (failed ? ", " + failed + " checks failed in a row" : "");
  }

  function clock(iso) {
    const d = iso ? new Date(iso) : new Date();
    return d.toLocaleTimeString([], { hour12: false }) + "." + String(d.getMilliseconds()).padStart(3, "0");
  }

  let toastTimer = null;
  function toast(text, ok) {
    const t = $("toast");
    t.textContent = text;
    t.className = "toast show" + (ok ? " ok" : "");
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.className = "toast" + (ok ? " ok" : ""); }, 4000);
  }

  async function api(method, path, body) {
    const headers = {};
    const sent = token;
    if (sent) headers["Authorization"] = "Bearer " + sent;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const res = await fetch(path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status === 204) return null;
    let json = null;
    try { json = await res.json(); } catch (e) { /* not JSON */ }
    if (!res.ok) {
      const msg = json && json.error ? json.error : res.statusText;
      const err = new Error((json && json.code ? json.code : res.status) + ": " + msg);
      err.status = res.status;
      // A 401 for a token replaced meanwhile says nothing of the new one.
      if (res.status === 401 && sent === token) askToken(sent ? "wrong token" : "");
      throw err;
    }
    return json;
  }

  // ---- token ---------------------------------------------------------------------------------

  function askToken(why) {
    if (token) {
      sessionStorage.removeItem(TOKEN_KEY);
      token = null;
    }
    // A request that went out without a token after a wrong one was dropped also hears 401: it
    // must not wipe the reason the form already shows.
    if (why || !locked) $("login-error").textContent = why;
    if (locked) return;
    locked = true;
    $("login").hidden = false;
    setLink(false, "locked");
    $("login-token").focus();
  }

  $("login-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const t = $("login-token").value.trim();
    if (!t) return;
    token = t;
    sessionStorage.setItem(TOKEN_KEY, t);
    $("login-token").value = "";
    $("login-error").textContent = "";
    $("login").hidden = true;
    locked = false;
    reconnectDelay = RECONNECT_MIN_MS;
    start();
  });

  // ---- node ------------------------------------------------------------------------------------

  function kv(dl, pairs) {
    dl.replaceChildren();
    for (const [k, v] of pairs) {
      dl.append(el("dt", null, k), el("dd", null, v));
    }
  }

  async function loadNode() {
    try {
      const n = await api("GET", "/api/node");
      $("peer-id").textContent = n.peerId;
      $("peer-id").title = n.peerId;
      document.title = "swarm " + shortId(n.peerId);
      const c = n.config || {};
      const conn = c.connection || {};
      const retry = c.retry || {};
      const services = c.services || {};
      const transport = c.transport || {};
      maxPerPeer = conn.maxConnectionsPerPeer || null;
      selfPeerId = n.peerId;
      const enabled = !!(c.cluster && c.cluster.enabled);
      if (enabled !== clusterEnabled) {
        clusterEnabled = enabled;
        refreshClusterSoon();
      }
      if (maxPerPeer) {
        $("dial-count").max = String(maxPerPeer);
        $("keep-count").max = String(maxPerPeer);
      }
      kv($("node-info"), [
        ["agent", n.agentVersion || "–"],
        ["protocols", (n.protocols || []).join("  ")],
        ["bus prefix", n.eventBusPrefix || "swarm"],
      ]);
      const list = $("listen-addrs");
      list.replaceChildren();
      for (const a of n.listenAddrs || []) list.append(el("li", null, a));
      if (!(n.listenAddrs || []).length) list.append(el("li", "dim", "not listening (dial-only)"));
      renderConnMgr(n.connectionManager);
      kv($("config-info"), [
        ["strategy", conn.loadBalancingStrategy || "–"],
        ["max conns/peer", String(conn.maxConnectionsPerPeer ?? "–")],
        ["conn timeout", (conn.connectionTimeout ?? "–") + " s"],
        ["retry", `${retry.maxRetries ?? "–"} retries, ${retry.initialDelay ?? "–"}s → ${retry.maxDelay ?? "–"}s`
          + ` ×${retry.backoffMultiplier ?? "–"} ±${retry.jitterFactor ?? "–"}`],
        ["muxers", (transport.muxers || []).join(", ") || "–"],
        ["security", (transport.security || []).join(", ") || "–"],
        ["services", Object.keys(services).filter((k) => services[k]).join(", ") || "none"],
      ]);
    } catch (e) {
      if (e.status !== 401) toast("node: " + e.message); // the token form says it
    }
  }

  function renderConnMgr(cm) {
    if (!cm) return;
    protectedPeers = new Map(Object.entries(cm.protected || {}));
    kv($("cm-info"), [
      ["trimming", cm.enabled ? "on" : "off"],
      ["watermarks", `low ${cm.lowWater} · high ${cm.highWater}`],
      ["grace", cm.gracePeriod + " s"],
    ]);
    const list = $("protected-peers");
    list.replaceChildren();
    for (const [peer, tags] of protectedPeers) {
      const li = el("li", null, shortId(peer) + "  [" + tags.join(", ") + "]");
      li.title = peer;
      li.dataset.peer = peer;
      list.append(li);
    }
    if (!protectedPeers.size) list.append(el("li", "dim", "none"));
    render();
  }

  // ---- limits ----------------------------------------------------------------------------------

  // The scopes of GET /api/limits, in the order shown: [key, label, in use, limit, busiest].
  const LIMIT_ROWS = [
    ["system", "connections (system)", l => l.current, l => l.limit, () => ""],
    ["peer", "per peer", l => l.current, l => l.limit, l => shortId(l.peer)],
    ["pending", "handshakes (pending)", l => l.current, l => l.limit, () => ""],
    ["ip", "per IP", l => l.current, l => l.limit, l => l.source || ""],
    ["pendingPerIp", "handshakes per IP", l => l.current, l => l.limit, l => l.source || ""],
    ["rate", "inbound rate per IP (tokens spent)", l => l.current, l => l.limit,
      l => l.source || ""],
    ["streams", "streams per connection", l => l.current, l => l.limit,
      l => l.connection || ""],
    ["buffer", "buffered bytes", l => l.current, l => l.limit, () => ""],
    ["dials", "dials running", l => l.running, l => l.maxParallelDials,
      l => l.waiting ? l.waiting + " waiting" : ""],
    ["backoff", "addresses backed off", l => l.backedOff, l => l.addresses && l.addresses.limit,
      l => (l.backoffs && l.backoffs.length) ? l.backoffs[0].addr : ""],
  ];

  async function refreshLimits() {
    if (locked) return;
    let r;
    try {
      r = await api("GET", "/api/limits");
    } catch (e) {
      return; // the link indicator and toasts already tell
    }
    const rows = [];
    for (const [key, label, use, limit, where] of LIMIT_ROWS) {
      const l = r[key];
      if (!l) continue;
      const current = use(l);
      const max = limit(l);
      const tr = el("tr");
      tr.dataset.scope = key;
      if (typeof current === "number" && typeof max === "number" && max > 0 && current >= max) {
        tr.classList.add("at-limit");
      }
      tr.append(el("td", null, label), el("td", "num", current === undefined ? "–" : String(current)),
        el("td", "num", max === undefined || max === null ? "–" : String(max)),
        el("td", "dim", where(l)));
      rows.push(tr);
    }
    $("limits-rows").replaceChildren(...rows);
  }

  async function refreshConnMgr() {
    try {
      renderConnMgr((await api("GET", "/api/node")).connectionManager);
    } catch (e) {
      toast("node: " + e.message);
    }
  }

  // ---- events ----------------------------------------------------------------------------------

  /** Opens the event WebSocket with a fresh ticket (each ticket opens one socket, once). */
  async function connectEvents() {
    if (locked || ws || connecting) return;
    connecting = true;
    setLink(false, "connecting…");
    let ticket;
    try {
      ticket = (await api("POST", "/api/events/ticket")).ticket;
    } catch (e) {
      connecting = false;
      // on 401 the token form is up, and submitting it connects again
      if (e.status !== 401) reconnectLater();
      return;
    }
    connecting = false;
    if (locked || ws) return;
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const sock = new WebSocket(scheme + "//" + location.host + "/api/events?ticket=" + encodeURIComponent(ticket));
    ws = sock;
    sock.onopen = () => {
      reconnectDelay = RECONNECT_MIN_MS;
      setLink(true, "live");
      loadNode();
    };
    sock.onmessage = (m) => {
      let ev;
      try { ev = JSON.parse(m.data); } catch (e) { return; }
      onEvent(ev);
    };
    sock.onclose = (c) => {
      if (ws === sock) ws = null;
      if (c.code === 1008 || c.code === 1011) log({ type: "info", at: new Date().toISOString(), reason: c.reason });
      reconnectLater();
    };
  }

  function reconnectLater() {
    if (locked) return;
    setLink(false, "reconnecting…");
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connectEvents, reconnectDelay);
    reconnectDelay = Math.min(RECONNECT_MAX_MS, reconnectDelay * 2);
  }

  function setLink(up, text) {
    const l = $("link");
    l.className = "link " + (up ? "up" : "down");
    l.textContent = text;
  }

  function onEvent(ev) {
    if (ev.type === "snapshot") {
      peers.clear();
      let n = 0;
      for (const [peer, conns] of Object.entries(ev.peers || {})) {
        const m = new Map();
        for (const c of conns) { m.set(c.id, c); n++; }
        if (m.size) peers.set(peer, m);
      }
      log({ type: "info", at: ev.at, detail: `snapshot: ${peers.size} peers, ${n} connections` });
      render();
      refreshKeptSoon();
      refreshClosedSoon();
      refreshClusterSoon();
      return;
    }
    const c = ev.connection;
    if ((ev.type === "connection.health" || ev.type === "connection.draining") && c) {
      // a newer view of a connection the stream announced; never adds one
      const known = peers.get(ev.peer);
      if (known && known.has(c.id)) known.set(c.id, c);
    } else if (ev.type === "connection.opened" && c) {
      if (!peers.has(ev.peer)) peers.set(ev.peer, new Map());
      peers.get(ev.peer).set(c.id, c);
    } else if (ev.type === "connection.closed" && c) {
      const m = peers.get(ev.peer);
      if (m) {
        m.delete(c.id);
        if (!m.size) { peers.delete(ev.peer); rtts.delete(ev.peer); }
      }
    }
    if (ev.type === "peer.protected" || ev.type === "peer.unprotected"
      || ev.type === "peer.kept" || ev.type === "peer.unkept") refreshConnMgr();
    if (ev.type === "peer.kept" || ev.type === "peer.unkept"
      || ev.type === "connection.opened" || ev.type === "connection.closed") refreshKeptSoon();
    if (ev.type === "connection.closed" || ev.type === "connection.rejected") refreshClosedSoon();
    if (ev.type === "connection.closed" && c && c.id === timelineId) refreshTimeline();
    if (ev.type === "cluster.node.joined" || ev.type === "cluster.node.left"
      || ev.type === "connection.opened" || ev.type === "connection.closed") refreshClusterSoon();
    log(ev);
    render();
  }

  function log(ev) {
    const list = $("event-log");
    const li = el("li");
    const ty = (ev.type || "").replace(/\./g, "-");
    let detail = ev.detail || "";
    if (!detail) {
      if (ev.connection) {
        const c = ev.connection;
        detail = `${c.direction} ${c.id} ${c.remoteAddr} ${c.muxer} · ${ev.connectionsToPeer} to peer`;
      }
      if (ev.reason) detail += (detail ? " · " : "") + ev.reason;
      if (ev.closeReason) detail += (detail ? " · " : "") + "reason " + ev.closeReason;
      if (ev.type === "dial.retry") detail = `attempt ${ev.attempt} failed, retry in ${ev.delay}s · ${ev.addr || ""} ${ev.error || ""}`;
      if (ev.type === "dial.failed") detail = ev.error || "";
      if (ev.type === "connection.health" && ev.connection) {
        const h = healthOf(ev.connection);
        detail = `${ev.connection.id} ${ev.from} → ${ev.to}` + (h.rttMs === null ? "" : ` · ${ms(h.rttMs)}`)
          + (h.failed ? ` · ${h.failed} failed` : "");
      }
      if (ev.type === "peer.kept") detail = `target ${ev.target}`;
      if (ev.type === "cluster.node.joined" || ev.type === "cluster.node.left") {
        detail = `node ${ev.node} · peer ${shortId(ev.peerId)}`;
      }
    }
    li.append(el("span", "t", clock(ev.at)), el("span", "ty " + ty, ev.type),
      el("span", "p", ev.peer ? shortId(ev.peer) : ""), el("span", "d", detail));
    li.title = JSON.stringify(ev);
    list.prepend(li);
    while (list.childElementCount > MAX_LOG) list.lastElementChild.remove();
  }

  // ---- peers table -----------------------------------------------------------------------------

  function peerGroup(peer) {
    const table = $("peers");
    let g = table.querySelector(`tbody.peer-group[data-peer="${CSS.escape(peer)}"]`);
    if (g) return g;
    g = el("tbody", "peer-group");
    g.dataset.peer = peer;
    const row = el("tr", "peer-row fresh");
    row.dataset.peer = peer;
    const cells = ["caret", "peer", "num conn-count", "dirs", "num streams", "num in", "num out", "num rtt", "health", "actions"];
    for (const cls of cells) row.append(el("td", cls));
    row.querySelector(".peer").textContent = shortId(peer);
    row.querySelector(".peer").title = peer;
    const ping = el("button", "ghost small", "ping");
    ping.dataset.action = "ping";
    const hang = el("button", "danger small", "hang up");
    hang.dataset.action = "hangup-peer";
    const prot = el("button", "ghost small protect", "protect");
    prot.dataset.action = "protect";
    prot.title = "keep this peer when the connection manager trims";
    const keep = el("button", "ghost small keep", "keep");
    keep.dataset.action = "keep";
    keep.title = "maintain a number of connections to this peer (fills the kept peers form)";
    row.querySelector(".actions").append(ping, prot, keep, hang);
    const detail = el("tr", "detail");
    const td = el("td");
    td.colSpan = 10;
    const inner = el("table");
    const head = el("tr");
    for (const h of ["connection", "dir", "remote", "local", "muxer · transport", "health", "rtt", "failed", "streams", "in", "out", "age", ""]) {
      const th = el("th", null, h);
      if (h === "failed") th.title = "health checks unanswered in a row";
      if (h === "rtt") th.title = "round trip, smoothed over the health checks and pings";
      head.append(th);
    }
    const thead = el("thead");
    thead.append(head);
    inner.append(thead, el("tbody", "conns"));
    td.append(inner);
    detail.append(td);
    g.append(row, detail);
    table.append(g);
    return g;
  }

  function connRow(tbody, c) {
    let r = tbody.querySelector(`tr[data-conn="${CSS.escape(c.id)}"]`);
    if (r) return r;
    r = el("tr", "conn-row fresh");
    r.dataset.conn = c.id;
    for (const cls of ["id", "dir", "remote", "local", "muxer", "health", "hrtt", "hfail", "streams", "in", "out", "age", "actions"]) r.append(el("td", cls));
    r.querySelector(".id").textContent = c.id;
    const d = el("span", "dir " + c.direction, c.direction === "inbound" ? "in" : "out");
    r.querySelector(".dir").append(d);
    r.querySelector(".remote").textContent = c.remoteAddr;
    r.querySelector(".local").textContent = c.localAddr;
    // the muxer and, after it, the transport the connection runs over (tcp, ws)
    r.querySelector(".muxer").textContent = c.transport ? `${c.muxer} · ${c.transport}` : c.muxer;
    const st = el("button", "small", "streams");
    st.dataset.action = "streams";
    st.title = "list this connection's open streams: what each holds and its windows";
    const b = el("button", "danger small", "hang up");
    b.dataset.action = "hangup-conn";
    r.querySelector(".actions").append(st, b);
    tbody.append(r);
    return r;
  }

  function render() {
    const table = $("peers");
    let totalConns = 0;
    let totalStreams = 0;
    for (const g of table.querySelectorAll("tbody.peer-group")) {
      if (!peers.has(g.dataset.peer)) g.remove();
    }
    for (const [peer, conns] of peers) {
      const g = peerGroup(peer);
      g.classList.toggle("expanded", expanded.has(peer));
      g.querySelector("tr.detail").hidden = !expanded.has(peer);
      let inb = 0, outb = 0, streams = 0, bi = 0, bo = 0;
      let worst = "healthy";
      const counts = new Map();
      const tbody = g.querySelector("tbody.conns");
      for (const r of tbody.querySelectorAll("tr.conn-row")) {
        if (!conns.has(r.dataset.conn)) r.remove();
      }
      for (const r of tbody.querySelectorAll("tr.streams-row")) {
        if (!conns.has(r.dataset.for)) r.remove();
      }
      for (const c of conns.values()) {
        if (c.direction === "inbound") inb++; else outb++;
        streams += c.streams || 0;
        bi += c.bytesIn || 0;
        bo += c.bytesOut || 0;
        const r = connRow(tbody, c);
        r.querySelector(".streams").textContent = `${c.streams ?? 0} / ${c.streamsTotal ?? 0}`;
        r.querySelector(".in").textContent = bytes(c.bytesIn);
        r.querySelector(".out").textContent = bytes(c.bytesOut);
        r.querySelector(".age").textContent = age(c.openedAt);
        const h = healthOf(c);
        showHealth(r.querySelector("td.health"), h.state, h.failed);
        r.querySelector(".hrtt").textContent = h.rttMs === null ? "–" : ms(h.rttMs);
        r.querySelector(".hfail").textContent = String(h.failed);
        if (HEALTH_RANK[h.state] > HEALTH_RANK[worst]) worst = h.state;
        counts.set(h.state, (counts.get(h.state) || 0) + 1);
      }
      const row = g.querySelector("tr.peer-row");
      row.querySelector(".caret").textContent = expanded.has(peer) ? "▾" : "▸";
      row.querySelector(".conn-count").textContent = String(conns.size);
      row.querySelector(".dirs").textContent = [outb ? outb + " out" : "", inb ? inb + " in" : ""].filter(Boolean).join(" · ");
      row.querySelector(".streams").textContent = String(streams);
      row.querySelector(".in").textContent = bytes(bi);
      row.querySelector(".out").textContent = bytes(bo);
      const prot = row.querySelector("button.protect");
      const isProt = protectedPeers.has(peer);
      prot.textContent = isProt ? "unprotect" : "protect";
      prot.classList.toggle("on", isProt);
      const rtt = rtts.get(peer);
      row.querySelector(".rtt").textContent = rtt === undefined ? "–" : ms(rtt);
      const ph = row.querySelector("td.health");
      showHealth(ph, worst, 0);
      ph.title = "worst of its connections: " + [...counts].map(([st, k]) => k + " " + st).join(" · ");
      const keep = row.querySelector("button.keep");
      const k = keptPeers.get(peer);
      keep.textContent = k ? "kept " + k.target : "keep";
      keep.classList.toggle("on", !!k);
      totalConns += conns.size;
      totalStreams += streams;
    }
    $("peers-empty").hidden = peers.size > 0;
    $("stat-peers").textContent = String(peers.size);
    $("stat-conns").textContent = String(totalConns);
    $("stat-streams").textContent = String(totalStreams);
    $("stat-in").textContent = rate(rateIn);
    $("stat-out").textContent = rate(rateOut);
  }

  /**
   * Shows (or hides, when shown) a row under a connection listing its open streams, as
   * GET /api/connections/{id}/streams answers; every poll refreshes the rows that are open.
   */
  async function toggleStreams(connRow) {
    const id = connRow.dataset.conn;
    const next = connRow.nextElementSibling;
    if (next && next.classList.contains("streams-row")) {
      next.remove();
      return;
    }
    const r = await streamsOf(id);
    const tr = el("tr", "streams-row");
    tr.dataset.for = id;
    const td = el("td");
    td.colSpan = connRow.children.length;
    tr.append(td);
    fillStreams(td, r.streams);
    // a second click may have opened one while this request was in flight
    const again = connRow.nextElementSibling;
    if (again && again.classList.contains("streams-row")) again.remove();
    connRow.after(tr);
  }

  function streamsOf(connId) {
    return api("GET", "/api/connections/" + encodeURIComponent(connId) + "/streams");
  }

  function fillStreams(td, streams) {
    if (!streams.length) {
      td.replaceChildren("no open streams");
      return;
    }
    const t = el("table", "streams");
    const head = el("tr");
    for (const h of ["stream", "protocol", "dir", "queued", "buffered", "send window", "recv window", "state"]) {
      head.append(el("th", null, h));
    }
    t.append(head);
    for (const s of streams) {
      const row = el("tr");
      row.dataset.stream = String(s.id);
      const state = [s.paused ? "paused" : "", s.localEnded ? "local end" : "",
        s.remoteEnded ? "remote end" : ""].filter(Boolean).join(" · ") || "open";
      const win = (w) => (w < 0 ? "–" : bytes(w));
      for (const v of [String(s.id), s.protocol || "(negotiating)", s.direction, bytes(s.queued),
        bytes(s.buffered), win(s.sendWindow), win(s.receiveWindow), state]) {
        row.append(el("td", null, v));
      }
      t.append(row);
    }
    td.replaceChildren(t);
  }

  /** Re-reads every open streams row; a connection gone meanwhile takes its row with it. */
  async function refreshStreams() {
    const rows = [...document.querySelectorAll("#peers tr.streams-row")];
    await Promise.all(rows.map(async (tr) => {
      try {
        const r = await streamsOf(tr.dataset.for);
        if (tr.isConnected) fillStreams(tr.firstElementChild, r.streams);
      } catch (e) {
        if (e.status === 404) tr.remove();
      }
    }));
  }

  $("peers").addEventListener("click", async (e) => {
    const button = e.target.closest("button");
    const group = e.target.closest("tbody.peer-group");
    if (!group) return;
    const peer = group.dataset.peer;
    if (!button) {
      const conn = e.target.closest("tr.conn-row");
      if (conn) {
        openTimeline(conn.dataset.conn);
        return;
      }
      if (e.target.closest("tr.peer-row")) {
        if (expanded.has(peer)) expanded.delete(peer); else expanded.add(peer);
        render();
      }
      return;
    }
    e.stopPropagation();
    button.disabled = true;
    try {
      if (button.dataset.action === "ping") {
        const r = await api("POST", "/api/peers/" + encodeURIComponent(peer) + "/ping");
        rtts.set(peer, r.rttMs);
        toast(`ping ${shortId(peer)}: ${r.rttMs.toFixed(2)} ms`, true);
        render();
      } else if (button.dataset.action === "protect") {
        const method = protectedPeers.has(peer) ? "DELETE" : "POST";
        const r = await api(method, "/api/peers/" + encodeURIComponent(peer) + "/protect");
        toast(`${shortId(peer)} ${r.protected ? "protected" : "unprotected"}`, true);
        await refreshConnMgr();
      } else if (button.dataset.action === "keep") {
        const k = keptPeers.get(peer);
        $("keep-peer").value = peer;
        $("keep-count").value = String(k ? k.target : peers.get(peer).size);
        $("keep-peer").focus();
      } else if (button.dataset.action === "hangup-peer") {
        await api("DELETE", "/api/peers/" + encodeURIComponent(peer));
        toast(`hung up ${shortId(peer)}`, true);
      } else if (button.dataset.action === "streams") {
        const row = button.closest("tr.conn-row");
        await toggleStreams(row);
      } else if (button.dataset.action === "hangup-conn") {
        const id = button.closest("tr.conn-row").dataset.conn;
        await api("DELETE", "/api/connections/" + encodeURIComponent(id));
        toast(`closed ${id}`, true);
      }
    } catch (err) {
      toast(err.message);
    } finally {
      button.disabled = false;
    }
  });

  // ---- closed connections and timelines ---------------------------------------------------

  function refreshClosedSoon() {
    if (closedTimer !== null) return;
    closedTimer = setTimeout(() => {
      closedTimer = null;
      refreshClosed();
    }, CLOSED_DEBOUNCE_MS);
  }

  async function refreshClosed() {
    if (locked) return;
    const seq = ++closedSeq;
    let r;
    try {
      r = await api("GET", "/api/connections?state=closed");
    } catch (e) {
      if (e.status && e.status !== 401) toast("closed connections: " + e.message);
      return;
    }
    if (seq === closedSeq) renderClosed(r.connections || []);
  }

  /** A close reason as a badge: the word itself, styled per reason of the contract's list. */
  function reasonBadge(reason) {
    const known = CLOSE_REASONS.has(reason);
    const b = el("span", "reason" + (known ? " " + reason : ""), reason || "–");
    b.dataset.reason = reason || "";
    return b;
  }

  function renderClosed(list) {
    const body = $("closed-rows");
    const rows = [];
    for (const c of list) {
      const row = el("tr", "closed-row");
      row.dataset.conn = c.id;
      row.title = "timeline of " + c.id;
      const peer = el("td", "peer", shortId(c.peer));
      peer.title = c.peer || "";
      const dir = el("td", "dir");
      dir.append(el("span", "dir " + c.direction, c.direction === "inbound" ? "in" : "out"));
      const reason = el("td", "reason-cell");
      reason.append(reasonBadge(c.closeReason));
      row.append(el("td", "id", c.id), peer, dir, el("td", "remote", c.remoteAddr), reason,
        el("td", "num", String(c.streamsTotal ?? 0)), el("td", "num", clock(c.closedAt)));
      rows.push(row);
    }
    body.replaceChildren(...rows);
    $("closed-empty").hidden = list.length > 0;
  }

  $("closed").addEventListener("click", (e) => {
    const row = e.target.closest("tr.closed-row");
    if (row) openTimeline(row.dataset.conn);
  });

  function fmtMs(x) {
    return typeof x === "number" ? ms(x) : "–";
  }

  function openTimeline(id) {
    timelineId = id;
    $("timeline-title").textContent = "Connection " + id;
    $("timeline-error").textContent = "";
    $("timeline").hidden = false;
    $("timeline-close").focus();
    refreshTimeline();
  }

  function closeTimeline() {
    timelineId = null;
    timelineSeq++;
    $("timeline").hidden = true;
  }

  async function refreshTimeline() {
    const id = timelineId;
    if (id === null || locked) return;
    const seq = ++timelineSeq;
    let t;
    try {
      t = await api("GET", "/api/connections/" + encodeURIComponent(id) + "/timeline");
    } catch (e) {
      if (seq === timelineSeq) $("timeline-error").textContent = e.message;
      return;
    }
    // a late answer for a timeline closed or replaced meanwhile changes nothing
    if (seq === timelineSeq && id === timelineId) renderTimeline(t);
  }

  function renderTimeline(t) {
    $("timeline-error").textContent = "";
    const info = $("timeline-info");
    kv(info, [
      ["state", t.state],
      ["peer", t.peer],
      ["direction", t.direction],
      ["remote", t.remoteAddr],
      ["local", t.localAddr],
      ["opened", t.openedAt ? clock(t.openedAt) : "–"],
      ["streams", `${t.streams ? t.streams.open ?? 0 : 0} open · ${t.streams ? t.streams.total ?? 0 : 0} over its life`],
      ["dial", t.direction === "inbound" ? "inbound: not dialled here" : fmtMs(t.dialMs)],
      ["close reason", ""],
      ["closed", t.closedAt ? clock(t.closedAt) : "–"],
      ["cause", t.closeCause || "–"],
    ]);
    // the reason as a badge in its own cell, found by its term
    for (const dt of info.querySelectorAll("dt")) {
      if (dt.textContent === "close reason") {
        const dd = dt.nextElementSibling;
        dd.id = "timeline-reason";
        dd.replaceChildren(t.closeReason ? reasonBadge(t.closeReason) : "– (open)");
      }
    }
    const body = $("timeline-attempts").tBodies[0];
    const rows = [];
    for (const a of t.attempts || []) {
      const row = el("tr", "attempt");
      const ok = a.error === null || a.error === undefined;
      const outcome = el("td", a.durationMs === null ? "" : ok ? "ok" : "err",
        a.durationMs === null ? "running" : ok ? "connected" : a.error);
      row.append(el("td", "num", String(a.attempt)), el("td", "addr", a.addr),
        el("td", "num", "+" + fmtMs(a.startMs)), el("td", "num", fmtMs(a.durationMs)), outcome);
      rows.push(row);
    }
    if (!rows.length) {
      const row = el("tr");
      const td = el("td", "empty", t.direction === "inbound" ? "inbound: the remote dialled" : "no attempts recorded");
      td.colSpan = 5;
      row.append(td);
      rows.push(row);
    }
    if (t.attemptsDropped) {
      const row = el("tr");
      const td = el("td", "empty", `${t.attemptsDropped} more attempts not kept`);
      td.colSpan = 5;
      row.append(td);
      rows.push(row);
    }
    body.replaceChildren(...rows);
    const phases = $("timeline-phases");
    const p = t.phases || {};
    const cells = [];
    for (const [name, key] of [["tcp", "tcpMs"], ["security", "securityMs"], ["muxer", "muxerMs"]]) {
      const cell = el("div", "phase " + name);
      cell.dataset.phase = name;
      cell.append(el("b", null, name), el("span", null, fmtMs(p[key])));
      cells.push(cell);
    }
    phases.replaceChildren(...cells);
    phases.title = "whole upgrade: " + fmtMs(p.handshakeMs);
  }

  $("timeline-close").addEventListener("click", closeTimeline);
  $("timeline").addEventListener("click", (e) => {
    if (e.target === $("timeline")) closeTimeline();
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && timelineId !== null) closeTimeline();
  });

  // ---- cluster ---------------------------------------------------------------------------------

  /** Re-reads the cluster views a moment from now, once for a whole burst of events. */
  function refreshClusterSoon() {
    if (clusterTimer !== null) return;
    clusterTimer = setTimeout(() => {
      clusterTimer = null;
      refreshCluster();
    }, CLUSTER_DEBOUNCE_MS);
  }

  async function refreshCluster() {
    if (locked || clusterEnabled === null) return;
    if (!clusterEnabled) {
      showCluster(false);
      return;
    }
    const seq = ++clusterSeq;
    let nodes, held;
    try {
      [nodes, held] = await Promise.all([api("GET", "/api/cluster"), api("GET", "/api/cluster/peers")]);
    } catch (e) {
      // the last views stay, with what went wrong beneath them; 401: the token form says it
      if (seq === clusterSeq && e.status !== 401) {
        $("cluster-error").textContent = e.status ? e.message : "the node did not answer";
      }
      return;
    }
    // an older read answering late must not undo a newer one
    if (seq !== clusterSeq) return;
    $("cluster-error").textContent = "";
    showCluster(true);
    renderClusterNodes(Array.isArray(nodes.nodes) ? nodes.nodes : []);
    renderClusterPeers(held.peers && typeof held.peers === "object" ? held.peers : {});
  }

  function showCluster(on) {
    $("cluster-off").hidden = on;
    $("cluster-on").hidden = !on;
    if (!on) {
      $("cluster-error").textContent = "";
      $("cluster-summary").textContent = "";
    }
  }

  /** A link to a node's dashboard, only for an http(s) URL; anything else is shown as text. */
  function dashboardLink(url) {
    if (typeof url !== "string" || !url) return document.createTextNode("–");
    let parsed;
    try { parsed = new URL(url); } catch (e) { return document.createTextNode(url); }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return document.createTextNode(url);
    const a = el("a", null, url);
    a.href = parsed.href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  function countText(x) {
    return typeof x === "number" ? String(x) : "–";
  }

  function renderClusterNodes(nodes) {
    const rows = [];
    let conns = 0;
    for (const n of nodes) {
      const name = String(n.name);
      const row = el("tr", "cluster-node" + (n.peerId === selfPeerId ? " self" : ""));
      row.dataset.node = name;
      const peer = el("td", "peer", shortId(n.peerId));
      peer.title = n.peerId || "";
      const joined = el("td", "joined", n.joinedAt ? clock(n.joinedAt) : "–");
      joined.title = n.joinedAt ? n.joinedAt + " (" + age(n.joinedAt) + " ago)" : "";
      const http = el("td", "http");
      http.append(dashboardLink(n.http));
      const addrs = Array.isArray(n.listenAddrs) ? n.listenAddrs.join("\n") : "";
      const cell = el("td", "name", name);
      cell.title = addrs ? "listening on\n" + addrs : "";
      row.append(cell, peer, el("td", "num conns", countText(n.connections)),
        el("td", "num peers", countText(n.peers)), joined, http);
      rows.push(row);
      if (typeof n.connections === "number") conns += n.connections;
    }
    $("cluster-node-rows").replaceChildren(...rows);
    $("cluster-summary").textContent = `${nodes.length} node${nodes.length === 1 ? "" : "s"}`
      + ` · ${conns} connection${conns === 1 ? "" : "s"}`;
  }

  function renderClusterPeers(peersView) {
    const rows = [];
    for (const [peer, holders] of Object.entries(peersView)) {
      const row = el("tr", "cluster-peer");
      row.dataset.peer = peer;
      const id = el("td", "peer", shortId(peer));
      id.title = peer;
      const cell = el("td", "holders");
      let total = 0;
      for (const h of Array.isArray(holders) ? holders : []) {
        const tag = el("span", "holder");
        tag.dataset.node = String(h.node);
        tag.append(el("span", "node", String(h.node)), ": ",
          el("span", "count", countText(h.connections)));
        tag.title = `${h.node} holds ${countText(h.connections)} connection${h.connections === 1 ? "" : "s"}`;
        cell.append(tag);
        if (typeof h.connections === "number") total += h.connections;
      }
      row.append(id, el("td", "num total", String(total)), cell);
      rows.push(row);
    }
    rows.sort((x, y) => x.dataset.peer < y.dataset.peer ? -1 : x.dataset.peer > y.dataset.peer ? 1 : 0);
    $("cluster-peer-rows").replaceChildren(...rows);
    $("cluster-peers-empty").hidden = rows.length > 0;
  }

  // ---- kept peers ------------------------------------------------------------------------------

  /**
   * Re-reads the kept peers a moment from now. Events come in bursts (a keep opens several
   * connections at once): the first schedules one read, the rest of the burst joins it.
   */
  function refreshKeptSoon() {
    if (keptTimer !== null) return;
    keptTimer = setTimeout(() => {
      keptTimer = null;
      refreshKept();
    }, KEPT_DEBOUNCE_MS);
  }

  async function refreshKept() {
    if (locked) return;
    const seq = ++keptSeq;
    let r;
    try {
      r = await api("GET", "/api/kept");
    } catch (e) {
      // 401: the token form says it; no status: the node is unreachable, as the link shows
      if (e.status && e.status !== 401) toast("kept peers: " + e.message);
      return;
    }
    // an older read answering late must not undo a newer one
    if (seq === keptSeq) renderKept(r.kept || []);
  }

  function renderKept(list) {
    keptPeers = new Map(list.map((k) => [k.peer, k]));
    const body = $("kept-rows");
    for (const row of [...body.children]) {
      if (!keptPeers.has(row.dataset.peer)) row.remove();
    }
    for (const k of list) {
      let row = body.querySelector(`tr[data-peer="${CSS.escape(k.peer)}"]`);
      if (!row) {
        row = el("tr", "kept-row fresh");
        row.dataset.peer = k.peer;
        const peer = el("td", "peer", shortId(k.peer));
        peer.title = k.peer;
        const count = el("td", "num count");
        count.append(el("span", "open"), " / ", el("span", "target"));
        const unkeep = el("button", "danger small", "unkeep");
        unkeep.dataset.action = "unkeep";
        unkeep.title = "stop maintaining connections to this peer (they stay open)";
        const actions = el("td", "actions");
        actions.append(unkeep);
        row.append(peer, count, el("td", "num down"), actions);
      }
      body.append(row); // in the server's order
      const count = row.querySelector(".count");
      count.querySelector(".open").textContent = String(k.open);
      count.querySelector(".target").textContent = String(k.target);
      count.classList.toggle("short", k.open < k.target);
      count.title = `${k.open} of ${k.target} connections open`
        + (k.open < k.target ? " (re-dialling)" : "");
      row.querySelector(".down").textContent = k.downForMs > 0 ? duration(k.downForMs) : "–";
    }
    $("kept-empty").hidden = keptPeers.size > 0;
    render();
  }

  function keepResult(ok, text) {
    const out = $("keep-result");
    out.className = "result" + (ok === null ? "" : ok ? " ok" : " err");
    out.textContent = text;
  }

  $("keep-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const input = $("keep-peer").value.trim();
    const n = parseInt($("keep-count").value, 10) || 1;
    const submit = $("keep-submit");
    submit.disabled = true;
    keepResult(null, `keeping ${n} connection${n === 1 ? "" : "s"}…`);
    try {
      let peer = input;
      if (input.startsWith("/")) {
        // A multiaddr: the node keeps only peers whose address it knows, and a dial teaches it.
        peer = (await api("POST", "/api/dial", { addr: input, connections: 1 })).peer;
      }
      const r = await api("PUT", "/api/peers/" + encodeURIComponent(peer) + "/keep", { connections: n });
      keepResult(true, `keeping ${shortId(r.peer)}: ${r.connections.length} / ${r.target} open`);
      $("keep-peer").value = "";
      refreshKeptSoon();
    } catch (err) {
      keepResult(false, err.message);
    } finally {
      submit.disabled = false;
    }
  });

  $("kept").addEventListener("click", async (e) => {
    const button = e.target.closest("button[data-action='unkeep']");
    if (!button) return;
    const peer = button.closest("tr.kept-row").dataset.peer;
    button.disabled = true;
    try {
      await api("DELETE", "/api/peers/" + encodeURIComponent(peer) + "/keep");
      keepResult(true, `no longer keeping ${shortId(peer)}; its connections stay open`);
      refreshKeptSoon();
    } catch (err) {
      keepResult(false, err.message);
    } finally {
      button.disabled = false;
    }
  });

  // ---- dial ------------------------------------------------------------------------------------

  $("dial-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    const addr = $("dial-addr").value.trim();
    const n = parseInt($("dial-count").value, 10) || 1;
    const out = $("dial-result");
    const submit = $("dial-submit");
    submit.disabled = true;
    out.className = "result";
    out.textContent = `dialing ${n} connection${n === 1 ? "" : "s"}…`;
    try {
      const r = await api("POST", "/api/dial", { addr, connections: n });
      out.className = "result ok";
      out.textContent = `${r.connections.length} connection${r.connections.length === 1 ? "" : "s"} open to ${shortId(r.peer)}`;
      expanded.add(r.peer);
      render();
    } catch (err) {
      out.className = "result err";
      out.textContent = err.message;
    } finally {
      submit.disabled = false;
    }
  });

  $("copy-peer").addEventListener("click", () => {
    const id = $("peer-id").textContent;
    if (navigator.clipboard) navigator.clipboard.writeText(id).then(() => toast("peer id copied", true), () => {});
  });
  $("clear-events").addEventListener("click", () => $("event-log").replaceChildren());

  // ---- polling and chart -----------------------------------------------------------------------

  async function poll() {
    if (locked) return;
    try {
      const r = await api("GET", "/api/peers");
      const now = Date.now();
      let din = 0, dout = 0;
      const seen = new Map();
      for (const conns of Object.values(r.peers || {})) {
        for (const c of conns) {
          seen.set(c.id, { in: c.bytesIn || 0, out: c.bytesOut || 0 });
          const prev = lastBytes.get(c.id) || { in: 0, out: 0 };
          din += Math.max(0, (c.bytesIn || 0) - prev.in);
          dout += Math.max(0, (c.bytesOut || 0) - prev.out);
          // refresh counters of connections the event stream knows; never add one here
          const known = peers.get(c.peer);
          if (known && known.has(c.id)) known.set(c.id, c);
        }
      }
      if (lastPollAt) {
        const secs = Math.max(0.001, (now - lastPollAt) / 1000);
        rateIn = din / secs;
        rateOut = dout / secs;
      }
      lastBytes = seen;
      lastPollAt = now;
    } catch (e) {
      // the link indicator and toasts already tell; keep sampling what we have
    }
    let conns = 0;
    for (const m of peers.values()) conns += m.size;
    samples.push({ t: Date.now(), conns, in: rateIn, out: rateOut });
    while (samples.length > MAX_SAMPLES) samples.shift();
    render();
    draw();
    // a kept peer's "down for" grows with no event to tell
    if (keptPeers.size) refreshKeptSoon();
    // an open connection's timeline follows its streams
    if (timelineId !== null) refreshTimeline();
    refreshLimits();
    await refreshStreams();
  }

  function niceMax(v) {
    if (v <= 0) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  function draw() {
    const canvas = $("chart");
    const dpr = window.devicePixelRatio || 1;
    const w = canvas.clientWidth, h = canvas.clientHeight;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const pad = { l: 34, r: 64, t: 8, b: 18 };
    const pw = w - pad.l - pad.r, ph = h - pad.t - pad.b;
    if (pw <= 0 || ph <= 0) return;
    const now = Date.now();
    const x = (t) => pad.l + pw * (1 - (now - t) / WINDOW_MS);
    // Four grid steps of whole connections.
    const maxConns = Math.max(4, Math.ceil(Math.max(...samples.map((s) => s.conns), 0) / 4) * 4);
    const maxRate = niceMax(Math.max(1024, ...samples.map((s) => Math.max(s.in, s.out))));

    g.font = "10px " + getComputedStyle(document.body).fontFamily;
    g.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      const y = pad.t + ph * (i / 4);
      g.strokeStyle = "#222a34";
      g.beginPath(); g.moveTo(pad.l, Math.round(y) + 0.5); g.lineTo(pad.l + pw, Math.round(y) + 0.5); g.stroke();
      g.fillStyle = "#4fb3ff";
      g.textAlign = "right";
      g.fillText(String(Math.round(maxConns * (1 - i / 4))), pad.l - 6, y + 3);
      g.fillStyle = "#7d8896";
      g.textAlign = "left";
      g.fillText(rate(maxRate * (1 - i / 4)), pad.l + pw + 6, y + 3);
    }
    g.fillStyle = "#56606c";
    g.textAlign = "center";
    for (let m = 0; m <= 5; m++) {
      const xx = pad.l + pw * (1 - m / 5);
      g.fillText(m === 0 ? "now" : "-" + m + "m", xx, h - 4);
    }
    if (samples.length < 2) return;

    const line = (color, value, max, fill, step) => {
      g.beginPath();
      let first = true, lastY = 0;
      for (const s of samples) {
        const xx = x(s.t), yy = pad.t + ph * (1 - value(s) / max);
        if (first) { g.moveTo(xx, yy); first = false; }
        else if (step) { g.lineTo(xx, lastY); g.lineTo(xx, yy); }
        else g.lineTo(xx, yy);
        lastY = yy;
      }
      g.strokeStyle = color;
      g.lineWidth = 1.6;
      g.stroke();
      if (fill) {
        g.lineTo(x(samples[samples.length - 1].t), pad.t + ph);
        g.lineTo(x(samples[0].t), pad.t + ph);
        g.closePath();
        g.fillStyle = fill;
        g.fill();
      }
    };
    g.save();
    g.beginPath(); g.rect(pad.l, pad.t, pw, ph); g.clip();
    line("#3ddc97", (s) => s.in, maxRate, "rgba(61,220,151,0.08)", false);
    line("#b08cff", (s) => s.out, maxRate, null, false);
    line("#4fb3ff", (s) => s.conns, maxConns, "rgba(79,179,255,0.10)", true);
    g.restore();
  }

  function start() {
    loadNode();
    connectEvents();
    poll();
    refreshKeptSoon();
    refreshClosedSoon();
    refreshClusterSoon();
  }

  window.addEventListener("resize", draw);
  setInterval(refreshClusterSoon, CLUSTER_POLL_MS);
  setInterval(poll, POLL_MS);
  setInterval(render, 1000); // ages tick
  start();
})();
