// tracker.inspect() (issue 23): the recent events' fates as the core wrote them (one JSON line
// per step, wasm/include/tracker/fates.hpp), grouped by event, oldest first. Each entry:
// {id, type?, fate: its last step, steps: [{step, at, ...the step's members}]}. The core decides
// and words every step; this only groups the lines.
export function groupFates(text) {
  const byId = new Map();
  for (const line of text ? text.split('\n') : []) {
    if (!line) continue;
    const { id, ...step } = JSON.parse(line);
    let e = byId.get(id);
    if (!e) byId.set(id, e = { id, steps: [] });
    if (step.type) e.type = step.type;
    e.fate = step.step;
    e.steps.push(step);
  }
  return [...byId.values()];
}

// The debug switch (README "Why is my event not in Tracardi?"): ?tracker_debug=1 in the page's
// URL, or localStorage['wasm-tracker:debug'] = '1'; the printer itself is in the extras chunk.
export const DEBUG_KEY = 'wasm-tracker:debug';
export const debugAsked = (env, stored) => /[?&]tracker_debug=1(&|$)/.test(env.location?.search || '') || stored === '1';
