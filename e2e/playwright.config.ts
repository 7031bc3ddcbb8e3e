// Browser tests: Playwright driving Debian's chromium (never a downloaded browser) against the
// release build of the server, started on free loopback ports by the test script:
// - E2E_PORT: demo mode with the dev sign-in (the default baseURL);
// - E2E_OIDC_PORT: the test OIDC provider shaped like Authentik (e2e/oidc/provider.mjs);
// - E2E_OIDC_APP_PORT: demo mode signing in through that provider (tests/auth.spec.ts);
// - E2E_LIVE_PORT: a live homelab: the server watching a real kube-apiserver (the testbed with the
//   demo homelab applied), signing in through the provider (tests/live.spec.ts).
import { defineConfig } from '@playwright/test';
import * as crypto from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';

const port = process.env.E2E_PORT ?? '3100';
const oidcPort = process.env.E2E_OIDC_PORT ?? '3101';
const oidcAppPort = process.env.E2E_OIDC_APP_PORT ?? '3102';
const livePort = process.env.E2E_LIVE_PORT ?? '3103';
const repo = path.resolve(__dirname, '..');
// The release binary built by `cargo leptos build --release` (scripts/test.sh says where).
const bin = process.env.HOMELAB_BIN ?? path.join(repo, 'target/release/homelab');
const siteRoot = path.join(repo, 'target/site');
const tmpDir = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `homelab-e2e-${name}-`));
const issuer = `http://127.0.0.1:${oidcPort}/application/o/homelab/`;
const oidcApp = `http://127.0.0.1:${oidcAppPort}`;
const liveApp = `http://127.0.0.1:${livePort}`;
// Where the testbed writes its kubeconfig, token and CA; tests/live.spec.ts reads it. Workers
// load this file again but inherit the environment: they keep the main process's path.
const liveInfo = process.env.E2E_LIVE_INFO ?? path.join(tmpDir('live-kube'), 'testbed.json');
process.env.E2E_LIVE_INFO = liveInfo;
// Shared by the provider and the app it signs in; fresh for each run.
const clientSecret = crypto.randomBytes(24).toString('hex');

export default defineConfig({
  testDir: './tests',
  outputDir: path.join(repo, 'target/e2e-artifacts/results'),
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 1,
  timeout: 30_000,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    browserName: 'chromium',
    launchOptions: {
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
    },
    trace: 'off',
    testIdAttribute: 'data-test',
  },
  // Started in this order; the provider before the app that discovers it at start-up.
  webServer: [
    {
      command: `${bin} serve --demo`,
      cwd: repo,
      url: `http://127.0.0.1:${port}/readyz`,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: {
        HOMELAB_SERVER__LISTEN: `127.0.0.1:${port}`,
        // Posts are refused unless their Origin is the public URL's.
        HOMELAB_SERVER__PUBLIC_URL: `http://127.0.0.1:${port}`,
        HOMELAB_SERVER__DATA_DIR: tmpDir('demo'),
        HOMELAB_SERVER__SITE_ROOT: siteRoot,
        HOMELAB_LOG: 'warn',
      },
    },
    {
      command: [
        'node e2e/oidc/provider.mjs --exit-with-parent',
        `--port ${oidcPort} --client-secret ${clientSecret}`,
        `--redirect-uri ${oidcApp}/auth/callback`,
        `--post-logout-redirect-uri ${oidcApp}/auth/signed-out`,
        `--redirect-uri ${liveApp}/auth/callback`,
        `--post-logout-redirect-uri ${liveApp}/auth/signed-out`,
      ].join(' '),
      cwd: repo,
      url: `${issuer}.well-known/openid-configuration`,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: `${bin} serve --demo`,
      cwd: repo,
      url: `${oidcApp}/readyz`,
      reuseExistingServer: false,
      timeout: 30_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: {
        HOMELAB_SERVER__LISTEN: `127.0.0.1:${oidcAppPort}`,
        HOMELAB_SERVER__PUBLIC_URL: oidcApp,
        HOMELAB_SERVER__DATA_DIR: tmpDir('oidc'),
        HOMELAB_SERVER__SITE_ROOT: siteRoot,
        // Cookies are not kept apart by port: not the demo instance's homelab_session.
        HOMELAB_SESSION__COOKIE_NAME: 'homelab_oidc_session',
        HOMELAB_OIDC__ISSUER_URL: issuer,
        HOMELAB_OIDC__CLIENT_ID: 'homelab',
        HOMELAB_OIDC__CLIENT_SECRET: clientSecret,
        HOMELAB_LOG: 'warn',
      },
    },
    {
      command: 'node e2e/live/serve.mjs',
      cwd: repo,
      url: `${liveApp}/readyz`,
      reuseExistingServer: false,
      // Starting etcd and kube-apiserver and applying the CRDs and the demo homelab.
      timeout: 180_000,
      stdout: 'pipe',
      stderr: 'pipe',
      env: {
        TESTBED_BIN: process.env.TESTBED_BIN ?? path.join(repo, 'target/debug/testbed'),
        HOMELAB_BIN: bin,
        E2E_LIVE_INFO: liveInfo,
        HOMELAB_SERVER__LISTEN: `127.0.0.1:${livePort}`,
        HOMELAB_SERVER__PUBLIC_URL: liveApp,
        HOMELAB_SERVER__DATA_DIR: tmpDir('live'),
        HOMELAB_SERVER__SITE_ROOT: siteRoot,
        HOMELAB_SESSION__COOKIE_NAME: 'homelab_live_session',
        // The Status page (and its live stream) for anyone: tests/live.spec.ts watches it.
        HOMELAB_PUBLIC_STATUS: 'true',
        // Notifications go to an ntfy topic on a closed loopback port: each shows on the
        // Notifications page as a delivery (retried), which tests/live.spec.ts counts.
        HOMELAB_NOTIFY__DEBOUNCE_SECS: '2',
        HOMELAB_NOTIFY__GROUP_SECS: '1',
        HOMELAB_NOTIFY__TARGETS: '[{name="family",kind="ntfy",url="http://127.0.0.1:9/homelab-family",audience="family"}]',
        HOMELAB_OIDC__ISSUER_URL: issuer,
        HOMELAB_OIDC__CLIENT_ID: 'homelab',
        HOMELAB_OIDC__CLIENT_SECRET: clientSecret,
        HOMELAB_LOG: 'warn',
      },
    },
  ],
});
