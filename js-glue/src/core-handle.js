// The binding exports free functions over a core's address (wasm/bindings/embind.cpp): Embind's
// class support (handles, pointer types, finalizers) was over a third of its JS runtime. This
// gives the glue one object with the core's methods again, each passing the address first; a
// method is bound on first use, so no list of names is kept here (but PAGE and SET below). A
// deleted core throws on every call instead of reaching freed wasm memory. `dead`: a call threw (a trap, an abort): the core
// is gone for good, which the host tells from an exception of its own code.
//
// Methods the binding folds into one function each (a binding function costs the wasm its
// argument conversions and its registration: liliput.min.wasm -245 bytes gzip for these ten):
// page(op, ...the method's arguments), op = index in PAGE, set(op, json), op = index in SET, and
// get(op), op = index in GET (the core's texts; fates: the fate log, for inspect()).
export const PAGE = ['onLoad', 'onHidden', 'onNavigate', 'onVisible', 'flush', 'onPageLeave', 'setOnline'];
export const SET = ['setContext', 'setPageContext', 'setPayloadOptions'];
export const GET = ['configError', 'lastError', 'takeEffects', 'snapshot', 'stats', 'fates'];

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
        const op = PAGE.indexOf(name);
        const set = SET.indexOf(name);
        const get = GET.indexOf(name);
        const f = op >= 0 ? (s, a, b, c) => M.page(s, op, a, b, c) : set >= 0 ? (s, j) => M.set(s, set, j)
          : get >= 0 ? (s) => M.get(s, get) : M[name];
        target[name] = typeof f === 'function' ? (...args) => {
          if (!self) throw new Error('the tracker core was deleted');
          try { return f(self, ...args); } catch (e) { dead = true; throw e; }
        } : f;
      }
      return target[name];
    },
  });
}
