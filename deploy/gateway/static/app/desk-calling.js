// 叫号 on the desk page: the clerk takes a desk for the shift (POST /desk/shift), then
// 叫号 / 重呼 / 过号 / 完成 the current number, shown big. Refusals (desk.call_open,
// desk.queue_empty, ...) appear with their Chinese messages.
import { h, clear } from './dom.js';
import { API } from './api.js';
import { callText, clockOf } from './calling.js';
import { periodName } from './format.js';
import { messageBox } from './ui.js';

/** Which calling buttons a shift allows: {call, recall, skip, complete}. */
export function callingActions(shift) {
  const open = Boolean(shift?.current);
  return { call: Boolean(shift) && !open, recall: open, skip: open, complete: open };
}

/**
 * callingPanel(ctx, {desks, onChange}) -> element. ``desks``: how many desks the center has
 * (1..desks in the select); onChange() after anything that changes a booking (the list
 * below reloads).
 */
export function callingPanel(ctx, { desks = 0, onChange = () => {} } = {}) {
  const { api } = ctx;
  const msg = messageBox();
  const el = h('section', { class: 'card calling', id: 'calling', 'aria-label': '叫号' });
  let shift = null;

  const post = async (path, body = {}) => api.post(`${API}/desk/${path}`, body);

  async function act(fn, okText) {
    msg.clear();
    for (const b of el.querySelectorAll('button')) b.disabled = true;
    try {
      const text = await fn();
      if (okText || text) msg.ok(text || okText);
    } catch (err) {
      msg.error(err);
      // Someone else changed the desk (another tab, a colleague): show what is true now.
      if (err.status === 409) await load(false);
    }
    draw();
  }

  const take = (desk) => act(async () => {
    shift = await post('shift', { desk: Number(desk) });
    return `已在 ${shift.desk} 号窗口开始值班。`;
  });
  const call = () => act(async () => {
    const c = await post('call');
    shift = { ...shift, current: c };
    onChange();   // the list below marks the number 已叫号
    return `已叫号：${callText(c.queue_number, c.desk)}`;
  });
  const recall = () => act(async () => {
    const c = await post('recall');
    shift = { ...shift, current: { ...shift.current, ...c, kind: 'recall' } };
    return `已重呼 ${c.queue_number}。`;
  });
  const skip = () => act(async () => {
    const c = await post('skip');
    shift = { ...shift, current: null };
    onChange();
    return `${c.queue_number} 已过号，排到后面两位之后。`;
  });
  const complete = () => act(async () => {
    const current = shift.current;
    await api.post(`${API}/desk/bookings/${encodeURIComponent(current.booking_id)}/complete`);
    shift = { ...shift, current: null };
    onChange();
    return `${current.queue_number} 已办结。`;
  });
  const end = () => act(async () => {
    await api.del(`${API}/desk/shift`);
    shift = null;
    return '已结束值班。';
  });

  function draw() {
    const can = callingActions(shift);
    if (!shift) {
      const sel = h('select', { id: 'shift-desk', name: 'desk' },
        Array.from({ length: Math.max(desks, 1) }, (_, i) => h('option', { value: String(i + 1) }, `${i + 1} 号窗口`)));
      const form = h('form', { class: 'form form-row', id: 'shift-form' },
        h('div', { class: 'field' }, h('label', { for: 'shift-desk' }, '我的窗口'), sel),
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, '开始值班')));
      form.addEventListener('submit', (e) => { e.preventDefault(); take(sel.value); });
      clear(el, h('h2', {}, '叫号'), h('p', { class: 'hint' }, '选择您本班次所在的窗口后即可叫号。'), form, msg);
      return;
    }
    const c = shift.current;
    clear(el,
      h('div', { class: 'calling-head' }, h('h2', {}, `叫号 · ${shift.desk} 号窗口`),
        h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'shift-end', onclick: end }, '结束值班')),
      h('div', { class: 'calling-now', id: 'calling-now', 'aria-live': 'polite' },
        h('span', { class: 'calling-label' }, '当前号码'),
        h('strong', { class: 'calling-number', id: 'current-number' }, c?.queue_number ?? '—'),
        h('span', { class: 'calling-meta' }, c ? `${periodName(c.period)} · ${clockOf(c.called_at)} 叫号${c.kind === 'recall' ? '（重呼）' : ''}` : '请按“叫号”呼叫下一位')),
      h('div', { class: 'actions calling-actions' },
        h('button', { type: 'button', class: 'btn btn-primary', id: 'btn-call', disabled: !can.call, onclick: call }, '叫号'),
        h('button', { type: 'button', class: 'btn btn-secondary', id: 'btn-recall', disabled: !can.recall, onclick: recall }, '重呼'),
        h('button', { type: 'button', class: 'btn btn-secondary', id: 'btn-skip', disabled: !can.skip, onclick: skip }, '过号'),
        h('button', { type: 'button', class: 'btn btn-primary', id: 'btn-complete', disabled: !can.complete, onclick: complete }, '完成')),
      msg);
  }

  async function load(showErrors = true) {
    try {
      shift = await api.get(`${API}/desk/shift`);
    } catch (err) {
      shift = null;
      if (err.code !== 'desk.no_shift' && err.status !== 404 && showErrors) msg.error(err);
    }
  }

  el.ready = (async () => { await load(); draw(); })();
  return el;
}
