// The extras chunk (dist/tracker-extras.js): code a page rarely needs, fetched only when it is
// used (a response carrying `ux` widgets, auto.triggers configured, the first GPU probe of a
// browser), so the tracker script stays small for every other page.
export { createUxInjector } from '../ux.js';
export { wireAutoTriggers } from '../auto-triggers.js';
export { startContextSources } from '../context-later.js';
