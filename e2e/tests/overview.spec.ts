// The cluster overview on the demo homelab: the family Status page on a phone, the service
// catalog and topology for admins, the status API, and axe-core on the pages as the tests leave them
// (every page as it first loads is checked in a11y.spec.ts).
import { test, expect } from '@playwright/test';
import { signIn, collectErrors, screenshot, violations } from './support';

const familyServices = ['media/jellyfin', 'media/plex', 'media/overseerr', 'ai/open-webui'];

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('a family member sees the family services in words, and nothing internal', async ({ page }) => {
    await signIn(page, 'family');
    const cards = page.getByTestId('family-service');
    await expect(cards).toHaveCount(familyServices.length);
    for (const id of familyServices) {
      const card = page.locator(`[data-service="${id}"]`);
      await expect(card).toContainText('Working');
      await expect(card.getByRole('link')).toHaveAttribute('href', /^https:\/\/.*fletcherlabs\.net$/);
    }
    await expect(page.getByTestId('health')).toHaveCount(0);
    await expect(page.getByText('sonarr', { exact: false })).toHaveCount(0);
    await screenshot(page, 'family-status-cards-phone');
    expect(await violations(page)).toEqual([]);
  });
});

test("the demo's recorded week shows the Longhorn outage on Plex's bar", async ({ page }) => {
  await signIn(page, 'family');
  const plex = page.locator('[data-service="media/plex"]');
  // Down for the 24 hours of the outage: less than 100% over a whole week, in words and in red.
  await expect(plex.getByTestId('uptime-words')).toHaveText(/^Last 7 days: \d{2}\.\d% up$/);
  await expect(plex.locator('rect.h-down').first()).toBeAttached();
  await expect(plex.locator('rect.h-up').first()).toBeAttached();
});

test('admins see the health summary with the demo homelab\'s problems', async ({ page }) => {
  await signIn(page, 'admin');
  const health = page.getByTestId('health');
  await expect(health).toContainText('Degraded');
  await health.getByText(/reasons/).click();
  await expect(page.locator('[data-test=health-reason][data-area=storage]').first()).toBeVisible();
  await expect(health).toContainText('nfs-media-music');
  await expect(health).toContainText('k3s1');

  // A reason an action addresses carries that action's button; in the demo its preview says
  // there is no cluster to change.
  const released = page.locator('[data-test=health-reason]', { hasText: 'nfs-media-music' });
  const fix = released.getByTestId('health-fix');
  await expect(fix).toHaveText('Clear claimRef…');
  await fix.click();
  await expect(page).toHaveURL(/\/actions\/preview\?action=clear-claim-ref&name=nfs-media-music$/);
  await expect(page.getByTestId('outcome-message')).toContainText('the demo homelab is a recording');
});

test('the service catalog shows every app with its status, and a detail page', async ({ page }) => {
  const errors = collectErrors(page);
  await signIn(page, 'admin', '/services');
  await expect(page.locator('[data-service="media/bazarr"]')).toHaveAttribute('data-status', 'down');
  await expect(page.locator('[data-service="monitoring/grafana"]')).toContainText('Scaled to zero');
  await expect(page.locator('[data-service="media/sonarr"]')).toContainText('Up');
  await screenshot(page, 'admin-services-catalog');
  expect(await violations(page)).toEqual([]);
  await page.locator('[data-service="media/bazarr"]').getByRole('link', { name: 'Bazarr', exact: true }).click();
  await expect(page).toHaveURL(/\/services\/media\/bazarr$/);
  await expect(page.getByTestId('pod-row')).toContainText('CrashLoopBackOff');
  await expect(page.locator('[data-test="event"][data-type="Warning"]').first()).toBeVisible();
  await screenshot(page, 'admin-service-bazarr');
  expect(errors).toEqual([]);
});

test('the alerts page shows what Alertmanager holds, and a service its own alerts', async ({ page }) => {
  const errors = collectErrors(page);
  await signIn(page, 'admin', '/alerts');
  await expect(page.locator('[data-alert="LonghornVolumeStatusCritical"]')).toHaveAttribute('data-state', 'firing');
  await expect(page.locator('[data-alert="NodeFilesystemSpaceFillingUp"]')).toHaveAttribute('data-state', 'silenced');
  await expect(page.getByTestId('silence')).toContainText('Media library import on k3s3');
  await screenshot(page, 'admin-alerts');
  expect(await violations(page)).toEqual([]);
  await page.goto('/services/media/bazarr');
  await expect(page.locator('[data-alert="KubePodCrashLooping"]')).toContainText('bazarr-r7flh9l69-5crgx');
  await page.goto('/');
  await expect(page.locator('[data-test="health-reason"][data-area="alert"]')).toContainText('LonghornVolumeStatusCritical');
  expect(errors).toEqual([]);
});

test('an incident page gathers a service in trouble, and starts an AAR with its window, names and evidence', async ({ page }) => {
  const errors = collectErrors(page);
  await signIn(page, 'admin', '/services/media/bazarr');
  await page.getByRole('link', { name: 'Incident page' }).click();
  await expect(page).toHaveURL(/\/incidents\/services\/media\/bazarr$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Incident: Bazarr');
  await expect(page.getByTestId('incident-began')).toContainText('2025-06-16');
  await expect(page.locator('[data-alert="KubePodCrashLooping"]')).toBeVisible();
  await expect(page.getByTestId('pod-row')).toContainText('CrashLoopBackOff');
  await expect(page.locator('[data-test="event"][data-type="Warning"]').first()).toBeVisible();
  await screenshot(page, 'admin-incident-bazarr');
  expect(await violations(page)).toEqual([]);
  await page.getByRole('button', { name: 'Start an AAR' }).click();
  await expect(page).toHaveURL(/\/aars\/\d+\/edit$/);
  await expect(page.locator('input[name="title"]')).toHaveValue('Bazarr incident');
  await expect(page.locator('input[name="window_start"]')).toHaveValue(/^2025-06-16T\d\d:\d\d$/);
  await expect(page.locator('input[name="window_end"]')).toHaveValue('2025-06-16T18:00');
  await expect(page.locator('[name="services"]')).toHaveValue('bazarr');
  const timeline = page.locator('textarea[name="timeline"]');
  await expect(timeline).toContainText('KubePodCrashLooping fired');
  await expect(timeline).toContainText('pod=bazarr-r7flh9l69-5crgx');
  expect(errors).toEqual([]);
});

test('the demo has logs: Bazarr\'s crash, and the instance before it', async ({ page }) => {
  const errors = collectErrors(page);
  await signIn(page, 'admin', '/services/media/bazarr');
  await page.getByTestId('pod-row').locator('th a').first().click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('Logs of media/bazarr-');
  await expect(page.getByTestId('log')).toContainText('CRITICAL - Bazarr cannot start without its database');
  await expect(page.getByTestId('log-follow')).toHaveCount(0);
  await page.getByLabel('Previous instance').check();
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page.getByTestId('log')).toContainText('2025-06-16 17:49:58');
  await expect(page.getByTestId('log')).not.toContainText('17:55:01');
  await expect(page.locator('[data-test="event"]').first()).toBeVisible();
  expect(errors).toEqual([]);
});

test('the events page filters the cached events by type and text, and names a bad filter', async ({ page }) => {
  const errors = collectErrors(page);
  await signIn(page, 'admin', '/events');
  const rows = page.getByTestId('event');
  await expect(rows.first()).toBeVisible();
  expect(await page.locator('[data-test="event"][data-type="Normal"]').count()).toBeGreaterThan(0);
  await page.getByLabel('Type').selectOption('Warning');
  await page.getByLabel('Namespace').selectOption('media');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/type=Warning/);
  await expect(rows.first()).toBeVisible();
  expect(await page.locator('[data-test="event"][data-type="Normal"]').count()).toBe(0);
  await expect(page.getByTestId('events-count')).toContainText('events match');
  await screenshot(page, 'admin-events');
  expect(await violations(page)).toEqual([]);
  await page.getByLabel('Text').fill('no event says this');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(rows).toHaveCount(0);
  const bad = await page.goto('/events?type=Error');
  expect(bad?.status()).toBe(400);
  await expect(page.getByTestId('events-problem')).toContainText('type: "Error" is not an event type');
  expect(errors.filter((e) => !e.includes('400'))).toEqual([]);
});

test('the topology draws the hosts and their nodes, with a node page', async ({ page }) => {
  await signIn(page, 'admin', '/topology');
  const diagram = page.getByTestId('topology-diagram');
  await expect(diagram.getByTestId('host')).toHaveCount(3);
  await expect(page.locator('[data-host="Dell R630"]')).toContainText('nvidia.com/gpu');
  await expect(page.getByTestId('tier-row').filter({ hasText: 'Longhorn optane' })).toBeVisible();
  await screenshot(page, 'admin-topology-diagram');
  expect(await violations(page)).toEqual([]);
  await page.getByRole('link', { name: 'k3s3' }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: 'k3s3' })).toBeVisible();
  await expect(page.getByTestId('pod-row').filter({ hasText: 'ollama' })).toBeVisible();
});

test('the status API answers the family services as JSON', async ({ page }) => {
  await signIn(page, 'family');
  const response = await page.request.get('/api/v1/status');
  expect(response.status()).toBe(200);
  const body = await response.json();
  const names = body.map((s: { service: string }) => s.service).sort();
  expect(names).toEqual(['Jellyfin', 'Open WebUI', 'Overseerr', 'Plex']);
  expect(body.every((s: { status: string }) => s.status === 'up')).toBe(true);
});

test('the live stream delivers an update that the page applies', async ({ page }) => {
  await signIn(page, 'admin', '/services');
  await expect(page.getByTestId('freshness')).toHaveAttribute('data-live', 'true');
  // The first update arrives as soon as the stream opens; it restates the demo's statuses.
  const update = await page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const source = new EventSource('/api/v1/live');
        source.addEventListener('update', (e) => {
          source.close();
          resolve((e as MessageEvent).data);
        });
      }),
  );
  const parsed = JSON.parse(update);
  expect(parsed.health).toBe('degraded');
  expect(parsed.services).toContainEqual(['media/bazarr', 'down']);
  expect(parsed.backups).toContainEqual({
    id: 'velero/hourly-longhorn-20250616180000',
    phase: 'InProgress',
    done: 412,
    total: 1050,
  });
});
