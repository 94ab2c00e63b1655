// npm entry for Node (package.json "exports" condition "node"): SSR, tests and scripts get the
// no-op tracker without the browser glue or the wasm in their server bundle.
import { createNoopTracker } from '../noop-tracker.js';

export function createTracker() {
  return createNoopTracker();
}
