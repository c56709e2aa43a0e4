// 年度日历 (admin): a year's official schedule — the holidays and the 调休 weekend working
// days from the State Council's notice — pasted or uploaded, checked, previewed as the days
// that change, then saved with PUT /api/v1/admin/calendar/years/{year}.
import { h, clear } from './dom.js';
import { API } from './api.js';
import { formatDay, formatInstant } from './format.js';
import { YEAR_SOURCES, labelOf } from './labels.js';
import { badge, confirmButton, field, loading, messageBox } from './ui.js';
import { consoleScreen } from './admin.js';
import { KIND_LABELS, checkSchedule, diffYear, parseDateList, parseScheduleJson } from './calendar-import.js';

export async function render(ctx) {
  const { root, api, query } = ctx;
  const ac = await consoleScreen(ctx, '年度日历');
  const thisYear = Number(ac.today.slice(0, 4));
  const yearIn = h('input', { type: 'number', name: 'year', id: 'year', min: '2000', max: '2100', value: String(Number(query.year) || thisYear + 1) });
  const current = h('div', { id: 'year-current' }, loading());
  const holidays = h('textarea', { name: 'holidays', id: 'holidays', rows: 6, placeholder: '2027-01-01\n2027-02-10~2027-02-16\n…' });
  const workdays = h('textarea', { name: 'workdays', id: 'workdays', rows: 3, placeholder: '2027-02-20\n…' });
  const upload = h('input', { type: 'file', id: 'year-file', class: 'file', accept: '.json,.txt,.csv,application/json,text/plain' });
  const msg = messageBox();
  const preview = h('section', { class: 'card', id: 'year-preview', hidden: true });
  /** @type {import('api-types').OfficialYearView | null} */
  let loaded = null;      // what GET answered for the year shown
  let previewed = null;   // {year, body, text} of the preview on screen

  const yearValue = () => Number(yearIn.value);
  const stale = () => { previewed = null; preview.hidden = true; };

  async function loadYear() {
    msg.clear();
    stale();
    clear(current, loading());
    const year = yearValue();
    try {
      loaded = await api.get(`${API}/admin/calendar/years/${year}`);
    } catch (err) {
      loaded = null;
      clear(current);
      msg.error(err);
      return;
    }
    const src = loaded.source;
    clear(current, h('p', {}, `${year} 年：`, src ? badge(labelOf(YEAR_SOURCES, src), 'ok') : badge('未确认', 'warn'),
      src ? ` 节假日 ${loaded.holidays.length} 天，调休上班 ${loaded.workdays.length} 天。` : ' 尚未加载官方日历，该年的日期不会开放预约。',
      loaded.loaded_at ? ` 导入于 ${formatInstant(loaded.loaded_at, { withYear: true, tz: ac.center.timezone })}` : '',
      loaded.note ? `（${loaded.note}）` : ''),
    src === 'admin' ? confirmButton('清除导入', `清除 ${year} 年导入的日历？（恢复为节假日数据包，或未确认）`, async () => {
      msg.clear();
      try { await api.del(`${API}/admin/calendar/years/${year}`); await loadYear(); msg.ok(`已清除 ${year} 年导入的日历。`); } catch (err) { msg.error(err); }
    }, { cls: 'btn btn-secondary btn-small' }) : null);
    if (!holidays.value && !workdays.value && src) {
      holidays.value = loaded.holidays.join('\n');
      workdays.value = loaded.workdays.join('\n');
    }
  }

  upload.addEventListener('change', async () => {
    const file = upload.files?.[0];
    if (!file) return;
    const text = await file.text();
    const doc = parseScheduleJson(text);
    if (doc) {
      if (doc.year) yearIn.value = String(doc.year);
      holidays.value = doc.holidays;
      workdays.value = doc.workdays;
    } else {
      holidays.value = text;
    }
    upload.value = '';
    stale();
    msg.info(`已读取文件 ${file.name}，请预览后保存。`);
  });

  function doPreview() {
    msg.clear();
    const year = yearValue();
    if (!Number.isInteger(year) || year < 2000 || year > 2100) { msg.problems('请填写 2000-2100 之间的年份。', []); return; }
    const h1 = parseDateList(holidays.value, year);
    const w1 = parseDateList(workdays.value, year);
    const after = { holidays: h1.dates, workdays: w1.dates };
    const problems = [...h1.problems.map((p) => `节假日：${p}`), ...w1.problems.map((p) => `调休上班日：${p}`), ...checkSchedule(after)];
    if (problems.length) { stale(); msg.problems('请先改正以下问题：', problems); return; }
    if (!after.holidays.length) { stale(); msg.problems('节假日列表是空的：请粘贴或上传该年的节假日。', []); return; }
    const before = loaded?.source ? { holidays: loaded.holidays, workdays: loaded.workdays } : null;
    const { changes, counts } = diffYear(year, before, after);
    previewed = { year, body: after, text: holidays.value + '\u0000' + workdays.value };
    const save = h('button', { type: 'button', class: 'btn btn-primary', id: 'year-save' }, `保存 ${year} 年官方日历`);
    save.addEventListener('click', () => doSave(save));
    clear(preview, h('h2', {}, `预览：${year} 年`),
      h('p', { id: 'year-counts' }, `节假日 ${counts.holidays} 天，调休上班 ${counts.workdays} 天，全年工作日 ${counts.working} 天。`,
        before ? `与当前（${labelOf(YEAR_SOURCES, loaded.source)}）相比有 ${changes.length} 天变化：` : `当前未确认（按周一至周五）；保存后有 ${changes.length} 天与周一至周五不同：`),
      changes.length ? h('ul', { class: 'change-list', id: 'year-changes' },
        changes.map((c) => h('li', { dataset: { date: c.date }, class: c.workingBefore !== c.workingAfter ? 'changed' : '' },
          h('span', { class: 'change-day' }, `${c.date.slice(0, 4)}年${formatDay(c.date)}`),
          h('span', { class: 'change-what' }, `${KIND_LABELS[c.before]} → `, h('strong', {}, KIND_LABELS[c.after])))))
        : h('p', { class: 'empty' }, '没有变化的日期。'),
      h('p', { class: 'hint' }, '保存后，中心对单个日期的调整仍然优先；未列出的日期按周一至周五。'),
      h('div', { class: 'actions' }, save));
    preview.hidden = false;
    preview.scrollIntoView({ block: 'nearest' });
  }

  async function doSave(btn) {
    msg.clear();
    if (!previewed || previewed.text !== holidays.value + '\u0000' + workdays.value || previewed.year !== yearValue()) {
      msg.problems('内容在预览后有改动，请重新预览。', []);
      return;
    }
    btn.disabled = true;
    try {
      await api.put(`${API}/admin/calendar/years/${previewed.year}`, previewed.body);
      const year = previewed.year;
      await loadYear();
      msg.ok(`已保存 ${year} 年官方日历：节假日 ${loaded?.holidays?.length ?? 0} 天，调休上班 ${loaded?.workdays?.length ?? 0} 天。`);
    } catch (err) {
      const d = msg.error(err);
      if (Array.isArray(err.problem?.dates) && err.problem.dates.length) {
        msg.append(h('p', { class: 'msg-fields' }, `涉及日期：${err.problem.dates.join('、')}`));
      }
      void d;
    } finally {
      btn.disabled = false;
    }
  }

  const form = h('form', { class: 'form', id: 'year-form', novalidate: true },
    h('div', { class: 'form-row' }, field('年份', yearIn),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'btn btn-secondary', id: 'year-load' }, '查看'))),
    current,
    field('节假日（休息）', holidays, { wide: true, hint: '每行一个日期或一个范围，如 2027-10-01~2027-10-07；也可用逗号分隔。周末的节假日照列即可。' }),
    field('调休上班日（周末上班）', workdays, { wide: true, hint: '通知中“上班”的周六、周日' }),
    h('p', { class: 'hint' }, '也可以', h('label', { for: 'year-file', class: 'file-label' }, '上传文件'),
      '：JSON（{"holidays": [...], "workdays": [...]}）或文本（填入节假日）。'),
    upload,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary', id: 'year-preview-btn' }, '预览变化')));
  form.addEventListener('submit', (e) => { e.preventDefault(); doPreview(); });
  form.querySelector('#year-load').addEventListener('click', () => { holidays.value = ''; workdays.value = ''; loadYear(); });
  for (const t of [holidays, workdays]) t.addEventListener('input', stale);
  yearIn.addEventListener('change', () => { holidays.value = ''; workdays.value = ''; loadYear(); });

  root.append(h('section', { class: 'card' }, form), msg, preview);
  await loadYear();
}
