// The agent's place in line, live: GET /api/v1/bookings/{id}/place/stream read with fetch()
// (EventSource cannot send the bearer token), each `place` event handed to onPlace; when
// the stream cannot be had (an older API, a proxy that buffers, the network) it polls
// GET /place every 10 s and tries the stream again (after 1 s, 2 s, ... up to 30 s).
import { API } from './api.js';
import { createSseParser } from './sse.js';

const POLL_MS = 10_000;
const STREAM_RETRY_MAX_MS = 30_000;

/**
 * followPlace({api, session, bookingId, onPlace, onState, fetchImpl}) -> stop().
 * onState('live' | 'polling' | 'offline') says how the figures are kept fresh.
 * @param {{api: any, session: any, bookingId: string, onPlace: (place: any) => void,
 *          onState?: (state: string) => void, fetchImpl?: typeof fetch, pollMs?: number,
 *          retryStartMs?: number, retryMaxMs?: number}} options
 */
export function followPlace({ api, session, bookingId, onPlace, onState = () => {}, fetchImpl, pollMs = POLL_MS, retryStartMs = 1_000, retryMaxMs = STREAM_RETRY_MAX_MS }) {
  const doFetch = fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
  const id = encodeURIComponent(bookingId);
  let stopped = false;
  let controller = null;
  let pollTimer = null;
  let retryTimer = null;
  let refreshed = false;
  let live = false;
  let retryMs = retryStartMs;   // a restart of booking ends the stream: back soon, then less and less often

  async function poll() {
    if (stopped || live) { pollTimer = null; return; }
    pollTimer = -1;   // a poll on its way counts as polling
    let place = null;
    try { place = await api.get(`${API}/bookings/${id}/place`); } catch { place = null; }
    if (stopped || live) { pollTimer = null; return; }   // the stream came back meanwhile
    if (place) { onPlace(place); onState('polling'); } else onState('offline');
    pollTimer = setTimeout(poll, pollMs);
  }

  function fallBack() {
    if (stopped) return;
    live = false;
    if (pollTimer === null) poll();   // polling already: keep its 10 s rhythm
    clearTimeout(retryTimer);
    retryTimer = setTimeout(stream, retryMs);
    retryMs = Math.min(retryMs * 2, retryMaxMs);
  }

  async function stream() {
    if (stopped) return;
    controller = new AbortController();
    let response;
    try {
      response = await doFetch(`${API}/bookings/${id}/place/stream`, {
        headers: { Accept: 'text/event-stream', Authorization: `Bearer ${session.accessToken ?? ''}` },
        cache: 'no-store', credentials: 'same-origin', signal: controller.signal,
      });
    } catch {
      fallBack();
      return;
    }
    if (response.status === 401 && !refreshed) {
      // The access token expired: one refresh (api.js keeps the new pair), then again.
      refreshed = true;
      if (await api.refresh()) { stream(); return; }
    }
    if (!response.ok || !response.body || !/text\/event-stream/i.test(response.headers.get('Content-Type') || '')) {
      try { await response.body?.cancel(); } catch { /* gone */ }
      fallBack();
      return;
    }
    refreshed = false;
    retryMs = retryStartMs;
    clearTimeout(pollTimer);
    pollTimer = null;
    live = true;
    onState('live');
    const parser = createSseParser(({ event, data }) => {
      if (event !== 'place') return;
      try { onPlace(JSON.parse(data)); } catch { /* not JSON: skip it */ }
    });
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
      }
      parser.end();
    } catch { /* aborted or cut */ }
    if (!stopped) fallBack();   // the stream ended (a restart, the network): poll, then try again
  }

  stream();
  return function stop() {
    stopped = true;
    clearTimeout(pollTimer);
    clearTimeout(retryTimer);
    try { controller?.abort(); } catch { /* done */ }
  };
}
