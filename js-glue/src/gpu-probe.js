// The GPU facts Tracardi's own loader sends as context.device.gpu (WebGL's unmasked vendor and
// renderer, with the WEBGL_debug_renderer_info constants as ids, in the shape its loader sent).
// Creating a WebGL context costs milliseconds, so the tracker runs this once per browser, in an
// idle period, from the lazily loaded extras chunk, and caches the answer (context-sources.js).
export function probeGpu(env) {
  const doc = env.document;
  let gl = null;
  try {
    const canvas = doc.createElement('canvas');
    // Low power and no antialiasing: the cheapest context; nothing is ever drawn.
    const attrs = { powerPreference: 'low-power', antialias: false, depth: false, stencil: false };
    gl = canvas.getContext('webgl', attrs) || canvas.getContext('experimental-webgl', attrs);
    if (!gl) return null;
    const info = gl.getExtension('WEBGL_debug_renderer_info');
    const V = info ? info.UNMASKED_VENDOR_WEBGL : gl.VENDOR;
    const R = info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER;
    return { vendor: { id: V, name: String(gl.getParameter(V)) },
      renderer: { id: R, renderer: String(gl.getParameter(R)) } };
  } catch {
    return null;
  } finally {
    // Hand the GPU context back at once: pages have a small budget of live WebGL contexts.
    try { const lose = gl?.getExtension('WEBGL_lose_context'); if (lose) lose.loseContext(); } catch { /* gone */ }
  }
}
