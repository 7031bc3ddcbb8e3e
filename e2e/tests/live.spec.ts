// A live homelab (e2e/live/serve.mjs): the server watching a running test cluster (the
// scheduler, the workload controllers, kwok as the kubelets) with the demo homelab applied. A
// change in the cluster reaches an open page over the live stream, without a reload.
import { test, expect, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as https from 'node:https';
import { collectErrors, screenshot, signInThroughProvider, violations } from './support';

const app = `http://127.0.0.1:${process.env.E2E_LIVE_PORT ?? '3103'}`;

test.use({ baseURL: app });

interface TestbedInfo {
  server: string;
  token: string;
  ca_file: string;
}

/** Sends `body` to `path` on the test API server as its admin; fails unless it answers 2xx. */
async function kube(method: 'PATCH' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<void> {
  const info: TestbedInfo = JSON.parse(fs.readFileSync(process.env.E2E_LIVE_INFO!, 'utf8'));
  const url = new URL(path, info.server);
  const payload = body === undefined ? '' : JSON.stringify(body);
  const type = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
  await new Promise<void>((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        ca: fs.readFileSync(info.ca_file),
        headers: {
          authorization: `Bearer ${info.token}`,
          'content-type': type,
          'content-length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
          if (ok) resolve();
          else reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const patch = (path: string, body: unknown) => kube('PATCH', path, body);

/**
 * Plex's container starts crash-looping, or runs again: its pods carry the annotation the test
 * cluster's kubelets (kwok) act on, so the pods turn not ready and the Deployment controller
 * counts Plex's ready replicas down to 0, or back up.
 */
async function plexCrashing(crashing: boolean) {
  const pods = await kubeGet('/api/v1/namespaces/media/pods?labelSelector=app.kubernetes.io%2Fname%3Dplex');
  expect(pods.items.length).toBeGreaterThan(0);
  for (const pod of pods.items) {
    await patch(`/api/v1/namespaces/media/pods/${pod.metadata.name}`, {
      metadata: { annotations: { 'homelab.test/crash-loop': crashing ? '1' : null } },
    });
  }
}

async function markReload(page: Page) {
  await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
}

async function stillSameDocument(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument === true);
}

test('Plex losing its ready replica reaches the open Services page without a reload', async ({ page }) => {
  await signInThroughProvider(page, app, 'admin', '/services');
  // Errors of our own page from here on (the provider's pages are not ours).
  const errors = collectErrors(page);
  const badge = page.locator('[data-test=service-row][data-service="media/plex"] [data-live-service]');
  await expect(badge).toHaveText('Up');
  await expect(page.getByTestId('freshness')).toBeVisible();
  await markReload(page);
  try {
    await plexCrashing(true);
    await expect(badge).toHaveText('Down', { timeout: 10_000 });
    await expect(badge).toHaveClass(/bad/);
    // A screen reader hears it once, politely, from the page's live region.
    const announcer = page.getByTestId('announcer');
    await expect(announcer).toHaveAttribute('aria-live', 'polite');
    await expect(announcer).toContainText('Plex is now Down.');
    expect(await stillSameDocument(page)).toBe(true);
    await screenshot(page, 'live-plex-down');
  } finally {
    await plexCrashing(false);
  }
  await expect(badge).toHaveText('Up', { timeout: 10_000 });
  await expect(page.getByTestId('announcer')).toContainText('Plex is now Up.');
  expect(await stillSameDocument(page)).toBe(true);
  expect(errors).toEqual([]);
});

test('a family member on a phone watches Plex come back on the Status page', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await signInThroughProvider(page, app, 'family', '/');
  const card = page.locator('[data-test=family-service][data-service="media/plex"]');
  await expect(card.locator('[data-live-service]')).toHaveText('Working');
  // Once the recorder has written Plex's status (it coalesces changes for a second, and another
  // test may be changing Plex at the same time), the card says since when and draws the bar.
  await expect
    .poll(async () => {
      await page.reload();
      return card.getByTestId('since').count();
    }, { timeout: 10_000 })
    .toBe(1);
  await expect(card.getByTestId('uptime')).toBeVisible();
  await markReload(page);
  try {
    await plexCrashing(true);
    await expect(card.locator('[data-live-service]')).toHaveText('Not working', { timeout: 10_000 });
    await expect(page.getByTestId('announcer')).toContainText('Plex is not working.');
  } finally {
    await plexCrashing(false);
  }
  await expect(card.locator('[data-live-service]')).toHaveText('Working', { timeout: 10_000 });
  await expect(page.getByTestId('announcer')).toContainText('Plex is working.');
  expect(await stillSameDocument(page)).toBe(true);
  // The API reports since when Plex has had its status.
  await expect
    .poll(async () => {
      const all = await (await page.request.get('/api/v1/status')).json();
      const plex = all.find((s: { service: string }) => s.service === 'Plex');
      return [plex.status, typeof plex.since];
    })
    .toEqual(['up', 'number']);
  await screenshot(page, 'live-family-status');
});

test('a Kustomization failing and a new Backup reach the open GitOps and Backups pages without a reload', async ({ page }) => {
  await signInThroughProvider(page, app, 'admin', '/gitops');
  const errors = collectErrors(page);
  const media = page.locator('[data-test=flux-row][data-name="flux-system/media"]');
  await expect(media).toHaveAttribute('data-ready', 'ready');
  await expect(page.getByTestId('freshness')).toHaveAttribute('data-live', 'true');
  await markReload(page);
  const path = '/apis/kustomize.toolkit.fluxcd.io/v1/namespaces/flux-system/kustomizations/media/status';
  const condition = (status: string, reason: string, message: string) => ({
    status: {
      conditions: [
        { type: 'Ready', status, reason, message, observedGeneration: 1, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z') },
      ],
    },
  });
  try {
    await patch(path, condition('False', 'BuildFailed', 'kustomize build failed: missing resource jellyfin.yaml'));
    await expect(page.locator('[data-test=flux-row][data-name="flux-system/media"]')).toHaveAttribute('data-ready', 'not-ready', { timeout: 5_000 });
    await expect(page.locator('[data-test=flux-row][data-name="flux-system/media"] [data-test=flux-message]')).toContainText('missing resource jellyfin.yaml');
    expect(await stillSameDocument(page)).toBe(true);
    await screenshot(page, 'live-gitops-not-ready');
  } finally {
    await patch(path, condition('True', 'ReconciliationSucceeded', 'Applied revision: main@sha1:73eb7443d0d0d64342a722f17f94ffe2c29c3b0d'));
  }

  await page.goto('/backups');
  await expect(page.getByTestId('freshness')).toHaveAttribute('data-live', 'true');
  await markReload(page);
  const name = `manual-e2e-${Date.now()}`;
  await kube('POST', '/apis/velero.io/v1/namespaces/velero/backups', {
    apiVersion: 'velero.io/v1',
    kind: 'Backup',
    metadata: { name, namespace: 'velero' },
    spec: { includedNamespaces: ['media'], storageLocation: 'default', ttl: '72h0m0s' },
  });
  try {
    await expect(page.locator(`[data-test=backup-row][data-backup="${name}"]`)).toBeVisible({ timeout: 5_000 });
    expect(await stillSameDocument(page)).toBe(true);
  } finally {
    await kube('DELETE', `/apis/velero.io/v1/namespaces/velero/backups/${name}`);
  }
  expect(errors).toEqual([]);
});

/** GETs `path` on the test API server as its admin. */
async function kubeGet(path: string): Promise<any> {
  const info: TestbedInfo = JSON.parse(fs.readFileSync(process.env.E2E_LIVE_INFO!, 'utf8'));
  return new Promise((resolve, reject) => {
    https
      .get(new URL(path, info.server), { ca: fs.readFileSync(info.ca_file), headers: { authorization: `Bearer ${info.token}` } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(text)) : reject(new Error(`GET ${path}: ${res.statusCode}`))));
      })
      .on('error', reject);
  });
}

test('an admin clears the claimRef of a Released volume from the Storage page, and it is audited', async ({ page }) => {
  await signInThroughProvider(page, app, 'admin', '/storage');
  const errors = collectErrors(page);
  const item = page.locator('[data-test=released-volume][data-volume="nfs-media-music"]');
  await expect(item).toBeVisible();
  await item.getByTestId('clear-claim-ref').click();

  // The preview: the field that changes, the kubectl command, and a name to type.
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Clear the claimRef of volume nfs-media-music');
  await expect(page.locator('[data-test=change][data-field="/spec/claimRef"]')).toBeVisible();
  await expect(page.getByTestId('command')).toContainText('kubectl patch pv nfs-media-music');
  await screenshot(page, 'action-preview-clear-claim-ref');
  await page.getByTestId('confirm').fill('nfs-media-music');
  await page.getByLabel('Reason (optional, kept in the audit log)').fill('lidarr-music was deleted; free the volume');
  await page.getByTestId('confirm-button').click();
  await expect(page.getByTestId('outcome')).toHaveAttribute('data-outcome', 'done');

  const pv = await kubeGet('/api/v1/persistentvolumes/nfs-media-music');
  expect(pv.spec.claimRef).toBeUndefined();
  // The test bed runs the PV binder: without a claimRef the volume becomes Available.
  await expect.poll(async () => (await kubeGet('/api/v1/persistentvolumes/nfs-media-music')).status.phase, { timeout: 20_000 }).toBe('Available');

  await page.goto('/audit');
  const row = page.locator('[data-test=audit-row][data-action="clear-claim-ref"]').first();
  await expect(row.getByTestId('audit-target')).toHaveText('PersistentVolume nfs-media-music');
  await expect(row).toHaveAttribute('data-outcome', 'done');
  await expect(row).toContainText('lidarr-music was deleted');
  await screenshot(page, 'audit-log');
  // Filtered over the whole log: by a part of the target, any case.
  await page.getByLabel('Target contains').fill('NFS-MEDIA-MUSIC');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/target=NFS-MEDIA-MUSIC/);
  await expect(page.getByTestId('audit-count')).toHaveText('1 entry matches');
  await expect(page.locator('[data-test=audit-row]')).toHaveCount(1);
  expect(errors).toEqual([]);
});

test('an admin backs up now from a schedule and ad hoc from the Backups page, and the new backups show up', async ({ page }) => {
  await signInThroughProvider(page, app, 'admin', '/backups');
  const errors = collectErrors(page);
  const made: string[] = [];
  try {
    // From a schedule: the backup is its template, labelled with its name.
    await page.locator('[data-test=schedule-row][data-schedule="daily-critical"]').getByTestId('backup-now').click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Back up now from schedule daily-critical');
    await expect(page.locator('[data-test=change][data-field="/metadata/labels"]')).toContainText('velero.io/schedule-name');
    await expect(page.getByTestId('command')).toHaveText('velero backup create --from-schedule daily-critical -n velero');
    await screenshot(page, 'action-preview-backup-now');
    await page.getByTestId('confirm').fill('daily-critical');
    await page.getByTestId('confirm-button').click();
    await expect(page.getByTestId('outcome')).toHaveAttribute('data-outcome', 'done');
    const list = await kubeGet('/apis/velero.io/v1/namespaces/velero/backups?labelSelector=velero.io%2Fschedule-name%3Ddaily-critical');
    const fresh = list.items.map((b: any) => b.metadata.name).filter((n: string) => /^daily-critical-\d{14}$/.test(n) && !n.startsWith('daily-critical-2025'));
    expect(fresh).toHaveLength(1);
    made.push(fresh[0]);

    // Ad hoc: tick a namespace in the coverage table.
    await page.goto('/backups');
    await page.locator('[data-test=coverage-row][data-namespace="media"]').getByTestId('coverage-pick').check();
    await page.getByTestId('ad-hoc-backup-button').click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Back up namespace media');
    await page.getByTestId('confirm').fill('media');
    await page.getByTestId('confirm-button').click();
    await expect(page.getByTestId('outcome')).toHaveAttribute('data-outcome', 'done');
    const all = await kubeGet('/apis/velero.io/v1/namespaces/velero/backups');
    const adHoc = all.items.map((b: any) => b.metadata.name).filter((n: string) => /^media-manual-\d{14}$/.test(n));
    expect(adHoc).toHaveLength(1);
    made.push(adHoc[0]);

    // Both are in the recent backups, the one from the schedule under its name.
    await page.goto('/backups');
    await expect(page.locator(`[data-test=backup-row][data-backup="${made[0]}"]`)).toContainText('daily-critical');
    await expect(page.locator(`[data-test=backup-row][data-backup="${made[1]}"]`)).toContainText('manual');
  } finally {
    for (const name of made) await kube('DELETE', `/apis/velero.io/v1/namespaces/velero/backups/${name}`);
  }
  expect(errors).toEqual([]);
});

test('an admin drills a restore of a real Velero backup from the Backups page into a scratch namespace; family gets 403', async ({ page, browser }) => {
  // A backup and a restore by a real Velero, each followed to its end.
  test.setTimeout(180_000);
  // The testbed runs a real Velero watching its own namespace, backing up to a real S3 server.
  const info = JSON.parse(fs.readFileSync(process.env.E2E_LIVE_INFO!, 'utf8'));
  const velero: string = info.velero;
  expect(velero).toBeTruthy();
  const shop = `shop-${Date.now().toString(36)}`;
  await kube('POST', '/api/v1/namespaces', { metadata: { name: shop } });
  await kube('POST', `/api/v1/namespaces/${shop}/configmaps`, { metadata: { name: 'prices' }, data: { tea: '3' } });
  await kube('POST', `/api/v1/namespaces/${shop}/persistentvolumeclaims`, {
    metadata: { name: 'ledger' },
    spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'drill-test-none', resources: { requests: { storage: '1Gi' } } },
  });
  let scratch = '';
  await signInThroughProvider(page, app, 'admin', `/actions/preview?action=backup&namespace=${velero}&namespaces=${shop}`);
  const errors = collectErrors(page);
  try {
    // Back up now, and Velero takes it: Completed on the Backups page with its items counted.
    // The preview with its typed confirmation, and the outcome, pass axe as the demo's pages do.
    expect(await violations(page)).toEqual([]);
    await page.getByTestId('confirm').fill(shop);
    await page.getByTestId('confirm-button').click();
    await expect(page.getByTestId('outcome')).toHaveAttribute('data-outcome', 'done');
    expect(await violations(page)).toEqual([]);
    const list = await kubeGet(`/apis/velero.io/v1/namespaces/${velero}/backups`);
    const backup: string = list.items.map((b: any) => b.metadata.name).find((n: string) => n.startsWith(`${shop}-manual-`));
    const row = page.locator(`[data-test=backup-row][data-backup="${backup}"]`);
    await expect(async () => {
      await page.goto('/backups');
      await expect(row).toHaveAttribute('data-phase', 'Completed', { timeout: 1000 });
    }).toPass({ timeout: 60_000 });
    await expect(row.getByTestId('backup-items')).toContainText('(100%)');

    // Drill it from the Backups page: the preview names the scratch namespace.
    await page.locator('#drill-backup').selectOption(`${velero}/${backup}`);
    await page.locator('#drill-namespaces').fill(shop);
    await page.getByTestId('drill-button').click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(`Drill a restore of ${shop} from backup ${backup}`);
    scratch = `drill-${shop}-${backup.split('-').pop()}`;
    await expect(page.locator('main')).toContainText(scratch);
    await screenshot(page, 'drill-preview');
    await page.getByTestId('confirm').fill(backup);
    await page.getByTestId('confirm-button').click();
    await expect(page.getByTestId('outcome')).toHaveAttribute('data-outcome', 'done');

    // Followed to the end on its page, then compared: everything came back.
    const restores = await kubeGet(`/apis/velero.io/v1/namespaces/${velero}/restores`);
    const restore: string = restores.items.find((r: any) => r.spec.backupName === backup).metadata.name;
    const drillRow = page.locator(`[data-test=drill-row][data-drill="${restore}"] th a`);
    await expect(async () => {
      await page.goto('/backups');
      await expect(drillRow).toBeVisible({ timeout: 1000 });
    }).toPass({ timeout: 30_000 });
    await drillRow.click();
    await expect(page.getByTestId('drill-state')).toContainText('Passed', { timeout: 60_000 });
    await expect(page.locator('[data-test=drill-kind][data-kind="v1/ConfigMap"]')).toHaveAttribute('data-ok', 'true');
    await expect(page.locator('[data-test=drill-claim]')).toHaveAttribute('data-found', 'true');
    const copy = await kubeGet(`/api/v1/namespaces/${scratch}/configmaps/prices`);
    expect(copy.data).toEqual({ tea: '3' });
    await screenshot(page, 'drill-passed');

    // Family: neither the drill's page nor the action.
    const family = await browser.newContext();
    const phone = await family.newPage();
    await signInThroughProvider(phone, app, 'family', '/');
    for (const path of [`/drills/${velero}/${restore}`, `/actions/preview?action=restore-drill&backup=${velero}/${backup}&namespaces=${shop}`]) {
      const answer = await phone.goto(path);
      expect(answer?.status(), path).toBe(403);
    }
    await family.close();

    // The clean-up removes the scratch namespace, and the live one stays.
    await page.getByTestId('drill-cleanup').click();
    await page.getByTestId('confirm').fill(scratch);
    await page.getByTestId('confirm-button').click();
    await expect(page.getByTestId('outcome')).toHaveAttribute('data-outcome', 'done');
    await expect(async () => {
      await page.goto(`/drills/${velero}/${restore}`);
      await expect(page.locator('main')).toContainText('cleaned up', { timeout: 1000 });
    }).toPass({ timeout: 60_000 });
    scratch = '';
    expect((await kubeGet(`/api/v1/namespaces/${shop}/configmaps/prices`)).data).toEqual({ tea: '3' });
  } finally {
    if (scratch) await kube('DELETE', `/api/v1/namespaces/${scratch}`).catch(() => {});
    await kube('DELETE', `/api/v1/namespaces/${shop}`);
  }
  expect(errors).toEqual([]);
});

test('a restart from the control plane rolls Radarr\'s pod, and its open page follows the rollout without a reload', async ({ page, context }) => {
  await signInThroughProvider(page, app, 'admin', '/services/media/radarr');
  const errors = collectErrors(page);
  const rows = page.locator('[data-live-region=pods] [data-test=pod-row] th');
  await expect(rows).toHaveCount(1);
  const before = (await rows.first().textContent())!;
  expect(before).toMatch(/^media\/radarr-/);
  // Every pod name the open page shows, as its pod table changes.
  await page.evaluate(() => {
    const w = window as unknown as { seenPods: string[] };
    w.seenPods = [];
    const region = document.querySelector('[data-live-region=pods]')!;
    const record = () => {
      for (const th of region.querySelectorAll('[data-test=pod-row] th')) {
        const name = th.textContent ?? '';
        if (!w.seenPods.includes(name)) w.seenPods.push(name);
      }
    };
    record();
    new MutationObserver(record).observe(region, { childList: true, subtree: true });
  });
  await markReload(page);

  // The restart, from a second tab: preview, typed confirmation, done.
  const other = await context.newPage();
  await other.goto('/services/media/radarr');
  await other.getByTestId('restart').click();
  await expect(other.getByRole('heading', { level: 1 })).toContainText('radarr');
  await other.getByTestId('confirm').fill('radarr');
  await other.getByTestId('confirm-button').click();
  await expect(other.getByTestId('outcome')).toHaveAttribute('data-outcome', 'done');
  await other.close();

  // The Deployment controller rolls a new pod, kwok runs it, the old one goes; the open page
  // shows the new pod in place of the old one.
  await expect.poll(async () => {
    const names = await rows.allTextContents();
    return names.length === 1 && names[0] !== before && names[0].startsWith('media/radarr-');
  }, { timeout: 20_000 }).toBe(true);
  const after = (await rows.first().textContent())!;
  await expect(page.locator('[data-live-region=pods] [data-test=pod-row]').first()).toContainText('Running');
  const pods = await kubeGet('/api/v1/namespaces/media/pods?labelSelector=app.kubernetes.io%2Fname%3Dradarr');
  expect(pods.items.map((p: any) => `media/${p.metadata.name}`)).toEqual([after]);
  const seen = await page.evaluate(() => (window as unknown as { seenPods: string[] }).seenPods);
  expect(seen).toEqual([before, after]);
  expect(await stillSameDocument(page)).toBe(true);
  await screenshot(page, 'live-rollout');
  expect(errors).toEqual([]);
});

test('an admin opens a pod\'s logs from its service page and reads what the container wrote, as text', async ({ page }) => {
  await signInThroughProvider(page, app, 'admin', '/services/media/sonarr');
  const errors = collectErrors(page);
  // A line as a container runtime writes it (CRI format), in the file the test kubelets serve.
  const info = JSON.parse(fs.readFileSync(process.env.E2E_LIVE_INFO!, 'utf8'));
  const marker = `browser-log-${Date.now()}`;
  fs.appendFileSync(`${info.log_dir}/pods.log`, `${new Date().toISOString()} stdout F ${marker} <b>not bold</b>\n`);
  await page.locator('[data-live-region=pods] [data-test=pod-row] th a').first().click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Logs of media/sonarr-');
  await expect(page.getByTestId('log')).toContainText(`${marker} <b>not bold</b>`);
  await expect(page.locator('[data-test=log] b')).toHaveCount(0);
  // Fewer lines, through the form.
  await page.getByLabel('Last lines').fill('1');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/tail=1/);
  await expect(page.getByTestId('log-summary')).toHaveText('1 line');
  await expect(page.getByTestId('log')).toContainText(marker);
  await screenshot(page, 'pod-logs');
  expect(errors).toEqual([]);
  // A bad field is named on the page, with the form to fix it.
  const bad = await page.goto(page.url().replace('tail=1', 'tail=0'));
  expect(bad?.status()).toBe(400);
  await expect(page.getByTestId('log-problem')).toContainText('tail must be a number of lines from 1 to 10000, not "0"');
  await expect(page.getByLabel('Last lines')).toBeVisible();
});

test('an admin follows a log live, filters it, pauses it, and closing the tab ends the stream', async ({ page, context }) => {
  const info = JSON.parse(fs.readFileSync(process.env.E2E_LIVE_INFO!, 'utf8'));
  const write = (text: string) => fs.appendFileSync(`${info.log_dir}/pods.log`, `${new Date().toISOString()} stdout F ${text}\n`);
  const stamp = Date.now();
  await signInThroughProvider(page, app, 'admin', '/services/media/sonarr');
  const errors = collectErrors(page);
  await page.locator('[data-live-region=pods] [data-test=pod-row] th a').first().click();
  await expect(page.getByTestId('log-follow-toggle')).toBeEnabled();
  await page.getByTestId('log-follow-toggle').click();
  await expect(page.getByTestId('log-follow')).toHaveAttribute('data-state', 'following');
  const log = page.getByTestId('log');
  // kwok reads the file from its end once the stream is open: write until a line comes through.
  await expect(async () => {
    write(`followed-${stamp}`);
    await expect(log).toContainText(`followed-${stamp}`, { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  const metrics = async () => (await (await page.request.get('/metrics')).text());
  expect(await metrics()).toMatch(/^homelab_log_follows 1$/m);
  // The filter hides lines without its text, old and new.
  await page.getByTestId('log-filter').fill(`FOLLOWED-${stamp}`);
  await expect(log.locator('[data-line]:visible')).not.toHaveCount(0);
  for (const text of await log.locator('[data-line]:visible').allTextContents()) {
    expect(text).toContain(`followed-${stamp}`);
  }
  await page.getByTestId('log-filter').fill('');
  // Paused, new lines wait; resumed, they show.
  await page.getByTestId('log-follow-toggle').click();
  await expect(page.getByTestId('log-follow')).toHaveAttribute('data-state', 'paused');
  write(`held-${stamp}`);
  await expect(page.getByTestId('log-follow-status')).toContainText('held', { timeout: 10_000 });
  await expect(log).not.toContainText(`held-${stamp}`);
  await screenshot(page, 'pod-logs-following');
  await page.getByTestId('log-follow-toggle').click();
  await expect(log).toContainText(`held-${stamp}`);
  expect(errors).toEqual([]);
  // Closing the tab ends the stream to the API server.
  const other = await context.newPage();
  await page.close();
  await expect(async () => {
    const text = await (await other.request.get('/metrics')).text();
    expect(text).toMatch(/^homelab_log_follows 0$/m);
  }).toPass({ timeout: 15_000 });
});

test('after a crash, an admin reads the previous instance of the container', async ({ page }) => {
  const info = JSON.parse(fs.readFileSync(process.env.E2E_LIVE_INFO!, 'utf8'));
  const now = Date.now();
  // What the crashed instance wrote (kwok serves this file for previous=true), and the new one.
  fs.appendFileSync(`${info.log_dir}/previous.log`, `${new Date().toISOString()} stderr F panic: before-restart-${now}\n`);
  fs.appendFileSync(`${info.log_dir}/pods.log`, `${new Date().toISOString()} stdout F after-restart-${now}\n`);
  await signInThroughProvider(page, app, 'admin', '/services/media/plex');
  const errors = collectErrors(page);
  try {
    await plexCrashing(true);
    const row = page.locator('[data-live-region=pods] [data-test=pod-row]').first();
    await expect(row).toContainText('CrashLoopBackOff', { timeout: 15_000 });
    await row.locator('th a').click();
    await expect(page.getByTestId('log')).toContainText(`after-restart-${now}`);
    await page.getByLabel('Previous instance').check();
    await page.getByRole('button', { name: 'Show' }).click();
    await expect(page).toHaveURL(/previous=on/);
    await expect(page.getByTestId('log')).toContainText(`panic: before-restart-${now}`);
    await expect(page.getByTestId('log')).not.toContainText(`after-restart-${now}`);
  } finally {
    await plexCrashing(false);
  }
  expect(errors).toEqual([]);
});

test('a family member gets no action controls, and the action endpoints answer 403', async ({ page }) => {
  await signInThroughProvider(page, app, 'family', '/services/media/plex');
  await expect(page.getByRole('heading', { level: 1, name: 'Plex' })).toBeVisible();
  await expect(page.getByTestId('scale-form')).toHaveCount(0);
  await expect(page.getByTestId('clear-claim-ref')).toHaveCount(0);
  const csrf = await page.locator('meta[name="csrf-token"]').getAttribute('content');
  const preview = await page.request.get('/actions/preview?action=scale&kind=Deployment&namespace=media&name=plex&replicas=0');
  expect(preview.status()).toBe(403);
  const run = await page.request.post('/actions/run', {
    headers: { origin: app },
    form: { csrf: csrf ?? '', action: 'scale', kind: 'Deployment', namespace: 'media', name: 'plex', replicas: '0', resource_version: '1', confirm: 'plex' },
  });
  expect(run.status()).toBe(403);
  const deployment = await kubeGet('/apis/apps/v1/namespaces/media/deployments/plex');
  expect(deployment.spec.replicas).toBe(1);
});

/** Whether the test API server answers /readyz now. */
async function apiServerReady(): Promise<boolean> {
  try {
    await kubeGet('/version');
    return true;
  } catch {
    return false;
  }
}

/** Sends `signal` to the testbed: SIGUSR1 stops the API server, SIGUSR2 starts it again. */
function signalTestbed(signal: 'SIGUSR1' | 'SIGUSR2') {
  const info = JSON.parse(fs.readFileSync(process.env.E2E_LIVE_INFO!, 'utf8'));
  process.kill(info.pid, signal);
}

test('the API server goes away and comes back under a running control plane: the data says its age, pages answer, all recovers', async ({ page }) => {
  test.setTimeout(150_000);
  await signInThroughProvider(page, app, 'admin', '/services');
  const errors = collectErrors(page);
  const freshness = page.getByTestId('freshness');
  const banner = page.getByTestId('stale-banner');
  const plex = page.locator('[data-test=service-row][data-service="media/plex"]');
  await expect(freshness).toHaveAttribute('data-state', 'live');
  await expect(banner).toHaveCount(0);

  signalTestbed('SIGUSR1');
  try {
    await expect.poll(apiServerReady, { timeout: 10_000 }).toBe(false);
    // The open page says it without a reload: the data is from the moment the API went away.
    await expect(freshness).toHaveAttribute('data-state', 'stale', { timeout: 15_000 });
    await expect(freshness).toContainText('Data from');
    // Pages still answer from the caches, under the banner.
    await page.reload();
    await expect(banner).toContainText('Data from');
    await expect(banner).toContainText('cannot be reached');
    await expect(plex.locator('[data-live-service]')).toHaveText('Up');
    await page.goto('/storage');
    await expect(banner).toBeVisible();
    await expect(page.locator('[data-test=released-volume]').first()).toBeVisible();
    await screenshot(page, 'live-api-server-gone');
    await page.goto('/services');
  } finally {
    signalTestbed('SIGUSR2');
  }
  await expect.poll(apiServerReady, { timeout: 60_000 }).toBe(true);
  // The control plane finds the API again by itself (its watches retry with backoff, at most
  // 30 s apart), with no restart: live again on the open page, no banner after a reload.
  await expect(freshness).toHaveAttribute('data-state', 'live', { timeout: 60_000 });
  await page.reload();
  await expect(banner).toHaveCount(0);
  // And changes flow again.
  const badge = plex.locator('[data-live-service]');
  try {
    await plexCrashing(true);
    await expect(badge).toHaveText('Down', { timeout: 10_000 });
  } finally {
    await plexCrashing(false);
  }
  await expect(badge).toHaveText('Up', { timeout: 10_000 });
  expect(errors).toEqual([]);
});

test('anyone on a phone watches the public Status page live, and nothing else opens', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  const errors = collectErrors(page);
  await page.goto('/');
  const card = page.locator('[data-test=family-service][data-service="media/plex"]');
  await expect(card.locator('[data-live-service]')).toHaveText('Working');
  // Not signed in, the page still hears the live stream.
  await expect(page.getByTestId('freshness')).toHaveAttribute('data-stream', 'open', { timeout: 10_000 });
  await expect(page.getByTestId('freshness')).toHaveAttribute('data-state', 'live');
  await markReload(page);
  try {
    await plexCrashing(true);
    // Public streams send at most one update every 2 s.
    await expect(card.locator('[data-live-service]')).toHaveText('Not working', { timeout: 10_000 });
  } finally {
    await plexCrashing(false);
  }
  await expect(card.locator('[data-live-service]')).toHaveText('Working', { timeout: 10_000 });
  expect(await stillSameDocument(page)).toBe(true);
  // Everything else still needs a sign-in.
  const services = await page.request.get('/services', { maxRedirects: 0 });
  expect(services.status()).toBe(303);
  const nodes = await page.request.get('/api/v1/nodes');
  expect(nodes.status()).toBe(401);
  expect(errors).toEqual([]);
});

/** The UTC `YYYY-MM-DDTHH:MM` a datetime-local field takes, `minutes` from now. */
function formTime(minutes: number): string {
  return new Date(Date.now() + minutes * 60_000).toISOString().slice(0, 16);
}

test('an admin posts a maintenance window for Plex: the family sees it, and Plex going down in it notifies no one', async ({ page, browser }) => {
  test.setTimeout(90_000);
  await signInThroughProvider(page, app, 'admin', '/notices');
  const errors = collectErrors(page);
  const text = 'Plex moves to the new GPU node tonight';
  await page.getByLabel('What the family should know').fill(text);
  await page.getByRole('checkbox', { name: /^Plex media\/plex$/ }).check();
  await page.getByLabel('Until (UTC)').fill(formTime(60));
  await page.getByRole('checkbox', { name: /A maintenance window/ }).check();
  await page.getByRole('button', { name: 'Post the notice' }).click();
  const row = page.locator('[data-test=notice-row]', { hasText: text });
  await expect(row).toHaveAttribute('data-state', 'holds');

  // A family member on a phone: the notice, and Plex in maintenance rather than its status.
  const family = await browser.newContext({ baseURL: app, viewport: { width: 390, height: 844 } });
  const phone = await family.newPage();
  await signInThroughProvider(phone, app, 'family', '/');
  await expect(phone.getByTestId('notice').filter({ hasText: text })).toBeVisible();
  const card = phone.locator('[data-test=family-service][data-service="media/plex"]');
  await expect(card).toHaveAttribute('data-status', 'maintenance');
  await expect(card).toContainText('Maintenance');
  await screenshot(phone, 'live-family-maintenance');

  // Plex goes down inside the window: past the debounce, no delivery says so.
  const plexDown = async () => {
    await page.goto('/notifications');
    return page.locator('[data-test=delivery]', { hasText: 'Plex is down.' }).count();
  };
  const before = await plexDown();
  try {
    await plexCrashing(true);
    await expect
      .poll(async () => (await kubeGet('/apis/apps/v1/namespaces/media/deployments/plex')).status.readyReplicas ?? 0, { timeout: 20_000 })
      .toBe(0);
    await page.waitForTimeout(6_000); // the debounce (2 s), grouping (1 s) and a margin
    expect(await plexDown()).toBe(before);
    await phone.reload();
    await expect(card).toHaveAttribute('data-status', 'maintenance');

    // Ended early with Plex still down: now the family is told.
    await page.goto('/notices');
    await row.getByRole('button', { name: 'End now' }).click();
    await expect(row).toHaveAttribute('data-state', 'ended');
    await expect.poll(plexDown, { timeout: 20_000 }).toBe(before + 1);
  } finally {
    await plexCrashing(false);
  }
  await family.close();

  // The family's ntfy topic is on a closed port: "Send test" queues a message, its failed
  // attempt shows with the reason, and it waits for its retry.
  await page.goto('/notifications');
  await page.locator('[data-test=target][data-target=family]').getByRole('button', { name: 'Send test' }).click();
  await expect(page.getByTestId('tested')).toContainText('family');
  const sent = page.locator('[data-test=delivery]', { hasText: 'Test from the homelab control plane' }).first();
  await expect
    .poll(async () => {
      await page.reload();
      return sent.getAttribute('data-state');
    }, { timeout: 10_000 })
    .toBe('retrying');
  await expect(sent.getByTestId('delivery-error')).toContainText('connection refused');
  await screenshot(page, 'live-notifications');
  expect(errors).toEqual([]);
});
