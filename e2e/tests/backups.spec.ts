// The Backups, Storage and GitOps pages on the demo homelab (recorded 2025-06-16 18:00 UTC), on a
// desktop and on a phone, with screenshots under target/e2e-artifacts/.
import { test, expect, type Page } from '@playwright/test';
import { signIn, collectErrors, screenshot } from './support';

/** The page fits the phone's width: only table wrappers and the chart may scroll sideways. */
async function fitsWidth(page: Page) {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(1);
}

test.describe('Backups', () => {
  test('schedules show cron in words, next runs, last backups, progress and warnings', async ({ page }) => {
    const errors = collectErrors(page);
    await signIn(page, 'admin', '/backups');
    await expect(page.getByRole('heading', { level: 1, name: 'Backups' })).toBeVisible();
    await expect(page.getByTestId('demo-time')).toContainText('2025-06-16 18:00 UTC');

    const rows = page.getByTestId('schedule-row');
    await expect(rows).toHaveCount(3);

    const hourly = page.locator('[data-test=schedule-row][data-schedule=hourly-longhorn]');
    await expect(hourly).toHaveAttribute('data-status', 'ok');
    await expect(hourly.getByTestId('next-run')).toHaveText('Mon 16 Jun 2025 19:00 UTC');
    await expect(hourly).toContainText('3 days');
    await expect(hourly).toContainText('media, ai');
    await expect(hourly.getByTestId('last-backup')).toHaveAttribute('data-phase', 'InProgress');
    const progress = hourly.getByTestId('backup-progress');
    await expect(progress).toContainText('412 of 1050 items (39%)');
    await expect(progress.locator('progress')).toHaveAttribute('value', '412');

    // Never completed and its only backup PartiallyFailed: a warning, in words.
    const weekly = page.locator('[data-test=schedule-row][data-schedule=weekly-full]');
    await expect(weekly).toHaveAttribute('data-status', 'warning');
    await expect(weekly.getByTestId('schedule-warnings')).toContainText('PartiallyFailed');
    await expect(weekly.getByTestId('schedule-warnings')).toContainText('has completed');
    await expect(weekly.getByText('Warning', { exact: true })).toBeVisible();

    // The MinIO location with the "0 drives provided" message.
    const minio = page.locator('[data-test=location-row][data-location=minio]');
    await expect(minio).toHaveAttribute('data-phase', 'Unavailable');
    await expect(minio.getByText('Unavailable', { exact: true })).toBeVisible();
    await expect(minio.getByTestId('location-message')).toContainText('0 drives provided');

    // Coverage: every namespace with volumes is in some schedule.
    await expect(page.locator('[data-test=coverage-row][data-namespace=monitoring]')).toContainText('daily-critical, weekly-full');

    // The timeline: a row per schedule, shapes with titles, a legend and counts in words.
    const timeline = page.getByTestId('backup-timeline');
    await expect(timeline.locator('[data-test=timeline-row]')).toHaveCount(3);
    const daily = timeline.locator('[data-test=timeline-row][data-schedule=daily-critical]');
    await expect(daily.locator('path.mark.bad')).toHaveCount(1); // the Failed one: a cross
    await expect(daily.locator('circle.mark.good')).toHaveCount(3);
    await expect(timeline.locator('[data-test=timeline-row][data-schedule=hourly-longhorn] circle')).toHaveCount(24);
    await expect(page.getByTestId('timeline-summary')).toContainText('daily-critical: 3 Completed, 1 Failed');
    await expect(page.getByTestId('timeline-summary')).toContainText('hourly-longhorn: 24 Completed, 1 InProgress');

    await screenshot(page, 'backups');
    expect(errors).toEqual([]);
  });

  test('the health summary on Status names the backup warnings', async ({ page }) => {
    await signIn(page, 'admin', '/');
    // The list may be folded (more than eight reasons): count rather than look.
    const backup = page.locator('[data-test=health-reason][data-area=backup]');
    await expect(backup.filter({ hasText: 'weekly-full' })).toHaveCount(2); // PartiallyFailed, never completed
    await expect(backup.filter({ hasText: 'minio' })).toHaveCount(1);
    await expect(backup.filter({ hasText: 'hourly-longhorn' })).toHaveCount(0);
  });

  test('restore drills: media proven, monitoring proven with warnings, ai never restore-tested', async ({ page }) => {
    const errors = collectErrors(page);
    await signIn(page, 'admin', '/backups');
    const drills = page.getByTestId('drills');
    await expect(drills).toContainText('1 namespace with volumes not proven restorable within 90 days');
    const row = (subject: string) => page.locator(`[data-test=drill-coverage-row][data-subject="${subject}"]`);
    await expect(row('media')).toHaveAttribute('data-overdue', 'false');
    await expect(row('media')).toContainText('Passed');
    await expect(row('monitoring')).toContainText('Passed with warnings');
    await expect(row('ai')).toHaveAttribute('data-overdue', 'true');
    await expect(row('ai')).toContainText('Never restore-tested');
    // Its fix drills the newest backup of a schedule that holds ai.
    await expect(row('ai').getByTestId('drill-latest')).toHaveAttribute('href', /action=restore-drill&namespace=velero&schedule=daily-critical&namespaces=ai/);
    await expect(row('velero/hourly-longhorn')).toContainText('Never restore-tested');
    await expect(page.getByTestId('drill-row')).toHaveCount(2);
    await screenshot(page, 'backups-drills');

    // The monitoring drill: every kind back, every claim, and Velero's two warnings.
    await page.locator('[data-test=drill-row][data-drill="drill-20250614113020"] a').click();
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Restore drill drill-20250614113020');
    await expect(page.getByTestId('drill-state')).toContainText('Passed with warnings');
    await expect(page.locator('[data-test=drill-kind][data-ok=false]')).toHaveCount(0);
    await expect(page.locator('[data-test=drill-kind][data-kind="v1/ConfigMap"]')).toContainText('19');
    await expect(page.locator('[data-test=drill-claim][data-found=true]')).toHaveCount(4);
    await expect(page.getByTestId('drill-warnings').locator('li')).toHaveCount(2);
    await expect(page.getByText('cleaned up')).toBeVisible();
    await screenshot(page, 'drill');

    // And the health summary names ai.
    await page.goto('/');
    const restore = page.locator('[data-test=health-reason][data-area=restore]');
    await expect(restore).toHaveCount(1);
    await expect(restore).toContainText('namespace ai has never been proven restorable');
    expect(errors).toEqual([]);
  });
});

test.describe('Storage', () => {
  test('Released volumes are highlighted with their claim and whether it exists', async ({ page }) => {
    const errors = collectErrors(page);
    await signIn(page, 'admin', '/storage');
    await expect(page.getByRole('heading', { level: 1, name: 'Storage' })).toBeVisible();

    const released = page.getByTestId('released-volume');
    await expect(released).toHaveCount(3);
    const tv = page.locator('[data-test=released-volume][data-volume=nfs-media-tv]');
    await expect(tv).toHaveAttribute('data-claim', 'media/sonarr-tv');
    await expect(tv).toHaveAttribute('data-claim-exists', 'true');
    await expect(tv).toContainText('exists, Pending');
    const music = page.locator('[data-test=released-volume][data-volume=nfs-media-music]');
    await expect(music).toHaveAttribute('data-claim-exists', 'false');
    await expect(music).toContainText('no longer exists');

    const row = page.locator('[data-test=volume-row][data-volume=nfs-media-tv]');
    await expect(row).toHaveClass(/released/);
    await expect(row.getByText('Released', { exact: true })).toBeVisible();
    await expect(row).toContainText('claim exists');

    // Tiers with their volumes.
    await expect(page.locator('[data-test=tier-row][data-tier="Longhorn optane"]')).toContainText('media/whisparr-config');
    await expect(page.locator('[data-test=tier-row][data-tier=NFS]')).toContainText('media/sonarr-tv');
    await expect(page.locator('[data-test=tier-row][data-tier=local-path]')).toContainText('monitoring/prometheus-db-prometheus-0');

    // Longhorn: the degraded volume first, in words, with its node; nodes with tags and space.
    const first = page.getByTestId('longhorn-volume-row').first();
    await expect(first).toHaveAttribute('data-robustness', 'degraded');
    await expect(first).toContainText('media/overseerr-config');
    await expect(first.getByText('Degraded', { exact: true })).toBeVisible();
    await expect(first).toContainText('k3s2');
    const k3s3 = page.locator('[data-test=longhorn-node-row][data-node=k3s3]');
    await expect(k3s3).toContainText('nvme, optane, sas-ssd');
    await expect(page.locator('[data-test=longhorn-node-row][data-node=k3s1]')).toContainText('Not schedulable');

    await screenshot(page, 'storage');
    expect(errors).toEqual([]);
  });
});

test.describe('GitOps', () => {
  test('not Ready and suspended objects come first with their message', async ({ page }) => {
    const errors = collectErrors(page);
    await signIn(page, 'admin', '/gitops');
    await expect(page.getByRole('heading', { level: 1, name: 'GitOps' })).toBeVisible();
    await expect(page.getByTestId('gitops-headline')).toHaveText('2 objects need attention: they are not Ready or are suspended.');

    const kustomizations = page.getByTestId('kustomizations').getByTestId('flux-row');
    await expect(kustomizations).toHaveCount(5);
    const monitoring = kustomizations.first();
    await expect(monitoring).toHaveAttribute('data-name', 'flux-system/monitoring');
    await expect(monitoring).toHaveAttribute('data-ready', 'not-ready');
    await expect(monitoring.getByText('Not ready', { exact: true })).toBeVisible();
    await expect(monitoring.getByTestId('flux-message')).toContainText('HealthCheckFailed');
    await expect(monitoring.getByTestId('flux-message')).toContainText('longhorn-fsgroup-check');
    await expect(monitoring).toContainText('main@26eb912');
    await expect(monitoring).toContainText('tried main@73eb744');

    const releases = page.getByTestId('helm-releases').getByTestId('flux-row');
    await expect(releases).toHaveCount(5);
    await expect(releases.first()).toHaveAttribute('data-name', 'monitoring/oauth2-proxy');
    await expect(releases.first().getByText('Suspended', { exact: true })).toBeVisible();
    await expect(page.locator('[data-test=flux-row][data-name="longhorn-system/longhorn"]')).toContainText('1.6.2');

    await screenshot(page, 'gitops');
    expect(errors).toEqual([]);
  });
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  for (const [path, heading] of [['/backups', 'Backups'], ['/storage', 'Storage'], ['/gitops', 'GitOps']]) {
    test(`${heading} is usable on a phone`, async ({ page }) => {
      await signIn(page, 'admin', path);
      await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
      await fitsWidth(page);
      await screenshot(page, `${path.slice(1)}-phone`);
    });
  }
});
