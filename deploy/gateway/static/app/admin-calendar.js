// 工作日历 (admin): a month of the center's calendar, each day with where its answer comes
// from (the loaded official year, the holiday package, a center override, or unconfirmed),
// its override note; a day is made a working day or not with a note, or its override removed.
import { h, clear } from './dom.js';
import { API } from './api.js';
import { formatFullDay, formatInstant } from './format.js';
import { NOT_BOOKABLE, CUTOFF_STATUS, labelOf } from './labels.js';
import { badge, confirmButton, field, loading, messageBox } from './ui.js';
import { consoleScreen, monthOf, sourceBadge } from './admin.js';

const HEAD = ['一', '二', '三', '四', '五', '六', '日'];

/** The cells of a month grid: leading blanks so that day 1 sits under its weekday (1=Mon). */
export function monthCells(days) {
  if (!days.length) return [];
  const first = new Date(`${days[0].date}T00:00:00Z`).getUTCDay();
  const lead = (first + 6) % 7;
  return [...Array(lead).fill(null), ...days];
}

export async function render(ctx) {
  const { root, api, query } = ctx;
  const prev = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'cal-prev' }, '上个月');
  const next = h('button', { type: 'button', class: 'btn btn-secondary btn-small', id: 'cal-next' }, '下个月');
  const ac = await consoleScreen(ctx, '工作日历');
  let month = /^\d{4}-\d{2}$/.test(query.month ?? '') ? query.month : monthOf(ac.today);
  const msg = messageBox();
  const title = h('h2', { id: 'cal-month' });
  const grid = h('div', { class: 'cal-grid', id: 'cal-grid' }, loading());
  const detail = h('section', { class: 'card', id: 'cal-day', hidden: true });
  const legend = h('p', { class: 'hint cal-legend' },
    ...['admin', 'package', 'override', 'fallback'].map((s) => { const [t, k] = sourceBadge(s); return [badge(t, k), ' ']; }),
    '“休”为休息日；未确认的年份按周一至周五显示，但不开放预约。');
  root.append(msg, h('section', { class: 'card' },
    h('div', { class: 'cal-head' }, prev, title, next), legend, grid), detail);
  /** @type {import('api-types').AdminMonthView | null} */
  let answer = null;

  let loads = 0;  // only the last request's answer is drawn
  async function load(keep) {
    const mine = ++loads;
    msg.clear();
    clear(grid, loading());
    try {
      answer = await api.get(`${API}/admin/calendar`, { query: { center: ac.code, month } });
    } catch (err) {
      if (mine !== loads) return;
      clear(grid);
      msg.error(err);
      return;
    }
    if (mine !== loads) return;
    const [y, m] = month.split('-').map(Number);
    title.textContent = `${y}年${m}月`;
    const ys = answer.year_source;
    if (ys === null || ys === undefined) title.append(' ', badge('官方日历未确认', 'warn'));
    clear(grid, HEAD.map((d) => h('div', { class: 'cal-wd' }, d)), monthCells(answer.days ?? []).map((d) => d ? dayCell(d) : h('div', { class: 'cal-blank' })));
    if (keep) show(answer.days.find((d) => d.date === keep));
  }

  function dayCell(d) {
    const [text, kind] = sourceBadge(d.source);
    return h('button', {
      type: 'button', class: ['cal-day', !d.working && 'cal-off', `cal-src-${d.source}`], dataset: { date: d.date },
      title: `${formatFullDay(d.date)} ${text}${d.override?.note ? `：${d.override.note}` : ''}`,
      onclick: () => show(d),
    }, h('span', { class: 'cal-no' }, String(Number(d.date.slice(8)))),
    h('span', { class: 'cal-state' }, d.working ? (d.bookable ? '可约' : '班') : '休'),
    h('span', { class: `cal-src badge-${kind}` }, text.slice(0, 2)),
    d.override?.note ? h('span', { class: 'cal-note' }, d.override.note) : null);
  }

  function show(d) {
    if (!d) { detail.hidden = true; return; }
    for (const b of grid.querySelectorAll('.cal-day')) b.setAttribute('aria-pressed', String(b.dataset.date === d.date));
    const dmsg = messageBox();
    const working = h('select', { name: 'working', id: 'ov-working' },
      h('option', { value: 'true', selected: d.working }, '工作日（上班）'), h('option', { value: 'false', selected: !d.working }, '休息日'));
    const note = h('textarea', { name: 'note', id: 'ov-note', rows: 2, maxlength: 500, placeholder: '例如：系统维护，暂停办理' }, d.override?.note ?? '');
    const form = h('form', { class: 'form', id: 'override-form', novalidate: true },
      h('div', { class: 'grid2' }, field('调整为', working), field('说明', note, { hint: '调整的原因，经办人看不到' })),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, '保存调整'),
        d.override ? confirmButton('取消调整', '恢复为官方日历？', async () => {
          dmsg.clear();
          try {
            await api.del(`${API}/admin/calendar/${d.date}`, { query: { center: ac.code } });
            await load(d.date);
            detail.querySelector('.msg')?.replaceWith(okBox('已取消调整，恢复为官方日历。'));
          } catch (err) { dmsg.error(err); }
        }, { cls: 'btn btn-secondary' }) : null),
      dmsg);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      dmsg.clear();
      try {
        await api.put(`${API}/admin/calendar/${d.date}`, { center: ac.code, working: working.value === 'true', note: note.value.trim() });
        await load(d.date);
        detail.querySelector('.msg')?.replaceWith(okBox(`已保存：${formatFullDay(d.date)} 调整为${working.value === 'true' ? '工作日' : '休息日'}。`));
      } catch (err) { dmsg.error(err); }
    });
    const [srcText, srcKind] = sourceBadge(d.source);
    clear(detail, h('h2', {}, formatFullDay(d.date), ' ', badge(srcText, srcKind)),
      h('dl', { class: 'facts' },
        h('dt', {}, '当前'), h('dd', {}, d.working ? '工作日' : '休息日',
          d.bookable ? '，开放预约' : d.not_bookable_reason ? `（${labelOf(NOT_BOOKABLE, d.not_bookable_reason)}）` : ''),
        h('dt', {}, '官方日历'), h('dd', {}, d.official_working === null || d.official_working === undefined ? '未确认' : d.official_working ? '工作日' : '休息日'),
        h('dt', {}, '中心调整'), h('dd', { id: 'ov-current' }, d.override
          ? `${d.override.working ? '工作日' : '休息日'}${d.override.note ? `：${d.override.note}` : ''}${d.override.set_at ? `（${formatInstant(d.override.set_at, { withYear: true, tz: ac.center.timezone })}）` : ''}`
          : '无'),
        d.cutoff_at ? [h('dt', {}, '截止'), h('dd', {}, `${formatInstant(d.cutoff_at, { tz: ac.center.timezone })} · ${labelOf(CUTOFF_STATUS, d.cutoff_status)}`)] : null),
      form);
    detail.hidden = false;
  }

  const okBox = (text) => { const b = messageBox(); b.ok(text); return b; };
  const go = (delta) => { month = monthOf(`${month}-01`, delta); detail.hidden = true; load(); };
  prev.addEventListener('click', () => go(-1));
  next.addEventListener('click', () => go(1));
  await load();
}
