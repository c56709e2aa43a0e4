// 叫号 in words and numbers (pure, tested in Node): what the hall display says and shows,
// a board kept up to date by the stream's `call` events, and the agent's place in line.
import { periodName } from './format.js';

const RECENT = 10;

/** What the hall's speech synthesis says for a call: "请A003号到2号窗口办理". */
export function callText(queueNumber, desk) {
  return `请${String(queueNumber ?? '').trim()}号到${Number(desk)}号窗口办理`;
}

/** A BoardView as the page keeps it (missing lists as empty ones, desks in order). */
export function normalizeBoard(board) {
  const b = board && typeof board === 'object' ? board : {};
  return {
    center: b.center ?? '', date: b.date ?? '', now: b.now ?? null,
    desks: (Array.isArray(b.desks) ? b.desks : []).map((d) => ({
      desk: Number(d.desk), queue_number: d.queue_number ?? null, called_at: d.called_at ?? null,
    })).sort((x, y) => x.desk - y.desk),
    recent: (Array.isArray(b.recent) ? b.recent : []).slice(0, RECENT),
    waiting: Array.isArray(b.waiting) ? b.waiting : [],
    last_event_id: Number(b.last_event_id ?? 0),
  };
}

/**
 * The board after one `call` event ({seq, desk, queue_number, kind, called_at}): a call or
 * recall puts the number on its desk and on top of the recent calls; a skip clears the
 * desk (the number waits again). An event already applied (seq <= last_event_id) changes
 * nothing. Returns a new board; the one given is not changed.
 */
export function applyCall(board, call) {
  const b = normalizeBoard(board);
  const seq = Number(call?.seq ?? 0);
  if (seq && seq <= b.last_event_id) return b;
  const desk = Number(call.desk);
  let desks = b.desks;
  if (!desks.some((d) => d.desk === desk)) {
    desks = [...desks, { desk, queue_number: null, called_at: null }].sort((x, y) => x.desk - y.desk);
  }
  const skip = call.kind === 'skip';
  desks = desks.map((d) => {
    if (d.desk !== desk) return d;
    if (skip) return d.queue_number === call.queue_number ? { desk, queue_number: null, called_at: null } : d;
    return { desk, queue_number: call.queue_number, called_at: call.called_at ?? null };
  });
  const recent = skip ? b.recent : [
    { desk, queue_number: call.queue_number, kind: call.kind ?? 'call', called_at: call.called_at ?? null },
    ...b.recent,
  ].slice(0, RECENT);
  return { ...b, desks, recent, last_event_id: seq || b.last_event_id };
}

/** Whether a call event is to be spoken: a call or recall, not older than ``maxAgeMs`` (an
 *  event replayed after a long drop is shown, not announced). */
export function shouldAnnounce(call, now = Date.now(), maxAgeMs = 120_000) {
  if (!call || (call.kind !== 'call' && call.kind !== 'recall')) return false;
  const at = Date.parse(call.called_at ?? '');
  return Number.isNaN(at) || now - at < maxAgeMs;
}

/** "09:31" of an instant, in the center's time zone. */
export function clockOf(iso, tz = 'Asia/Shanghai') {
  const t = Date.parse(iso ?? '');
  if (Number.isNaN(t)) return '';
  return new Intl.DateTimeFormat('zh-CN', { timeZone: tz, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(t);
}

/**
 * What the hall display draws, as plain data: one tile per desk ("A003" or "—"), the recent
 * calls as lines, the waiting people per period. Never more than the board holds: numbers,
 * desks, counts (no names or phones reach the board).
 */
export function boardView(board) {
  const b = normalizeBoard(board);
  return {
    desks: b.desks.map((d) => ({ desk: d.desk, label: `${d.desk}号窗口`, number: d.queue_number ?? '—', idle: !d.queue_number })),
    recent: b.recent.map((r) => ({
      number: r.queue_number, desk: r.desk, time: clockOf(r.called_at),
      text: `${r.queue_number} → ${r.desk}号窗口${r.kind === 'recall' ? '（重呼）' : ''}`,
    })),
    waiting: b.waiting.map((w) => ({ period: w.period, label: periodName(w.period), count: Number(w.waiting ?? 0), text: `${periodName(w.period)}等候 ${Number(w.waiting ?? 0)} 人` })),
    totalWaiting: b.waiting.reduce((n, w) => n + Number(w.waiting ?? 0), 0),
  };
}

/**
 * The agent's place in words, from a PlaceView: {now: "当前叫号 A005" | null, ahead:
 * "您前面还有 2 位" | ..., called: bool}. null when there is nothing live to show (not today,
 * done, not allocated).
 */
export function placeText(place) {
  if (!place || typeof place !== 'object') return null;
  const done = ['completed', 'cancelled', 'no_show'].includes(place.status);
  if (done) return null;
  const now = place.now_serving ? `当前叫号 ${place.now_serving}` : '当前叫号 —';
  let ahead;
  if (place.called) {
    // PlaceView.desk is the allocated desk; another desk may have called the number (when its
    // own queue was empty): the desk is said only when it is known to be the one calling.
    const desk = place.called_desk ?? (place.now_serving === place.queue_number ? place.desk : null);
    ahead = desk != null
      ? `请到 ${desk} 号窗口办理（已叫到您的号码 ${place.queue_number ?? ''}）`
      : `已叫到您的号码 ${place.queue_number ?? ''}，请看大厅大屏，到叫号的窗口办理`;
  } else if (Number.isInteger(place.ahead)) ahead = place.ahead === 0 ? '您前面还有 0 位，马上就到您了' : `您前面还有 ${place.ahead} 位`;
  else if (place.status === 'allocated' || place.status === 'confirmed') ahead = '签到后可查看您前面还有几位';
  else ahead = '';
  return { now, ahead, called: Boolean(place.called) };
}
