// The AAR log in a browser: an admin writes an AAR with two action items through the plain form,
// finds it again by a word of its timeline, marks one item done and sees it leave the open-items
// page; a refused form keeps what was typed; family members get 403.
import { test, expect } from '@playwright/test';
import { signIn, screenshot } from './support';

// Unique per run: the demo instance keeps its database for the whole test run.
const run = Date.now().toString(36);
const word = `zephyrquartz${run}`;
const title = `NFS stale handles ${run}`;
const first = `Alert on stale NFS handles ${run}`;
const second = `Document the remount ${run}`;

test('an admin creates an AAR, finds it by a timeline word, and closes an action item', async ({ page }) => {
  await signIn(page, 'admin', '/aars');
  await page.getByTestId('new-aar').click();
  await expect(page).toHaveURL(/\/aars\/new$/);

  await page.getByLabel('Title', { exact: true }).fill(title);
  await page.getByLabel('Incident date', { exact: true }).fill('2025-06-20');
  await page.getByLabel('Severity', { exact: true }).selectOption('high');
  await page.getByLabel('What happened', { exact: true }).fill('Jellyfin could not reach its **NFS** share.');
  await page
    .getByLabel('Timeline', { exact: true })
    .fill(`- **09:10**: Playback failed, ${word} in the logs\n- **09:30**: Remounted the share`);
  await page.getByLabel('Tags', { exact: true }).fill('storage, nfs');
  await page.getByLabel('Action item 1 text').fill(first);
  await page.getByLabel('Action item 1 priority').selectOption('P1');
  await page.getByLabel('Action item 2 text').fill(second);
  await page.getByLabel('Action item 2 priority').selectOption('P3');
  await page.getByTestId('save-aar').click();

  await expect(page).toHaveURL(/\/aars\/\d+\?saved=1$/);
  await expect(page.getByTestId('aar-title')).toHaveText(title);
  await expect(page.getByTestId('action-item')).toHaveCount(2);
  await expect(page.locator('strong', { hasText: 'NFS' })).toBeVisible();
  await screenshot(page, 'aar-detail');

  // Found by a word of its timeline, the word highlighted.
  await page.goto('/aars');
  await page.getByTestId('aar-search').fill(word);
  await page.getByRole('button', { name: 'Search' }).click();
  const hit = page.getByTestId('aar-hit');
  await expect(hit).toHaveCount(1);
  await expect(hit).toContainText(title);
  await expect(hit.locator('mark')).toHaveText(word);
  await screenshot(page, 'aar-search');

  // Both items are open, P1 first; marking the first done takes it off the page.
  await page.goto('/aars/open-items');
  const mine = page.getByTestId('open-item').filter({ hasText: run });
  await expect(mine).toHaveCount(2);
  await expect(mine.first()).toContainText(first);
  await mine.filter({ hasText: first }).getByTestId('mark-done').click();
  await expect(page).toHaveURL(/\/aars\/open-items$/);
  await expect(mine).toHaveCount(1);
  await expect(mine).toContainText(second);
  await expect(page.getByText(first)).toHaveCount(0);
  await screenshot(page, 'aar-open-items');

  // The AAR shows it done, and its history has the edit.
  await page.goto('/aars');
  await page.getByRole('link', { name: title }).click();
  await expect(page.locator('[data-test=action-item][data-status=done]')).toContainText(first);
  await expect(page.getByTestId('revision')).toHaveCount(2);
});

test('a refused form keeps what was typed and says what is wrong next to the field', async ({ page }) => {
  await signIn(page, 'admin', '/aars/new');
  await page.getByLabel('What happened', { exact: true }).fill('Typed before the title was forgotten');
  await page.getByLabel('Action item 1 owner').fill('Sam');
  await page.getByTestId('save-aar').click();
  await expect(page.locator('[data-test=field-error][data-field=title]')).toHaveText('A title is required.');
  await expect(page.locator('[data-test=field-error][data-field="item_text.0"]')).toBeVisible();
  await expect(page.getByLabel('What happened', { exact: true })).toHaveValue('Typed before the title was forgotten');
  await expect(page.getByLabel('Action item 1 owner')).toHaveValue('Sam');
});

test('family members get 403 on the AAR pages', async ({ page }) => {
  await signIn(page, 'family');
  for (const path of ['/aars', '/aars/open-items', '/aars/new']) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
  }
});

test('an admin uploads a Markdown file: a broken one is refused with its line, a good one imported', async ({ page }) => {
  await signIn(page, 'admin', '/aars/import');
  const broken = `### AAR: Broken upload ${run} (June 18, 2025)\n\n**1. Timeline:**\n- ok\nnot a list item\n`;
  await page.getByTestId('upload-file').setInputFiles({
    name: `broken-${run}.md`,
    mimeType: 'text/markdown',
    buffer: Buffer.from(broken),
  });
  await page.getByTestId('upload-aars').click();
  await expect(page.getByTestId('import-error')).toContainText(`broken-${run}.md: Line 5:`);
  await expect(page.getByTestId('import-error')).toContainText('Nothing was imported');

  const good =
    `### AAR: Uploaded ${run} (June 18, 2025)\n\n**Services:** sonarr\n\n` +
    `**1. What Happened:**\nThe upload test ${word}.\n`;
  await page.getByTestId('upload-file').setInputFiles({
    name: `good-${run}.md`,
    mimeType: 'text/markdown',
    buffer: Buffer.from(good),
  });
  await page.getByTestId('upload-aars').click();
  await expect(page).toHaveURL(/\/aars\?imported=1,0,0$/);
  await expect(page.getByTestId('notice')).toContainText('1 new, 0 updated, 0 unchanged');
  await expect(page.getByTestId('aar-row').filter({ hasText: `Uploaded ${run}` })).toHaveCount(1);
  await screenshot(page, 'aar-upload');
});

test('evidence of the incident window goes onto the timeline with one click, once', async ({ page }) => {
  await signIn(page, 'admin', '/aars/new');
  // The demo homelab's bazarr crash loop: Warning BackOff in media, 2025-06-16 11:52 to 17:59 UTC.
  await page.getByLabel('Title', { exact: true }).fill(`Bazarr crash loop ${run}`);
  await page.getByLabel('Incident date', { exact: true }).fill('2025-06-16');
  await page.getByLabel('What happened', { exact: true }).fill('Bazarr restarted all afternoon.');
  await page.getByLabel('Services and nodes', { exact: true }).fill('bazarr');
  await page.getByLabel('Incident window start (UTC)').fill('2025-06-16T11:00');
  await page.getByLabel('Incident window end (UTC)').fill('2025-06-16T10:00');
  await page.getByTestId('save-aar').click();
  await expect(page.locator('[data-test=field-error][data-field=window_end]')).toHaveText(
    "The window's end must be after its start.",
  );
  await page.getByLabel('Incident window end (UTC)').fill('2025-06-16T18:00');
  await page.getByTestId('save-aar').click();
  await expect(page).toHaveURL(/\/aars\/\d+\?saved=1$/);

  const evidence = page.getByTestId('evidence');
  await expect(evidence.getByTestId('evidence-filter')).toContainText('Only what concerns bazarr');
  const item = evidence.getByTestId('evidence-item').filter({ hasText: 'Warning BackOff on Pod media/bazarr' });
  await expect(item).toHaveCount(1);
  await item.getByTestId('add-to-timeline').click();
  await expect(page).toHaveURL(/\/aars\/\d+\?saved=1#evidence$/);
  await expect(page.getByTestId('timeline-entry')).toContainText('2025-06-16 11:52 UTC');
  await expect(page.getByTestId('timeline-entry')).toContainText('Warning BackOff on Pod media/bazarr');
  await expect(item.getByTestId('attached')).toHaveText('On the timeline');
  await expect(item.getByTestId('add-to-timeline')).toHaveCount(0);
  await screenshot(page, 'aar-evidence');
});

test('an action item is changed inline after hydration, without a reload, and stays after one', async ({ page }) => {
  await signIn(page, 'admin', '/aars/new');
  const inline = `Inline edit ${run}`;
  await page.getByLabel('Title', { exact: true }).fill(inline);
  await page.getByLabel('Incident date', { exact: true }).fill('2025-06-21');
  await page.getByLabel('What happened', { exact: true }).fill('Something to follow up.');
  await page.getByLabel('Action item 1 text').fill(`Follow up ${run}`);
  await page.getByTestId('save-aar').click();
  await expect(page).toHaveURL(/\/aars\/\d+\?saved=1$/);

  const editor = page.getByTestId('item-editor');
  await expect(editor).toHaveAttribute('data-hydrated', 'true');
  // Marks this document: a reload would lose it.
  await page.evaluate(() => ((window as unknown as { marker: string }).marker = 'same page'));

  await page.getByLabel('Action item 1 status').selectOption('done');
  await expect(editor.getByTestId('inline-saved')).toBeVisible();
  await page.getByLabel('Action item 1 priority').selectOption('P1');
  await expect(page.getByTestId('aar-version')).toHaveAttribute('data-version', '3');
  // A problem is shown in place, next to its field, and nothing is saved.
  await page.getByLabel('Action item 1 owner').fill('x'.repeat(81));
  await page.getByLabel('Action item 1 owner').press('Tab');
  await expect(editor.locator('[data-test=inline-error][data-field=owner]')).toContainText('at most 80 characters');
  await expect(page.getByTestId('aar-version')).toHaveAttribute('data-version', '3');
  expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same page');
  await screenshot(page, 'aar-inline-item');

  await page.reload();
  await expect(page.locator('[data-test=action-item][data-status=done]')).toHaveCount(1);
  await expect(page.getByTestId('item-editor')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByLabel('Action item 1 status')).toHaveValue('done');
  await expect(page.getByLabel('Action item 1 priority')).toHaveValue('P1');
  await expect(page.getByTestId('revision')).toHaveCount(3);
});

test("the demo comes with the homelab's AAR log, the Longhorn AAR's P0 items and the actions taken for it", async ({ page }) => {
  await signIn(page, 'admin', '/aars');
  const titles = [
    'k3s1 Networking Failure',
    'Gateway HTTPS/TLS Resolution',
    'Longhorn CSI Complete Failure',
    'Monitoring Alerts Implementation',
    'Prometheus External Access Configuration',
    'OAuth2-Proxy Deployment',
    'OAuth2-Proxy DNS Resolution',
    'DCGM Exporter Debugging',
  ];
  for (const title of titles) {
    await expect(page.getByTestId('aar-row').filter({ hasText: title }), title).toHaveCount(1);
  }

  await page.getByRole('link', { name: 'Longhorn CSI Complete Failure' }).click();
  await expect(page.getByTestId('aar-title')).toHaveText('Longhorn CSI Complete Failure');
  for (const text of ['Migrate monitoring to Longhorn storage', 'Configure Velero backups immediately']) {
    const item = page.getByTestId('action-item').filter({ hasText: text });
    await expect(item.getByTestId('inline-priority'), text).toHaveValue('P0');
  }
  // The backup that failed in the outage is on its timeline, and the claimRef clears of the
  // recovery are listed as actions taken for it.
  await expect(page.getByTestId('timeline-entry').filter({ hasText: 'daily-critical-20250615030000' })).toHaveCount(1);
  await expect(page.getByTestId('aar-action').filter({ hasText: 'clear-claim-ref' })).toHaveCount(3);
  await screenshot(page, 'aar-demo-longhorn');

  await page.goto('/audit');
  const linked = page.getByTestId('audit-row').filter({ has: page.getByTestId('audit-aar') });
  await expect(linked.first()).toBeVisible();
  await linked.filter({ hasText: 'k3s1' }).first().getByTestId('audit-aar').click();
  await expect(page.getByTestId('aar-title')).toHaveText('k3s1 Networking Failure');
});
