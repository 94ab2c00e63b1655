// Small helpers shared by the glue modules: string sanitising, JSON encoding, entropy.
import { ENTROPY_POOL_WORDS } from './limits.js';

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

// Every string handed to the core as a plain string (not JSON text) is made well-formed first:
// Emscripten's UTF-8 encoder corrupted lone surrogates (toolchain.md gotcha 9). The binding's own
// (wasm/bindings/embind-lean.js, TextEncoder) turns them into U+FFFD as this does.
export function wellFormed(s) {
  if (typeof s.toWellFormed === 'function') return s.toWellFormed();
  return s.replace(LONE_SURROGATE, '\ufffd');
}

// Keys that could pollute prototypes in any JS consumer of the payload (dashboards, collectors).
const BLOCKED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const BLOCKED_HINT = /"(?:__proto__|constructor|prototype)":/;

function dropBlocked(key, value) {
  return BLOCKED_KEYS.has(key) ? undefined : value;
}

// JSON text of user input for the core. Fast path is a plain stringify; only when the text shows a
// blocked key is it encoded again without those keys. Lone surrogates stay as \uD8xx escapes:
// the core repairs those itself. Throws what JSON.stringify throws (BigInt, cycles).
export function userJson(value) {
  if (value == null) return '';
  const text = JSON.stringify(value) ?? '';  // undefined for a function or a symbol
  return BLOCKED_HINT.test(text) ? JSON.stringify(value, dropBlocked) : text;
}

// JSON text of glue-built context objects: every string made well-formed, because the core's
// context setters validate and do not repair.
export function contextJson(value) {
  return JSON.stringify(value, (k, v) => (BLOCKED_KEYS.has(k) ? undefined
    : typeof v === 'string' ? wellFormed(v) : v));
}

// file's URL next to base; the file name itself when base is no URL (an npm chunk name).
export function resolveNear(file, base) {
  try { return new URL(file, base).href; } catch { return file; }
}

// JSON.parse answering `otherwise` instead of throwing.
export function parseOr(text, otherwise = null) {
  try { return JSON.parse(text); } catch { return otherwise; }
}

// What a fire event's promise resolves with when no answer concerns it (rejected, queued for
// later, no network, no core): never a rejection, the page's code needs no catch.
export const noAnswer = () => ({ status: 0, ok: false, data: null });

// options.fire === true (a hostile getter counts as false): such a call returns a Promise.
export function isFire(options) {
  try { return options?.fire === true; } catch { return false; }
}

// A pool of random uint32 words so the core's 4-word entropy costs one getRandomValues call per
// 64 track() calls rather than one each.
export function createEntropy(crypto) {
  const pool = new Uint32Array(ENTROPY_POOL_WORDS);
  let i = pool.length;
  const fill = () => {
    try { crypto.getRandomValues(pool); } catch {
      // No Web Crypto: ids are still unique enough for a page, but not unguessable.
      for (let k = 0; k < pool.length; k++) pool[k] = (Math.random() * 0x100000000) >>> 0;
    }
  };
  return function next() {
    if (i >= pool.length) { fill(); i = 0; }
    return pool[i++];
  };
}

// options.tracker.profile.id as the core uses it: trimmed, and a blank one is no static id (the
// core warns about it once).
export function staticProfileId(trackerOptions) {
  const p = trackerOptions?.profile;
  const id = typeof p?.id === 'string' ? p.id.trim() : '';
  return id || null;
}
