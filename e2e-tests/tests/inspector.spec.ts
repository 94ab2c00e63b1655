// Issue 23: "why is my event not in Tracardi?" The core records each event's fate; with the
// debug switch (?tracker_debug=1) the page prints every step as it happens, and
// tracker.inspect() returns the same record. Checked against what the collector stored.
import { test, expect } from './helpers';

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>inspector</title>
<script>var options = {tracker: {url: {script: location.origin + '/tracker', api: location.origin},
  source: {id: 'demo-source'}}};</script>
<script src="/tracker/loader.min.js"></script>
<script>window.tracker.track('page-view', {n: 1});</script></head><body>inspector</body></html>`;

type Fate = { id: string; type?: string; fate: string; steps: { step: string; [k: string]: unknown }[] };
const inspect = (page: import('@playwright/test').Page) => page.evaluate(() => window.tracker.inspect?.() as unknown as Fate[] | null);

for (const how of ['query', 'localStorage'] as const) {
  test(`debug switch by ${how}: a retried, a refused and a dropped event each print their fate; inspect() agrees with the collector`, async ({ page, collector, logs }) => {
    await page.route('**/inspector.html*', (r) => r.fulfill({ status: 200, contentType: 'text/html', body: PAGE }));
    if (how === 'localStorage') {
      // A page of the origin without the tracker, to set the flag.
      await page.route('**/blank.html', (r) => r.fulfill({ status: 200, contentType: 'text/html', body: '<!doctype html>' }));
      await page.goto('/blank.html');
      await page.evaluate(() => localStorage.setItem('wasm-tracker:debug', '1'));
    }
    // The page's load batch is answered 500 once (retried), a fire later 422 (refused).
    await collector.faults({ fail_next: 1, status: 500 });
    await page.goto(how === 'query' ? '/inspector.html?tracker_debug=1' : '/inspector.html');
    const [pv] = await collector.waitFor('page-view', 1, 10_000);
    await collector.faults({ fail_next: 1, status: 422 });
    const refused = await page.evaluate(async () => {
      const answer = await window.tracker.track('refused-one', {}, { fire: true });
      return answer?.status;
    });
    expect(refused).toBe(422);
    // No consent for the third: held, then dropped when the visitor says no.
    await page.evaluate(() => {
      window.tracker.consent?.('pending');
      window.tracker.track('no-consent', {});
      window.tracker.consent?.('denied');
    });

    // The printer: one message per event, one line per step, with the reason.
    const printed = () => logs.messages.filter((m) => /^\[Tracker\] event /.test(m.text)).map((m) => m.text).join('\n');
    await expect.poll(printed, { timeout: 5000 }).toMatch(/event page-view [\s\S]*to retry: HTTP 500, next try in \d+\.\d s/);
    await expect.poll(printed).toMatch(/event page-view [\s\S]*delivered \(HTTP 200\)/);
    await expect.poll(printed).toMatch(/event refused-one [\s\S]*dropped: refused by the server \(HTTP 422\): Injected fault/);
    await expect.poll(printed).toMatch(/event no-consent [\s\S]*held until the visitor's consent[\s\S]*dropped: the visitor did not consent/);

    // inspect(): every event's fate, and the collector stored exactly those it says were acked.
    const fates = (await inspect(page))!;
    expect(fates).not.toBeNull();
    const byType = Object.fromEntries(fates.map((f) => [f.type, f]));
    expect(byType['page-view'].id).toBe(pv.id);
    expect(byType['page-view'].steps.map((s) => s.step)).toEqual(['queued', 'sent', 'retry', 'sent', 'acked']);
    expect(byType['page-view'].steps[2]).toMatchObject({ status: 500 });
    expect(byType['refused-one']).toMatchObject({ fate: 'dropped' });
    expect(byType['refused-one'].steps.at(-1)).toMatchObject({ reason: 'rejected_422', detail: 'Injected fault' });
    expect(byType['no-consent'].steps.map((s) => [s.step, s.reason])).toEqual([['held', undefined], ['dropped', 'consent']]);
    const stored = (await collector.events()).events.map((e) => e.id).sort();
    expect(fates.filter((f) => f.fate === 'acked').map((f) => f.id).sort()).toEqual(stored);
    for (const f of fates) expect(f.steps.at(-1)!.step).toBe(f.fate);
    expect(logs.pageErrors).toEqual([]);
  });
}

test('without the switch nothing is printed and the printer (liliput.min.debug.js) is never fetched; inspect() still answers', async ({ page, collector, logs }) => {
  const scripts: string[] = [];
  page.on('request', (r) => { if (/\.js$/.test(new URL(r.url()).pathname)) scripts.push(new URL(r.url()).pathname); });
  await page.route('**/inspector.html*', (r) => r.fulfill({ status: 200, contentType: 'text/html', body: PAGE }));
  await page.goto('/inspector.html');
  const [pv] = await collector.waitFor('page-view', 1, 10_000);
  await expect.poll(async () => (await inspect(page))?.find((f) => f.id === pv.id)?.fate).toBe('acked');
  expect(logs.messages.filter((m) => /^\[Tracker\] event /.test(m.text))).toEqual([]);
  expect(scripts.filter((s) => /debug/.test(s)), 'the printer is not fetched').toEqual([]);
});
