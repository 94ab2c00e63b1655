// Finds run-time code evaluation in a built file: eval(...), Function(...) / new Function(...)
// (also through an alias such as `(0, eval)(` or `window['eval']`), and string arguments to
// setTimeout/setInterval. A CSP without 'unsafe-eval' refuses all of them, so the fallback core
// (used exactly when the CSP refuses WebAssembly) must contain none. A lexical check on minified
// output: identifiers named e.g. `myFunction(` do not match (word boundary + no preceding . or $).
export function findDynamicCode(text) {
  const hits = [];
  const patterns = [
    // eval called or passed around as a value ((0, eval)(s)); not obj.eval, myeval, 'unsafe-eval'
    [/(?<![\w$.'"-])eval(?![\w$'"-])/g, 'eval'],
    [/(?<![\w$])(?:new\s+)?Function\s*\(/g, 'Function('],
    [/\[\s*['"](?:eval|Function)['"]\s*\]/g, "['eval'] / ['Function']"],
    [/\b(?:setTimeout|setInterval)\s*\(\s*['"`]/g, 'a string timer'],
  ];
  for (const [re, name] of patterns) {
    for (const m of text.matchAll(re)) {
      hits.push(`${name} at ${m.index}: …${text.slice(Math.max(0, m.index - 30), m.index + 30)}…`);
    }
  }
  return hits;
}
