// followPlace (place.js): the fetch-streamed /place/stream with the bearer token, and the
// fallback to polling GET /place when the stream cannot be had.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { followPlace } from '../../deploy/gateway/static/app/place.js';

const PLACE = { booking_id: 'b1', status: 'checked_in', now_serving: 'A010', ahead: 1, called: false };

function sseResponse(chunks) {
  const body = new ReadableStream({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

test('the stream: the bearer token in the header, place events handed on, heartbeats ignored', async () => {
  const seen = [];
  const states = [];
  const sent = [];
  const stop = followPlace({
    api: { get: async () => { throw new Error('no polling while the stream works'); }, refresh: async () => false },
    session: { accessToken: 'tok-1' }, bookingId: 'b/1',
    onPlace: (p) => seen.push(p), onState: (s) => states.push(s),
    fetchImpl: async (url, init) => {
      sent.push({ url, init });
      return sseResponse([': hb\n\nevent: pla', `ce\ndata: ${JSON.stringify(PLACE)}\n\n`, 'event: other\ndata: {}\n\n']);
    },
    retryMaxMs: 60_000,
  });
  await sleep(50);
  stop();
  assert.equal(sent[0].url, '/api/v1/bookings/b%2F1/place/stream');
  assert.equal(sent[0].init.headers.Authorization, 'Bearer tok-1');
  assert.equal(sent[0].init.headers.Accept, 'text/event-stream');
  assert.deepEqual(seen[0], PLACE);
  assert.equal(states[0], 'live');
});

test('no stream (404, a buffering proxy): GET /place now and every pollMs; the stream tried again', async () => {
  const polls = [];
  let streams = 0;
  const states = [];
  const stop = followPlace({
    api: { get: async (path) => { polls.push(path); return { ...PLACE, ahead: polls.length }; }, refresh: async () => false },
    session: { accessToken: 't' }, bookingId: 'b1',
    onPlace: () => {}, onState: (s) => states.push(s),
    fetchImpl: async () => { streams += 1; return new Response('{}', { status: 404, headers: { 'Content-Type': 'application/json' } }); },
    pollMs: 40, retryStartMs: 5, retryMaxMs: 15,
  });
  await sleep(110);
  stop();
  const n = polls.length;
  await sleep(60);
  assert.ok(n >= 2 && n <= 4, `polls: ${n}`);   // at 0, 40, 80 ms: not at each of the ~10 stream retries
  assert.equal(polls.length, n, 'stop() ends the polling');
  assert.ok(polls.every((p) => p === '/api/v1/bookings/b1/place'));
  assert.ok(streams >= 3, `stream retried: ${streams}`);
  assert.equal(states.at(-1), 'polling');
});

test('an expired access token: one refresh, then the stream with the new one', async () => {
  const session = { accessToken: 'old' };
  const auth = [];
  const stop = followPlace({
    api: { get: async () => PLACE, refresh: async () => { session.accessToken = 'new'; return true; } },
    session, bookingId: 'b1', onPlace: () => {},
    fetchImpl: async (url, init) => {
      auth.push(init.headers.Authorization);
      return init.headers.Authorization === 'Bearer old'
        ? new Response('{"code":"auth.token_expired"}', { status: 401, headers: { 'Content-Type': 'application/problem+json' } })
        : sseResponse([`event: place\ndata: ${JSON.stringify(PLACE)}\n\n`]);
    },
    retryMaxMs: 60_000,
  });
  await sleep(50);
  stop();
  assert.deepEqual(auth.slice(0, 2), ['Bearer old', 'Bearer new']);
});
