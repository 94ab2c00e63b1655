import { test, playground, sleep } from './helpers';
test('debug', async ({ context, collector, logs }) => {
  const a = await context.newPage(); await a.goto(playground());
  const b = await context.newPage(); await b.goto(playground());
  await collector.waitFor('page-view', 2);
  await a.evaluate(() => { const c = new BroadcastChannel('wasm-tracker:v2:demo-source'); c.onmessage = (e) => console.log('A got', JSON.stringify(e.data).slice(0, 100)); (window as any).__c = c; });
  await collector.faults({ fail_next: 1_000_000, status: 503 });
  await a.evaluate(() => { for (let i = 0; i < 5; i++) window.tracker.track('ta', { i }); });
  await b.evaluate(() => { for (let i = 0; i < 5; i++) window.tracker.track('tb', { i }); });
  await sleep(500);
  console.log('A', JSON.stringify(await a.evaluate(() => window.tracker.stats())));
  console.log('B', JSON.stringify(await b.evaluate(() => window.tracker.stats())));
  console.log('LS', await b.evaluate(() => Object.keys(localStorage).map(k => k + '=' + (localStorage.getItem(k)||'').length).join(' ')));
  await a.close();
  await sleep(1500);
  console.log('B2', JSON.stringify(await b.evaluate(() => window.tracker.stats())));
  console.log('LS2', await b.evaluate(() => Object.keys(localStorage).map(k => k + '=' + (localStorage.getItem(k)||'').length).join(' ')));
  console.log(logs.messages.filter(m => /A got/.test(m.text)).map(m => m.text).join('\n'));
});
