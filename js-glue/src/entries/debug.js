// The debug chunk (dist/liliput.min.debug.js): the fate printer of the debug switch (fates.js),
// fetched only when ?tracker_debug=1 or localStorage['wasm-tracker:debug'] asks for it.
export { wireFatePrinter } from '../fate-printer.js';
