// 经办人管理 (admin): find an agent by username or phone, see their right to book, the
// counters, every change to them (the audit), and lift a suspension with a reason.
import { h, clear } from './dom.js';
import { API, itemsOf } from './api.js';
import { formatInstant, formatSuspendedUntil } from './format.js';
import { AUDIT_CHANGES, SUSPENSION_REASONS, auditNote, labelOf, maskPhone } from './labels.js';
import { badge, field, input, loading, messageBox, newestAnswer } from './ui.js';
import { consoleScreen } from './admin.js';
import { isSuspended } from './rights.js';

/** Who made a change: the system, or a person's id shortened (the full id is its title). */
export function actorName(actor) {
  if (!actor) return '系统';
  return actor.length > 12 ? `${actor.slice(0, 8)}…` : actor;
}

export async function render(ctx) {
  const { root, api, query } = ctx;
  const ac = await consoleScreen(ctx, '经办人管理');
  const tz = ac.center.timezone;
  const q = input('q', { id: 'agent-q', maxlength: 50, placeholder: '用户名，或手机号（后 4 位以上）', value: query.q ?? '' });
  const msg = messageBox();
  const list = h('div', { id: 'agent-list' });
  const detail = h('section', { class: 'card', id: 'agent-detail', hidden: true });

  const newest = newestAnswer(list, msg);  // only the last request's answer is drawn
  async function search() {
    msg.clear();
    const text = q.value.trim();
    if (text.length < 2) { newest.supersede(); q.closest('.field').setError('请至少输入 2 个字符'); return; }
    q.closest('.field').setError('');
    /** @type {import('api-types').AgentPage | undefined} */
    const answer = await newest(() => api.get(`${API}/admin/agents`, { query: { q: text } }));
    if (answer === undefined) return;
    const items = itemsOf(answer);
    if (!items.length) { clear(list, h('p', { class: 'empty' }, '没有找到匹配的经办人。')); return; }
    clear(list, h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, ['用户名', '姓名', '手机号', '预约权限', '逾期/取消', ''].map((x) => h('th', {}, x)))),
      h('tbody', {}, items.map((a) => h('tr', { dataset: { id: a.id } },
        h('td', { 'data-label': '用户名', class: 'mono' }, a.username),
        h('td', { 'data-label': '姓名' }, a.name),
        h('td', { 'data-label': '手机号', class: 'mono' }, maskPhone(a.phone)),
        h('td', { 'data-label': '预约权限' }, isSuspended(a) ? badge('已暂停', 'warn') : badge('正常', 'ok')),
        h('td', { 'data-label': '逾期/取消' }, `${a.no_shows ?? 0} / ${a.cancellations ?? 0}`),
        h('td', { class: 'row-actions' }, h('button', { type: 'button', class: 'btn btn-secondary btn-small', onclick: () => open(a) }, '查看')))))));
  }

  async function open(a) {
    detail.hidden = false;
    clear(detail, loading());
    /** @type {import('api-types').AgentRightsView} */
    let r;
    try {
      r = await api.get(`${API}/admin/agents/${encodeURIComponent(a.id)}/rights`);
    } catch (err) {
      const box = messageBox(); box.error(err); clear(detail, box); return;
    }
    const who = r.agent ?? a;
    const off = isSuspended(r);
    const dmsg = messageBox();
    let lift = null;
    if (off) {
      const reason = h('textarea', { name: 'reason', id: 'lift-reason', rows: 2, maxlength: 500, placeholder: '例如：经核实，逾期系窗口系统故障所致' });
      lift = h('form', { class: 'form', id: 'lift-form', novalidate: true },
        field('解除暂停的原因', reason, { required: true, wide: true }),
        h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, '解除暂停')));
      lift.addEventListener('submit', async (e) => {
        e.preventDefault();
        dmsg.clear();
        if (!reason.value.trim()) { reason.closest('.field').setError('请填写原因'); return; }
        try {
          await api.del(`${API}/admin/suspensions/${encodeURIComponent(a.id)}`, { body: { reason: reason.value.trim() } });
          await Promise.all([open(a), search()]);
          const ok = messageBox(); ok.ok(`已解除 ${who.name ?? who.username} 的暂停，可以正常预约。`);
          detail.prepend(ok);
        } catch (err) {
          dmsg.error(err);
        }
      });
    }
    const snap = (s) => (s ? `逾期 ${s.no_shows} · 取消 ${s.cancellations}${s.suspended_until ? ` · 暂停至 ${formatInstant(s.suspended_until, { withYear: true, tz })}` : ''}` : '');
    const audit = r.audit ?? [];
    clear(detail,
      h('div', { class: 'booking-head' }, h('h2', {}, `${who.name ?? ''} `, h('span', { class: 'mono small' }, who.username ?? '')),
        off ? badge('已暂停', 'warn') : badge('正常', 'ok')),
      h('dl', { class: 'facts', id: 'agent-rights' },
        h('dt', {}, '手机号'), h('dd', { class: 'mono' }, maskPhone(who.phone)),
        h('dt', {}, '预约权限'), h('dd', {}, off ? `暂停至 ${formatSuspendedUntil(r.suspended_until, tz)}` : '正常'),
        off && r.reason ? [h('dt', {}, '原因'), h('dd', {}, labelOf(SUSPENSION_REASONS, r.reason))] : null,
        h('dt', {}, '逾期未到'), h('dd', { id: 'agent-no-shows' }, `${r.no_shows} 次`),
        h('dt', {}, '取消预约'), h('dd', { id: 'agent-cancellations' }, `${r.cancellations} 次`)),
      lift, dmsg,
      h('h3', {}, '变更记录'),
      audit.length ? h('table', { class: 'table', id: 'agent-audit' },
        h('thead', {}, h('tr', {}, ['时间', '变更', '操作人', '说明', '变更后'].map((x) => h('th', {}, x)))),
        h('tbody', {}, [...audit].reverse().map((e) => h('tr', {},
          h('td', { 'data-label': '时间' }, formatInstant(e.at, { withYear: true, tz })),
          h('td', { 'data-label': '变更' }, labelOf(AUDIT_CHANGES, e.change)),
          h('td', { 'data-label': '操作人', class: 'small', title: e.actor ?? '' }, actorName(e.actor)),
          h('td', { 'data-label': '说明' }, auditNote(e.note) || '—'),
          h('td', { 'data-label': '变更后' }, snap(e.after))))))
        : h('p', { class: 'hint' }, '没有变更记录。'));
  }

  const form = h('form', { class: 'form form-row filter', id: 'agent-search' },
    field('用户名或手机号', q), h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, '查找')));
  form.addEventListener('submit', (e) => { e.preventDefault(); search(); });
  root.append(h('div', { class: 'card' }, form), msg, list, detail);
  if (q.value.trim()) await search();
}
