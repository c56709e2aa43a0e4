// 日统计 (admin): one day's bookings, enterprise lines by business type and by period,
// cancellations and no-shows (GET /api/v1/admin/stats/{center}/{date}).
import { h, clear } from './dom.js';
import { API } from './api.js';
import { BOOKING_STATUS, formatFullDay, periodName } from './format.js';
import { field, loading, messageBox } from './ui.js';
import { consoleScreen } from './admin.js';

export async function render(ctx) {
  const { root, api, query } = ctx;
  const ac = await consoleScreen(ctx, '日统计');
  const date = h('input', { type: 'date', name: 'date', id: 'stats-date', value: query.date || ac.today });
  const msg = messageBox();
  const body = h('div', { id: 'stats' }, loading());
  const types = await ctx.businessTypes();
  const typeName = (code) => types.find((t) => t.code === code)?.name ?? code;

  let loads = 0;  // only the last request's answer is drawn
  async function load() {
    const mine = ++loads;
    msg.clear();
    clear(body, loading());
    /** @type {import('api-types').DayStatsFullView} */
    let s;
    try {
      s = await api.get(`${API}/admin/stats/${encodeURIComponent(ac.code)}/${date.value}`);
    } catch (err) {
      if (mine !== loads) return;
      clear(body);
      msg.error(err);
      return;
    }
    if (mine !== loads) return;
    const tot = /** @type {Partial<import('api-types').DayTotals>} */ (s.totals ?? {});
    const st = /** @type {Partial<import('api-types').StatusCounts>} */ (s.statuses ?? {});
    const num = (v) => String(v ?? 0);
    clear(body,
      h('section', { class: 'card' }, h('h2', {}, formatFullDay(s.date)),
        h('div', { class: 'stat-tiles', id: 'stats-totals' },
          [['预约', tot.bookings], ['企业', tot.enterprise_lines], ['卡片', tot.cards], ['取消的预约', tot.cancelled_bookings],
            ['取消的企业', tot.cancelled_lines], ['逾期未到', tot.no_shows ?? st.no_show]].map(([k, v]) =>
            h('div', { class: 'stat' }, h('strong', {}, num(v)), h('span', {}, k))))),
      h('section', { class: 'card' }, h('h2', {}, '按时间段'),
        h('table', { class: 'table', id: 'stats-periods' },
          h('thead', {}, h('tr', {}, ['时间段', '容量', '已预约企业', '剩余', '预约数', '业务'].map((x) => h('th', {}, x)))),
          h('tbody', {}, (s.periods ?? []).map((p) => h('tr', { dataset: { period: p.code } },
            h('td', { 'data-label': '时间段' }, periodName(p.code)),
            h('td', { 'data-label': '容量' }, num(p.capacity)),
            h('td', { 'data-label': '已预约企业' }, num(p.enterprise_lines ?? p.booked)),
            h('td', { 'data-label': '剩余' }, num(p.remaining)),
            h('td', { 'data-label': '预约数' }, num(p.bookings)),
            h('td', { 'data-label': '业务' }, (p.business_types ?? []).map((b) => `${typeName(b.type)} ${b.enterprises}`).join('、') || '—')))))),
      h('section', { class: 'card' }, h('h2', {}, '按业务种类'),
        h('table', { class: 'table', id: 'stats-types' },
          h('thead', {}, h('tr', {}, ['业务种类', '企业数', '张数'].map((x) => h('th', {}, x)))),
          h('tbody', {}, (s.business_types ?? []).map((b) => h('tr', { dataset: { type: b.type } },
            h('td', { 'data-label': '业务种类' }, typeName(b.type)),
            h('td', { 'data-label': '企业数' }, num(b.enterprises)),
            h('td', { 'data-label': '张数' }, b.cards ? num(b.cards) : '—')))))),
      h('section', { class: 'card' }, h('h2', {}, '按状态'),
        h('dl', { class: 'facts', id: 'stats-statuses' }, Object.entries(BOOKING_STATUS).flatMap(([k, v]) => [h('dt', {}, v), h('dd', {}, num(st[k]))]))));
  }

  const form = h('form', { class: 'form form-row filter', id: 'stats-filter' }, field('办理日', date),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, '查询')));
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  root.append(h('div', { class: 'card' }, form), msg, body);
  await load();
}
