// Browser tests: Playwright driving Debian's chromium (never a downloaded browser) against the
// release build of the server in demo mode, started on a free loopback port by the test script.
import { defineConfig } from '@playwright/test';
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';

const port = process.env.E2E_PORT ?? '3100';
const repo = path.resolve(__dirname, '..');
// The release binary built by `cargo leptos build --release` (scripts/test.sh says where).
const bin = process.env.HOMELAB_BIN ?? path.join(repo, 'target/release/homelab');
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'homelab-e2e-'));

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
  webServer: {
    command: `${bin} serve --demo`,
    cwd: repo,
    url: `http://127.0.0.1:${port}/readyz`,
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      HOMELAB_SERVER__LISTEN: `127.0.0.1:${port}`,
      HOMELAB_SERVER__DATA_DIR: dataDir,
      HOMELAB_SERVER__SITE_ROOT: path.join(repo, 'target/site'),
      HOMELAB_LOG: 'warn',
    },
  },
});
