// The hall display (display.html#token=...): the board of the center's day, kept live by the
// display stream (EventSource, the token in the query: EventSource cannot send headers).
// `board` replaces everything (first, and after any reconnect: a resync), `call` updates one
// desk and is announced: a chime (WebAudio), then the number in Mandarin (speechSynthesis).
// The page reconnects by itself after a network drop or a restart of booking.
import { h, clear } from './dom.js';
import { API } from './api.js';
import { applyCall, boardView, callText, normalizeBoard, shouldAnnounce } from './calling.js';
import { describe } from './errors.js';
import { formatFullDay, todayIn } from './format.js';

const $ = (id) => document.getElementById(id);
// EventSource does not surface the stream's ": hb" comments, so a silent dead connection is
// found by asking for the board now and then: a newer call than the page knows -> resync.
const CHECK_MS = 30_000;
const token = new URLSearchParams(location.hash.replace(/^#/, '')).get('token') ?? '';
let board = normalizeBoard(null);
let source = null;
let retryMs = 1_000;
let retryTimer = null;
let lastCheck = Date.now();
let countsTimer = null;
let flashDesk = null;

// ---- drawing ----------------------------------------------------------------------------
function draw() {
  const v = boardView(board);
  clear($('d-desks'), v.desks.length ? v.desks.map((d) => h('article', {
    class: ['d-desk', d.idle && 'd-idle', flashDesk === d.desk && 'd-flash'], dataset: { desk: String(d.desk) },
  }, h('span', { class: 'd-desk-no' }, d.label), h('strong', { class: 'd-number' }, d.number)))
    : h('p', { class: 'd-empty' }, '暂无窗口信息'));
  clear($('d-recent'), v.recent.length ? v.recent.map((r, i) => h('li', { class: i === 0 ? 'd-latest' : null },
    h('span', { class: 'd-r-time' }, r.time), h('span', { class: 'd-r-text' }, r.text))) : h('li', { class: 'd-none' }, '暂无叫号'));
  clear($('d-waiting'), v.waiting.map((w) => h('li', { dataset: { period: w.period } },
    h('span', {}, `${w.label}`), h('strong', {}, String(w.count)), h('span', {}, '人'))),
  h('li', { class: 'd-total' }, h('span', {}, '合计'), h('strong', {}, String(v.totalWaiting)), h('span', {}, '人')));
  $('d-date').textContent = board.date ? formatFullDay(board.date) : formatFullDay(todayIn());
}

function tick() {
  $('d-clock').textContent = new Intl.DateTimeFormat('zh-CN', {
    timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).format(new Date());
  if (source && Date.now() - lastCheck > CHECK_MS) { lastCheck = Date.now(); check(); }
}

async function check() {
  try {
    const r = await fetch(`${API}/display/board`, { headers: { Authorization: `Display ${token}`, Accept: 'application/json' }, cache: 'no-store' });
    if (r.status === 401) { source?.close(); source = null; await refused(); return; }
    if (!r.ok) return;
    const fresh = normalizeBoard(await r.json());
    if (fresh.last_event_id > board.last_event_id) reconnect(0);   // missed calls: resync
    else if (fresh.last_event_id === board.last_event_id) { board = fresh; draw(); }   // the waiting counts
  } catch { /* the network: EventSource reports it */ }
}

function connection(state, text) {
  const el = $('d-conn');
  el.dataset.state = state;
  el.textContent = text;
}

function banner(text) {
  const el = $('d-banner');
  el.textContent = text ?? '';
  el.hidden = !text;
}

// ---- sound: a chime, then the number spoken -------------------------------------------
let audio = null;
const queue = [];
let speaking = false;

function audioContext() {
  const Ctx = globalThis.AudioContext ?? globalThis.webkitAudioContext;
  if (!Ctx) return null;
  audio ??= new Ctx();
  return audio;
}

/** Two soft tones (ding-dong), about 0.6 s; resolves when they are over. */
function chime() {
  const ctx = audioContext();
  try {
    if (ctx && ctx.state !== 'suspended') {
      const t0 = ctx.currentTime;
      [[880, 0], [660, 0.28]].forEach(([freq, at]) => {
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.type = 'sine';
        osc.frequency.value = freq;
        gain.gain.setValueAtTime(0.0001, t0 + at);
        gain.gain.exponentialRampToValueAtTime(0.4, t0 + at + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.3);
        osc.connect(gain).connect(ctx.destination);
        osc.start(t0 + at);
        osc.stop(t0 + at + 0.32);
      });
    }
  } catch { /* no sound: the number is still shown and spoken */ }
  return new Promise((resolve) => setTimeout(resolve, 600));
}

function speak(text) {
  return new Promise((resolve) => {
    const synth = globalThis.speechSynthesis;
    const Utterance = globalThis.SpeechSynthesisUtterance;
    if (!synth || !Utterance) { resolve(); return; }
    const u = new Utterance(text);
    u.lang = 'zh-CN';
    u.rate = 0.9;
    const voice = synth.getVoices?.().find((v) => /^zh[-_]CN/i.test(v.lang));
    if (voice) u.voice = voice;
    const done = () => { clearTimeout(guard); resolve(); };
    const guard = setTimeout(resolve, 8_000);   // an engine that never says it ended
    u.onend = done;
    u.onerror = done;
    synth.speak(u);
  });
}

async function announce(call) {
  queue.push(call);
  if (speaking) return;
  speaking = true;
  while (queue.length) {
    const c = queue.shift();
    const text = callText(c.queue_number, c.desk);
    const el = $('d-announce');
    el.textContent = text;
    el.hidden = false;
    await chime();
    await speak(text);
    el.hidden = true;
  }
  speaking = false;
}

// Browsers start audio only after a click (a kiosk started with
// --autoplay-policy=no-user-gesture-required needs none): offer the click when it is needed.
function offerSound() {
  const ctx = audioContext();
  const btn = $('d-sound');
  if (!ctx || ctx.state !== 'suspended') return;
  btn.hidden = false;
  btn.addEventListener('click', async () => {
    try { await ctx.resume(); } catch { /* stays silent */ }
    btn.hidden = ctx.state !== 'running' ? false : true;
  });
}

// ---- the stream -----------------------------------------------------------------------
function reconnect(delay) {
  source?.close();
  source = null;
  clearTimeout(retryTimer);
  connection('offline', '连接中断，正在重新连接…');
  retryTimer = setTimeout(connect, delay);
  retryMs = Math.min(retryMs * 2, 15_000);
}

async function refused() {
  // The stream ended for good: a revoked or expired token says so in the board's answer.
  try {
    const r = await fetch(`${API}/display/board`, { headers: { Authorization: `Display ${token}`, Accept: 'application/json' }, cache: 'no-store' });
    if (r.status === 401) {
      const problem = await r.json().catch(() => ({ status: 401, code: 'display.invalid_token' }));
      banner(describe({ problem: { status: 401, code: 'display.invalid_token', ...problem } }).message);
      connection('refused', '令牌无效');
      return true;
    }
  } catch { /* the network: retry below */ }
  return false;
}

function connect() {
  if (!token) {
    banner('缺少大屏令牌：请使用工作人员在“窗口办理”页面创建的大屏链接打开本页面。');
    connection('refused', '未连接');
    return;
  }
  connection('connecting', '正在连接…');
  const es = new EventSource(`${API}/display/stream?token=${encodeURIComponent(token)}`);
  source = es;
  es.onopen = () => { connection('live', '已连接'); banner(null); retryMs = 1_000; };
  es.addEventListener('board', (e) => {
    try { board = normalizeBoard(JSON.parse(e.data)); } catch { return; }
    connection('live', '已连接');
    banner(null);
    draw();
  });
  es.addEventListener('call', (e) => {
    let call;
    try { call = JSON.parse(e.data); } catch { return; }
    if (call.seq == null && e.lastEventId) call.seq = Number(e.lastEventId);
    const fresh = !(Number(call.seq) <= board.last_event_id);
    board = applyCall(board, call);
    if (fresh && call.kind !== 'skip') flashDesk = Number(call.desk);
    draw();
    if (fresh && shouldAnnounce(call)) announce(call);
    // A call event carries no waiting counts: the board's answer has them.
    clearTimeout(countsTimer);
    countsTimer = setTimeout(check, 500);
  });
  es.onerror = async () => {
    if (source !== es) return;
    if (es.readyState === EventSource.CONNECTING) { connection('offline', '连接中断，正在重新连接…'); return; }
    // CLOSED: EventSource gave up (an error answer, or the network refused the retry).
    es.close();
    if (await refused()) { source = null; return; }
    reconnect(retryMs);
  };
}

window.addEventListener('online', () => { if (!source || source.readyState !== EventSource.OPEN) reconnect(0); });
window.addEventListener('hashchange', () => location.reload());
draw();
offerSound();
setInterval(tick, 1_000);
tick();
connect();
