// Page globals the tests touch through page.evaluate (the suite is transpiled, not type-checked;
// this keeps editors quiet).
export {};
declare global {
  interface Window {
    tracker: { track: (...args: unknown[]) => unknown; flush?: () => void; consent?: (s: string) => void; [k: string]: unknown };
    onTracardiReady: { bind: (fn: (p: any) => void) => void; [k: string]: unknown };
    [k: string]: any;
  }
}
