// Every page of the router, for both roles, on a phone and on a desktop: axe-core (injected by
// @axe-core/playwright) finds no violation of the rules in support.ts's RULES (plus axe's
// experimental rules on the family's pages); each page has its own title; the skip link is the
// first Tab stop and lands on the content; the page never scrolls sideways (a wide table scrolls
// inside its own labelled, focusable region instead).
import { test, expect, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { RULES, signIn, violations } from './support';

/** The family's pages also pass axe's experimental rules: they are the ones read on phones. */
const FAMILY_RULES = [...RULES, 'experimental'];

const viewports = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1366, height: 768 },
};

interface Visit {
  path: string;
  title: string | RegExp;
  status?: number;
}

/** The family's pages, and what an admin page says to them. */
const familyPages: Visit[] = [
  { path: '/', title: 'Status · Homelab' },
  { path: '/services', title: 'Services · Homelab' },
  { path: '/services/media/plex', title: 'Plex · Services · Homelab' },
  { path: '/storage', title: 'Admins only · Homelab', status: 403 },
];

/** The admin's pages with fixed addresses; the rest are found by following links (below). */
const adminPages: Visit[] = [
  { path: '/', title: 'Status · Homelab' },
  { path: '/topology', title: 'Topology · Homelab' },
  { path: '/topology/k3s3', title: 'k3s3 · Topology · Homelab' },
  { path: '/services', title: 'Services · Homelab' },
  { path: '/services/media/plex', title: 'Plex · Services · Homelab' },
  { path: '/backups', title: 'Backups · Homelab' },
  { path: '/storage', title: 'Storage · Homelab' },
  { path: '/gitops', title: 'GitOps · Homelab' },
  { path: '/events', title: 'Events · Homelab' },
  { path: '/alerts', title: 'Alerts · Homelab' },
  { path: '/notifications', title: 'Notifications · Homelab' },
  { path: '/notices', title: 'Notices · Homelab' },
  { path: '/aars', title: 'AARs · Homelab' },
  { path: '/aars/new', title: 'New AAR · AARs · Homelab' },
  { path: '/aars/open-items', title: 'Open action items · AARs · Homelab' },
  { path: '/aars/import', title: 'Import · AARs · Homelab' },
  { path: '/audit', title: 'Audit log · Homelab' },
  { path: '/incidents/services/media/bazarr', title: 'Bazarr · Incident · Homelab' },
  { path: '/incidents/nodes/k3s1', title: /^k3s1 · Incident · Homelab$/ },
  // In the demo a preview answers with its outcome: there is no cluster to change.
  { path: '/actions/preview?action=clear-claim-ref&name=nfs-media-music', title: / · Actions · Homelab$/, status: 409 },
  { path: '/no/such/page', title: 'Not found · Homelab', status: 404 },
];

/** The admin's pages whose addresses carry ids of the demo's data: found as a person would. */
async function linkedPages(page: Page): Promise<Visit[]> {
  const href = async (from: string, selector: string) => {
    await page.goto(from);
    const value = await page.locator(selector).first().getAttribute('href');
    expect(value, `a link ${selector} on ${from}`).toBeTruthy();
    return value as string;
  };
  const aar = await href('/aars', 'main table a[href^="/aars/"]');
  const title = (await page.locator(`main table a[href="${aar}"]`).first().innerText()).trim();
  const logs = await href('/services/media/bazarr', '[data-test=pod-row] th a');
  const drill = await href('/backups', '[data-test=drill-row] a[href^="/drills/"]');
  const pod = logs.split('/')[3];
  return [
    { path: aar, title: `${title} · AARs · Homelab` },
    { path: `${aar}/edit`, title: 'Edit AAR · AARs · Homelab' },
    { path: `${aar}/revisions/1`, title: `${title} · AARs · Homelab` },
    { path: logs, title: `media/${pod} · Logs · Homelab` },
    { path: drill, title: /^Restore drill drill-\d+ · Backups · Homelab$/ },
  ];
}

/** Every route of the router (frontend/src/app.rs) matches one of `visited`. */
function assertEveryRouteVisited(visited: string[]) {
  const app = fs.readFileSync(path.resolve(__dirname, '../../frontend/src/app.rs'), 'utf8');
  const routes = [...app.matchAll(/path!\("([^"]+)"\)/g)].map((m) => m[1]);
  expect(routes.length).toBeGreaterThan(20);
  // `/actions/run` answers a post with the same outcome page `/actions/preview` shows.
  const skipped = ['/actions/run'];
  for (const route of routes.filter((r) => !skipped.includes(r))) {
    const pattern = new RegExp(`^${route.replace(/:[a-z]+/g, '[^/]+')}$`);
    expect(visited.some((p) => pattern.test(p.split('?')[0])), `no page checked for route ${route}`).toBe(true);
  }
}

/** Checks one page; soft, so that one run names every page that fails, not only the first. */
async function check(page: Page, visit: Visit, tags: string[]) {
  const answer = await page.goto(visit.path);
  expect.soft(answer?.status(), visit.path).toBe(visit.status ?? 200);
  await expect.soft(page, visit.path).toHaveTitle(visit.title);
  expect.soft(await violations(page, tags), visit.path).toEqual([]);
  // Nothing is cut off: the page itself never scrolls sideways.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect.soft(overflow, `${visit.path} scrolls sideways by ${overflow} px`).toBeLessThanOrEqual(0);
  // The first Tab stop skips the navigation and lands on the page's content.
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to content' });
  await expect.soft(skip, visit.path).toBeFocused();
  await expect.soft(skip, visit.path).toBeInViewport();
  await page.keyboard.press('Enter');
  await expect.soft(page.locator('main#main'), visit.path).toBeFocused();
}

for (const [name, viewport] of Object.entries(viewports)) {
  test.describe(`on a ${name}`, () => {
    test.use({ viewport, isMobile: name === 'phone', hasTouch: name === 'phone' });

    test('every page a family member can open passes axe, with its own title and a skip link', async ({ page }) => {
      // The sign-in page first: everyone sees it.
      await check(page, { path: '/auth/login', title: 'Sign in · Homelab' }, FAMILY_RULES);
      await signIn(page, 'family', '/');
      for (const visit of familyPages) await check(page, visit, FAMILY_RULES);
    });

    test('every page of the router passes axe for an admin, with its own title and a skip link', async ({ page }) => {
      test.setTimeout(120_000);
      await signIn(page, 'admin', '/');
      const pages = [...adminPages, ...(await linkedPages(page))];
      assertEveryRouteVisited(pages.map((p) => p.path));
      for (const visit of pages) await check(page, visit, RULES);
    });
  });
}

test('the navigation marks the page, and the section of a page under it', async ({ page }) => {
  await signIn(page, 'admin', '/services');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Services' })).toHaveAttribute('aria-current', 'page');
  await page.goto('/services/media/plex');
  await expect(nav.getByRole('link', { name: 'Services' })).toHaveAttribute('aria-current', 'true');
  await expect(nav.locator('[aria-current]')).toHaveCount(1);
});

test('every control shows the focus ring of the house, and the two workload actions look alike', async ({ page }) => {
  await signIn(page, 'admin', '/services/media/radarr');
  const scale = page.getByRole('button', { name: 'Scale…' }).first();
  const restart = page.getByTestId('restart').first();
  const style = (l: typeof scale) =>
    l.evaluate((el) => {
      const s = getComputedStyle(el);
      return { border: s.borderTopStyle, radius: s.borderTopLeftRadius, height: s.minHeight, weight: s.fontWeight };
    });
  expect(await style(scale)).toEqual(await style(restart));
  await scale.focus();
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  const ring = await scale.evaluate((el) => {
    const s = getComputedStyle(el);
    return { style: s.outlineStyle, width: parseFloat(s.outlineWidth) };
  });
  expect(ring).toEqual({ style: 'solid', width: 3 });
});
