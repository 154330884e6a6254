// tests/browser/map.test.cjs - the lineage map in headless Chromium (Debian's
// /usr/bin/chromium) driven by Playwright (playwright-core), against a
// `lineaged serve` started by tests/cli/test_map.sh on the demo company.
//
// Environment: LG_URL (the server), LG_PW (path of the playwright-core
// module), LG_PROFILE (a fresh --user-data-dir), LG_SHOT (screenshot path),
// LG_EVENTS (the events file the server follows), LG_BULK (id of an identity
// with hundreds of keys below it), LG_URL_TOKEN and LG_TOKEN (a second server
// that needs a bearer token, and the token). Prints "ok"/"FAIL" lines and
// "N passed, N failed"; exits 1 on a failure.
"use strict";

const fs = require("fs");
const { chromium } = require(process.env.LG_PW);

const URL = process.env.LG_URL;
const BOB = "bob@acme.example";
const ACCT = "arn:aws:iam::111122223333:";
const PAT = "github-pat:D0aDNqz1jeFk6+JJtGIyhv42EpBFmx4Ls4R+8DUuo88=";
let passed = 0, failed = 0;

function check(name, cond, extra) {
  if (cond) { passed++; console.log("ok   - " + name); }
  else { failed++; console.log("FAIL - " + name + (extra ? ": " + extra : "")); }
}

const node = (id) => `#nodes g.node[data-id="${id.replace(/"/g, '\\"')}"]`;
const edge = (from, to) => `#edges path.edge[data-from="${from}"][data-to="${to}"]`;

async function attr(page, sel, name) {
  const h = await page.$(sel);
  return h ? h.getAttribute(name) : null;
}

async function main() {
  const ctx = await chromium.launchPersistentContext(process.env.LG_PROFILE, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1500, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.setDefaultTimeout(15000);
  try {
    await page.goto(URL, { waitUntil: "load" });
    await page.waitForSelector('body[data-state="ready"]');
    check("the page loads with its search box", await page.isVisible("#search"));
    check("no token prompt on loopback", !(await page.isVisible("#token-form")));

    // search bob: the suggestion list offers him first
    await page.fill("#search", "bob@acme");
    await page.waitForSelector(`#results li[data-id="${BOB}"]`);
    const first = await page.getAttribute("#results li:first-child", "data-id");
    check("search suggests the person first", first === BOB, first);
    await page.click(`#results li[data-id="${BOB}"]`);
    await page.waitForSelector(node(BOB));
    await page.waitForSelector('body[data-state="ready"]');

    // his identities render, with their marks
    const flags = await attr(page, node(BOB), "class");
    check("bob is marked departed", /\bdeparted\b/.test(flags || ""), flags);
    const mine = [ACCT + "user/ci-deployer", "AKIAYACMECIDEPLOYER1", ACCT + "user/reporting-bot",
      "AKIAYACMEREPORTBOT01", "QRTRPT0001", PAT, "github:bob-acme"];
    for (const id of mine)
      check("node " + id + " renders", !!(await page.$(node(id))));
    for (const id of mine.filter((x) => !x.startsWith("github:"))) {
      const f = (await attr(page, node(id), "data-flags")) || "";
      check(id + " is marked orphaned", f.split(" ").includes("orphan"), f);
    }
    check("ci-deployer is marked privileged",
      (await attr(page, node(ACCT + "user/ci-deployer"), "data-privileged")) === "true");
    check("reporting-bot is not privileged",
      (await attr(page, node(ACCT + "user/reporting-bot"), "data-privileged")) === "false");
    check("the SSO session is shown expired",
      /\bgone\b/.test((await attr(page, node("ASIAYACMEBOB00001BBB"), "class")) || ""));
    check("the orphan tag is drawn", (await page.$$eval(node("AKIAYACMEREPORTBOT01") + " .tag text",
      (ts) => ts.map((t) => t.textContent))).includes("ORPHAN"));
    check("carol's agent is not in bob's lineage", !(await page.$(node("HLPDSK0001"))));
    check("the ownerless admin key is not in bob's lineage", !(await page.$(node("AKIAYACMELEGACYADM01"))));

    // edges: explicit tag, credential of a user, token of his GitHub account
    check("edge bob -> ci-deployer (explicit)",
      (await attr(page, edge(BOB, ACCT + "user/ci-deployer"), "data-type")) === "explicit");
    check("edge reporting-bot -> its key (inherited)",
      (await attr(page, edge(ACCT + "user/reporting-bot", "AKIAYACMEREPORTBOT01"), "data-type")) === "inherited");
    check("edge github:bob-acme -> PAT", !!(await page.$(edge("github:bob-acme", PAT))));
    check("edge bob -> github:bob-acme (alias)",
      (await attr(page, edge(BOB, "github:bob-acme"), "data-type")) === "alias");

    // the person's details: departed, and an offboarding report
    await page.waitForSelector(`#details-body[data-id="${BOB}"] .offboard li`);
    const off = await page.textContent("#details-body");
    check("details offer bob's offboarding report", /OFFBOARDING|Offboarding/.test(off) && /deprovision/.test(off));

    // click his key: owner chain and evidence
    await page.click(node("AKIAYACMEREPORTBOT01"));
    await page.waitForSelector('#details-body[data-id="AKIAYACMEREPORTBOT01"] ol.chain li');
    const owner = await page.textContent("#details-owner");
    check("details show the owner and his status", owner.includes(BOB) && owner.includes("departed"), owner);
    const chain = await page.$$eval("#details-body ol.chain li", (ls) => ls.map((l) => l.textContent));
    check("details show the owner chain (key, user, session, person)", chain.length === 4, JSON.stringify(chain));
    check("the chain names each link's basis",
      /inherited/i.test(chain[1] || "") && /creator/i.test(chain[2] || "") && /session/i.test(chain[3] || ""));
    check("each link carries its evidence event", chain.slice(1).every((c) => /evidence cloudtrail:/.test(c)));
    const ev = await page.$$eval("#details-body ul.evidence li", (ls) => ls.map((l) => l.textContent));
    check("details list the evidence", ev.some((t) => /last used \(ListBuckets\)/.test(t) && /cloudtrail:/.test(t)),
      JSON.stringify(ev));
    check("the clicked node is selected",
      /\bselected\b/.test((await attr(page, node("AKIAYACMEREPORTBOT01"), "class")) || ""));

    // the live panel: the replay's derived events, then a new one over SSE
    await page.waitForSelector('#live-state.on');
    await page.waitForFunction(() => document.querySelectorAll("#events li").length >= 9);
    const types = await page.$$eval("#events li", (ls) => ls.map((l) => l.dataset.type));
    check("live panel lists the demo's derived events",
      ["orphan.new", "privileged_key.ownerless", "credential.used_after_departure",
        "agent.departed_principal"].every((t) => types.includes(t)), types.join(","));
    fs.appendFileSync(process.env.LG_EVENTS, JSON.stringify({
      type: "orphan.resolved", event_id: "f".repeat(32), event_time: "2025-04-01T09:00:00.000Z",
      subject: { id: "AKIAYACMEREPORTBOT01", kind: "access_key", name: null },
      owner: { id: BOB, status: "departed" }, privileged: false,
      reason: "AKIAYACMEREPORTBOT01 deleted", evidence: [], chain: [], schema_version: 1 }) + "\n");
    await page.waitForSelector('#events li[data-type="orphan.resolved"]');
    check("a new derived event arrives live (SSE)", true);

    fs.mkdirSync(require("path").dirname(process.env.LG_SHOT), { recursive: true });
    await page.screenshot({ path: process.env.LG_SHOT });
    check("screenshot saved", fs.statSync(process.env.LG_SHOT).size > 10000);

    // as of a past moment (a shareable link): before bob left, nothing is orphaned
    await page.goto(URL + "?q=" + encodeURIComponent(BOB) + "&as_of=2025-03-10", { waitUntil: "load" });
    await page.waitForSelector(node(ACCT + "user/ci-deployer"));
    await page.waitForSelector('body[data-state="ready"]');
    check("as of 2025-03-10 bob is not departed",
      !/\bdeparted\b/.test((await attr(page, node(BOB), "class")) || ""));
    check("as of 2025-03-10 his identities are not orphaned",
      ((await attr(page, node(ACCT + "user/ci-deployer"), "data-flags")) || "") === "");
    check("the as-of box shows the time", (await page.inputValue("#asof")) === "2025-03-10");

    // hundreds of NHIs: clustered by kind, expandable
    if (process.env.LG_BULK) {
      await page.fill("#search", process.env.LG_BULK);
      await page.press("#search", "Enter");
      await page.waitForSelector(node(process.env.LG_BULK));
      await page.waitForSelector('body[data-state="ready"]');
      const cl = await page.$('#nodes g.cluster[data-kind="access_key"]');
      const count = cl ? await cl.getAttribute("data-count") : null;
      check("hundreds of keys collapse into one cluster", count === "300", count);
      const drawn = await page.$$eval("#nodes g.node", (gs) => gs.length);
      check("the collapsed map stays small", drawn < 20, String(drawn));
      const t0 = Date.now();
      await cl.click();
      await page.waitForFunction(() => document.querySelectorAll('#nodes g.node[data-kind="access_key"]').length === 300);
      const ms = Date.now() - t0;
      check("the cluster expands to its 300 keys (" + ms + " ms)", ms < 5000);
      await page.click("#zoom-fit");
    }
    check("no JavaScript errors", errors.length === 0, errors.join(" | "));

    // a server that needs a bearer token: the page asks for it once
    if (process.env.LG_URL_TOKEN) {
      const p2 = await ctx.newPage();
      await p2.goto(process.env.LG_URL_TOKEN, { waitUntil: "load" });
      await p2.waitForSelector("#token-form", { state: "visible" });
      check("the map asks for the token on a 401", true);
      await p2.fill("#token", process.env.LG_TOKEN);
      await p2.click("#token-form button");
      await p2.waitForSelector("#token-form", { state: "hidden" });
      await p2.fill("#search", "reporting-bot");
      await p2.press("#search", "Enter");
      await p2.waitForSelector(node(ACCT + "user/reporting-bot"));
      check("with the token the map answers", !!(await p2.$(node(BOB))));
      await p2.waitForSelector("#live-state.on");
      check("the live feed carries the token too", true);
      await p2.close();
    }
  } catch (e) {
    check("browser run", false, String(e && e.stack || e));
    try { await page.screenshot({ path: process.env.LG_SHOT.replace(/\.png$/, "-failure.png") }); } catch (x) { /* none */ }
  } finally {
    await ctx.close();
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}

main();
