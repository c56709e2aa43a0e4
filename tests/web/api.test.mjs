// api.js: problem+json parsing, the Bearer token, one refresh on 401, request ids.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, createApi, itemsOf, problemFrom, queryString, readProblem, uuid } from '../../deploy/gateway/static/app/api.js';
import { createSession, decodeJwt } from '../../deploy/gateway/static/app/session.js';

const PROBLEM = 'application/problem+json';

function memoryStorage() {
  const m = new Map();
  return { getItem: (k) => (m.has(k) ? m.get(k) : null), setItem: (k, v) => m.set(k, String(v)), removeItem: (k) => m.delete(k) };
}

function jwt(claims) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b64({ alg: 'EdDSA', kid: 'k1' })}.${b64(claims)}.c2ln`;
}

function json(status, body, headers = {}) {
  return new Response(body === undefined ? null : JSON.stringify(body), {
    status, headers: { 'Content-Type': status >= 400 ? PROBLEM : 'application/json', ...headers },
  });
}

/** A fake fetch: ``routes`` maps "METHOD path" to a function (call, n) -> Response. */
function fakeFetch(routes) {
  const calls = [];
  const fetchImpl = async (url, init) => {
    const u = new URL(url, 'http://gw');
    const call = { method: init.method, path: u.pathname, query: Object.fromEntries(u.searchParams),
      headers: init.headers, body: init.body ? JSON.parse(init.body) : undefined };
    calls.push(call);
    const handler = routes[`${init.method} ${u.pathname}`];
    if (!handler) return json(404, { status: 404, code: 'not_found', title: 'Not found' });
    return handler(call, calls.filter((c) => c.path === u.pathname).length);
  };
  return { fetchImpl, calls };
}

test('problemFrom reads problem+json and keeps its extras', () => {
  const p = problemFrom(403, 'application/problem+json; charset=utf-8', JSON.stringify({
    type: 'about:blank', title: 'Booking rights are suspended', status: 403, code: 'booking.suspended',
    detail: 'until then', suspended_until: '2027-01-01T00:00:00+08:00', request_id: 'body-id' }), 'hdr-id');
  assert.equal(p.code, 'booking.suspended');
  assert.equal(p.status, 403);
  assert.equal(p.suspended_until, '2027-01-01T00:00:00+08:00');
  assert.equal(p.requestId, 'hdr-id');
  assert.deepEqual(p.errors, []);
  const v = problemFrom(422, PROBLEM, JSON.stringify({ status: 422, code: 'validation_error', errors: [{ field: 'phone', message: 'bad' }], request_id: 'r9' }));
  assert.deepEqual(v.errors, [{ field: 'phone', message: 'bad' }]);
  assert.equal(v.requestId, 'r9');
});

test('problemFrom copes with bodies that are not problems', () => {
  assert.equal(problemFrom(502, 'text/html', '<html>Bad gateway</html>').code, 'gateway.upstream_unavailable');
  assert.equal(problemFrom(500, 'application/json', '{not json').code, 'internal_error');
  assert.equal(problemFrom(409, 'application/json', '[1,2]').code, 'conflict');
  assert.equal(problemFrom(401, '', '').code, 'auth.unauthorized');
  assert.equal(problemFrom(429, PROBLEM, '{"status":429,"code":"rate_limited"}', null, '6').retry_after, 6);
  const noCode = problemFrom(404, PROBLEM, '{"title":"Not found","errors":"nope"}');
  assert.equal(noCode.code, 'not_found');
  assert.deepEqual(noCode.errors, []);
});

test('readProblem reads a fetch Response with its X-Request-ID', async () => {
  const res = json(409, { status: 409, code: 'booking.capacity_exhausted', title: 'full' }, { 'X-Request-ID': 'gw-1' });
  const p = await readProblem(res, 'sent-1');
  assert.equal(p.code, 'booking.capacity_exhausted');
  assert.equal(p.requestId, 'gw-1');
  const p2 = await readProblem(new Response('', { status: 504 }), 'sent-2');
  assert.equal(p2.requestId, 'sent-2');
  assert.equal(p2.code, 'gateway.upstream_unavailable');
});

test('helpers: query strings, list answers, UUIDs', () => {
  assert.equal(queryString({ from: '2026-12-01', to: '', status: null, q: '青岛 A&B' }), '?from=2026-12-01&q=%E9%9D%92%E5%B2%9B+A%26B');
  assert.equal(queryString({}), '');
  assert.deepEqual(itemsOf({ items: [1], next_cursor: null }), [1]);
  assert.deepEqual(itemsOf([2]), [2]);
  assert.deepEqual(itemsOf(null), []);
  assert.match(uuid(), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});

test('requests send JSON, the Bearer token, an X-Request-ID and other headers', async () => {
  const session = createSession(memoryStorage());
  session.set({ access_token: 'A1', refresh_token: 'R1' });
  const { fetchImpl, calls } = fakeFetch({
    'POST /api/v1/bookings': () => json(201, { id: 'b1' }),
    'DELETE /api/v1/me/enterprises/X': () => new Response(null, { status: 204 }),
    'GET /api/v1/calendar': () => json(200, { days: [] }),
  });
  const api = createApi({ session, fetchImpl, base: 'http://gw' });
  assert.deepEqual(await api.post('/api/v1/bookings', { date: '2026-12-01' }, { headers: { 'Idempotency-Key': 'k-1' } }), { id: 'b1' });
  assert.equal(calls[0].headers.Authorization, 'Bearer A1');
  assert.equal(calls[0].headers['Content-Type'], 'application/json');
  assert.equal(calls[0].headers['Idempotency-Key'], 'k-1');
  assert.match(calls[0].headers['X-Request-ID'], /^web-[0-9a-f-]{36}$/);
  assert.deepEqual(calls[0].body, { date: '2026-12-01' });
  assert.equal(await api.del('/api/v1/me/enterprises/X'), null);
  await api.get('/api/v1/calendar', { auth: false, query: { from: '2026-12-01' } });
  assert.equal(calls[2].headers.Authorization, undefined);
  assert.deepEqual(calls[2].query, { from: '2026-12-01' });
});

test('a failed answer throws ApiError with the problem', async () => {
  const session = createSession(memoryStorage());
  const { fetchImpl } = fakeFetch({
    'POST /api/v1/bookings': () => json(409, { status: 409, code: 'booking.capacity_exhausted', title: 'full' }, { 'X-Request-ID': 'rid-7' }),
  });
  const api = createApi({ session, fetchImpl, base: 'http://gw' });
  await assert.rejects(api.post('/api/v1/bookings', {}), (err) => {
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 409);
    assert.equal(err.code, 'booking.capacity_exhausted');
    assert.equal(err.requestId, 'rid-7');
    return true;
  });
});

test('a network failure is network.error with the request id that was sent', async () => {
  const api = createApi({ session: createSession(memoryStorage()), fetchImpl: async () => { throw new TypeError('Failed to fetch'); },
    newRequestId: () => 'web-fixed' });
  await assert.rejects(api.get('/api/v1/calendar'), (err) => err.code === 'network.error' && err.status === 0 && err.requestId === 'web-fixed');
});

test('a 401 refreshes once, keeps the new pair and retries with the new token', async () => {
  const session = createSession(memoryStorage());
  session.set({ access_token: 'old', refresh_token: 'R1', user: { username: 'u' } });
  const { fetchImpl, calls } = fakeFetch({
    'GET /api/v1/me/enterprises': (call) => (call.headers.Authorization === 'Bearer new'
      ? json(200, { items: [{ org_code: '123456789', name: 'A' }] })
      : json(401, { status: 401, code: 'auth.token_expired' })),
    'POST /api/v1/sessions/refresh': (call) => {
      assert.deepEqual(call.body, { refresh_token: 'R1' });
      assert.equal(call.headers.Authorization, undefined);
      return json(200, { access_token: 'new', refresh_token: 'R2', token_type: 'Bearer', expires_in: 900 });
    },
  });
  let lost = 0;
  const api = createApi({ session, fetchImpl, base: 'http://gw', onAuthLost: () => { lost += 1; } });
  const [a, b] = await Promise.all([api.get('/api/v1/me/enterprises'), api.get('/api/v1/me/enterprises')]);
  assert.equal(itemsOf(a).length, 1);
  assert.equal(itemsOf(b).length, 1);
  assert.equal(calls.filter((c) => c.path === '/api/v1/sessions/refresh').length, 1, 'concurrent 401s share one refresh');
  assert.equal(session.accessToken, 'new');
  assert.equal(session.refreshToken, 'R2');
  assert.deepEqual(session.user, { username: 'u' });
  assert.equal(lost, 0);
});

test('when the refresh fails the session is cleared and onAuthLost is called', async () => {
  const session = createSession(memoryStorage());
  session.set({ access_token: 'old', refresh_token: 'R1' });
  const { fetchImpl, calls } = fakeFetch({
    'GET /api/v1/bookings': () => json(401, { status: 401, code: 'auth.invalid_token' }),
    'POST /api/v1/sessions/refresh': () => json(401, { status: 401, code: 'auth.invalid_token' }),
  });
  const lost = [];
  const api = createApi({ session, fetchImpl, base: 'http://gw', onAuthLost: (p) => lost.push(p.code) });
  await assert.rejects(api.get('/api/v1/bookings'), (err) => err.code === 'auth.invalid_token');
  assert.equal(calls.filter((c) => c.path === '/api/v1/bookings').length, 1, 'not retried without a new token');
  assert.equal(session.signedIn, false);
  assert.deepEqual(lost, ['auth.invalid_token']);
});

test('a 401 after the retry is not refreshed again', async () => {
  const session = createSession(memoryStorage());
  session.set({ access_token: 'old', refresh_token: 'R1' });
  let refreshed = 0;
  const { fetchImpl, calls } = fakeFetch({
    'GET /api/v1/me': () => json(401, { status: 401, code: 'auth.invalid_token' }),
    'POST /api/v1/sessions/refresh': () => { refreshed += 1; return json(200, { access_token: `new${refreshed}`, refresh_token: 'R' }); },
  });
  const api = createApi({ session, fetchImpl, base: 'http://gw' });
  await assert.rejects(api.get('/api/v1/me'), (err) => err.status === 401);
  assert.equal(refreshed, 1);
  assert.equal(calls.filter((c) => c.path === '/api/v1/me').length, 2);
});

test('a wrong password (401 without a token) neither refreshes nor loses the session', async () => {
  const session = createSession(memoryStorage());
  const { fetchImpl, calls } = fakeFetch({
    'POST /api/v1/sessions': () => json(401, { status: 401, code: 'auth.invalid_credentials' }),
  });
  let lost = 0;
  const api = createApi({ session, fetchImpl, base: 'http://gw', onAuthLost: () => { lost += 1; } });
  await assert.rejects(api.login({ username: 'u', password: 'p' }), (err) => err.code === 'auth.invalid_credentials');
  assert.equal(calls.length, 1);
  assert.equal(lost, 0);
});

test('login keeps the token pair; the claims give name and roles (UTF-8 names too)', async () => {
  const storage = memoryStorage();
  const session = createSession(storage);
  const token = jwt({ sub: 'u1', roles: ['agent', 'staff'], name: '张三', exp: 2e9 });
  const { fetchImpl } = fakeFetch({
    'POST /api/v1/sessions': () => json(200, { access_token: token, token_type: 'Bearer', expires_in: 900, refresh_token: 'R', user: { id: 'u1' } }),
    'DELETE /api/v1/sessions/current': () => new Response(null, { status: 204 }),
  });
  const api = createApi({ session, fetchImpl, base: 'http://gw' });
  await api.login({ username: 'zhangsan', password: 'x' });
  assert.equal(decodeJwt(token).name, '张三');
  assert.deepEqual(createSession(storage).roles(), ['agent', 'staff'], 'kept in storage');
  assert.equal(session.hasRole('staff'), true);
  assert.equal(session.displayName(), '张三');
  await api.logout();
  assert.equal(session.signedIn, false);
  assert.equal(decodeJwt('not.a.jwt'), null);
  assert.equal(decodeJwt(undefined), null);
});

test('card login sends the proof without a token and keeps the pair; a refusal keeps the old session', async () => {
  const session = createSession(memoryStorage());
  const token = jwt({ sub: 'u2', roles: ['agent'], name: '王五', exp: 2e9 });
  let answer = json(401, { status: 401, code: 'auth.card_invalid' });
  const { fetchImpl, calls } = fakeFetch({ 'POST /api/v1/sessions/card': () => answer });
  const api = createApi({ session, fetchImpl, base: 'http://gw' });
  const proof = { card_no: 'QD1', challenge_id: 'c1', signature: 'c2ln' };
  await assert.rejects(api.cardLogin(proof), (err) => err.code === 'auth.card_invalid' && err.status === 401);
  assert.equal(session.signedIn, false);
  answer = json(200, { access_token: token, token_type: 'Bearer', expires_in: 900, refresh_token: 'R2', user: { id: 'u2' } });
  await api.cardLogin(proof);
  assert.deepEqual(calls.map((c) => [c.method, c.path, c.headers.Authorization]), [
    ['POST', '/api/v1/sessions/card', undefined], ['POST', '/api/v1/sessions/card', undefined]]);
  assert.deepEqual(calls[1].body, proof);
  assert.equal(session.refreshToken, 'R2');
  assert.equal(session.displayName(), '王五');
});
