// 容量管理 (admin): each working day's periods with their capacity and what is booked; a
// capacity is changed with PUT /api/v1/admin/capacity. The service refuses a capacity
// below what is booked (409 capacity.below_booked), and that refusal is shown as it comes.
import { h, clear } from './dom.js';
import { API } from './api.js';
import { addDays, formatDay, periodLabel } from './format.js';
import { field, loading, messageBox, newestAnswer } from './ui.js';
import { consoleScreen } from './admin.js';

export async function render(ctx) {
  const { root, api, query } = ctx;
  const ac = await consoleScreen(ctx, '容量管理');
  const from = h('input', { type: 'date', name: 'from', id: 'cap-from', value: query.from || ac.today });
  const to = h('input', { type: 'date', name: 'to', id: 'cap-to', value: query.to || addDays(query.from || ac.today, 14) });
  const msg = messageBox();
  const list = h('div', { id: 'capacity-list' }, loading());

  function periodRow(day, p) {
    const rowMsg = messageBox();
    const input = h('input', { type: 'number', name: 'capacity', min: '0', max: '100000', value: String(p.capacity),
      class: 'cap-input', 'aria-label': `${formatDay(day.date)} ${periodLabel(p)} 容量` });
    const booked = h('td', { 'data-label': '已预约', class: 'cap-booked' }, String(p.booked));
    const left = h('td', { 'data-label': '剩余' }, String(p.remaining));
    const save = h('button', { type: 'button', class: 'btn btn-primary btn-small' }, '保存');
    save.addEventListener('click', async () => {
      rowMsg.clear();
      const value = Number(input.value);
      if (!Number.isInteger(value) || value < 0) { rowMsg.problems('容量须为不小于 0 的整数。', []); return; }
      save.disabled = true;
      try {
        /** @type {import('api-types').CapacityView} */
        const r = await api.put(`${API}/admin/capacity`, { center: ac.code, date: day.date, period: p.code, capacity: value });
        Object.assign(p, { capacity: r.capacity, booked: r.booked, remaining: r.remaining });
        booked.textContent = String(r.booked);
        left.textContent = String(r.remaining);
        input.value = String(r.capacity);
        rowMsg.ok(`已保存：容量 ${r.capacity}，已预约 ${r.booked}。`);
      } catch (err) {
        rowMsg.error(err);
        const now = err.problem?.booked;
        if (Number.isInteger(now)) { booked.textContent = String(now); rowMsg.append(h('p', { class: 'msg-note' }, `该时间段已预约 ${now} 家企业，容量不能低于 ${now}。`)); }
      } finally {
        save.disabled = false;
      }
    });
    return h('tr', { dataset: { date: day.date, period: p.code } },
      h('td', { 'data-label': '日期' }, formatDay(day.date)),
      h('td', { 'data-label': '时间段' }, periodLabel(p)),
      h('td', { 'data-label': '容量' }, input), booked, left,
      h('td', { class: 'row-actions' }, save, rowMsg));
  }

  const newest = newestAnswer(list, msg);  // only the last request's answer is drawn
  async function load() {
    msg.clear();
    if (from.value > to.value) { newest.supersede(); msg.problems('开始日期不能晚于结束日期。', []); return; }
    /** @type {import('api-types').CapacityRangeView | undefined} */
    const answer = await newest(() => api.get(`${API}/admin/capacity`, { query: { center: ac.code, from: from.value, to: to.value } }));
    if (answer === undefined) return;
    const days = (answer.days ?? []).filter((d) => d.periods?.length);
    if (!days.length) { clear(list, h('p', { class: 'empty' }, '所选日期内没有工作日。')); return; }
    clear(list, h('table', { class: 'table cap-table' },
      h('thead', {}, h('tr', {}, ['日期', '时间段', '容量', '已预约', '剩余', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, days.flatMap((d) => d.periods.map((p) => periodRow(d, p))))),
    h('p', { class: 'hint' }, '容量是该时间段可预约的企业数；不能低于已预约的企业数。'));
  }

  const form = h('form', { class: 'form form-row filter', id: 'capacity-filter' },
    field('开始日期', from), field('结束日期', to),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, '查询')));
  form.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  root.append(h('div', { class: 'card' }, form), msg, h('section', { class: 'card' }, list));
  await load();
}
