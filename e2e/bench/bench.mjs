// The benchmark suite of `make bench` (scripts/bench.sh builds and installs, then runs this).
// It measures, never estimates, and never fails on a missed target: it reports "MISSED by X".
//
//   node e2e/bench/bench.mjs
//
// What it runs, all on 127.0.0.1 on free ports, every process stopped by PID:
// - the release server in demo mode (`homelab serve --demo`), signed in through the dev sign-in;
// - the test control plane (`testbed`: real etcd and kube-apiserver) loaded with the synthetic
//   cluster (5,000 pods, 500 deployments: `homelab bench synthetic`), writing an audit log of
//   every request it receives; the server watching it through a kubeconfig, signed in through
//   the test OIDC provider (e2e/oidc/provider.mjs) in Debian's chromium;
// - oha for latency and throughput, Playwright's chromium for page weight and paint timings.
//
// Environment: HOMELAB_BIN, TESTBED_BIN, SITE_ROOT (the release build), LOADGEN (oha, or wrk)
// and LOADGEN_BIN (its path), BENCH_OUT (directory of the JSON), HOMELAB_KUBE_DIR (the test API server's
// binaries); knobs: BENCH_DURATION (seconds per oha run, default 20), BENCH_IDLE_SECONDS (the
// idle window of the API load, default 60), BENCH_PODS and BENCH_DEPLOYMENTS (5000, 500),
// BENCH_CHURN_RATE (pod status changes a second during the churn runs, default 50), BENCH_ONLY
// (`log-follows`: that figure alone).
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from '@playwright/test';

function need(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`bench.mjs: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

const homelabBin = need('HOMELAB_BIN');
const testbedBin = need('TESTBED_BIN');
const siteRoot = need('SITE_ROOT');
const loadgen = process.env.LOADGEN ?? 'oha';
const loadgenBin = need('LOADGEN_BIN');
const outDir = need('BENCH_OUT');
const duration = Number(process.env.BENCH_DURATION ?? 20);
const idleSeconds = Number(process.env.BENCH_IDLE_SECONDS ?? 60);
const churnRate = Number(process.env.BENCH_CHURN_RATE ?? 50);
// BENCH_ONLY=log-follows runs that figure alone (a quicker measurement while working on it).
const only = process.env.BENCH_ONLY ?? '';
class Only extends Error {}
const pods = Number(process.env.BENCH_PODS ?? 5000);
const deployments = Number(process.env.BENCH_DEPLOYMENTS ?? 500);
const repo = path.resolve(import.meta.dirname, '../..');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'homelab-bench-'));
fs.mkdirSync(outDir, { recursive: true });

const log = (...args) => console.error('[bench]', ...args);

// Everything started here, stopped by PID on the way out whatever happens.
const children = new Set();
function start(command, args, options = {}) {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}
async function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
function stopAllNow() {
  for (const child of children) child.kill('SIGKILL');
}
process.on('exit', stopAllNow);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopAllNow();
    process.exit(1);
  });
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : NaN;
};

function rssMiB(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1]);
  return kib / 1024;
}

async function get(url, headers = {}) {
  return fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
}

/** Polls `/readyz` every 5 ms; the milliseconds from `since` until it answers 200. */
async function waitReady(base, child, since, timeoutMs = 180_000) {
  const deadline = since + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode})`);
    try {
      const res = await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return performance.now() - since;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`${base}/readyz not 200 in ${timeoutMs} ms`);
    await sleep(5);
  }
}

/** Starts `homelab serve` on a free port with these settings; its output goes to a log file. */
async function startServer(name, args, env) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = fs.mkdtempSync(path.join(work, `${name}-data-`));
  const logFile = fs.openSync(path.join(work, `${name}.log`), 'a');
  const since = performance.now();
  const child = start(homelabBin, ['serve', ...args], {
    stdio: ['ignore', logFile, logFile],
    env: {
      ...process.env,
      HOMELAB_SERVER__LISTEN: `127.0.0.1:${port}`,
      HOMELAB_SERVER__PUBLIC_URL: base,
      HOMELAB_SERVER__DATA_DIR: dataDir,
      HOMELAB_SERVER__SITE_ROOT: siteRoot,
      HOMELAB_LOG: 'warn',
      // /bench/floor: the same stack without the app's work, measured beside the pages.
      HOMELAB_SERVER__BENCH_FLOOR: 'true',
      ...env,
    },
  });
  return { child, base, port, since };
}

/** The test OIDC provider (e2e/oidc/provider.mjs) for a server at `app`, and what it prints. */
async function startProvider(app, secret) {
  const provider = start('node', [
    path.join(repo, 'e2e/oidc/provider.mjs'), '--port', '0', '--exit-with-parent',
    '--client-secret', secret, '--id-token-ttl', '7200',
    '--redirect-uri', `${app}/auth/callback`,
    '--post-logout-redirect-uri', `${app}/auth/signed-out`,
  ], { stdio: ['ignore', 'pipe', 'ignore'] });
  const providerInfo = await new Promise((resolve, reject) => {
    let text = '';
    provider.stdout.on('data', (chunk) => {
      text += chunk;
      const line = text.split('\n').find((l) => l.startsWith('{'));
      if (line && text.includes('\n')) resolve(JSON.parse(line));
    });
    provider.once('exit', (code) => reject(new Error(`the OIDC provider exited (${code})`)));
  });
  return { provider, providerInfo };
}

// ---------------------------------------------------------------------------------------------
// The figures.

/** The API server's gauge of open `pods/log` streams (`apiserver_longrunning_requests`), read
 * with the testbed's admin token. */
function apiserverLogStreams(kube) {
  return new Promise((resolve, reject) => {
    https
      .get(new URL('/metrics', kube.server), {
        ca: fs.readFileSync(kube.ca_file),
        headers: { authorization: `Bearer ${kube.token}` },
      }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          const open = text
            .split('\n')
            .filter((l) => l.startsWith('apiserver_longrunning_requests{') && l.includes('subresource="log"'))
            .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
          resolve(open);
        });
      })
      .on('error', reject);
  });
}

/** 8. Logs followed in 20 browser tabs on a running cluster (kwok serving the logs, a line
 * written every 100 ms): the Services page's p99 without and with them, the streams open on
 * both sides, and how long until closing the tabs has closed them all (counted by the server and
 * by the API server). */
async function logFollows(tabs = 20) {
  const info = path.join(work, 'running.json');
  const testbedLog = fs.openSync(path.join(work, 'running-testbed.log'), 'a');
  const testbed = start(testbedBin, ['--running', '--demo', info], { stdio: ['pipe', testbedLog, testbedLog] });
  const since = performance.now();
  while (!fs.existsSync(info)) {
    if (testbed.exitCode !== null) throw new Error(`the running testbed exited (${testbed.exitCode})`);
    if (performance.now() - since > 300_000) throw new Error('the running testbed took over 5 min');
    await sleep(200);
  }
  const kube = JSON.parse(fs.readFileSync(info, 'utf8'));
  const appPort = await freePort();
  const app = `http://127.0.0.1:${appPort}`;
  const secret = Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  const token = Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  const { provider, providerInfo } = await startProvider(app, secret);
  const server = await startServer('follows', [], {
    HOMELAB_SERVER__LISTEN: `127.0.0.1:${appPort}`,
    HOMELAB_SERVER__PUBLIC_URL: app,
    HOMELAB_CLUSTER__KUBECONFIG: kube.kubeconfig,
    HOMELAB_OIDC__ISSUER_URL: providerInfo.issuer,
    HOMELAB_OIDC__CLIENT_ID: 'homelab',
    HOMELAB_OIDC__CLIENT_SECRET: secret,
    HOMELAB_METRICS_TOKEN: token,
  });
  await waitReady(app, server.child, server.since);
  const cookie = await providerSignIn(browser, app);
  const metric = async (name) => {
    const res = await get(`${app}/metrics`, { authorization: `Bearer ${token}` });
    const line = (await res.text()).split('\n').find((l) => l.startsWith(`${name} `));
    return Number(line?.split(' ')[1] ?? NaN);
  };
  // Sonarr's pod: the page to follow.
  let logs;
  for (let i = 0; i < 300 && !logs; i++) {
    const html = await (await get(`${app}/services/media/sonarr`, { cookie })).text();
    logs = /href="(\/pods\/media\/sonarr-[^"]+\/logs)"/.exec(html)?.[1];
    if (!logs) await sleep(200);
  }
  if (!logs) throw new Error('no running Sonarr pod to follow');
  // Its container may not run yet: the page then says why instead of showing the log.
  let followable = false;
  for (let i = 0; i < 300 && !followable; i++) {
    followable = (await (await get(`${app}${logs}`, { cookie })).text()).includes('data-follow="/pods/');
    if (!followable) await sleep(200);
  }
  if (!followable) throw new Error(`${logs} never offered to follow the log`);
  const page = { name: 'Services', path: '/services' };
  await checkPages(app, cookie, [page]);
  log(`log follows: ${page.path} without follows`);
  const without = loadRun(app, cookie, page, 50);

  const writer = setInterval(() => {
    fs.appendFileSync(`${kube.log_dir}/pods.log`, `${new Date().toISOString()} stdout F bench line ${Date.now()}\n`);
  }, 100);
  // A context per tab: a browser opens at most 6 HTTP/1.1 connections to one host per profile,
  // and each tab holds two streams (the live one and the log).
  const contexts = [];
  const opened = [];
  for (let i = 0; i < tabs; i++) {
    // The session as a header on every request the tab makes, its streams included.
    const context = await browser.newContext({ extraHTTPHeaders: { cookie } });
    contexts.push(context);
    const tab = await context.newPage();
    await tab.goto(`${app}${logs}`);
    if (!tab.url().endsWith(logs)) throw new Error(`tab ${i + 1} went to ${tab.url()}, not ${logs}`);
    try {
      await tab.locator('[data-test=log-follow-toggle]').click({ timeout: 20_000 });
    } catch (e) {
      throw new Error(`tab ${i + 1} of ${tabs}: ${e.message}`);
    }
    opened.push(tab);
  }
  for (let i = 0; i < 100 && (await metric('homelab_log_follows')) < tabs; i++) await sleep(100);
  const openServer = await metric('homelab_log_follows');
  let openApi = 0;
  for (let i = 0; i < 100 && openApi < tabs; i++) {
    openApi = await apiserverLogStreams(kube);
    if (openApi < tabs) await sleep(100);
  }
  log(`log follows: ${page.path} with ${openServer} follows open`);
  const withFollows = loadRun(app, cookie, page, 50);
  const linesShown = await opened[0].locator('[data-test=log] [data-line]').count();

  const closedBefore = await metric('homelab_log_follows_closed_total');
  const closing = performance.now();
  await Promise.all(contexts.map((c) => c.close()));
  let closedMs = NaN;
  let apiAfter = NaN;
  for (let i = 0; i < 300; i++) {
    const [open, api] = [await metric('homelab_log_follows'), await apiserverLogStreams(kube)];
    if (open === 0 && api === 0) {
      closedMs = performance.now() - closing;
      apiAfter = api;
      break;
    }
    await sleep(50);
  }
  const closed = (await metric('homelab_log_follows_closed_total')) - closedBefore;
  clearInterval(writer);
  await stop(server.child);
  await stop(provider);
  testbed.stdin.end();
  await stop(testbed);
  return {
    tabs,
    without,
    with_follows: withFollows,
    open_server: openServer,
    open_apiserver: openApi,
    lines_in_first_tab: linesShown,
    closed_server: closed,
    open_apiserver_after: apiAfter,
    all_closed_ms: closedMs,
  };
}



/** 7. Cold start: process start to /readyz 200 on the demo, fresh data directory each time. */
async function coldStart(runs = 5) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const server = await startServer(`cold-${i}`, ['--demo'], {});
    times.push(await waitReady(server.base, server.child, server.since));
    await stop(server.child);
  }
  return { runs: times, median_ms: median(times) };
}

/** A session cookie from the demo's dev sign-in (a form post; the Origin check guards it). */
async function devSignIn(base) {
  const res = await fetch(`${base}/auth/dev`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base },
    body: 'role=admin&next=%2F',
  });
  await res.arrayBuffer();
  const cookies = res.headers.getSetCookie().map((c) => c.split(';')[0]);
  if (res.status !== 303 || cookies.length === 0) {
    throw new Error(`dev sign-in answered ${res.status} without a cookie`);
  }
  return cookies.join('; ');
}

/** A session cookie from signing in as `admin` on the test provider's login page. */
async function providerSignIn(browser, base) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/auth/login?next=%2F`);
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password').fill('test-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/`);
  const cookies = await context.cookies(base);
  await context.close();
  return cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

/** Every page answers 200 to this session: a redirect to the sign-in would measure nothing. */
async function checkPages(base, cookie, pages) {
  for (const p of pages) {
    const res = await get(`${base}${p.path}`, { cookie });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${p.path} answered ${res.status} to the session`);
  }
}

/** 1. One load run of `duration` seconds: requests/s, p50 and p99 in ms. */
function loadRun(base, cookie, page, connections) {
  const url = `${base}${page.path}`;
  const result = loadgen === 'wrk' ? wrk(url, cookie, connections) : ohaRun(url, cookie, connections);
  return { page: page.name, connections, seconds: duration, ...result };
}

/** oha asks for compressed responses (`accept-encoding: gzip, compress, deflate, br`) as a
 * browser does, and the server answers with brotli. */
function ohaRun(url, cookie, connections) {
  const out = execFileSync(
    loadgenBin,
    [
      '-z', `${duration}s`,
      '-c', String(connections),
      '--no-tui',
      '--output-format', 'json',
      '-H', `Cookie: ${cookie}`,
      url,
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  ).toString();
  const r = JSON.parse(out);
  const codes = r.statusCodeDistribution ?? {};
  const ok = Number(codes['200'] ?? 0);
  const total = Object.values(codes).reduce((a, b) => a + Number(b), 0);
  return {
    requests: total,
    non_200: total - ok,
    rps: r.summary.requestsPerSec,
    p50_ms: r.latencyPercentiles.p50 * 1000,
    p99_ms: r.latencyPercentiles.p99 * 1000,
  };
}

/** Debian's wrk, asking for what chromium asks for; its latency distribution has 50% and 99%. */
function wrk(url, cookie, connections) {
  const out = execFileSync(
    loadgenBin,
    [
      '-t', '2',
      '-c', String(connections),
      '-d', `${duration}s`,
      '--latency',
      '-H', `Cookie: ${cookie}`,
      '-H', 'Accept-Encoding: gzip, deflate, br, zstd',
      url,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  ).toString();
  const ms = (label) => {
    const m = new RegExp(`^\\s*${label}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
    if (!m) return NaN;
    return Number(m[1]) * { us: 0.001, ms: 1, s: 1000 }[m[2]];
  };
  const requests = Number(/(\d+) requests in/.exec(out)?.[1] ?? NaN);
  const bad = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0);
  return {
    requests,
    non_200: bad,
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN),
    p50_ms: ms('50'),
    p99_ms: ms('99'),
  };
}

function loadAll(base, cookie, pages) {
  const results = [];
  for (const connections of [50, 200]) {
    for (const page of pages) {
      log(`${loadgen}: ${page.path} at ${connections} connections for ${duration} s`);
      results.push(loadRun(base, cookie, page, connections));
    }
  }
  return results;
}

/** The publication delay histogram (`homelab_views_publication_delay_seconds`) from /metrics:
 * cumulative counts by upper bound, the count and the sum. */
async function publicationDelays(base, token) {
  const res = await get(`${base}/metrics`, { authorization: `Bearer ${token}` });
  const text = await res.text();
  const buckets = [];
  for (const m of text.matchAll(/^homelab_views_publication_delay_seconds_bucket\{le="([^"]+)"\} (\d+)/gm)) {
    buckets.push({ le: m[1] === '+Inf' ? Infinity : Number(m[1]), count: Number(m[2]) });
  }
  const one = (name) => Number(new RegExp(`^homelab_views_publication_delay_seconds_${name} ([\\d.e+-]+)`, 'm').exec(text)?.[1] ?? NaN);
  return { buckets, count: one('count'), sum: one('sum') };
}

/** What happened between two readings: count, mean, and the bucket bound under which each
 * quantile falls (the histogram's resolution, not an interpolation). */
function delaysBetween(before, after, quantiles = [0.5, 0.99, 1]) {
  const count = after.count - before.count;
  const buckets = after.buckets.map((b, i) => ({ le: b.le, count: b.count - (before.buckets[i]?.count ?? 0) }));
  const out = { count, mean_s: (after.sum - before.sum) / count };
  for (const q of quantiles) {
    const rank = Math.ceil(q * count);
    out[`p${q * 100}_le_s`] = buckets.find((b) => b.count >= rank)?.le ?? NaN;
  }
  return out;
}

/** 6. Churn: `homelab bench churn` flips pod readiness through the real API server at `rate` a
 * second while the page load runs; each change moves a service's ready count, so the views are
 * published again and again and every page is rendered anew per publication. */
async function churn(base, cookie, kubeconfig, token, rate) {
  const churnPages = pages.filter((p) => ['Status', 'Services', 'Topology'].includes(p.name));
  const seconds = churnPages.length * duration + 6;
  const out = path.join(work, 'churn.json');
  const before = await publicationDelays(base, token);
  const churner = start(homelabBin, [
    'bench', 'churn', '--kubeconfig', kubeconfig, '--rate', String(rate), '--seconds', String(seconds),
    '--json', out,
  ], { stdio: ['ignore', 'ignore', 'inherit'] });
  const exited = new Promise((resolve) => churner.once('exit', resolve));
  await sleep(3_000);
  const load = churnPages.map((page) => {
    log(`${loadgen}: ${page.path} at 200 connections for ${duration} s, ${rate} pod changes/s`);
    return loadRun(base, cookie, page, 200);
  });
  const code = await exited;
  if (code !== 0) throw new Error(`bench churn exited with ${code}`);
  const after = await publicationDelays(base, token);
  return { sent: JSON.parse(fs.readFileSync(out, 'utf8')), load, delay: delaysBetween(before, after) };
}

/** Adds the session cookie to a fresh context (a fresh profile: empty cache, no storage). */
async function freshContext(browser, base, cookie) {
  const context = await browser.newContext();
  await context.addCookies(
    cookie.split('; ').map((pair) => {
      const i = pair.indexOf('=');
      return { name: pair.slice(0, i), value: pair.slice(i + 1), url: base };
    }),
  );
  return context;
}

const hydrated = '[data-test=freshness][data-live=true]';

/** 2. First-visit weight by kind, as transferred (the encoded body plus the headers). */
async function pageWeight(browser, base, cookie, page) {
  const context = await freshContext(browser, base, cookie);
  const tab = await context.newPage();
  const finished = [];
  tab.on('requestfinished', (request) => finished.push(request));
  await tab.goto(`${base}${page.path}`, { waitUntil: 'load' });
  await tab.waitForSelector(hydrated, { timeout: 30_000 });
  await sleep(500);
  const bytes = { html: 0, css: 0, js: 0, wasm: 0, other: 0 };
  const encodings = new Set();
  let acceptEncoding = '';
  for (const request of finished) {
    const response = await request.response();
    if (!response) continue;
    const sizes = await request.sizes();
    const transferred = sizes.responseBodySize + sizes.responseHeadersSize;
    const url = request.url();
    const type = request.resourceType();
    const kind =
      type === 'document' ? 'html'
        : type === 'stylesheet' ? 'css'
          : url.endsWith('.wasm') ? 'wasm'
            : type === 'script' || url.endsWith('.js') ? 'js'
              : 'other';
    bytes[kind] += transferred;
    const headers = await response.allHeaders();
    if (headers['content-encoding']) encodings.add(`${kind}:${headers['content-encoding']}`);
    if (type === 'document') acceptEncoding = (await request.allHeaders())['accept-encoding'] ?? '';
  }
  await context.close();
  const total = Object.values(bytes).reduce((a, b) => a + b, 0);
  return {
    page: page.name,
    ...bytes,
    total,
    encodings: [...encodings].sort(),
    accept_encoding: acceptEncoding,
  };
}

/** 3. Cold loads: first contentful paint, load event, and hydration finished, in ms. */
async function paintTimings(browser, base, cookie, page, runs = 5) {
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const context = await freshContext(browser, base, cookie);
    await context.addInitScript(() => {
      window.__hydratedAt = null;
      new MutationObserver(() => {
        const el = document.querySelector('[data-test=freshness]');
        if (window.__hydratedAt === null && el?.getAttribute('data-live') === 'true') {
          window.__hydratedAt = performance.now();
        }
      }).observe(document, { subtree: true, childList: true, attributes: true });
    });
    const tab = await context.newPage();
    await tab.goto(`${base}${page.path}`, { waitUntil: 'load' });
    await tab.waitForSelector(hydrated, { timeout: 30_000 });
    const t = await tab.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const fcp = performance.getEntriesByName('first-contentful-paint')[0];
      return {
        fcp_ms: fcp ? fcp.startTime : NaN,
        load_ms: nav.loadEventStart,
        hydrated_ms: window.__hydratedAt,
      };
    });
    samples.push(t);
    await context.close();
  }
  const pick = (k) => median(samples.map((s) => s[k]));
  return {
    page: page.name,
    runs: samples,
    fcp_ms: pick('fcp_ms'),
    load_ms: pick('load_ms'),
    hydrated_ms: pick('hydrated_ms'),
  };
}

/** The requests of the homelab server in the audit log from byte `from` on. */
function auditCount(file, from) {
  const text = fs.readFileSync(file).subarray(from).toString();
  let count = 0;
  const byVerb = {};
  for (const line of text.split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line);
    // The server uses the testbed's admin kubeconfig; so does the controller manager, which
    // says who it is in its user agent. The testbed's own applies are over before it is ready.
    if (e.user?.username !== 'admin') continue;
    if ((e.userAgent ?? '').startsWith('kube-controller-manager')) continue;
    count++;
    const key = `${e.verb} ${e.objectRef?.resource ?? e.requestURI}`;
    byVerb[key] = (byVerb[key] ?? 0) + 1;
  }
  return { count, byVerb };
}

/** 6. AAR search, through the server's own benchmark when it has one. */
function aarSearch() {
  const help = execFileSync(homelabBin, ['bench', '--help']).toString();
  if (!/^\s+aar-search\b/m.test(help)) return { available: false };
  const file = path.join(outDir, 'aar-search.json');
  const out = execFileSync(homelabBin, ['bench', 'aar-search', '--json', file], {
    stdio: ['ignore', 'pipe', 'inherit'],
  }).toString();
  log(out.trim());
  const r = JSON.parse(fs.readFileSync(file, 'utf8'));
  return { available: true, aars: r.aars, p50_ms: r.p50_ms, p99_ms: r.p99_ms };
}

/** 7. The AAR form refusing a hostile action-item row, through the server's own benchmark. */
function aarForm() {
  const help = execFileSync(homelabBin, ['bench', '--help']).toString();
  if (!/^\s+aar-form\b/m.test(help)) return { available: false };
  const out = execFileSync(homelabBin, ['bench', 'aar-form'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  }).toString();
  log(out.trim());
  const m = out.match(/refused in ([\d.]+) us .*?, ([\d.]+) us at most/);
  return { available: true, median_ms: Number(m[1]) / 1000, max_ms: Number(m[2]) / 1000 };
}

// ---------------------------------------------------------------------------------------------
// The run.

const pages = [
  { name: 'Status', path: '/' },
  { name: 'Topology', path: '/topology' },
  { name: 'Services', path: '/services' },
];
// The floor: a fixed 2 KB page through the same middleware (session, authorization, headers,
// compression), without the app's work; each page is reported as a fraction of it.
const floor = { name: 'Floor', path: '/bench/floor' };
const loadPages = [floor, ...pages];
const weightPages = [
  ...pages,
  { name: 'Backups', path: '/backups' },
  { name: 'Storage', path: '/storage' },
  { name: 'GitOps', path: '/gitops' },
];
const report = {
  date: new Date().toISOString(),
  machine: {
    cores: os.cpus().length,
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    os: fs.existsSync('/etc/debian_version')
      ? `Debian ${fs.readFileSync('/etc/debian_version', 'utf8').trim()}`
      : os.version(),
    load_average: os.loadavg(),
  },
  settings: { duration_s: duration, idle_s: idleSeconds, pods, deployments },
};

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});

try {
  if (only === 'log-follows') {
    report.log_follows = await logFollows();
    throw new Only();
  }
  log('cold start: 5 starts of the demo');
  report.cold_start = await coldStart();

  log('demo server');
  const demo = await startServer('demo', ['--demo'], {});
  await waitReady(demo.base, demo.child, demo.since);
  await sleep(2_000);
  report.memory = { demo_idle_mib: rssMiB(demo.child.pid) };
  const demoCookie = await devSignIn(demo.base);
  await checkPages(demo.base, demoCookie, weightPages);
  log('page weight and paint timings (demo)');
  report.weight = [];
  for (const page of weightPages) {
    report.weight.push(await pageWeight(browser, demo.base, demoCookie, page));
  }
  report.paint = [];
  for (const page of pages) {
    report.paint.push(await paintTimings(browser, demo.base, demoCookie, page));
  }
  report.load_demo = loadAll(demo.base, demoCookie, loadPages);
  report.memory.demo_after_load_mib = rssMiB(demo.child.pid);
  await stop(demo.child);

  log(`synthetic cluster: ${pods} pods, ${deployments} deployments`);
  const synthetic = path.join(work, 'synthetic.yaml');
  execFileSync(homelabBin, [
    'bench', 'synthetic', '--pods', String(pods), '--deployments', String(deployments), synthetic,
  ]);
  const info = path.join(work, 'testbed.json');
  const audit = path.join(work, 'audit.log');
  const testbedLog = fs.openSync(path.join(work, 'testbed.log'), 'a');
  const testbed = start(testbedBin, ['--apply', synthetic, '--audit-log', audit, info], {
    stdio: ['pipe', testbedLog, testbedLog],
  });
  const loadStarted = performance.now();
  while (!fs.existsSync(info)) {
    if (testbed.exitCode !== null) {
      throw new Error(`the testbed exited (${testbed.exitCode}); see ${work}/testbed.log`);
    }
    if (performance.now() - loadStarted > 600_000) throw new Error('the testbed took over 10 min');
    await sleep(200);
  }
  const kube = JSON.parse(fs.readFileSync(info, 'utf8'));
  report.synthetic_load_s = (performance.now() - loadStarted) / 1000;

  const appPort = await freePort();
  const app = `http://127.0.0.1:${appPort}`;
  const secret = Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  const metricsToken = Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  const { provider, providerInfo } = await startProvider(app, secret);

  log('live server watching the synthetic cluster');
  const liveLog = fs.openSync(path.join(work, 'live.log'), 'a');
  const liveSince = performance.now();
  const auditFromStart = fs.statSync(audit).size;
  const live = start(homelabBin, ['serve'], {
    stdio: ['ignore', liveLog, liveLog],
    env: {
      ...process.env,
      HOMELAB_SERVER__LISTEN: `127.0.0.1:${appPort}`,
      HOMELAB_SERVER__PUBLIC_URL: app,
      HOMELAB_SERVER__DATA_DIR: fs.mkdtempSync(path.join(work, 'live-data-')),
      HOMELAB_SERVER__SITE_ROOT: siteRoot,
      HOMELAB_CLUSTER__KUBECONFIG: kube.kubeconfig,
      HOMELAB_OIDC__ISSUER_URL: providerInfo.issuer,
      HOMELAB_OIDC__CLIENT_ID: 'homelab',
      HOMELAB_OIDC__CLIENT_SECRET: secret,
      HOMELAB_LOG: 'warn',
      HOMELAB_SERVER__BENCH_FLOOR: 'true',
      HOMELAB_METRICS_TOKEN: metricsToken,
    },
  });
  report.live_ready_ms = await waitReady(app, live, liveSince);
  report.api = { start_requests: auditCount(audit, auditFromStart) };
  await sleep(5_000);
  report.memory.synthetic_idle_mib = rssMiB(live.pid);
  const liveCookie = await providerSignIn(browser, app);
  await checkPages(app, liveCookie, pages);

  // 5. API requests per page view (after sync), then per minute at idle.
  const views = 30;
  let from = fs.statSync(audit).size;
  for (let i = 0; i < views; i++) {
    const res = await get(`${app}${pages[i % pages.length].path}`, { cookie: liveCookie });
    await res.arrayBuffer();
  }
  await sleep(1_000);
  const during = auditCount(audit, from);
  report.api.page_views = views;
  report.api.per_page_view = during.count / views;
  report.api.page_view_requests = during.byVerb;
  log(`API idle window: ${idleSeconds} s`);
  from = fs.statSync(audit).size;
  await sleep(idleSeconds * 1000);
  const idle = auditCount(audit, from);
  report.api.idle_seconds = idleSeconds;
  report.api.per_minute_idle = (idle.count * 60) / idleSeconds;
  report.api.idle_requests = idle.byVerb;

  from = fs.statSync(audit).size;
  report.load_synthetic = loadAll(app, liveCookie, loadPages);
  const underLoad = auditCount(audit, from);
  const served = report.load_synthetic
    .filter((r) => r.page !== floor.name)
    .reduce((a, r) => a + r.requests, 0);
  report.api.under_load = { page_views: served, requests: underLoad.count, by: underLoad.byVerb };
  report.memory.synthetic_after_load_mib = rssMiB(live.pid);
  report.churn = await churn(app, liveCookie, kube.kubeconfig, metricsToken, churnRate);
  report.memory.synthetic_after_churn_mib = rssMiB(live.pid);
  await stop(live);
  await stop(provider);
  testbed.stdin.end();
  await stop(testbed);

  log('log follows: 20 tabs on a running cluster');
  report.log_follows = await logFollows();

  report.aar_search = aarSearch();
report.aar_form = aarForm();
} catch (e) {
  if (!(e instanceof Only)) throw e;
} finally {
  await browser.close();
  stopAllNow();
}

fs.writeFileSync(path.join(outDir, 'bench.json'), JSON.stringify(report, null, 2) + '\n');
fs.rmSync(work, { recursive: true, force: true });
if (only) {
  console.log(JSON.stringify(report, null, 2));
  process.exit(0);
}

// ---------------------------------------------------------------------------------------------
// The table.

const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const kb = (bytes) => `${fmt(bytes / 1000)} KB`;
/** "met", or "MISSED by X" (how far over an upper limit). */
function verdict(value, limit, unit, digits = 1) {
  if (!Number.isFinite(value)) return 'not measured';
  return value < limit ? 'met' : `MISSED by ${fmt(value - limit, digits)} ${unit}`;
}
const rows = [];
const row = (...cells) => rows.push(`| ${cells.join(' | ')} |`);
rows.push('| figure | measured | target |', '|---|---|---|');
for (const [label, results] of [['demo', report.load_demo], [`synthetic ${pods} pods`, report.load_synthetic]]) {
  for (const r of results) {
    const base = results.find((f) => f.page === floor.name && f.connections === r.connections);
    const errors = r.non_200 ? `, ${r.non_200} not 200` : '';
    const figures = `${fmt(r.rps, 0)} req/s, p50 ${fmt(r.p50_ms, 2)} ms, p99 ${fmt(r.p99_ms, 2)} ms${errors}`;
    if (r.page === floor.name) {
      row(`Floor (2 KB, no app work), ${label}, ${r.connections} conn`, figures, '');
      continue;
    }
    const share = base ? r.rps / base.rps : NaN;
    const targets = [`${fmt(share, 2)} of the floor's req/s (aim ≥ 0.5)`];
    if (r.connections === 200 && base) {
      targets.push(`p99 ≤ 1.5 × floor (${fmt(1.5 * base.p99_ms, 2)} ms): ${verdict(r.p99_ms, 1.5 * base.p99_ms, 'ms', 2)}`);
    }
    if (r.connections === 50) targets.push(`p99 < 10 ms: ${verdict(r.p99_ms, 10, 'ms', 2)}`);
    row(`${r.page} page, ${label}, ${r.connections} conn`, `${figures}; ${fmt(share, 2)} of the floor`, targets.join('; '));
  }
}
for (const w of report.weight) {
  const target = w.page === 'Status' ? `< 50 KB: ${verdict(w.total / 1000, 50, 'KB')}` : '';
  row(
    `${w.page} page weight, first visit`,
    `${kb(w.total)} (HTML ${kb(w.html)}, CSS ${kb(w.css)}, JS ${kb(w.js)}, WASM ${kb(w.wasm)}${w.other ? `, other ${kb(w.other)}` : ''})`,
    target,
  );
}
for (const p of report.paint) {
  const status = p.page === 'Status';
  row(`${p.page} page first contentful paint (median of 5)`, `${fmt(p.fcp_ms, 0)} ms`,
    status ? `< 150 ms: ${verdict(p.fcp_ms, 150, 'ms', 0)}` : '');
  row(`${p.page} page load event`, `${fmt(p.load_ms, 0)} ms`,
    status ? `< 250 ms: ${verdict(p.load_ms, 250, 'ms', 0)}` : '');
  row(`${p.page} page hydration finished`, `${fmt(p.hydrated_ms, 0)} ms`, '');
}
if (report.churn) {
  const c = report.churn;
  row(`Churn: pod status changes through the API server during the runs below`,
    `${c.sent.ok} done at ${fmt(c.sent.rate_done)}/s (asked ${c.sent.rate_asked}/s; ${c.sent.failed} failed, ${c.sent.skipped} skipped; patch p99 ${fmt(c.sent.patch_p99_ms, 1)} ms)`, '');
  for (const r of c.load) {
    const errors = r.non_200 ? `, ${r.non_200} not 200` : '';
    row(`${r.page} page under churn, synthetic ${pods} pods, 200 conn`,
      `${fmt(r.rps, 0)} req/s, p50 ${fmt(r.p50_ms, 2)} ms, p99 ${fmt(r.p99_ms, 2)} ms${errors}`,
      `p99 < 20 ms: ${verdict(r.p99_ms, 20, 'ms', 2)}`);
  }
  const d = c.delay;
  row('A change to the published views, under churn (server histogram)',
    `${d.count} publications; mean ${fmt(d.mean_s * 1000, 0)} ms; p50 ≤ ${fmt(d.p50_le_s * 1000, 0)} ms, p99 ≤ ${fmt(d.p99_le_s * 1000, 0)} ms, max ≤ ${fmt(d.p100_le_s * 1000, 0)} ms`,
    `< 1 s: ${verdict(d.p100_le_s * 1000, 1000, 'ms', 0)}`);
}
if (report.log_follows) {
  const f = report.log_follows;
  const slower = f.with_follows.p99_ms / f.without.p99_ms;
  row(`Services page, 50 conn, without / with ${f.tabs} tabs following a log (a line per 100 ms)`,
    `p99 ${fmt(f.without.p99_ms, 2)} / ${fmt(f.with_follows.p99_ms, 2)} ms; ${fmt(f.without.rps, 0)} / ${fmt(f.with_follows.rps, 0)} req/s`,
    `p99 within 1.5×: ${slower <= 1.5 ? 'met' : `MISSED by ${fmt(slower, 2)}×`}`);
  row(`Log streams open with ${f.tabs} tabs (server / API server); after closing the tabs`,
    `${f.open_server} / ${f.open_apiserver}; ${f.closed_server} closed, API server ${f.open_apiserver_after} open, in ${fmt(f.all_closed_ms, 0)} ms`,
    `all closed: ${f.closed_server === f.tabs && f.open_apiserver_after === 0 ? 'met' : 'MISSED'}`);
}
const mb = (mib) => mib * 1.048576;
row('Memory (RSS), demo, idle', `${fmt(mb(report.memory.demo_idle_mib))} MB`,
  `< 60 MB: ${verdict(mb(report.memory.demo_idle_mib), 60, 'MB')}`);
row(`Memory (RSS), synthetic ${pods} pods in the watch caches, idle`,
  `${fmt(mb(report.memory.synthetic_idle_mib))} MB`,
  `< 80 MB: ${verdict(mb(report.memory.synthetic_idle_mib), 80, 'MB')}`);
row('Memory (RSS) after the load runs, demo / synthetic (/ after the churn runs)',
  `${fmt(mb(report.memory.demo_after_load_mib))} MB / ${fmt(mb(report.memory.synthetic_after_load_mib))} MB / ${fmt(mb(report.memory.synthetic_after_churn_mib))} MB`,
  `synthetic < 150 MB: ${verdict(mb(report.memory.synthetic_after_load_mib), 150, 'MB')}`);
row('Kubernetes API requests per page view, caches synced',
  `${fmt(report.api.per_page_view, 2)} (${report.api.page_views} views); ${report.api.under_load.requests} during ${report.api.under_load.page_views} views under load`,
  `0: ${report.api.per_page_view === 0 && report.api.under_load.requests === 0 ? 'met' : 'MISSED'}`);
row('Kubernetes API requests per minute, idle',
  `${fmt(report.api.per_minute_idle)} (over ${report.api.idle_seconds} s)`, '');
row('Kubernetes API requests to sync the caches at start',
  `${report.api.start_requests.count} (ready in ${fmt(report.live_ready_ms, 0)} ms)`, '');
if (report.aar_search.available) {
  row(`AAR search p99 over ${report.aar_search.aars} AARs`, `${fmt(report.aar_search.p99_ms, 2)} ms`,
    `< 5 ms: ${verdict(report.aar_search.p99_ms, 5, 'ms', 2)}`);
} else {
  row('AAR search p99 over 10,000 AARs', 'not available yet (no `homelab bench aar-search`)', '< 5 ms');
}
if (report.aar_form.available) {
  row('AAR form refusing action-item row 10,000,000 (median / max)',
    `${fmt(report.aar_form.median_ms, 3)} ms / ${fmt(report.aar_form.max_ms, 3)} ms`,
    `< 50 ms: ${verdict(report.aar_form.max_ms, 50, 'ms', 3)}`);
}
row('Cold start to /readyz 200, demo (median of 5)', `${fmt(report.cold_start.median_ms, 0)} ms`,
  `< 1 s: ${verdict(report.cold_start.median_ms, 1000, 'ms', 0)}`);

const m = report.machine;
console.log(
  `\nBenchmarks, ${report.date.slice(0, 16).replace('T', ' ')} UTC: ${m.cores} cores, ` +
    `${m.memory_gib} GiB, ${m.os}; load average at start ${m.load_average.map((x) => x.toFixed(2)).join(' ')}; ` +
    `${loadgen} ${duration} s per run\n`,
);
console.log(rows.join('\n'));
console.log(`\nJSON: ${path.join(outDir, 'bench.json')}`);
