// skiff dashboard: polls the JSON API beside this file and renders it.
// Plain DOM, no framework, no build step; every text from the server goes
// through textContent, never through HTML parsing.
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";
  const tabs = ["overview", "routes", "endpoints", "invalid", "updates", "explain"];

  const state = {
    tab: "overview",
    pollMs: 2000,
    paused: false,
    timer: 0,
    busy: false,
    lastOk: 0,
    routes: { q: "", sort: "id", offset: 0, limit: 50 },
    endpoints: { q: "", state: "", offset: 0, limit: 50 },
    invalid: { q: "", offset: 0, limit: 50 },
    openExpr: new Set(),
  };

  // ---- small helpers -------------------------------------------------

  function $(id) { return document.getElementById(id); }

  // h builds an element: h("td", {class: "num"}, "text", child...).
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v === undefined || v === null || v === false) continue;
        if (k === "class") el.className = v;
        else if (k === "title") el.title = v;
        else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
        else el.setAttribute(k, v);
      }
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const c of children) {
      if (c === undefined || c === null || c === false) continue;
      if (Array.isArray(c)) append(el, c);
      else if (c instanceof Node) el.appendChild(c);
      else el.appendChild(document.createTextNode(String(c)));
    }
  }

  function svg(tag, attrs) {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) el.setAttribute(k, v);
    return el;
  }

  function replace(el, ...children) {
    el.replaceChildren();
    append(el, children);
  }

  function fmtRate(v) {
    if (v === undefined || v === null) return "–";
    if (v === 0) return "0";
    if (v >= 100) return Math.round(v).toLocaleString();
    if (v >= 10) return v.toFixed(1);
    if (v >= 0.01) return v.toFixed(2);
    return "<0.01";
  }

  function fmtInt(n) { return (n || 0).toLocaleString(); }

  function ago(iso, now) {
    const t = Date.parse(iso);
    if (!t || t < 0) return "–";
    let s = Math.max(0, Math.round(((now || Date.now()) - t) / 1000));
    if (s < 60) return s + " s ago";
    if (s < 3600) return Math.floor(s / 60) + " min ago";
    if (s < 86400) return Math.floor(s / 3600) + " h " + Math.floor((s % 3600) / 60) + " min ago";
    return Math.floor(s / 86400) + " d ago";
  }

  function clock(iso) {
    const d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleTimeString();
  }

  function stamp(iso) {
    const d = new Date(iso);
    return isNaN(d) ? "" : d.toLocaleString();
  }

  function pill(text, cls, title) { return h("span", { class: "pill " + (cls || ""), title: title }, text); }

  function stateClass(e) {
    if (e.state === "healthy" && e.fade_in < 1) return "fading";
    return e.state;
  }

  function stateLabel(e) {
    if (e.state === "healthy" && e.fade_in < 1) return "fading in";
    if (e.state === "lame-duck") return "lame duck";
    return e.state;
  }

  async function api(name, params) {
    const qs = params ? "?" + new URLSearchParams(params).toString() : "";
    const rsp = await fetch("api/" + name + qs, { headers: { Accept: "application/json" }, cache: "no-store" });
    let body = null;
    try { body = await rsp.json(); } catch (e) { body = null; }
    if (!rsp.ok) {
      const msg = body && body.error ? body.error : rsp.status + " " + rsp.statusText;
      const err = new Error(msg);
      err.status = rsp.status;
      throw err;
    }
    return body;
  }

  // ---- tabs and location ---------------------------------------------

  function readHash() {
    const raw = location.hash.replace(/^#/, "");
    const [name, query] = raw.split("?");
    const tab = tabs.includes(name) ? name : "overview";
    const p = new URLSearchParams(query || "");
    return { tab, p };
  }

  function showTab(tab) {
    state.tab = tab;
    for (const a of document.querySelectorAll("#tabs a")) a.classList.toggle("active", a.dataset.tab === tab);
    for (const s of document.querySelectorAll("[data-panel]")) s.hidden = s.dataset.panel !== tab;
  }

  function onHash() {
    const { tab, p } = readHash();
    showTab(tab);
    if (tab === "routes" && p.has("q")) {
      state.routes.q = p.get("q");
      state.routes.offset = 0;
      $("routes-q").value = state.routes.q;
    }
    if (tab === "explain" && p.has("url")) {
      $("ex-method").value = p.get("method") || "GET";
      $("ex-url").value = p.get("url");
      $("ex-headers").value = p.get("headers") || "";
      $("ex-remote").value = p.get("remote") || "";
      runExplain(false);
    }
    refresh();
  }

  // ---- polling ------------------------------------------------------

  function setLive(cls, text, title) {
    const el = $("live");
    el.className = "live " + cls;
    el.textContent = text;
    el.title = title || "";
  }

  function schedule() {
    clearTimeout(state.timer);
    // A hidden page does not poll; showing it again refreshes at once.
    if (state.paused || document.hidden) return;
    state.timer = setTimeout(refresh, state.pollMs);
  }

  async function refresh() {
    clearTimeout(state.timer);
    if (state.busy) { state.again = true; return; }
    state.busy = true;
    try {
      const jobs = [api("summary").then(renderSummary)];
      if (state.tab === "routes") jobs.push(loadRoutes());
      if (state.tab === "endpoints") jobs.push(loadEndpoints());
      if (state.tab === "invalid") jobs.push(loadInvalid());
      if (state.tab === "updates") jobs.push(api("updates").then(renderUpdates));
      await Promise.all(jobs);
      state.lastOk = Date.now();
      if (!state.paused) setLive("ok", "live · " + new Date().toLocaleTimeString(), "Refreshes every " + state.pollMs / 1000 + " s");
    } catch (e) {
      setLive("err", "not reachable, retrying", String(e && e.message ? e.message : e));
    } finally {
      state.busy = false;
      if (state.again) { state.again = false; refresh(); } else schedule();
    }
  }

  // ---- overview -----------------------------------------------------

  function renderSummary(s) {
    if (s.poll_ms > 0) state.pollMs = s.poll_ms;
    const now = Date.parse(s.now) || Date.now();
    $("k-routes").textContent = fmtInt(s.table.routes);
    $("k-table").textContent = "table built " + ago(s.table.created, now);
    $("k-table").title = stamp(s.table.created);
    const inv = $("k-invalid");
    inv.textContent = fmtInt(s.table.invalid + s.table.stale);
    inv.className = "kpi-value" + (s.table.invalid + s.table.stale > 0 ? " bad" : "");
    $("k-stale").textContent = s.table.stale > 0 ? s.table.stale + " serving their last valid version" : "";
    const ep = s.endpoints || {};
    $("k-healthy").textContent = fmtInt(ep.healthy) + " / " + fmtInt(ep.total);
    $("k-fading").textContent = ep.fading > 0 ? ep.fading + " fading in" : "";
    const dead = (ep.dead || 0) + (ep["lame-duck"] || 0);
    const kd = $("k-dead");
    kd.textContent = fmtInt(ep.dead) + " / " + fmtInt(ep["lame-duck"]);
    kd.className = "kpi-value" + (dead > 0 ? " bad" : "");
    $("k-unreg").textContent = ep.unregistered > 0 ? ep.unregistered + " held back (unregistered)" : "";
    $("k-rps").textContent = s.rates ? fmtRate(s.total.rps) : "–";
    $("k-eps").textContent = s.rates ? fmtRate(s.total.eps) : "–";
    $("k-eps").className = "kpi-value" + (s.rates && s.total.eps > 0 ? " bad" : "");
    $("k-errpct").textContent = s.rates && s.total.rps > 0 ? (100 * s.total.eps / s.total.rps).toFixed(2) + " % of requests" : "last minute";

    setBadge("tab-routes", s.table.routes, false);
    setBadge("tab-endpoints", dead > 0 ? dead : ep.total, dead > 0);
    setBadge("tab-invalid", s.table.invalid + s.table.stale, s.table.invalid + s.table.stale > 0);

    const note = s.rates ? "last " + Math.round(s.window_s / 60) + " min, sampled every " + s.interval_s + " s" : "";
    $("window-note").textContent = note;
    if (state.tab === "overview") {
      chart($("chart-rps"), s.series, "rps", s.rates, s.window_s);
      chart($("chart-eps"), s.series, "eps", s.rates, s.window_s);
      replace($("busiest"), rateTable(s.busiest, "rps", s.rates, "No requests in the last minute."));
      replace($("failing"), rateTable(s.failing, "eps", s.rates, "No 5xx in the last minute."));
      replace($("unhealthy"), unhealthyTable(s.unhealthy, now));
      replace($("recent-updates"), updatesTable(s.updates, now, s.updates_hooked));
    }
    $("footer").textContent = "skiff support listener · read-only · server time " + stamp(s.now);
  }

  function setBadge(id, n, bad) {
    const el = $(id);
    el.textContent = n ? fmtInt(n) : "";
    el.className = "badge" + (bad ? " bad" : "");
  }

  // where shows a source position by its file's base name, the whole
  // path in the tooltip.
  function where(pos) {
    return pos ? h("span", { class: "pos", title: pos }, baseName(pos)) : null;
  }

  // client shows a data client's name, its middle cut when long (file
  // clients are named by their paths), the whole name in the tooltip.
  function shortName(name) {
    return name && name.length > 44 ? name.slice(0, 14) + "…" + name.slice(-28) : name || "";
  }

  function client(name) {
    if (!name) return "–";
    return h("span", { class: "client", title: name }, shortName(name));
  }

  function baseName(pos) {
    const m = /([^\/]*:\d+:\d+)$/.exec(pos || "");
    return m ? m[1] : pos;
  }

  function routeLink(id) {
    return h("a", { href: "#routes?q=" + encodeURIComponent(id) }, id);
  }

  function rateTable(rows, key, enabled, emptyText) {
    if (!enabled) return h("div", { class: "empty" }, "Request rates are not sampled (no metrics registry wired to the dashboard).");
    if (!rows || rows.length === 0) return h("div", { class: "empty" }, emptyText);
    return h("table", { class: "mini" },
      h("thead", null, h("tr", null, h("th", null, "Route"), h("th", { class: "num" }, "Req/s"), h("th", { class: "num" }, "5xx/s"), h("th", { class: "num" }, "5xx %"))),
      h("tbody", null, rows.map(r => h("tr", { "data-route": r.id },
        h("td", null, routeLink(r.id)),
        h("td", { class: "num" }, fmtRate(r.rps)),
        h("td", { class: "num" + (r.eps > 0 ? " bad-text" : "") }, fmtRate(r.eps)),
        h("td", { class: "num" }, r.rps > 0 ? (100 * r.eps / r.rps).toFixed(1) : "–")))));
  }

  function unhealthyTable(rows, now) {
    if (!rows || rows.length === 0) return h("div", { class: "empty" }, "Every load-balanced endpoint is healthy.");
    return h("table", { class: "mini" },
      h("tbody", null, rows.map(e => h("tr", null,
        h("td", { class: "mono" }, e.address),
        h("td", null, pill(stateLabel(e), stateClass(e))),
        h("td", null, h("span", { class: "muted", title: stamp(e.since) }, "since " + ago(e.since, now)), e.reason ? h("span", { class: "reason" }, e.reason) : null)))));
  }

  function updatesTable(rows, now, hooked) {
    if (!rows || rows.length === 0) return h("div", { class: "empty" }, "No routing update seen yet.");
    return h("table", { class: "mini" },
      h("thead", null, h("tr", null, h("th", null, "When"), h("th", null, "Data client"), h("th", { class: "num" }, hooked ? "Updates" : "Routes changed"),
        h("th", { class: "num", title: "from routing receiving the update to the table with it serving (the longest of the entry's updates)" }, "Until live"),
        h("th", null, "Table build"), h("th", { class: "num", title: "valid / invalid routes of the table serving it" }, "Routes"))),
      h("tbody", null, rows.map(u => h("tr", null,
        h("td", { title: stamp(u.time) }, clock(u.time), " ", h("span", { class: "muted" }, ago(u.time, now))),
        h("td", null, u.observed ? h("span", { class: "muted", title: "Routing does not report its updates here: a new table the dashboard saw." }, "new table") : client(u.client),
          u.full ? h("span", { class: "muted" }, " (full set)") : null),
        h("td", { class: "num" }, u.observed ? (u.changed > 0 ? fmtInt(u.changed) : u.changed < 0 ? "initial" : "–") : fmtInt(u.updates)),
        h("td", { class: "num" }, u.latency_ms > 0 ? fmtMs(u.latency_ms) : "–"),
        h("td", null, u.observed ? "–" : u.build ? u.build + " · " + fmtMs(u.build_ms) : h("span", { class: "muted", title: "nothing a table holds changed, e.g. an endpoint list applied in place" }, "none")),
        h("td", { class: "num" }, u.valid >= 0 ? fmtInt(u.valid) + (u.invalid ? " / " + fmtInt(u.invalid) : "") : "–")))));
  }

  function fmtMs(ms) {
    if (ms < 1) return ms.toFixed(2) + " ms";
    if (ms < 1000) return ms.toFixed(ms < 10 ? 1 : 0) + " ms";
    return (ms / 1000).toFixed(2) + " s";
  }

  // chart draws one series of s (key rps or eps) as an area chart.
  function chart(el, s, key, enabled, windowS) {
    const w = Math.max(200, el.clientWidth || 400), hgt = Math.max(100, el.clientHeight || 160);
    const padL = 44, padR = 8, padT = 8, padB = 20;
    const root = svg("svg", { viewBox: `0 0 ${w} ${hgt}`, role: "img", "aria-label": key === "rps" ? "requests per second" : "5xx per second" });
    const vals = enabled && s && s[key] ? s[key] : [];
    const at = enabled && s && s.at ? s.at : [];
    if (vals.length < 2) {
      const t = svg("text", { x: w / 2, y: hgt / 2, "text-anchor": "middle", class: "axis" });
      t.textContent = enabled ? "collecting samples…" : "no rates: no metrics registry wired to the dashboard";
      root.appendChild(t);
      el.replaceChildren(root);
      return;
    }
    const maxV = niceMax(Math.max(...vals));
    const end = at[at.length - 1], start = Math.min(at[0], end - windowS * 1000);
    const x = t => padL + (w - padL - padR) * (t - start) / Math.max(1, end - start);
    const y = v => padT + (hgt - padT - padB) * (1 - v / maxV);
    for (const f of [0, 0.5, 1]) {
      const yy = y(maxV * f);
      root.appendChild(svg("line", { x1: padL, x2: w - padR, y1: yy, y2: yy, class: "gridline" }));
      const lab = svg("text", { x: padL - 6, y: yy + 4, "text-anchor": "end", class: "axis" });
      lab.textContent = fmtRate(maxV * f);
      root.appendChild(lab);
    }
    const pts = vals.map((v, i) => `${x(at[i]).toFixed(1)},${y(v).toFixed(1)}`);
    root.appendChild(svg("path", { d: `M${x(at[0]).toFixed(1)},${y(0)}L${pts.join("L")}L${x(end).toFixed(1)},${y(0)}Z`, class: "area-" + key }));
    root.appendChild(svg("polyline", { points: pts.join(" "), class: "line-" + key }));
    const l = svg("text", { x: padL, y: hgt - 4, class: "axis" });
    l.textContent = "-" + Math.round((end - start) / 60000) + " min";
    const r = svg("text", { x: w - padR, y: hgt - 4, "text-anchor": "end", class: "axis" });
    r.textContent = "now " + fmtRate(vals[vals.length - 1]) + "/s";
    root.append(l, r);
    el.replaceChildren(root);
  }

  function niceMax(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * p) return m * p;
    return 10 * p;
  }

  function sparkline(s) {
    const root = svg("svg", { class: "spark", viewBox: "0 0 130 26", preserveAspectRatio: "none" });
    if (!s || !s.rps || s.rps.length < 2) return root;
    const maxV = Math.max(...s.rps, ...s.eps, 0.001);
    const n = s.rps.length;
    const line = (vals, cls) => svg("polyline", {
      class: cls, "vector-effect": "non-scaling-stroke",
      points: vals.map((v, i) => `${(130 * i / (n - 1)).toFixed(1)},${(24 - 22 * v / maxV + 1).toFixed(1)}`).join(" "),
    });
    root.appendChild(line(s.rps, "s-rps"));
    if (s.eps.some(v => v > 0)) root.appendChild(line(s.eps, "s-eps"));
    const t = svg("title");
    t.textContent = "peak " + fmtRate(Math.max(...s.rps)) + " req/s";
    root.appendChild(t);
    return root;
  }

  // ---- routes -------------------------------------------------------

  async function loadRoutes() {
    const r = state.routes;
    const p = await api("routes", { q: r.q, sort: r.sort, offset: r.offset, limit: r.limit });
    renderRoutes(p);
  }

  function expr(text, key) {
    const el = h("span", { class: "expr" + (state.openExpr.has(key) ? " open" : ""), title: "click to show all" }, text);
    el.addEventListener("click", () => {
      el.classList.toggle("open");
      if (el.classList.contains("open")) state.openExpr.add(key); else state.openExpr.delete(key);
    });
    return el;
  }

  function renderRoutes(p) {
    const count = p.matched === p.total ? fmtInt(p.total) + " routes" : fmtInt(p.matched) + " of " + fmtInt(p.total) + " routes match";
    $("routes-count").textContent = count;
    const body = $("routes-table").tBodies[0];
    if (p.rows.length === 0) {
      replace(body, h("tr", null, h("td", { colspan: 6, class: "empty" }, p.total === 0 ? "The table has no routes." : "No route matches the search.")));
    } else {
      replace(body, p.rows.map(r => h("tr", { "data-route": r.id },
        h("td", { class: "id" }, r.id, r.stale ? [" ", pill("stale", "stale", "its new version was rejected: " + r.stale)] : null, expr(r.text, r.id)),
        h("td", null, client(r.source), where(r.position)),
        h("td", null, r.backend, r.endpoints ? [" ", endpointsPill(r.endpoints)] : null, r.weight ? h("span", { class: "pos" }, "weight " + r.weight) : null),
        h("td", { class: "num" }, p.rates ? fmtRate(r.rate.rps) : "–"),
        h("td", { class: "num" + (r.rate.eps > 0 ? " bad-text" : "") }, p.rates ? fmtRate(r.rate.eps) : "–"),
        h("td", null, p.rates ? sparkline(r.series) : h("span", { class: "muted" }, "–")))));
    }
    pager($("routes-pager"), p, state.routes, loadRoutes);
  }

  function endpointsPill(c) {
    const cls = c.total === 0 ? "dead" : c.healthy === c.total ? (c.fading > 0 ? "fading" : "healthy") : c.healthy === 0 ? "dead" : "lame-duck";
    let text = c.healthy + "/" + c.total + " healthy";
    if (c.fading > 0) text += ", " + c.fading + " fading in";
    const a = h("a", { href: "#endpoints", class: "pill " + cls }, text);
    return a;
  }

  function pager(el, p, st, load) {
    const from = p.matched === 0 ? 0 : p.offset + 1, to = Math.min(p.offset + p.rows.length, p.matched);
    const go = off => { st.offset = Math.max(0, off); load().catch(showError); };
    replace(el,
      h("button", { type: "button", class: "ghost", disabled: p.offset <= 0 ? "" : null, onclick: () => go(0) }, "« First"),
      h("button", { type: "button", class: "ghost", disabled: p.offset <= 0 ? "" : null, onclick: () => go(p.offset - st.limit) }, "‹ Previous"),
      h("span", { class: "muted" }, fmtInt(from) + "–" + fmtInt(to) + " of " + fmtInt(p.matched)),
      h("button", { type: "button", class: "ghost", disabled: to >= p.matched ? "" : null, onclick: () => go(p.offset + st.limit) }, "Next ›"),
      h("button", { type: "button", class: "ghost", disabled: to >= p.matched ? "" : null, onclick: () => go(Math.floor((p.matched - 1) / st.limit) * st.limit) }, "Last »"));
  }

  function showError(e) { setLive("err", "error: " + (e && e.message ? e.message : e)); }

  // ---- endpoints ----------------------------------------------------

  async function loadEndpoints() {
    const e = state.endpoints;
    renderEndpoints(await api("endpoints", { q: e.q, state: e.state, offset: e.offset, limit: e.limit }));
  }

  function renderEndpoints(p) {
    const st = p.states || {};
    $("endpoints-count").textContent = fmtInt(p.matched) + " of " + fmtInt(p.total) + " · " +
      fmtInt(st.healthy) + " healthy, " + fmtInt(st.dead) + " dead, " + fmtInt(st["lame-duck"]) + " lame duck, " + fmtInt(st.fading) + " fading in";
    const body = $("endpoints-table").tBodies[0];
    const now = Date.now();
    if (p.rows.length === 0) {
      replace(body, h("tr", null, h("td", { colspan: 7, class: "empty" }, p.total === 0 ? "No load-balanced endpoints." : "No endpoint matches.")));
    } else {
      replace(body, p.rows.map(e => h("tr", { "data-endpoint": e.address, "data-state": e.state },
        h("td", { class: "mono" }, e.address, h("span", { class: "pos", title: stamp(e.detected) }, "seen " + ago(e.detected, now))),
        h("td", null, pill(stateLabel(e), stateClass(e)), e.damped ? [" ", pill("damped", "unregistered", "update-flap damping holds its registration back")] : null,
          h("span", { class: "reason", title: stamp(e.since) }, "since " + ago(e.since, now) + (e.reason ? " · " + e.reason : "")),
          e.drop_probability > 0 ? h("span", { class: "reason" }, "passive health drops " + (100 * e.drop_probability).toFixed(0) + " %") : null),
        h("td", { class: "num" }, fmtInt(e.in_flight)),
        h("td", null, fadeBar(e.fade_in)),
        h("td", { class: "num" }, fmtInt(e.requests)),
        h("td", { class: "num" + (e.failures > 0 ? " bad-text" : "") }, fmtInt(e.failures)),
        h("td", null, e.routes.map((id, i) => [i ? ", " : "", routeLink(id)]), e.route_count > e.routes.length ? h("span", { class: "muted" }, " and " + (e.route_count - e.routes.length) + " more") : null))));
    }
    pager($("endpoints-pager"), p, state.endpoints, loadEndpoints);
  }

  function fadeBar(f) {
    if (f >= 1) return h("span", { class: "muted", title: "full share of the traffic" }, "done");
    const pct = Math.max(0, Math.min(1, f)) * 100;
    const fill = h("div");
    fill.style.width = pct.toFixed(0) + "%";
    return h("span", { title: f < 1 ? "fading in: " + pct.toFixed(0) + " % of a full share" : "full share" },
      h("span", { class: "bar" + (f >= 1 ? " done" : "") }, fill), " ", h("span", { class: "muted" }, pct.toFixed(0) + " %"));
  }

  // ---- invalid routes ----------------------------------------------

  async function loadInvalid() {
    const i = state.invalid;
    renderInvalid(await api("invalid", { q: i.q, offset: i.offset, limit: i.limit }));
  }

  function renderInvalid(p) {
    $("invalid-count").textContent = fmtInt(p.matched) + " of " + fmtInt(p.total);
    const body = $("invalid-table").tBodies[0];
    if (p.rows.length === 0) {
      replace(body, h("tr", null, h("td", { colspan: 4, class: "empty" }, p.total === 0 ? "No invalid routes." : "No invalid route matches.")));
    } else {
      replace(body, p.rows.map(r => h("tr", { "data-invalid": r.id },
        h("td", { class: "id" }, r.id, r.stale ? [" ", pill("stale", "stale", "the table serves the route's last valid version")] : null),
        h("td", null, client(r.source), where(r.position)),
        h("td", null, pill(r.reason, "dead")),
        h("td", { class: "mono" }, r.error))));
    }
    pager($("invalid-pager"), p, state.invalid, loadInvalid);
  }

  // ---- updates ------------------------------------------------------

  function renderUpdates(u) {
    $("updates-note").textContent = u.hooked ? "Updates as routing reports them: per table build and data client, how many updates it took in, the longest time one waited from routing receiving it to serving, and the build." :
      "Routing does not report its updates to the dashboard here: the list shows the new tables the dashboard saw (sampled), with how many routes changed.";
    replace($("updates-list"), updatesTable(u.updates, Date.now(), u.hooked));
  }

  // ---- explain ------------------------------------------------------

  async function runExplain(pushHash) {
    const params = {
      method: $("ex-method").value.trim() || "GET",
      url: $("ex-url").value.trim(),
      headers: $("ex-headers").value,
      remote: $("ex-remote").value.trim(),
    };
    const out = $("explain-result");
    if (!params.url) { replace(out, h("div", { class: "error-box" }, "Give a URL or a path.")); return; }
    if (pushHash) history.replaceState(null, "", "#explain?" + new URLSearchParams(params).toString());
    $("ex-submit").disabled = true;
    try {
      renderExplain(await api("explain", params));
    } catch (e) {
      replace(out, h("div", { class: "error-box", id: "explain-error" }, e.message || String(e)));
    } finally {
      $("ex-submit").disabled = false;
    }
  }

  function renderExplain(x) {
    const out = $("explain-result");
    const counts = Object.entries(x.counts || {}).map(([k, n]) => n + " " + k).join(", ");
    let winner;
    if (x.route) {
      winner = h("div", { class: "panel winner", id: "explain-winner", "data-route": x.route.id },
        h("h3", null, "→ route ", h("a", { href: "#routes?q=" + encodeURIComponent(x.route.id) }, x.route.id)),
        h("div", { class: "muted" }, client(x.route.source), x.route.position ? [" · ", h("span", { title: x.route.position }, baseName(x.route.position))] : null, " · weight " + x.route.weight),
        h("code", { class: "expr open" }, x.route.text),
        x.params && x.params.length ? h("div", null, "params: ", x.params.map((p, i) => [i ? ", " : "", h("code", null, p.name + "=" + p.value)])) : null);
    } else {
      winner = h("div", { class: "panel winner none", id: "explain-winner" }, h("h3", null, "No route matches: the proxy answers 404."));
    }
    const rows = [];
    let list = -1;
    for (const v of x.verdicts) {
      if (v.list !== list) {
        list = v.list;
        rows.push(h("tr", { class: "list-key" }, h("td", { colspan: 4 }, v.key || "(routes without Path or PathSubtree)")));
      }
      const cls = v.outcome.replace(" ", "-");
      rows.push(h("tr", { "data-verdict": v.id, "data-outcome": v.outcome },
        h("td", null, pill(v.outcome, cls), v.tried ? null : h("span", { class: "pos", title: "Match would not evaluate it for this request: it ranks after the winner or is filed under another host" }, "not tried")),
        h("td", { class: "id" }, routeLink(v.id), h("span", { class: "pos", title: (v.source || "") + (v.position ? " · " + v.position : "") }, shortName(v.source) + (v.position ? " · " + baseName(v.position) : ""))),
        h("td", { class: "num" }, v.weight),
        h("td", null, v.reason, expr(v.text, "ex:" + v.id))));
    }
    replace(out,
      h("p", null, h("strong", null, x.method + " " + x.host + x.path), " ", h("span", { class: "muted" }, counts ? "candidates: " + counts : "no candidates")),
      winner,
      x.verdicts.length ? h("table", { class: "data", id: "explain-verdicts" },
        h("thead", null, h("tr", null, h("th", null, "Verdict"), h("th", null, "Route"), h("th", { class: "num" }, "Weight"), h("th", null, "Why"))),
        h("tbody", null, rows)) : h("p", { class: "muted" }, "No route's path fits the request path."),
      x.hidden > 0 ? h("p", { class: "muted" }, x.hidden + " more candidates not shown.") : null,
      x.invalid > 0 ? h("p", { class: "muted" }, x.invalid + " invalid routes are not candidates (see Invalid).") : null);
  }

  // ---- wiring -------------------------------------------------------

  function debounce(f, ms) {
    let t = 0;
    return () => { clearTimeout(t); t = setTimeout(f, ms); };
  }

  function init() {
    $("pause").addEventListener("click", () => {
      state.paused = !state.paused;
      $("pause").textContent = state.paused ? "Resume" : "Pause";
      if (state.paused) { clearTimeout(state.timer); setLive("paused", "paused"); } else refresh();
    });
    const search = (input, st, load) => {
      $(input).addEventListener("input", debounce(() => {
        st.q = $(input).value;
        st.offset = 0;
        load().catch(showError);
      }, 200));
    };
    search("routes-q", state.routes, loadRoutes);
    search("endpoints-q", state.endpoints, loadEndpoints);
    search("invalid-q", state.invalid, loadInvalid);
    for (const f of ["routes-form", "endpoints-form", "invalid-form"]) $(f).addEventListener("submit", ev => ev.preventDefault());
    $("routes-sort").addEventListener("change", () => { state.routes.sort = $("routes-sort").value; state.routes.offset = 0; loadRoutes().catch(showError); });
    $("endpoints-state").addEventListener("change", () => { state.endpoints.state = $("endpoints-state").value; state.endpoints.offset = 0; loadEndpoints().catch(showError); });
    $("explain-form").addEventListener("submit", ev => { ev.preventDefault(); runExplain(true); });
    document.addEventListener("visibilitychange", () => { if (!document.hidden && !state.paused) refresh(); });
    window.addEventListener("hashchange", onHash);
    onHash();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
