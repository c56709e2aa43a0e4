// 叫号's pure parts: the SSE parser (chunks cut anywhere), the words the hall speaks, the
// board kept by `call` events and drawn as data, the agent's place in words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSseParser } from '../../deploy/gateway/static/app/sse.js';
import { applyCall, boardView, callText, normalizeBoard, placeText, shouldAnnounce } from '../../deploy/gateway/static/app/calling.js';
import { callingActions } from '../../deploy/gateway/static/app/desk-calling.js';
import { displayLink } from '../../deploy/gateway/static/app/display-tokens.js';
import { MESSAGES, messageFor } from '../../deploy/gateway/static/app/errors.js';

function collect(chunks) {
  const events = [];
  const p = createSseParser((e) => events.push(e));
  for (const c of chunks) p.push(c);
  p.end();
  return { events, parser: p };
}

const STREAM = 'retry: 1000\n\n: hb\n\nevent: board\ndata: {"desks":[]}\n\nid: 7\nevent: call\ndata: {"seq":7,"queue_number":"A003"}\n\n';

test('SSE: events, ids, retry; comments (heartbeats) dispatch nothing', () => {
  const { events, parser } = collect([STREAM]);
  assert.deepEqual(events, [
    { event: 'board', data: '{"desks":[]}', id: '' },
    { event: 'call', data: '{"seq":7,"queue_number":"A003"}', id: '7' },
  ]);
  assert.equal(parser.retry, 1000);
  assert.equal(parser.lastEventId, '7');
});

test('SSE: the same events whatever the chunks, CRLF and CR line ends, bytes cut inside a character', () => {
  const whole = collect([STREAM]).events;
  for (let cut = 1; cut < STREAM.length; cut += 1) {
    assert.deepEqual(collect([STREAM.slice(0, cut), STREAM.slice(cut)]).events, whole, `cut at ${cut}`);
  }
  assert.deepEqual(collect([STREAM.replace(/\n/g, '\r\n')]).events, whole);
  assert.deepEqual(collect([STREAM.replace(/\n/g, '\r')]).events, whole);
  const crlf = new TextEncoder().encode(STREAM.replace(/\n/g, '\r\n'));
  for (let cut = 1; cut < crlf.length; cut += 7) {
    assert.deepEqual(collect([crlf.slice(0, cut), crlf.slice(cut)]).events, whole, `byte cut at ${cut}`);
  }
  const zh = new TextEncoder().encode('event: place\ndata: {"now":"当前叫号"}\n\n');
  for (let cut = 1; cut < zh.length; cut += 1) {
    assert.equal(collect([zh.slice(0, cut), zh.slice(cut)]).events[0].data, '{"now":"当前叫号"}');
  }
});

test('SSE: multi-line data joined by newlines; "data" without a colon; no space after the colon; unfinished event dropped', () => {
  const { events } = collect(['data:a\ndata\ndata: b\n\nevent: x\ndata: never ended']);
  assert.deepEqual(events, [{ event: 'message', data: 'a\n\nb', id: '' }]);
  assert.deepEqual(collect(['\uFEFFdata: bom\n\n']).events[0].data, 'bom');
  assert.deepEqual(collect(['event: only\n\n']).events, []);   // no data, nothing dispatched
});

test('the words the hall speaks', () => {
  assert.equal(callText('A003', 2), '请A003号到2号窗口办理');
  assert.equal(callText(' B012 ', '4'), '请B012号到4号窗口办理');
});

const BOARD = {
  center: 'qingdao', date: '2026-12-07', now: '2026-12-07T09:30:00+08:00',
  desks: [{ desk: 2, queue_number: null, called_at: null }, { desk: 1, queue_number: 'A001', called_at: '2026-12-07T09:20:00+08:00' }],
  recent: [{ desk: 1, queue_number: 'A001', kind: 'call', called_at: '2026-12-07T09:20:00+08:00' }],
  waiting: [{ period: 'AM', waiting: 3 }, { period: 'PM', waiting: 5 }],
  last_event_id: 4,
};

test('a call, a recall, a skip and a replayed call on the board', () => {
  const called = applyCall(BOARD, { seq: 5, desk: 2, queue_number: 'A003', kind: 'call', called_at: '2026-12-07T09:31:00+08:00' });
  assert.deepEqual(called.desks.map((d) => [d.desk, d.queue_number]), [[1, 'A001'], [2, 'A003']]);
  assert.deepEqual(called.recent.map((r) => r.queue_number), ['A003', 'A001']);
  assert.equal(called.last_event_id, 5);
  assert.equal(BOARD.desks[0].queue_number, null, 'the board given is not changed');
  assert.deepEqual(applyCall(called, { seq: 5, desk: 2, queue_number: 'A009', kind: 'call' }), called, 'seen before: nothing');
  const recalled = applyCall(called, { seq: 6, desk: 2, queue_number: 'A003', kind: 'recall', called_at: '2026-12-07T09:32:00+08:00' });
  assert.equal(recalled.recent[0].kind, 'recall');
  const skipped = applyCall(recalled, { seq: 7, desk: 2, queue_number: 'A003', kind: 'skip' });
  assert.equal(skipped.desks.find((d) => d.desk === 2).queue_number, null);
  assert.equal(skipped.recent.length, recalled.recent.length, 'a skip is not a call to show');
  let many = normalizeBoard(BOARD);
  for (let i = 10; i < 30; i += 1) many = applyCall(many, { seq: i, desk: 1, queue_number: `A0${i}`, kind: 'call' });
  assert.equal(many.recent.length, 10);
  assert.equal(applyCall(BOARD, { seq: 9, desk: 5, queue_number: 'B001', kind: 'call' }).desks.at(-1).desk, 5);
});

test('what the board draws: desks in order, numbers or a dash, recent lines, waiting per period; nothing else', () => {
  const v = boardView(BOARD);
  assert.deepEqual(v.desks, [
    { desk: 1, label: '1号窗口', number: 'A001', idle: false },
    { desk: 2, label: '2号窗口', number: '—', idle: true },
  ]);
  assert.deepEqual(v.recent, [{ number: 'A001', desk: 1, time: '09:20', text: 'A001 → 1号窗口' }]);
  assert.deepEqual(v.waiting.map((w) => w.text), ['上午等候 3 人', '下午等候 5 人']);
  assert.equal(v.totalWaiting, 8);
  // A board with extra members (a server that sent too much) draws only numbers and desks.
  const leaky = { ...BOARD, desks: [{ desk: 1, queue_number: 'A001', contact_name: '张三', contact_phone: '13800000001' }] };
  assert.doesNotMatch(JSON.stringify(boardView(leaky)), /张三|13800000001/);
  assert.deepEqual(boardView(null), { desks: [], recent: [], waiting: [], totalWaiting: 0 });
});

test('which calls are spoken: calls and recalls, not skips, not stale replays', () => {
  const now = Date.parse('2026-12-07T09:31:10+08:00');
  assert.equal(shouldAnnounce({ kind: 'call', called_at: '2026-12-07T09:31:00+08:00' }, now), true);
  assert.equal(shouldAnnounce({ kind: 'recall', called_at: '2026-12-07T09:31:00+08:00' }, now), true);
  assert.equal(shouldAnnounce({ kind: 'skip', called_at: '2026-12-07T09:31:00+08:00' }, now), false);
  assert.equal(shouldAnnounce({ kind: 'call', called_at: '2026-12-07T09:00:00+08:00' }, now), false);
});

test('the agent\'s place in words', () => {
  const base = { booking_id: 'b', date: '2026-12-07', desk: 3, queue_number: 'A012', status: 'checked_in' };
  assert.deepEqual(placeText({ ...base, now_serving: 'A010', ahead: 1, called: false }),
    { now: '当前叫号 A010', ahead: '您前面还有 1 位', called: false });
  assert.equal(placeText({ ...base, now_serving: null, ahead: 0, called: false }).now, '当前叫号 —');
  assert.match(placeText({ ...base, now_serving: 'A012', ahead: 0, called: true }).ahead, /请到 3 号窗口办理/);
  // Called by another desk (its own queue was empty): desk 3 is not where to go.
  const elsewhere = placeText({ ...base, now_serving: null, ahead: 0, called: true }).ahead;
  assert.doesNotMatch(elsewhere, /3 号窗口/);
  assert.match(elsewhere, /已叫到您的号码 A012/);
  assert.match(placeText({ ...base, now_serving: null, ahead: 0, called: true, called_desk: 1 }).ahead, /请到 1 号窗口办理/);
  assert.match(placeText({ ...base, status: 'allocated', now_serving: 'A010', ahead: null, called: false }).ahead, /签到后/);
  assert.equal(placeText({ ...base, status: 'completed' }), null);
  assert.equal(placeText(null), null);
});

test('desk buttons follow the shift; the display link keeps the token in the fragment', () => {
  assert.deepEqual(callingActions(null), { call: false, recall: false, skip: false, complete: false });
  assert.deepEqual(callingActions({ desk: 1, current: null }), { call: true, recall: false, skip: false, complete: false });
  assert.deepEqual(callingActions({ desk: 1, current: { queue_number: 'A1' } }), { call: false, recall: true, skip: true, complete: true });
  assert.equal(displayLink('https://x.example', 'a+b/c'), 'https://x.example/display.html#token=a%2Bb%2Fc');
});

test('the calling error codes have their Chinese messages', () => {
  assert.equal(MESSAGES['desk.no_shift'], '请先选择窗口开始值班。');
  assert.equal(messageFor({ status: 409, code: 'desk.call_open' }), '请先完成或过号当前号码。');
  assert.equal(messageFor({ status: 409, code: 'desk.queue_empty' }), '暂无等候的号码。');
  assert.equal(messageFor({ status: 409, code: 'desk.no_call' }), '当前没有叫号。');
  assert.equal(messageFor({ status: 401, code: 'display.invalid_token' }), '大屏令牌无效或已过期。');
});
