// Sign-in through the test OIDC provider shaped like Authentik, in a real browser: the app in
// demo mode with an [oidc] section (E2E_OIDC_APP_PORT), the provider's own login page.
import { test, expect, type Page } from '@playwright/test';
import { collectErrors, screenshot, signInThroughProvider } from './support';

const app = `http://127.0.0.1:${process.env.E2E_OIDC_APP_PORT ?? '3102'}`;
const provider = `http://127.0.0.1:${process.env.E2E_OIDC_PORT ?? '3101'}`;
const cookieName = 'homelab_oidc_session';

test.use({ baseURL: app });

async function signIn(page: Page, user: 'admin' | 'family' | 'stranger', next = '/') {
  await signInThroughProvider(page, app, user, next);
}

test('an admin signs in on the provider\'s page and sees the admin navigation', async ({ page }) => {
  await signIn(page, 'admin', '/topology');
  // Console errors and CSP violations of the app's own page (the provider's pages are not ours).
  const errors = collectErrors(page);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Topology' })).toBeVisible();
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const name of ['Status', 'Topology', 'Services', 'Backups', 'Storage', 'GitOps', 'AARs', 'Audit']) {
    await expect(nav.getByRole('link', { name, exact: true })).toBeVisible();
  }
  // Authentik's sub is an opaque hash: the page shows the user name.
  await expect(page.getByTestId('user')).toHaveText('admin (admin)');
  await expect(page.getByTestId('demo-marker')).toBeVisible();
  await screenshot(page, 'oidc-admin-topology');
  expect(errors).toEqual([]);
});

test('a family member sees only Status and Services; admin pages and the admin API answer 403', async ({ page }) => {
  await signIn(page, 'family');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link')).toHaveText(['Status', 'Services']);
  await expect(page.getByTestId('user')).toHaveText('family (viewer)');

  for (const path of ['/topology', '/backups', '/audit']) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(403);
    await expect(page.getByRole('heading', { name: 'Admins only' })).toBeVisible();
  }
  const api = await page.request.get('/api/v1/nodes');
  expect(api.status()).toBe(403);
  expect(await api.json()).toEqual({ error: 'this needs the admin role' });
  await screenshot(page, 'oidc-family-forbidden');
});

test('someone in neither group gets the no-access page, not a sign-in loop', async ({ page }) => {
  await signIn(page, 'stranger');
  await expect(page.getByRole('heading', { name: 'No access' })).toBeVisible();
  const response = await page.reload();
  expect(response?.status()).toBe(403);
  await expect(page).toHaveURL(`${app}/`);
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await screenshot(page, 'oidc-no-access');
});

test('signing out ends the session here and at the provider, and the old cookie no longer works', async ({ page, browser }) => {
  await signIn(page, 'admin');
  const cookie = (await page.context().cookies()).find((c) => c.name === cookieName);
  expect(cookie, 'the session cookie').toBeDefined();
  expect(cookie?.httpOnly).toBe(true);
  expect(cookie?.sameSite).toBe('Lax');

  await page.getByRole('button', { name: 'Sign out' }).click();
  // Through the provider's end-session page and back.
  await expect(page).toHaveURL(`${app}/auth/signed-out`);
  await expect(page.getByRole('heading', { name: 'Signed out' })).toBeVisible();

  // The provider's session is over too: signing in asks for the password again.
  await page.goto('/topology');
  await expect(page).toHaveURL(new RegExp(`^${provider}/interaction/`));
  await expect(page.getByLabel('Username')).toBeVisible();

  // A browser presenting the old cookie gets nothing.
  const other = await browser.newContext({ baseURL: app });
  await other.addCookies([cookie!]);
  const api = await other.request.get('/api/v1/status');
  expect(api.status()).toBe(401);
  const stale = await other.newPage();
  await stale.goto('/topology');
  await expect(stale).toHaveURL(new RegExp(`^${provider}/interaction/`));
  await other.close();
});
