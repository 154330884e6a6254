/*
 * lineaged lineage map: vanilla JavaScript, no dependencies. Talks to the
 * JSON API of the same origin (/api/search, /api/graph, /api/node,
 * /api/offboard, /api/events, /api/events/stream). Everything from the API
 * is shown with textContent / SVG text: identity names come from logs and
 * are never parsed as HTML.
 */
"use strict";

(function () {
  const SVGNS = "http://www.w3.org/2000/svg";
  const NODE_W = 236, NODE_H = 38, COL_W = 310, ROW_H = 54;
  const CLUSTER_AT = 6;      // more children of one kind than this: a cluster
  const MAX_EVENTS = 200;

  const $ = (id) => document.getElementById(id);
  const st = {
    nodes: new Map(),        // id -> node (API fields + layout)
    edges: new Map(),        // "from\n to" -> edge
    subject: null,
    selected: null,
    openClusters: new Set(), // "parent\nkind"
    asOf: "",
    token: sessionStorage.getItem("lineaged.token") || "",
    view: { x: 40, y: 40, k: 1 },
    lastEvent: 0,
    extent: { w: 0, h: 0 },
  };

  /* ---------- HTTP ---------- */

  function headers() {
    const h = { Accept: "application/json" };
    if (st.token) h.Authorization = "Bearer " + st.token;
    return h;
  }

  function withAsOf(url) {
    if (!st.asOf) return url;
    return url + (url.includes("?") ? "&" : "?") + "as_of=" + encodeURIComponent(st.asOf);
  }

  async function api(url) {
    const r = await fetch(url, { headers: headers(), cache: "no-store" });
    if (r.status === 401) {
      $("token-form").hidden = false;
      throw new Error("this server needs an API token");
    }
    let body = null;
    try { body = await r.json(); } catch (e) { /* not JSON */ }
    if (!r.ok) throw new Error((body && body.error) || ("HTTP " + r.status));
    return body;
  }

  function setStatus(msg) { $("status").textContent = msg || ""; }

  /* ---------- small helpers ---------- */

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function svg(tag, attrs, parent) {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(e);
    return e;
  }

  function day(iso) { return iso ? iso.slice(0, 10) : "-"; }

  function short(s, n) {
    if (!s) return "";
    return s.length > n ? s.slice(0, n - 1) + "\u2026" : s;
  }

  function label(n) {
    if (n.name) return n.name;
    if (n.id.startsWith("arn:")) return n.id.slice(n.id.lastIndexOf("/") + 1) || n.id;
    return n.id;
  }

  const GLYPH = {
    human: "P", iam_user: "U", iam_role: "R", access_key: "K", service_credential: "K",
    sts_session: "S", aws_root: "!", federated_user: "F", github_account: "G",
    github_fine_grained_pat: "T", github_classic_token: "T", github_deploy_key: "D",
    github_ssh_key: "D", github_app_installation: "A", okta_api_token: "T",
    okta_service_app: "A", agent: "AI",
  };

  function isGone(n) { return n.status && n.status !== "active" && n.kind !== "human"; }

  function marks(n) {
    const m = [];
    const flags = n.flags || [];
    if (flags.includes("departed")) m.push(["DEPARTED", "bad"]);
    if (flags.includes("orphan")) m.push(["ORPHAN", "bad"]);
    if (flags.includes("privileged_ownerless")) m.push(["OWNERLESS", "bad"]);
    if (n.privileged) m.push(["PRIV", "warn"]);
    if (isGone(n)) m.push([n.status.toUpperCase(), "gone"]);
    return m;
  }

  /* ---------- the graph model ---------- */

  function reset() {
    st.nodes.clear();
    st.edges.clear();
    st.openClusters.clear();
    st.selected = null;
  }

  function merge(g) {
    for (const n of g.nodes) {
      const old = st.nodes.get(n.id);
      if (old && old.complete) n.complete = true;
      st.nodes.set(n.id, Object.assign(old || {}, n));
    }
    for (const e of g.edges) st.edges.set(e.from + "\n" + e.to, e);
  }

  /* One tree parent per node: its lineage edge, else another link. */
  function treeParents() {
    const parent = new Map();
    for (const e of st.edges.values())
      if (e.lineage && st.nodes.has(e.from) && st.nodes.has(e.to)) parent.set(e.to, e);
    for (const e of st.edges.values())
      if (!parent.has(e.to) && st.nodes.has(e.from) && st.nodes.has(e.to) && e.from !== e.to)
        parent.set(e.to, e);
    // break cycles: walk up from each node
    for (const id of parent.keys()) {
      const seen = new Set([id]);
      let cur = parent.get(id);
      while (cur) {
        if (seen.has(cur.from)) { parent.delete(id); break; }
        seen.add(cur.from);
        cur = parent.get(cur.from);
      }
    }
    return parent;
  }

  function kindOrder(a, b) {
    return (a.system || "").localeCompare(b.system || "") ||
      a.kind.localeCompare(b.kind) || label(a).localeCompare(label(b));
  }

  /* Visible children of id: nodes, and clusters for big groups of a kind. */
  function visibleChildren(id, kids) {
    const list = (kids.get(id) || []).map((c) => st.nodes.get(c)).sort(kindOrder);
    const byKind = new Map();
    for (const n of list) {
      if (!byKind.has(n.kind)) byKind.set(n.kind, []);
      byKind.get(n.kind).push(n);
    }
    const out = [];
    for (const [kind, group] of byKind) {
      const key = id + "\n" + kind;
      const hasSel = group.some((n) => n.id === st.subject || n.id === st.selected);
      if (group.length > CLUSTER_AT && !st.openClusters.has(key) && !hasSel) {
        out.push({ cluster: true, key, kind, parent: id, members: group });
      } else {
        out.push(...group);
      }
    }
    return out;
  }

  function layout() {
    const parent = treeParents();
    const kids = new Map();
    for (const [child, e] of parent) {
      if (!kids.has(e.from)) kids.set(e.from, []);
      kids.get(e.from).push(child);
    }
    const roots = [...st.nodes.keys()].filter((id) => !parent.has(id));
    roots.sort((a, b) => (st.nodes.get(a).kind === "human" ? -1 : 0) -
      (st.nodes.get(b).kind === "human" ? -1 : 0));
    const placed = [];
    let y = 0, maxDepth = 0;
    function place(item, depth) {
      maxDepth = Math.max(maxDepth, depth);
      item.x = depth * COL_W;
      const children = item.cluster ? [] : visibleChildren(item.id, kids);
      if (!children.length) {
        item.y = y;
        y += ROW_H;
      } else {
        for (const c of children) place(c, depth + 1);
        item.y = (children[0].y + children[children.length - 1].y) / 2;
      }
      item.children = children;
      placed.push(item);
    }
    for (const r of roots) {
      place(st.nodes.get(r), 0);
      y += ROW_H / 2;
    }
    st.extent = { w: (maxDepth + 1) * COL_W, h: Math.max(y, ROW_H) };
    return { placed, parent };
  }

  /* ---------- drawing ---------- */

  function edgePath(a, b) {
    const x1 = a.x + NODE_W, y1 = a.y, x2 = b.x - 6, y2 = b.y;
    const mx = (x1 + x2) / 2;
    return `M ${x1} ${y1} C ${mx} ${y1}, ${mx} ${y2}, ${x2} ${y2}`;
  }

  function draw() {
    const { placed, parent } = layout();
    const gE = $("edges"), gN = $("nodes");
    gE.textContent = "";
    gN.textContent = "";
    $("empty").hidden = st.nodes.size > 0;
    for (const item of placed) {
      for (const c of item.children || []) {
        const e = c.cluster ? null : parent.get(c.id);
        const cls = ["edge"];
        if (e && !e.lineage) cls.push("other");
        if (!c.cluster && isGone(c)) cls.push("gone");
        const p = svg("path", {
          d: edgePath(item, c), class: cls.join(" "), "marker-end": "url(#arrow)",
          "data-from": item.id || "", "data-to": c.cluster ? c.key : c.id,
          "data-type": e ? e.type : "cluster",
        }, gE);
        const t = svg("title", {}, p);
        t.textContent = e ? e.type + (e.evidence ? " \u00b7 " + e.evidence : "") : "";
        if (e && !c.cluster) { // the link's basis, just before the arrowhead
          const tl = svg("text", { x: c.x - 12, y: c.y - 5, class: "edge-label", "text-anchor": "end" }, gE);
          tl.textContent = e.type;
        }
      }
    }
    for (const item of placed) {
      if (item.cluster) drawCluster(gN, item);
      else drawNode(gN, item);
    }
    applyView();
  }

  function drawTags(g, n, list) {
    let x = NODE_W - 6;
    for (const [text, cls] of list) {
      const w = 10 + text.length * 6.8;
      x -= w;
      const tg = svg("g", { class: "tag " + cls, transform: `translate(${x},${-NODE_H / 2 - 7})` }, g);
      svg("rect", { width: w, height: 14, rx: 7 }, tg);
      svg("text", { x: w / 2, y: 7 }, tg).textContent = text;
      x -= 4;
    }
  }

  function drawNode(parentG, n) {
    const flags = n.flags || [];
    const cls = ["node", n.system || "aws", n.kind];
    for (const f of flags) cls.push(f);
    if (isGone(n)) cls.push("gone");
    if (n.id === st.selected) cls.push("selected");
    if (n.id === st.subject) cls.push("subject");
    const g = svg("g", {
      class: cls.join(" "), transform: `translate(${n.x},${n.y})`,
      "data-id": n.id, "data-kind": n.kind, "data-flags": flags.join(" "),
      "data-status": n.status || "", "data-privileged": String(!!n.privileged),
      tabindex: "0", role: "button",
    }, parentG);
    svg("title", {}, g).textContent = n.id;
    svg("rect", { class: "box", x: 0, y: -NODE_H / 2, width: NODE_W, height: NODE_H, rx: 8 }, g);
    svg("rect", { class: "badge", x: 6, y: -11, width: 24, height: 22, rx: 5 }, g);
    svg("text", { class: "glyph", x: 18, y: 0 }, g).textContent = GLYPH[n.kind] || "?";
    svg("text", { class: "label", x: 38, y: -7 }, g).textContent = short(label(n), 29);
    let sub = n.kind.replace(/_/g, " ");
    if (n.kind === "human") sub = n.status === "departed" ? "departed " + day(n.status_since) : "person";
    else if (n.name && n.name !== n.id) sub += " \u00b7 " + short(n.id, 26 - sub.length);
    svg("text", { class: "sublabel", x: 38, y: 9 }, g).textContent = short(sub, 36);
    drawTags(g, n, marks(n));
    if (n.dependants > 0 && !n.complete) {
      const ex = svg("g", { class: "expand", transform: `translate(${NODE_W + 12},0)`, "data-expand": n.id }, g);
      svg("circle", { r: 9 }, ex);
      svg("text", { x: 0, y: 0 }, ex).textContent = "+";
      svg("title", {}, ex).textContent = "show the " + n.dependants + " identities below";
      ex.addEventListener("click", (ev) => { ev.stopPropagation(); expand(n.id); });
    }
    g.addEventListener("click", () => select(n.id));
    g.addEventListener("keydown", (ev) => { if (ev.key === "Enter") select(n.id); });
  }

  function drawCluster(parentG, c) {
    const counts = { orphan: 0, priv: 0, gone: 0 };
    for (const m of c.members) {
      if ((m.flags || []).includes("orphan")) counts.orphan++;
      if (m.privileged) counts.priv++;
      if (isGone(m)) counts.gone++;
    }
    const g = svg("g", {
      class: "node cluster " + (c.members[0].system || ""), transform: `translate(${c.x},${c.y})`,
      "data-cluster": c.key, "data-kind": c.kind, "data-count": c.members.length,
      tabindex: "0", role: "button",
    }, parentG);
    svg("title", {}, g).textContent = "click to show all " + c.members.length;
    svg("rect", { class: "box", x: 0, y: -NODE_H / 2, width: NODE_W, height: NODE_H, rx: 8 }, g);
    svg("rect", { class: "badge", x: 6, y: -11, width: 24, height: 22, rx: 5 }, g);
    svg("text", { class: "glyph", x: 18, y: 0 }, g).textContent = String(c.members.length);
    svg("text", { class: "label", x: 38, y: -7 }, g).textContent =
      c.members.length + " \u00d7 " + c.kind.replace(/_/g, " ");
    const parts = [];
    if (counts.orphan) parts.push(counts.orphan + " orphaned");
    if (counts.priv) parts.push(counts.priv + " privileged");
    if (counts.gone) parts.push(counts.gone + " gone");
    svg("text", { class: "sublabel", x: 38, y: 9 }, g).textContent = parts.join(", ") || "click to expand";
    const tags = [];
    if (counts.orphan) tags.push(["ORPHAN", "bad"]);
    if (counts.priv) tags.push(["PRIV", "warn"]);
    drawTags(g, c, tags);
    const open = () => { st.openClusters.add(c.key); draw(); };
    g.addEventListener("click", open);
    g.addEventListener("keydown", (ev) => { if (ev.key === "Enter") open(); });
  }

  /* ---------- pan and zoom ---------- */

  function applyView() {
    const v = st.view;
    $("viewport").setAttribute("transform", `translate(${v.x},${v.y}) scale(${v.k})`);
  }

  function fit() {
    const box = $("graph").getBoundingClientRect();
    const w = st.extent.w - (COL_W - NODE_W) + 40, h = st.extent.h + 20;
    const k = Math.min(1.15, Math.max(0.2, Math.min((box.width - 60) / w, (box.height - 110) / h)));
    const top = Math.max(40, Math.min((box.height - h * k) / 2, box.height / 4));
    st.view = { k, x: 30 + Math.max(0, (box.width - 60 - w * k) / 2), y: top + NODE_H / 2 * k };
    applyView();
  }

  function zoomAt(factor, cx, cy) {
    const v = st.view;
    const k = Math.min(3, Math.max(0.1, v.k * factor));
    v.x = cx - (cx - v.x) * (k / v.k);
    v.y = cy - (cy - v.y) * (k / v.k);
    v.k = k;
    applyView();
  }

  function initPanZoom() {
    const s = $("graph");
    let drag = null;
    s.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      const r = s.getBoundingClientRect();
      zoomAt(ev.deltaY < 0 ? 1.12 : 1 / 1.12, ev.clientX - r.left, ev.clientY - r.top);
    }, { passive: false });
    s.addEventListener("pointerdown", (ev) => {
      if (ev.target.closest(".node")) return;
      drag = { x: ev.clientX, y: ev.clientY, vx: st.view.x, vy: st.view.y };
      s.classList.add("dragging");
    });
    window.addEventListener("pointermove", (ev) => {
      if (!drag) return;
      st.view.x = drag.vx + ev.clientX - drag.x;
      st.view.y = drag.vy + ev.clientY - drag.y;
      applyView();
    });
    window.addEventListener("pointerup", () => { drag = null; s.classList.remove("dragging"); });
    const mid = () => { const r = s.getBoundingClientRect(); return [r.width / 2, r.height / 2]; };
    $("zoom-in").addEventListener("click", () => zoomAt(1.25, ...mid()));
    $("zoom-out").addEventListener("click", () => zoomAt(0.8, ...mid()));
    $("zoom-fit").addEventListener("click", fit);
  }

  /* ---------- loading ---------- */

  async function load(id) {
    document.body.dataset.state = "loading";
    setStatus("");
    try {
      const g = await api(withAsOf("/api/graph?depth=8&id=" + encodeURIComponent(id)));
      reset();
      merge(g);
      st.subject = g.root;
      const link = new URLSearchParams({ q: g.root });
      if (st.asOf) link.set("as_of", st.asOf);
      history.replaceState(null, "", "?" + link.toString());
      draw();
      fit();
      await select(g.root);
      const asof = st.asOf ? " as of " + st.asOf : "";
      setStatus(g.truncated ? "large lineage: expand nodes with + to see more" + asof : asof.trim());
    } catch (e) {
      setStatus(e.message);
    } finally {
      document.body.dataset.state = "ready";
    }
  }

  async function expand(id) {
    try {
      const g = await api(withAsOf("/api/graph?depth=1&id=" + encodeURIComponent(id)));
      merge(g);
      draw();
    } catch (e) {
      setStatus(e.message);
    }
  }

  /* ---------- details ---------- */

  function row(parent, k, v) {
    if (v === undefined || v === null || v === "") return;
    const r = el("div", "d-row");
    r.appendChild(el("span", "k", k));
    r.appendChild(el("span", "v", v));
    parent.appendChild(r);
  }

  function pill(parent, text, cls) { parent.appendChild(el("span", "pill " + (cls || ""), text)); }

  async function select(id) {
    st.selected = id;
    for (const g of document.querySelectorAll("#nodes .node"))
      g.classList.toggle("selected", g.dataset.id === id);
    const body = $("details-body");
    body.className = "";
    body.dataset.id = id;
    let d;
    try {
      d = await api(withAsOf("/api/node?id=" + encodeURIComponent(id)));
    } catch (e) {
      body.textContent = e.message;
      return;
    }
    if (st.selected !== id) return;
    const n = d.node;
    body.textContent = "";
    body.appendChild(el("div", "d-title", n.name || n.id));
    body.appendChild(el("div", "d-kind", n.kind === "human" ? "person" :
      n.kind.replace(/_/g, " ") + " \u00b7 " + n.system));
    const pills = el("div", "pills");
    if (n.kind === "human") pill(pills, n.status, n.status === "active" ? "ok" : "bad");
    else pill(pills, n.status, n.status === "active" ? "ok" : "gone");
    for (const [t, c] of marks(n)) if (t !== n.status.toUpperCase()) pill(pills, t.toLowerCase(), c);
    body.appendChild(pills);
    row(body, "id", n.id);
    if (n.kind !== "human") {
      const o = n.owner ? n.owner.id + " (" + n.owner.status +
        (n.owner.status !== "active" && n.owner.since ? " " + day(n.owner.since) : "") + ")" : "none";
      const or = el("div", "d-row");
      or.id = "details-owner";
      or.appendChild(el("span", "k", "owner"));
      or.appendChild(el("span", "v", o));
      body.appendChild(or);
      row(body, "confidence", n.confidence);
    }
    row(body, "created", n.created ? day(n.created) + (n.creator ? " by " + n.creator : "") : null);
    row(body, "last used", n.last_used ? day(n.last_used) + (n.last_used_later ? "+" : "") +
      (n.last_action ? " (" + n.last_action + ")" : "") : (n.kind === "human" ? null : "never"));
    row(body, "status since", n.status_since && n.status !== "active" ? day(n.status_since) : null);
    row(body, "tenant", n.tenant);
    row(body, "below it", n.dependants ? n.dependants + " active identities" : null);
    if (n.chain && n.chain.length) {
      body.appendChild(el("h3", null, "Owner chain"));
      const ol = el("ol", "chain");
      const first = el("li");
      first.appendChild(el("span", "basis", "identity"));
      first.appendChild(document.createTextNode(n.id));
      ol.appendChild(first);
      for (const l of n.chain) {
        const li = el("li");
        li.dataset.basis = l.basis;
        li.appendChild(el("span", "basis", l.basis));
        li.appendChild(document.createTextNode(l.to));
        li.appendChild(el("span", "ev", l.evidence ? "evidence " + l.evidence : "no evidence kept"));
        ol.appendChild(li);
      }
      body.appendChild(ol);
    }
    if (d.evidence && d.evidence.length) {
      body.appendChild(el("h3", null, "Evidence"));
      const ul = el("ul", "evidence");
      // with an as-of time, what happened after it is shown dimmed
      const cut = /^\d{4}-\d{2}-\d{2}$/.test(st.asOf) ? st.asOf + "T23:59:59.999Z"
        : /Z$/.test(st.asOf) ? st.asOf : "";
      for (const e of d.evidence) {
        const li = el("li", cut && e.time && e.time > cut ? "later" : null);
        if (li.className) li.title = "after the as-of time";
        li.appendChild(el("span", "t", e.time ? e.time.replace("T", " ").slice(0, 19) : "-"));
        li.appendChild(document.createTextNode(e.what));
        if (e.event) li.appendChild(el("span", "e", e.event));
        ul.appendChild(li);
      }
      body.appendChild(ul);
    }
    const actions = el("div", "d-actions");
    if (id !== st.subject) {
      const b = el("button", null, "Focus the map here");
      b.type = "button";
      b.addEventListener("click", () => load(id));
      actions.appendChild(b);
    }
    body.appendChild(actions);
    if (n.kind === "human") offboarding(body, id);
  }

  async function offboarding(body, id) {
    let r;
    try {
      r = await api(withAsOf("/api/offboard?person=" + encodeURIComponent(id)));
    } catch (e) {
      return;
    }
    if (st.selected !== id || !r.items.length) return;
    body.appendChild(el("h3", null, "Offboarding: " + r.summary.deprovision + " deprovision, " +
      r.summary.reassign + " reassign, " + r.summary.safe_to_remove + " safe to remove"));
    const ul = el("ul", "evidence offboard");
    const SHOW = 40; // a person with hundreds of identities: the first ones, then a count
    for (const it of r.items.slice(0, SHOW)) {
      const li = el("li");
      pill(li, it.action.replace(/_/g, " "), it.action === "reassign" ? "warn" :
        it.action === "deprovision" ? "bad" : "gone");
      li.appendChild(document.createTextNode(" " + (it.name || it.id)));
      li.appendChild(el("span", "e", it.reason));
      ul.appendChild(li);
    }
    if (r.items.length > SHOW)
      ul.appendChild(el("li", "muted", "\u2026 and " + (r.items.length - SHOW) +
        " more: lineaged query offboard " + id + " (or /api/offboard) lists them all"));
    body.appendChild(ul);
  }

  /* ---------- search ---------- */

  function initSearch() {
    const input = $("search"), list = $("results");
    let timer = null, seq = 0;
    async function suggest() {
      const q = input.value.trim();
      const my = ++seq;
      if (q.length < 2) { list.hidden = true; return; }
      let r;
      try { r = await api(withAsOf("/api/search?limit=12&q=" + encodeURIComponent(q))); }
      catch (e) { setStatus(e.message); return; }
      if (my !== seq) return;
      list.textContent = "";
      for (const n of r.results) {
        const li = el("li");
        li.dataset.id = n.id;
        li.appendChild(el("span", "rk", n.kind.replace(/_/g, " ")));
        li.appendChild(el("span", "rid", n.name ? n.name + " \u00b7 " + n.id : n.id));
        li.addEventListener("mousedown", (ev) => { ev.preventDefault(); pick(n.id); });
        list.appendChild(li);
      }
      list.hidden = !r.results.length;
    }
    function pick(id) {
      list.hidden = true;
      input.value = id;
      load(id);
    }
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(suggest, 180); });
    input.addEventListener("blur", () => setTimeout(() => { list.hidden = true; }, 150));
    $("search-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const first = list.hidden ? null : list.querySelector("li");
      const q = input.value.trim();
      if (!q) return;
      // an exact id, ARN or e-mail is canonicalised by the server
      pick(first && !/^(arn:|AKIA|ASIA|github)/i.test(q) && !q.includes("@") ? first.dataset.id : q);
    });
    for (const b of document.querySelectorAll("#empty .try"))
      b.addEventListener("click", () => pick(b.dataset.q));
  }

  function initAsOf() {
    const input = $("asof");
    const apply = () => {
      const v = input.value.trim();
      if (v === st.asOf) return;
      st.asOf = v;
      if (st.subject) load(st.subject);
    };
    input.addEventListener("change", apply);
    input.addEventListener("keydown", (ev) => { if (ev.key === "Enter") apply(); });
  }

  function initToken() {
    $("token-form").addEventListener("submit", (ev) => {
      ev.preventDefault();
      st.token = $("token").value.trim();
      sessionStorage.setItem("lineaged.token", st.token);
      $("token-form").hidden = true;
      setStatus("");
      startFeed();
      if (st.subject) load(st.subject);
    });
  }

  /* ---------- live derived events (SSE over fetch, so the token can go in a header) ---------- */

  function addEvent(ev, id) {
    const list = $("events");
    const li = el("li");
    li.dataset.seq = id;
    li.dataset.type = ev.type;
    const good = /resolved$/.test(ev.type);
    li.appendChild(el("span", "et " + (good ? "ok" : "bad"), ev.type));
    li.appendChild(el("span", "when", (ev.event_time || "").replace("T", " ").slice(0, 16)));
    const subj = ev.subject ? (ev.subject.name ? ev.subject.name + " (" + ev.subject.id + ")" : ev.subject.id) : "";
    li.appendChild(el("span", "subj", subj + (ev.owner ? "  \u2190 " + ev.owner.id : "  \u2190 no owner")));
    li.title = ev.reason || "";
    if (ev.subject) li.addEventListener("click", () => load(ev.subject.id));
    list.insertBefore(li, list.firstChild);
    while (list.children.length > MAX_EVENTS) list.removeChild(list.lastChild);
  }

  function liveState(text, cls) {
    const s = $("live-state");
    s.textContent = text;
    s.className = "pill " + cls;
  }

  let feedGen = 0;

  async function startFeed() {
    const gen = ++feedGen;
    try {
      const r = await api("/api/events?limit=50&since=" + st.lastEvent);
      for (const e of r.events) addEvent(e, "");
      st.lastEvent = Math.max(st.lastEvent, r.last);
    } catch (e) {
      liveState("offline", "off");
      setTimeout(() => { if (gen === feedGen) startFeed(); }, 3000);
      return;
    }
    while (gen === feedGen) {
      try {
        const resp = await fetch("/api/events/stream?since=" + st.lastEvent,
          { headers: Object.assign(headers(), { Accept: "text/event-stream" }), cache: "no-store" });
        if (!resp.ok || !resp.body) throw new Error("HTTP " + resp.status);
        liveState("live", "on");
        const reader = resp.body.getReader();
        const dec = new TextDecoder();
        let buf = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done || gen !== feedGen) break;
          buf += dec.decode(value, { stream: true });
          let cut;
          while ((cut = buf.indexOf("\n\n")) >= 0) {
            const block = buf.slice(0, cut);
            buf = buf.slice(cut + 2);
            let id = 0, data = "", type = "message";
            for (const line of block.split("\n")) {
              if (line.startsWith("id:")) id = parseInt(line.slice(3), 10) || 0;
              else if (line.startsWith("event:")) type = line.slice(6).trim();
              else if (line.startsWith("data:")) data += line.slice(5).trim();
            }
            if (type === "derived" && data) {
              try { addEvent(JSON.parse(data), id); } catch (e) { /* skip a bad line */ }
              st.lastEvent = Math.max(st.lastEvent, id);
            }
          }
        }
      } catch (e) {
        /* reconnect below */
      }
      if (gen !== feedGen) return;
      liveState("reconnecting", "off");
      await new Promise((res) => setTimeout(res, 2000));
    }
  }

  /* ---------- start ---------- */

  function init() {
    initPanZoom();
    initSearch();
    initAsOf();
    initToken();
    window.addEventListener("resize", () => { if (st.nodes.size) fit(); });
    document.body.dataset.state = "ready";
    startFeed();
    // shareable links: ?q=ID&as_of=TIME
    const params = new URLSearchParams(location.search);
    st.asOf = params.get("as_of") || "";
    $("asof").value = st.asOf;
    const q = params.get("q");
    if (q) { $("search").value = q; load(q); }
  }

  init();
})();
