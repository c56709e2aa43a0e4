// 窗口办理 (role staff): 叫号 for the clerk's desk (desk-calling.js), the day's allocated bookings
// in queue order (check in, complete, no-show), and the hall screens' tokens (display-tokens.js).
import { h, clear } from './dom.js';
import { API, itemsOf } from './api.js';
import { describeBusinesses } from './business-types.js';
import { BOOKING_STATUS, formatFullDay, periodName, todayIn } from './format.js';
import { confirmButton, loading, messageBox, pageTitle } from './ui.js';
import { statusBadge } from './bookings.js';
import { loadCenter } from './center.js';
import { callingPanel } from './desk-calling.js';
import { displayTokens } from './display-tokens.js';

/** Which desk actions a booking in ``status`` allows. */
export function deskActions(status) {
  return {
    checkIn: status === 'allocated' || status === 'confirmed',
    complete: status === 'checked_in',
    noShow: status === 'allocated' || status === 'confirmed',
  };
}

export async function render(ctx) {
  const { root, api, query } = ctx;
  const msg = messageBox();
  const date = h('input', { type: 'date', id: 'desk-date', name: 'date', value: query.date || todayIn() });
  const deskSel = h('select', { id: 'desk-no', name: 'desk' }, h('option', { value: '' }, '全部窗口'));
  const list = h('div', { class: 'queue', id: 'queue' });
  const counts = h('p', { class: 'hint', id: 'queue-counts' });
  let types = [];
  let items = [];

  function row(booking) {
    const rowMsg = messageBox();
    const el = h('article', { class: 'card queue-row', dataset: { id: booking.id } });
    const act = async (path, okText) => {
      rowMsg.clear();
      try {
        const fresh = await api.post(`${API}/desk/bookings/${encodeURIComponent(booking.id)}/${path}`);
        Object.assign(booking, fresh ?? {});
        draw();
        rowMsg.ok(okText);
      } catch (err) {
        rowMsg.error(err);
        // booking.late has already made the booking a no-show: show the new state.
        if (err.code === 'booking.late') { booking.status = 'no_show'; draw(); }
      }
      summarize();
    };
    const draw = () => {
      const a = booking.allocation ?? {};
      const can = deskActions(booking.status);
      const lines = (booking.enterprises ?? []).filter((e) => e.status !== 'cancelled');
      clear(el,
        h('div', { class: 'queue-no' }, h('strong', {}, a.queue_number ?? '—'),
          h('span', {}, a.start ? `${a.start}-${a.end}` : periodName(booking.period)),
          h('span', {}, a.desk != null ? `窗口 ${a.desk}` : ''),
          booking.called_at ? h('span', { class: 'called-tag' }, booking.called_desk != null && booking.called_desk !== a.desk ? `已叫到 ${booking.called_desk} 号窗口` : '已叫号') : null),
        h('div', { class: 'queue-body' },
          h('div', { class: 'booking-head' }, h('h2', {}, `${booking.contact_name} ${booking.contact_phone}`), statusBadge(booking.status)),
          h('ul', { class: 'queue-lines' }, lines.map((line) => h('li', {},
            h('span', {}, line.name), ' ', h('span', { class: 'mono small' }, line.org_code), '：',
            h('span', {}, describeBusinesses(types, line.businesses))))),
          h('div', { class: 'actions' },
            can.checkIn ? h('button', { type: 'button', class: 'btn btn-primary btn-small', onclick: () => act('check-in', '已签到。') }, '签到') : null,
            can.complete ? h('button', { type: 'button', class: 'btn btn-primary btn-small', onclick: () => act('complete', '已办结。') }, '办结') : null,
            can.noShow ? confirmButton('逾期未到', '确认标记为逾期未到？', () => act('no-show', '已标记为逾期未到。'), { cls: 'btn btn-secondary btn-small' }) : null),
          rowMsg));
    };
    draw();
    return el;
  }

  function summarize() {
    const by = {};
    for (const b of items) by[b.status] = (by[b.status] ?? 0) + 1;
    counts.textContent = `共 ${items.length} 个预约` + (items.length ? `：${Object.entries(by).map(([s, n]) => `${BOOKING_STATUS[s] ?? s} ${n}`).join('，')}` : '');
  }

  function drawList() {
    const desk = deskSel.value;
    const shown = items.filter((b) => !desk || String(b.allocation?.desk) === desk);
    clear(list, shown.length ? shown.map((b) => b.__row ??= row(b)) : h('p', { class: 'empty' }, `${formatFullDay(date.value)} 没有已分配的预约。`));
    summarize();
  }

  async function load() {
    msg.clear();
    clear(list, loading());
    try {
      const [t, answer] = await Promise.all([ctx.businessTypes(), api.get(`${API}/desk/schedule`, { query: { date: date.value } })]);
      types = t;
      items = itemsOf(answer);
    } catch (err) {
      clear(list);
      msg.error(err);
      return;
    }
    const desks = [...new Set(items.map((b) => b.allocation?.desk).filter((d) => d != null))].sort((x, y) => x - y);
    const keep = deskSel.value;
    clear(deskSel, h('option', { value: '' }, '全部窗口'), desks.map((d) => h('option', { value: String(d), selected: String(d) === keep }, `窗口 ${d}`)));
    drawList();
  }

  const form = h('form', { class: 'form form-row filter', id: 'desk-filter' },
    h('div', { class: 'field' }, h('label', { for: 'desk-date' }, '办理日'), date),
    h('div', { class: 'field' }, h('label', { for: 'desk-no' }, '窗口'), deskSel),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, '刷新')));
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  deskSel.addEventListener('change', drawList);

  const center = await loadCenter(api);
  const calling = callingPanel(ctx, { desks: center.desks ?? 0, onChange: () => load() });
  const screens = displayTokens(ctx);
  root.append(pageTitle('窗口办理'), calling, h('div', { class: 'card' }, form, counts), msg, list, screens);
  await Promise.all([load(), calling.ready, screens.ready]);
}
