// The app shell on the demo homelab: server rendering, hydration, the phone layout, and access.
import { test, expect } from '@playwright/test';
import { signIn, collectErrors, screenshot } from './support';

const pages = [
  { path: '/', heading: 'Status' },
  { path: '/topology', heading: 'Topology' },
  { path: '/services', heading: 'Services' },
  { path: '/backups', heading: 'Backups' },
  { path: '/storage', heading: 'Storage' },
  { path: '/gitops', heading: 'GitOps' },
  { path: '/aars', heading: 'After-action reviews' },
  { path: '/audit', heading: 'Audit' },
];

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('pages arrive complete from the server, demo nodes included', async ({ page }) => {
    await signIn(page, 'admin', '/topology');
    await expect(page.getByRole('heading', { level: 1, name: 'Topology' })).toBeVisible();
    const rows = page.locator('[data-test=node-row]');
    await expect(rows).toHaveCount(4);
    await expect(page.locator('[data-node=k3s3]')).toContainText('4 × nvidia.com/gpu');
    await expect(page.locator('[data-node=k3s1]')).toContainText('cordoned');
    await expect(page.getByTestId('demo-marker')).toBeVisible();
  });
});

test('signing out ends the session', async ({ page }) => {
  await signIn(page, 'admin');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/auth\/login$/);
  await page.goto('/topology');
  await expect(page).toHaveURL(/\/auth\/login\?next=%2Ftopology$|\/auth\/login\?next=\/topology$/);
});

test('islands hydrate under the strict content security policy', async ({ page }) => {
  const errors = collectErrors(page);
  await signIn(page, 'admin', '/topology');
  const clock = page.getByTestId('freshness');
  await expect(clock).toHaveAttribute('data-live', 'true');
  // Only the WASM opens the stream; a synced cluster then reads "Live", however quiet it is.
  await expect(clock).toHaveAttribute('data-stream', 'open', { timeout: 10_000 });
  await expect(clock).toHaveText('Live');
  await expect(clock).toHaveAttribute('data-state', 'live');
  expect(errors).toEqual([]);
});

test('a tab that cannot reach the live stream says how old its data is', async ({ page }) => {
  await signIn(page, 'admin');
  await page.route('**/api/v1/live', (route) => route.abort());
  await page.goto('/topology');
  const clock = page.getByTestId('freshness');
  await expect(clock).toHaveAttribute('data-state', 'reconnecting', { timeout: 10_000 });
  await expect(clock).toHaveText(/^Reconnecting; data from (just now|\d+ s ago)$/);
});

test('every admin page renders, with a screenshot of each', async ({ page }) => {
  const errors = collectErrors(page);
  await signIn(page, 'admin');
  for (const p of pages) {
    const response = await page.goto(p.path);
    expect(response?.status(), p.path).toBe(200);
    await expect(page.getByRole('heading', { level: 1, name: p.heading })).toBeVisible();
    await screenshot(page, `admin${p.path === '/' ? '-status' : p.path.replace('/', '-')}`);
  }
  expect(errors).toEqual([]);
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('a family member sees the navigation with only Status and Services', async ({ page }) => {
    await signIn(page, 'family');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Status' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Services' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Topology' })).toHaveCount(0);
    await screenshot(page, 'family-status-phone');
  });

  test('a family member asking for an admin page gets 403', async ({ page }) => {
    await signIn(page, 'family');
    const response = await page.goto('/topology');
    expect(response?.status()).toBe(403);
    await expect(page.getByRole('heading', { name: 'Admins only' })).toBeVisible();
  });
});

test('without a session, pages redirect to sign-in and the API answers 401', async ({ page, request }) => {
  await page.goto('/topology');
  await expect(page).toHaveURL(/\/auth\/login\?next=/);
  const api = await request.get('/api/v1/status');
  expect(api.status()).toBe(401);
  expect(await api.json()).toEqual({ error: 'sign-in required' });
});
