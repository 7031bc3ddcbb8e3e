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
