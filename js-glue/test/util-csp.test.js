import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { wellFormed, userJson, createEntropy } from '../src/util.js';

const dir = (p) => fileURLToPath(new URL(p, import.meta.url));

test('wellFormed fallback replaces lone surrogates, keeps pairs', () => {
  const s = Object.assign(new String('a\ud800b\udc00 😀 \ud83d'), { toWellFormed: undefined });
  assert.equal(wellFormed(s), 'a\ufffdb\ufffd 😀 \ufffd');
  assert.equal(wellFormed('ok 😀'), 'ok 😀');
});

test('userJson: blank for undefined/null, U+2028 and </script> are plain JSON text', () => {
  assert.equal(userJson(undefined), '');
  assert.equal(userJson(null), '');
  assert.equal(JSON.parse(userJson({ a: '\u2028</script>' })).a, '\u2028</script>');
});

test('entropy pool: one getRandomValues per 64 four-word draws', () => {
  let fills = 0;
  const next = createEntropy({ getRandomValues: (a) => { fills++; a.fill(fills); return a; } });
  for (let i = 0; i < 256; i++) next();
  assert.equal(fills, 1);
  assert.equal(next(), 2);
});

test('no eval, new Function or string timers in the glue (CSP script-src without unsafe-eval)', () => {
  const files = readdirSync(dir('../src'), { recursive: true }).filter((f) => f.endsWith('.js'))
    .map((f) => dir('../src/' + f));
  for (const f of ['../dist/liliput.min.js', '../dist/loader.min.js', '../dist/index.js']) {
    if (existsSync(dir(f))) files.push(dir(f));
  }
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    assert.doesNotMatch(text, /\beval\s*\(|new\s+Function\s*\(|\bFunction\s*\(\s*['"`]/, f);
    assert.doesNotMatch(text, /setTimeout\s*\(\s*['"`]/, f);
    assert.doesNotMatch(text, /\.innerHTML\s*=|insertAdjacentHTML|document\.write/, f);
    assert.doesNotMatch(text, /addEventListener\(\s*['"](?:before)?unload['"]/, f);
  }
});
