// The signed-in session: the token pair in sessionStorage (gone when the tab closes) and
// what the access token's claims say (name, roles). The claims are only read to shape the
// screens; every service verifies the token itself.

const KEY = 'cardcenter.session';

function base64UrlDecode(segment) {
  const b64 = segment.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(segment.length / 4) * 4, '=');
  const binary = atob(b64);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return new TextDecoder().decode(bytes);
}

/** The payload of a JWT, or null when it is not one. */
export function decodeJwt(token) {
  if (typeof token !== 'string') return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const claims = JSON.parse(base64UrlDecode(parts[1]));
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

export function createSession(storage = globalThis.sessionStorage) {
  let cache;
  const read = () => {
    if (cache !== undefined) return cache;
    try {
      cache = JSON.parse(storage?.getItem(KEY) ?? 'null');
    } catch {
      cache = null;
    }
    return cache;
  };
  const listeners = new Set();
  const notify = () => listeners.forEach((fn) => fn());

  return {
    get accessToken() { return read()?.access_token ?? null; },
    get refreshToken() { return read()?.refresh_token ?? null; },
    get user() { return read()?.user ?? null; },
    get signedIn() { return Boolean(read()?.access_token); },
    /** Keep a token answer of POST /sessions or /sessions/refresh. */
    set(answer) {
      const previous = read() ?? {};
      cache = {
        access_token: answer.access_token,
        refresh_token: answer.refresh_token ?? previous.refresh_token ?? null,
        user: answer.user ?? previous.user ?? null,
      };
      storage?.setItem(KEY, JSON.stringify(cache));
      notify();
    },
    clear() {
      cache = null;
      storage?.removeItem(KEY);
      notify();
    },
    claims() { return decodeJwt(read()?.access_token); },
    roles() {
      const roles = this.claims()?.roles;
      return Array.isArray(roles) ? roles.map(String) : [];
    },
    hasRole(role) { return this.roles().includes(role); },
    displayName() { return this.claims()?.name || this.user?.name || this.user?.username || ''; },
    onChange(fn) { listeners.add(fn); return () => listeners.delete(fn); },
  };
}
