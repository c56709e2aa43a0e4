// 截止与分配 (admin): each working day's cutoff state (open, closed, allocated) with its
// bookings and times; a date is closed now, or its cutoff re-run with a reason, by
// POST /api/v1/admin/cutoffs; every run is listed with who asked and why.
import { h, clear } from './dom.js';
import { API, itemsOf } from './api.js';
import { addDays, formatDay, formatFullDay, formatInstant } from './format.js';
import { CUTOFF_STATUS, labelOf } from './labels.js';
import { badge, field, loading, messageBox, newestAnswer } from './ui.js';
import { consoleScreen } from './admin.js';

const STATUS_KIND = { open: 'info', closed: 'warn', allocated: 'ok' };

export async function render(ctx) {
  const { root, api, query } = ctx;
  const ac = await consoleScreen(ctx, '截止与分配');
  const tz = ac.center.timezone;
  const t = (iso) => (iso ? formatInstant(iso, { tz }) : '—');
  const from = h('input', { type: 'date', name: 'from', id: 'cut-from', value: query.from || addDays(ac.today, -7) });
  const to = h('input', { type: 'date', name: 'to', id: 'cut-to', value: query.to || addDays(ac.today, 7) });
  const msg = messageBox();
  const list = h('div', { id: 'cutoff-list' }, loading());
  const detail = h('section', { class: 'card', id: 'cutoff-detail', hidden: true });

  const newest = newestAnswer(list, msg);  // only the last request's answer is drawn
  async function load() {
    msg.clear();
    /** @type {import('api-types').CutoffList | undefined} */
    const answer = await newest(() => api.get(`${API}/admin/cutoffs`, { query: { center: ac.code, from: from.value, to: to.value } }));
    if (answer === undefined) return;
    const items = itemsOf(answer);
    if (!items.length) { clear(list, h('p', { class: 'empty' }, '所选日期内没有工作日。')); return; }
    clear(list, h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, ['办理日', '状态', '预约数', '截止时间', '截止于', '分配于', ''].map((x) => h('th', {}, x)))),
      h('tbody', {}, items.map((c) => h('tr', { dataset: { date: c.date } },
        h('td', { 'data-label': '办理日' }, formatDay(c.date)),
        h('td', { 'data-label': '状态' }, badge(labelOf(CUTOFF_STATUS, c.status), STATUS_KIND[c.status] ?? 'muted')),
        h('td', { 'data-label': '预约数' }, String(c.bookings)),
        h('td', { 'data-label': '截止时间' }, t(c.cutoff_at)),
        h('td', { 'data-label': '截止于' }, t(c.closed_at)),
        h('td', { 'data-label': '分配于' }, t(c.allocated_at)),
        h('td', { class: 'row-actions' }, h('button', { type: 'button', class: 'btn btn-secondary btn-small', onclick: () => open(c.date) }, '详情')))))));
  }

  async function open(date) {
    detail.hidden = false;
    clear(detail, loading());
    /** @type {import('api-types').CutoffStateWithRuns} */
    let c;
    try {
      c = await api.get(`${API}/admin/cutoffs/${encodeURIComponent(ac.code)}/${date}`);
    } catch (err) {
      const box = messageBox(); box.error(err); clear(detail, box); return;
    }
    const dmsg = messageBox();
    const reason = h('textarea', { name: 'reason', id: 'cut-reason', rows: 2, maxlength: 500,
      placeholder: c.status === 'open' ? '例如：系统故障，提前截止' : '例如：分配未完成，重新运行' });
    const rerun = c.status !== 'open';
    const run = h('button', { type: 'submit', class: 'btn btn-primary', id: 'cut-run' }, rerun ? '重新运行截止和分配' : '立即截止并分配');
    const form = h('form', { class: 'form', id: 'cutoff-form', novalidate: true },
      field(rerun ? '重新运行的原因' : '提前截止的原因', reason, { required: rerun, wide: true }),
      h('div', { class: 'actions' }, run), dmsg);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      dmsg.clear();
      if (rerun && !reason.value.trim()) { reason.closest('.field').setError('重新运行须填写原因'); return; }
      reason.closest('.field').setError('');
      run.disabled = true;
      try {
        const body = { center: ac.code, date };
        if (reason.value.trim()) body.reason = reason.value.trim();
        await api.post(`${API}/admin/cutoffs`, body);
        await Promise.all([open(date), load()]);
        const ok = messageBox();
        ok.ok(`${formatFullDay(date)} 已截止，分配已提交（稍后刷新可看到“已分配”）。`);
        detail.querySelector('#cutoff-form')?.append(ok);
      } catch (err) {
        dmsg.error(err);
      } finally {
        run.disabled = false;
      }
    });
    const runs = Array.isArray(c.runs) ? c.runs : [];
    clear(detail,
      h('div', { class: 'booking-head' }, h('h2', {}, formatFullDay(date)), badge(labelOf(CUTOFF_STATUS, c.status), STATUS_KIND[c.status] ?? 'muted')),
      h('dl', { class: 'facts' },
        h('dt', {}, '预约数'), h('dd', { id: 'cut-bookings' }, String(c.bookings)),
        h('dt', {}, '截止时间'), h('dd', {}, t(c.cutoff_at)),
        h('dt', {}, '截止于'), h('dd', {}, t(c.closed_at)),
        h('dt', {}, '分配于'), h('dd', {}, t(c.allocated_at)),
        h('dt', {}, '分配请求'), h('dd', {}, `${c.requests ?? 0} 次`)),
      runs.length ? h('table', { class: 'table', id: 'cut-runs' },
        h('thead', {}, h('tr', {}, ['时间', '操作人', '类型', '原因'].map((x) => h('th', {}, x)))),
        h('tbody', {}, runs.map((r) => h('tr', {},
          h('td', { 'data-label': '时间' }, t(r.at)),
          h('td', { 'data-label': '操作人' }, r.by ? String(r.by) : '系统定时'),
          h('td', { 'data-label': '类型' }, r.rerun ? '重新运行' : '截止'),
          h('td', { 'data-label': '原因' }, r.reason || '—'))))) : h('p', { class: 'hint' }, '尚无运行记录。'),
      form);
  }

  const filter = h('form', { class: 'form form-row filter', id: 'cutoff-filter' },
    field('开始日期', from), field('结束日期', to),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, '查询')));
  filter.addEventListener('submit', (e) => { e.preventDefault(); load(); });
  root.append(h('div', { class: 'card' }, filter), msg, h('section', { class: 'card' }, list), detail);
  await load();
  if (query.date) await open(query.date);
}
