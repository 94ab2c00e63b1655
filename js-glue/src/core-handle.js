// The binding exports free functions over a core's address (wasm/bindings/embind.cpp): Embind's
// class support (handles, pointer types, finalizers) was over a third of its JS runtime. This
// gives the glue one object with the core's methods again, each passing the address first; a
// method is bound on first use, so no list of names is kept here. A deleted core throws on every
// call instead of reaching freed wasm memory. `dead`: a call threw (a trap, an abort): the core
// is gone for good, which the host tells from an exception of its own code.
export function openCore(M, optionsJson) {
  let self = M.create(optionsJson);
  let dead = false;
  const bound = Object.create(null);
  bound.delete = () => {
    if (self) M.destroy(self);
    self = 0;
  };
  Object.defineProperty(bound, 'dead', { get: () => dead });
  return new Proxy(bound, {
    get(target, name) {
      if (!(name in target)) {
        const f = M[name];
        target[name] = typeof f === 'function' ? (...args) => {
          if (!self) throw new Error('the tracker core was deleted');
          try { return f(self, ...args); } catch (e) { dead = true; throw e; }
        } : f;
      }
      return target[name];
    },
  });
}
