// Playwright e2e suite for wasm-tracker: the demo site and the tracker served by the local
// collector, driven in Debian's Chromium (no browser download, see docs/toolchain notes).
// The collector is the ground truth: tests assert on what it stored (GET /events, /requests).
import { defineConfig } from '@playwright/test';
import * as os from 'node:os';
import * as path from 'node:path';

export const PORT = Number(process.env.E2E_PORT || 8690);
const DB = path.join(os.tmpdir(), `wasm-tracker-e2e-${PORT}.db`);
const ROOT = path.resolve(__dirname, '..');
// E2E_TRACKER_DIR serves another build of the tracker (e.g. an older release, to compare copies).
const TRACKER_DIR = process.env.E2E_TRACKER_DIR || `${ROOT}/js-glue/dist`;

export default defineConfig({
  testDir: './tests',
  // Per port, so two runs on different E2E_PORTs do not clear each other's results.
  outputDir: `./test-results/${PORT}`,
  reporter: 'list',
  // One collector is shared and reset before every test, so tests run one at a time.
  workers: 1,
  fullyParallel: false,
  retries: 0,
  forbidOnly: true,
  timeout: 45_000,
  expect: { timeout: 10_000 },
  webServer: {
    command: `rm -f '${DB}' '${DB}-wal' '${DB}-shm' && exec '${ROOT}/build-native/collector/collector'` +
      ` --port ${PORT} --db '${DB}' --site '${ROOT}/demo-site' --tracker '${TRACKER_DIR}'`,
    url: `http://127.0.0.1:${PORT}/health`,
    reuseExistingServer: false,
    timeout: 20_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    browserName: 'chromium',
    trace: 'off',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    },
  },
});
