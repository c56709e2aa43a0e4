// Hash routes: "#/bookings/42?from=2026-12-01" -> {route, params: {id: "42"}, query: {from: ...}}.
// compile() and match() are pure (tested in Node); start() wires them to the window.

export function parseHash(hash) {
  let h = String(hash ?? '').replace(/^#/, '');
  if (!h.startsWith('/')) h = `/${h}`;
  const q = h.indexOf('?');
  const path = (q < 0 ? h : h.slice(0, q)).replace(/\/+$/, '') || '/';
  const query = Object.fromEntries(new URLSearchParams(q < 0 ? '' : h.slice(q + 1)));
  return { path, query };
}

export function compile(routes) {
  return routes.map((route) => {
    const keys = [];
    const pattern = route.path.replace(/\/+$/, '').split('/').map((part) => {
      if (part.startsWith(':')) { keys.push(part.slice(1)); return '([^/]+)'; }
      return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }).join('/');
    return { ...route, keys, re: new RegExp(`^${pattern || '/'}$`) };
  });
}

export function match(compiled, hash) {
  const { path, query } = parseHash(hash);
  for (const route of compiled) {
    const m = route.re.exec(path);
    if (!m) continue;
    const params = {};
    route.keys.forEach((key, i) => {
      try { params[key] = decodeURIComponent(m[i + 1]); } catch { params[key] = m[i + 1]; }
    });
    return { route, params, query, path };
  }
  return null;
}

/** The menu a signed-in person sees: an administrator the console (and the desk when they
 *  are staff too), staff the agent's screens and the desk, an agent the agent's screens. */
export function menuFor(routes, hasRole) {
  const admin = hasRole('admin');
  return routes.filter((r) => r.menu && (!r.role || hasRole(r.role)) && (!admin || r.role));
}

/** Calls onRoute(matchOrNull) for the current hash (on the next microtask, so that the
 *  caller holds navigate first) and on every hash change; returns navigate(hash). */
export function start(routes, onRoute, win = window) {
  const compiled = compile(routes);
  const run = () => onRoute(match(compiled, win.location.hash));
  win.addEventListener('hashchange', run);
  queueMicrotask(run);
  return function navigate(hash, { replace = false } = {}) {
    const target = hash.startsWith('#') ? hash : `#${hash}`;
    if (win.location.hash === target) { run(); return; }
    if (replace) {
      win.history.replaceState(null, '', target);
      run();
    } else {
      win.location.hash = target;
    }
  };
}
