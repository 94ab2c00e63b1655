// The extras chunk (dist/liliput.min.extras.js): code a page rarely needs, fetched only when it is
// used (a response carrying `ux` widgets, auto.triggers configured, the first GPU probe of a
// browser, settings.pageViews, settings.trackExternalLinks), so the tracker script stays small for
// every other page.
export { createUxInjector } from '../ux.js';
export { wireAutoTriggers } from '../auto-triggers.js';
export { startContextSources } from '../context-later.js';
export { wirePageViews } from '../spa.js';
export { wireExternalLinks } from '../links.js';
