// The fetch wrapper every screen uses: JSON in and out, the Bearer token of the session,
// one refresh (POST /api/v1/sessions/refresh) on a 401, an X-Request-ID on every request,
// and application/problem+json turned into ApiError. No DOM here: tests run it in Node.

export const API = '/api/v1';

// The API's shapes for JSDoc, from the generated clients/typescript/api.d.ts ("api-types" in
// deploy/gateway/tsconfig.json; comments only, nothing is loaded by the browser).
/** @typedef {import('api-types').Problem} Problem */
/** @typedef {import('api-types').SessionResponse} SessionResponse */
/** @typedef {import('api-types').LoginRequest} LoginRequest */
/** @typedef {import('api-types').CardLoginRequest} CardLoginRequest */
/**
 * @typedef {object} RequestOptions
 * @property {unknown} [body] sent as JSON
 * @property {Record<string, string | number | boolean | null | undefined>} [query]
 * @property {Record<string, string>} [headers]
 * @property {boolean} [auth] send the session's token (default true)
 * @property {boolean} [retry] refresh once on a 401 (default true)
 */
/**
 * @typedef {object} ApiOptions
 * @property {ReturnType<typeof import('./session.js').createSession>} [session]
 * @property {typeof fetch} [fetchImpl]
 * @property {string} [base]
 * @property {(problem: Problem & Record<string, any>) => void} [onAuthLost]
 * @property {() => string} [newRequestId]
 */
/** @typedef {ReturnType<typeof createApi>} Api */

/** A v4 UUID. crypto.randomUUID exists only in secure contexts (https, localhost); a
 *  gateway reached over plain http elsewhere still has crypto.getRandomValues. */
export function uuid() {
  const c = globalThis.crypto;
  if (c?.randomUUID) return c.randomUUID();
  const b = new Uint8Array(16);
  c.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export class ApiError extends Error {
  constructor(problem) {
    super(`${problem.code ?? 'error'}: ${problem.detail ?? problem.title ?? ''}`);
    this.name = 'ApiError';
    this.problem = problem;
    this.status = problem.status;
    this.code = problem.code;
    this.requestId = problem.requestId ?? null;
  }
}

function statusCode(status) {
  if (status === 0) return 'network.error';
  if (status === 502 || status === 503 || status === 504) return 'gateway.upstream_unavailable';
  if (status >= 500) return 'internal_error';
  return { 400: 'bad_request', 401: 'auth.unauthorized', 403: 'auth.forbidden', 404: 'not_found',
    405: 'method_not_allowed', 409: 'conflict', 413: 'request.too_large', 422: 'unprocessable',
    429: 'rate_limited' }[status] ?? 'bad_request';
}

/**
 * A problem document from a failed answer's parts. Whatever the body is (problem+json,
 * plain JSON, HTML from a proxy, nothing), the result has status, code, title, detail,
 * errors (array) and requestId; the document's other members (suspended_until,
 * retry_after, ...) are kept.
 */
export function problemFrom(status, contentType, bodyText, requestId = null, retryAfter = null) {
  let doc = null;
  if (bodyText && /json/i.test(contentType || '')) {
    try {
      const parsed = JSON.parse(bodyText);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) doc = parsed;
    } catch { /* not JSON after all */ }
  }
  const problem = { ...(doc ?? {}) };
  problem.status = Number.isInteger(problem.status) ? problem.status : status;
  if (typeof problem.code !== 'string' || !problem.code) problem.code = statusCode(status);
  problem.title = typeof problem.title === 'string' ? problem.title : '';
  problem.detail = typeof problem.detail === 'string' ? problem.detail : problem.title;
  problem.errors = Array.isArray(problem.errors) ? problem.errors : [];
  problem.requestId = requestId || (typeof problem.request_id === 'string' ? problem.request_id : null);
  if (problem.retry_after == null && retryAfter != null && /^\d+$/.test(String(retryAfter))) {
    problem.retry_after = Number(retryAfter);
  }
  return problem;
}

/** The problem document of a fetch Response that is not ok. */
export async function readProblem(response, sentRequestId = null) {
  let text = '';
  try { text = await response.text(); } catch { /* body lost */ }
  return problemFrom(response.status, response.headers.get('Content-Type'), text,
    response.headers.get('X-Request-ID') || sentRequestId, response.headers.get('Retry-After'));
}

/**
 * {items: [...]} or a bare array -> the array (lists in api.md are {items, next_cursor}).
 * @template T
 * @param {{items: T[]} | T[] | null | undefined} answer
 * @returns {T[]}
 */
export function itemsOf(answer) {
  if (Array.isArray(answer)) return answer;
  if (answer && Array.isArray(answer.items)) return answer.items;
  return [];
}

export function queryString(query) {
  if (!query) return '';
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    qs.set(k, String(v));
  }
  const s = qs.toString();
  return s ? `?${s}` : '';
}

/**
 * createApi({session, fetchImpl, base, onAuthLost}) -> {request, get, post, put, del,
 * login, logout, refresh}. ``onAuthLost(problem)`` is called when a 401 cannot be cured by
 * a refresh: the session is cleared first.
 * @param {ApiOptions} [options]
 */
export function createApi({ session, fetchImpl, base = '', onAuthLost = () => {}, newRequestId } = {}) {
  const doFetch = fetchImpl ?? /** @type {typeof fetch} */ ((...args) => globalThis.fetch(...args));
  const requestId = newRequestId ?? (() => `web-${uuid()}`);
  let refreshing = null;

  /**
   * @param {string} method
   * @param {string} path
   * @param {RequestOptions} [options]
   */
  async function send(method, path, { body, query, headers = {}, auth = true } = {}) {
    const rid = requestId();
    /** @type {Record<string, string>} */
    const h = { Accept: 'application/json, application/problem+json', 'X-Request-ID': rid, ...headers };
    if (body !== undefined) h['Content-Type'] = 'application/json';
    const token = auth ? session?.accessToken : null;
    if (token) h.Authorization = `Bearer ${token}`;
    let response;
    try {
      response = await doFetch(`${base}${path}${queryString(query)}`, {
        method, headers: h, body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin', cache: 'no-store',
      });
    } catch {
      throw new ApiError(problemFrom(0, '', '', rid));
    }
    return { response, rid, sentToken: Boolean(token) };
  }

  async function refresh() {
    const refreshToken = session?.refreshToken;
    if (!refreshToken) return false;
    if (!refreshing) {
      refreshing = (async () => {
        try {
          const { response } = await send('POST', `${API}/sessions/refresh`,
            { body: { refresh_token: refreshToken }, auth: false });
          if (!response.ok) return false;
          const pair = await response.json();
          if (!pair?.access_token) return false;
          session.set(pair);
          return true;
        } catch {
          return false;
        }
      })().finally(() => { refreshing = null; });
    }
    return refreshing;
  }

  /**
   * The answer's JSON (any: the caller names its shape with a JSDoc type such as
   * import('api-types').BookingView), null for 204, or an ApiError thrown.
   * @param {string} method
   * @param {string} path
   * @param {RequestOptions} [options]
   * @returns {Promise<any>}
   */
  async function request(method, path, options = {}) {
    const { retry = true } = options;
    const { response, rid, sentToken } = await send(method, path, options);
    if (response.ok) {
      if (response.status === 204) return null;
      const text = await response.text();
      if (!text) return null;
      if (!/json/i.test(response.headers.get('Content-Type') || '')) return text;
      try {
        return JSON.parse(text);
      } catch {
        const problem = problemFrom(response.status, '', '', response.headers.get('X-Request-ID') || rid);
        throw new ApiError({ ...problem, code: 'response.invalid' });
      }
    }
    const problem = await readProblem(response, rid);
    if (response.status === 401 && sentToken && options.auth !== false) {
      if (retry && await refresh()) return request(method, path, { ...options, retry: false });
      session?.clear();
      onAuthLost(problem);
    }
    throw new ApiError(problem);
  }

  return {
    request,
    refresh,
    get: (path, options) => request('GET', path, options),
    post: (path, body, options = {}) => request('POST', path, { ...options, body: body ?? {} }),
    put: (path, body, options = {}) => request('PUT', path, { ...options, body }),
    del: (path, options) => request('DELETE', path, options),
    /** POST /sessions with {username, password} or {phone, sms_code}; keeps the tokens.
     *  @param {LoginRequest} credentials
     *  @returns {Promise<SessionResponse>} */
    async login(credentials) {
      const answer = await request('POST', `${API}/sessions`, { body: credentials, auth: false });
      session.set(answer);
      return answer;
    },
    /** POST /sessions/card with {card_no, challenge_id, signature}; keeps the tokens.
     *  @param {CardLoginRequest} proof
     *  @returns {Promise<SessionResponse>} */
    async cardLogin(proof) {
      const answer = await request('POST', `${API}/sessions/card`, { body: proof, auth: false });
      session.set(answer);
      return answer;
    },
    async logout() {
      try {
        if (session?.accessToken) await request('DELETE', `${API}/sessions/current`, { retry: false });
      } catch { /* the tokens go anyway */ }
      session?.clear();
    },
  };
}
