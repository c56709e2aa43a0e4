// 制卡预约: a bookable date and period (remaining capacity shown), 1-10 enterprises from the
// agent's list, business types per enterprise (exclusions disable boxes, counts required
// where the type needs one), contact name and phone. POST /api/v1/bookings with an
// Idempotency-Key per submission.
import { h, clear } from './dom.js';
import { API, itemsOf, uuid } from './api.js';
import { blockedBy, ruleHint, toRequestItems, validateBusinesses, MAX_COUNT, MIN_COUNT } from './business-types.js';
import { PHONE_RE, formatDay, formatInstant, periodLabel, weekday } from './format.js';
import { field, input, loading, markFields, messageBox, pageTitle } from './ui.js';
import { cutoffText, horizonText, loadCenter } from './center.js';
import { suspensionText } from './rights.js';

export const MAX_ENTERPRISES = 10;

/** The manual's guidance on the two types people confuse: which one a new company needs. */
export function guidance(types) {
  const noted = types.filter((t) => t.note);
  if (!noted.length) return null;
  return h('div', { class: 'guide', id: 'type-guide' },
    h('p', { class: 'guide-title' }, `如何选择${noted.map((t) => `“${t.name}”`).join('或')}？`),
    h('ul', { class: 'rules' }, noted.map((t) => h('li', {}, h('strong', {}, `${t.name}：`), `${t.note}${ruleHint(types, t) ? `（${ruleHint(types, t)}）` : ''}。`))));
}
export const FEE_NOTICE = '网上预约须提供企业组织机构代码、所办业务种类和联系方式实名预约；预约系统无任何附加费用。';

/** Form-level checks before sending: a list of Chinese problems ([] when fine). */
export function checkBooking({ day, period, lines, contactName, contactPhone, types }) {
  const problems = [];
  if (!day) problems.push('请选择预约日期');
  if (!period) problems.push('请选择时间段');
  if (lines.length === 0) problems.push('请至少选择 1 家企业');
  if (lines.length > MAX_ENTERPRISES) problems.push(`每次最多预约 ${MAX_ENTERPRISES} 家企业`);
  if (period && lines.length > period.remaining) {
    problems.push(`该时间段仅剩 ${period.remaining} 个名额，请减少企业数量或选择其他时间段`);
  }
  for (const line of lines) {
    for (const p of validateBusinesses(types, toRequestItems(types, line.selection))) {
      problems.push(`${line.enterprise.name}：${p.message}`);
    }
  }
  if (!contactName) problems.push('请填写联系人');
  if (!PHONE_RE.test(contactPhone)) problems.push('联系电话请填写 11 位手机号');
  return problems;
}

export async function render(ctx) {
  const { root, api } = ctx;
  const msg = messageBox();
  /** @type {{calendar: import('api-types').CalendarView | null, date: string | null, periodCode: string | null,
   *   lines: Map<string, any>, enterprises: import('api-types').MyEnterpriseView[]}} */
  const state = { calendar: null, date: null, periodCode: null, lines: new Map(), enterprises: [] };
  let lastAttempt = null; // {key, body, settled}: the Idempotency-Key is kept only to retry an unanswered request

  const daysEl = h('div', { class: 'days', id: 'days', role: 'radiogroup', 'aria-label': '预约日期' }, loading());
  const periodsEl = h('div', { class: 'periods', id: 'periods', role: 'radiogroup', 'aria-label': '时间段' });
  const entEl = h('div', { class: 'ent-pick', id: 'enterprise-pick' }, loading());
  const countEl = h('p', { class: 'hint', id: 'ent-count' });
  const linesEl = h('div', { class: 'lines', id: 'lines' });
  const contactName = input('contact_name', { autocomplete: 'name', maxlength: 50 });
  const contactPhone = input('contact_phone', { type: 'tel', inputmode: 'numeric', maxlength: 11, autocomplete: 'tel' });
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', id: 'book-submit' }, '预约');
  const summary = h('p', { class: 'summary', id: 'book-summary' });
  const notice = h('div', { class: 'msg', id: 'rights-notice', hidden: true, role: 'status' });
  const rulesHint = h('p', { class: 'hint', id: 'book-rules' });
  const guideSlot = h('div', {});
  let center = null;

  let types = [];

  async function loadCalendar() {
    try {
      state.calendar = await api.get(`${API}/calendar`, { auth: false });
    } catch (err) {
      clear(daysEl);
      msg.error(err);
      return;
    }
    drawDays();
  }

  async function loadEnterprises() {
    try {
      state.enterprises = itemsOf(await api.get(`${API}/me/enterprises`));
    } catch (err) {
      clear(entEl);
      msg.error(err);
      return;
    }
  }

  const currentDay = () => state.calendar?.days?.find((d) => d.date === state.date) ?? null;
  const currentPeriod = () => currentDay()?.periods?.find((p) => p.code === state.periodCode) ?? null;

  function drawDays() {
    const days = state.calendar?.days ?? [];
    if (state.date && !days.find((d) => d.date === state.date && d.bookable)) { state.date = null; state.periodCode = null; }
    const open = days.filter((d) => d.bookable);
    if (!open.length) {
      clear(daysEl, h('p', { class: 'empty' }, '近期没有可预约的日期。'));
    } else {
      clear(daysEl, open.map((d) => {
        const free = (d.periods ?? []).reduce((n, p) => n + Math.max(0, p.remaining ?? 0), 0);
        return h('button', {
          type: 'button', role: 'radio', class: 'day',
          'aria-checked': String(d.date === state.date), dataset: { date: d.date },
          onclick: () => { state.date = d.date; state.periodCode = null; drawDays(); update(); },
        }, h('span', { class: 'day-date' }, formatDay(d.date).split(' ')[0]),
        h('span', { class: 'day-note' }, `${weekday(d.date)} · ${free > 0 ? `剩余 ${free}` : '已约满'}`));
      }));
    }
    drawPeriods();
  }

  function drawPeriods() {
    const day = currentDay();
    if (!day) { clear(periodsEl, h('p', { class: 'hint' }, '请先选择日期。')); return; }
    clear(periodsEl, (day.periods ?? []).map((p) => {
      const full = (p.remaining ?? 0) <= 0;
      return h('button', {
        type: 'button', role: 'radio', class: ['period', full && 'period-full'], disabled: full,
        'aria-checked': String(p.code === state.periodCode), dataset: { period: p.code },
        onclick: () => { state.periodCode = p.code; drawPeriods(); update(); },
      }, h('span', { class: 'period-name' }, periodLabel(p)),
      h('span', { class: 'period-left' }, full ? '已约满' : `剩余 ${p.remaining} / ${p.capacity}`));
    }),
    day.cutoff_at ? h('p', { class: 'hint' }, `预约和取消截止：${formatInstant(day.cutoff_at, { tz: center?.timezone })}`) : null);
  }

  function drawEnterprisePicker() {
    if (!state.enterprises.length) {
      clear(entEl, h('p', { class: 'empty' }, '您的企业列表是空的。请先到', h('a', { href: '#/enterprises' }, '信息维护'), '添加企业。'));
      return;
    }
    clear(entEl, h('ul', { class: 'checks' }, state.enterprises.map((ent) => {
      const box = h('input', {
        type: 'checkbox', name: 'enterprise', value: ent.org_code, checked: state.lines.has(ent.org_code),
        onchange: () => {
          if (box.checked) state.lines.set(ent.org_code, { enterprise: ent, selection: new Map() });
          else state.lines.delete(ent.org_code);
          drawLines();
          update();
        },
      });
      return h('li', {}, h('label', { class: 'check' }, box,
        h('span', { class: 'check-text' }, h('span', {}, ent.name), h('span', { class: 'mono small' }, ent.org_code))));
    })));
  }

  // One fieldset per chosen enterprise; boxes and counts are updated in place.
  function drawLines() {
    clear(linesEl, [...state.lines.values()].map((line) => lineBlock(line)));
    if (!state.lines.size) linesEl.append(h('p', { class: 'hint' }, '选择企业后，在这里为每家企业选择业务种类。'));
  }

  function lineBlock(line) {
    const code = line.enterprise.org_code;
    const rows = new Map();
    const err = h('p', { class: 'field-error', hidden: true });
    const refresh = () => {
      const blocked = blockedBy(types, line.selection.keys());
      for (const t of types) {
        const { box, count, row } = rows.get(t.code);
        const by = blocked.get(t.code);
        box.disabled = Boolean(by);
        row.classList.toggle('blocked', Boolean(by));
        row.title = by ? `与${types.find((x) => x.code === by).name}互斥` : '';
        if (count) {
          count.disabled = !box.checked;
          count.hidden = !box.checked;
          count.parentElement.hidden = !box.checked;
          count.required = box.checked && t.needsCount;
        }
      }
      const problems = line.touched ? validateBusinesses(types, toRequestItems(types, line.selection)) : [];
      err.textContent = problems.map((p) => p.message).join('；');
      err.hidden = !problems.length;
    };
    const block = h('fieldset', { class: 'line', dataset: { org: code } },
      h('legend', {}, h('span', {}, line.enterprise.name), ' ', h('span', { class: 'mono small' }, code)),
      h('div', { class: 'types' }, types.map((t) => {
        const id = `t-${code}-${t.code}`;
        const box = h('input', { type: 'checkbox', id, name: `biz-${code}`, value: t.code, checked: line.selection.has(t.code) });
        let count = null;
        if (t.needsCount || t.optionalCount) {
          count = h('input', {
            type: 'number', class: 'count', name: `count-${code}-${t.code}`, min: String(MIN_COUNT), max: String(MAX_COUNT),
            inputmode: 'numeric', placeholder: t.needsCount ? '张数' : '数量',
            'aria-label': `${t.name}${t.needsCount ? '张数' : '数量'}`, disabled: true,
          });
          if (line.selection.has(t.code)) count.value = line.selection.get(t.code) ?? '';
          count.addEventListener('input', () => {
            if (box.checked) line.selection.set(t.code, count.value);
            refresh();
          });
        }
        box.addEventListener('change', () => {
          line.touched = true;
          if (box.checked) {
            const initial = t.optionalCount ? (count?.value || '1') : (count?.value ?? '');
            line.selection.set(t.code, initial);
            if (count) count.value = initial;
          } else {
            line.selection.delete(t.code);
            if (count) count.value = '';
          }
          refresh();
          if (box.checked && t.needsCount && count && !count.value) count.focus();
        });
        const hint = ruleHint(types, t);
        const row = h('div', { class: 'type', dataset: { type: t.code } },
          h('label', { for: id, class: 'type-label' }, box, h('span', {}, t.name),
            hint ? h('span', { class: 'type-hint' }, hint) : null),
          count ? h('span', { class: 'type-count' }, count, h('span', { class: 'unit' }, t.needsCount ? '张' : '个')) : null);
        rows.set(t.code, { box, count, row });
        return row;
      })),
      err);
    refresh();
    return block;
  }

  function update() {
    const n = state.lines.size;
    countEl.textContent = `已选 ${n} / ${MAX_ENTERPRISES} 家企业`;
    for (const box of entEl.querySelectorAll('input[name=enterprise]')) {
      box.disabled = !box.checked && n >= MAX_ENTERPRISES;
    }
    const day = currentDay();
    const period = currentPeriod();
    summary.textContent = day && period
      ? `预约 ${formatDay(day.date)} ${periodLabel(period)}，${n} 家企业（该时间段剩余 ${period.remaining} 个名额）`
      : '请选择日期和时间段。';
  }

  const form = h('form', { class: 'form', id: 'book-form', novalidate: true },
    h('section', { class: 'card' }, h('h2', {}, '1. 日期和时间段'),
      rulesHint,
      daysEl, periodsEl),
    h('section', { class: 'card' }, h('h2', {}, '2. 企业（每次 1-10 家）'), countEl, entEl),
    h('section', { class: 'card' }, h('h2', {}, '3. 业务种类'),
      h('p', { class: 'hint' }, '预录入、新制卡与其他业务互斥；变更企业信息与卡延期、解锁互斥；卡延期解锁、报关员卡、操作员卡、补卡换卡需填写张数。'),
      guideSlot, linesEl),
    h('section', { class: 'card' }, h('h2', {}, '4. 联系方式'),
      h('div', { class: 'grid2' },
        field('联系人', contactName, { required: true }),
        field('联系电话', contactPhone, { required: true, hint: '预约结果和办理安排将以短信发送到此手机号' }))),
    h('p', { class: 'notice', id: 'truth-notice' }, '预约信息必须真实，且与到窗口办理业务时提供的信息一致，否则窗口工作人员不予办理。'),
    summary, msg, submit);

  // A message is about the last submission: editing the form makes it stale.
  form.addEventListener('change', () => msg.clear());
  form.addEventListener('input', () => msg.clear());
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.clear();
    for (const f of form.querySelectorAll('.field')) f.setError?.('');
    for (const line of state.lines.values()) line.touched = true;
    drawLines();
    const lines = [...state.lines.values()];
    const period = currentPeriod();
    const problems = checkBooking({
      day: currentDay(), period, lines, types,
      contactName: contactName.value.trim(), contactPhone: contactPhone.value.trim(),
    });
    if (problems.length) { msg.problems('请完善预约信息：', problems); msg.scrollIntoView({ block: 'nearest' }); return; }
    /** @type {import('api-types').BookingBody} */
    const body = {
      date: state.date, period: state.periodCode,
      contact_name: contactName.value.trim(), contact_phone: contactPhone.value.trim(),
      enterprises: lines.map((l) => ({ org_code: l.enterprise.org_code, businesses: toRequestItems(types, l.selection) })),
    };
    if (state.calendar?.center) body.center = state.calendar.center;
    const text = JSON.stringify(body);
    // A new key for every submission, except a retry of one that got no answer (network
    // error, 5xx): that one may have been booked, and the same key replays its answer.
    const key = lastAttempt && !lastAttempt.settled && lastAttempt.body === text ? lastAttempt.key : uuid();
    lastAttempt = { key, body: text, settled: false };
    submit.disabled = true;
    submit.textContent = '正在提交…';
    try {
      /** @type {import('api-types').BookingView} */
      const booking = await api.post(`${API}/bookings`, body, { headers: { 'Idempotency-Key': key } });
      lastAttempt.settled = true;
      ctx.flash('ok', `预约成功！预约短信将发送到 ${body.contact_phone}，请注意查收。`);
      ctx.navigate(`#/bookings/${encodeURIComponent(booking.id)}`);
    } catch (err) {
      lastAttempt.settled = err.status > 0 && err.status < 500;
      msg.error(err);
      markFields(form, err);
      msg.scrollIntoView({ block: 'nearest' });
      if (['booking.capacity_exhausted', 'booking.date_not_bookable', 'booking.period_unknown'].includes(err.code)) {
        await loadCalendar();
        update();
      }
    } finally {
      submit.disabled = false;
      submit.textContent = '预约';
    }
  });

  [types, , , center] = await Promise.all([ctx.businessTypes(), loadCalendar(), loadEnterprises(), loadCenter(api)]);
  rulesHint.textContent = `${horizonText(center)}${cutoffText(center)}`;
  guideSlot.replaceChildren(guidance(types) ?? '');
  // Booking rights: say so up front when they are suspended (the API refuses anyway).
  api.get(`${API}/me/booking-rights`).then((/** @type {import('api-types').BookingRightsView} */ r) => {
    if (r?.suspended_until && Date.parse(r.suspended_until) > Date.now()) {
      notice.className = 'msg msg-error';
      notice.textContent = suspensionText(r, center?.timezone);
      notice.append(' ', h('a', { href: '#/rights' }, '查看预约权限'));
      notice.hidden = false;
    }
  }).catch(() => {});
  ctx.me().then((me) => {
    if (!contactName.value && me?.name) contactName.value = me.name;
    if (!contactPhone.value && me?.phone) contactPhone.value = me.phone;
  }).catch(() => {});
  drawEnterprisePicker();
  drawLines();
  update();
  root.append(pageTitle('制卡预约'), h('p', { class: 'lead', id: 'fee-notice' }, FEE_NOTICE), notice, form);
}
