// Helpers shared by the browser tests.
import { expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import * as path from 'node:path';

export const artifacts = path.resolve(__dirname, '../../target/e2e-artifacts');

/** Signs in through the demo's dev sign-in page, which is a plain form (works without WASM). */
export async function signIn(page: Page, who: 'admin' | 'family', next = '/') {
  await page.goto(`/auth/login?next=${encodeURIComponent(next)}`);
  const label = who === 'admin' ? 'Sign in as an admin' : 'Sign in as a family member';
  await page.getByRole('button', { name: label }).click();
  await expect(page).toHaveURL(new RegExp(`${next.replace(/[/]/g, '\\/')}$`));
}

/**
 * Signs in on the test OIDC provider's login page, as a person would on Authentik's, to the app
 * at `app` (an origin), and lands on `next`.
 */
export async function signInThroughProvider(
  page: Page,
  app: string,
  user: 'admin' | 'family' | 'stranger',
  next = '/',
) {
  const provider = `http://127.0.0.1:${process.env.E2E_OIDC_PORT ?? '3101'}`;
  await page.goto(`${app}/auth/login?next=${encodeURIComponent(next)}`);
  await expect(page).toHaveURL(new RegExp(`^${provider}/interaction/`));
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill('test-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(`${app}${next}`);
}

/** Collects console errors and uncaught exceptions (CSP violations land here too). */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

export async function screenshot(page: Page, name: string) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`), fullPage: true });
}

/** The axe-core rules every page passes: WCAG 2.0, 2.1 and 2.2 at levels A and AA, and axe's
 * best practices. */
export const RULES = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'];

/** Every violation of `tags` on the page as it is now, one line each (empty when it passes). */
export async function violations(page: Page, tags = RULES): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(tags).analyze();
  return result.violations.map(
    (v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
  );
}
