// 信息维护: the agent's enterprise list. Add (9-char organisation code or 18-char unified
// social credit code, plus the company name) and delete; editing is delete + add again.
import { h, clear } from './dom.js';
import { API } from './api.js';
import { normalizeOrgCode } from './format.js';
import { ENTERPRISE_NAME_MAX } from './orgcode.js';
import { loadCenter } from './center.js';
import { confirmButton, enterpriseLookup, field, input, loadList, loading, markFields, messageBox, pageTitle } from './ui.js';

/** @typedef {import('api-types').MyEnterpriseView} MyEnterpriseView */
/** @typedef {import('api-types').EnterpriseBody} EnterpriseBody */

export async function render(ctx) {
  const { root, api } = ctx;
  const msg = messageBox();
  const code = input('code', { maxlength: 18, autocapitalize: 'characters', placeholder: '组织机构代码或统一社会信用代码' });
  const name = input('name', { maxlength: ENTERPRISE_NAME_MAX, placeholder: '企业全称' });
  const lookup = enterpriseLookup(api, code, {
    emptyText: '企业库中没有找到，请填写公司名称后添加。',
    onPick: (item) => { name.value = item.name; },
  });
  const form = h('form', { class: 'form form-row', id: 'enterprise-form', novalidate: true },
    field('组织机构代码', lookup, { required: true, target: code, hint: '9 位组织机构代码，或 18 位统一社会信用代码（系统取其第 9-17 位）' }),
    field('公司名称', name, { required: true }),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'btn btn-primary' }, '添加企业')));
  const list = h('div', { class: 'list', id: 'enterprise-list' }, loading());

  async function reload() {
    /** @type {MyEnterpriseView[] | null} */
    const items = await loadList(api, `${API}/me/enterprises`, list, msg, '您还没有添加企业。请在上方填写组织机构代码和公司名称后点击“添加企业”。');
    if (!items) return;
    clear(list, h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, h('th', {}, '组织机构代码'), h('th', {}, '公司名称'), h('th', {}, '操作'))),
      h('tbody', {}, items.map((item) => h('tr', { dataset: { code: item.org_code } },
        h('td', { class: 'mono', 'data-label': '组织机构代码' }, item.org_code),
        h('td', { 'data-label': '公司名称' }, item.name),
        h('td', { class: 'row-actions' }, confirmButton('删除', '确认删除该企业？', async () => {
          msg.clear();
          try {
            await api.del(`${API}/me/enterprises/${encodeURIComponent(item.org_code)}`);
            msg.ok(`已删除：${item.name}`);
            await reload();
          } catch (err) {
            msg.error(err);
          }
        })))))),
      h('p', { class: 'hint' }, `共 ${items.length} 家企业。如需修改企业信息，请删除后重新添加。`));
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    msg.clear();
    for (const f of form.querySelectorAll('.field')) f.setError?.('');
    const normalized = normalizeOrgCode(code.value);
    const bad = [];
    if (!normalized) { code.closest('.field').setError('请填写 9 位组织机构代码或 18 位统一社会信用代码'); bad.push('组织机构代码格式不正确'); }
    if (!name.value.trim()) { name.closest('.field').setError('请填写公司名称'); bad.push('公司名称为必填'); }
    if (bad.length) { msg.problems('请检查标出的项目。', bad); return; }
    const submit = form.querySelector('[type=submit]');
    submit.disabled = true;
    try {
      /** @type {MyEnterpriseView} */
      const added = await api.post(`${API}/me/enterprises`,
        /** @satisfies {EnterpriseBody} */ ({ code: normalized, name: name.value.trim() }));
      msg.ok(`已添加：${added?.name ?? name.value.trim()}`);
      code.value = '';
      name.value = '';
      await reload();
    } catch (err) {
      msg.error(err);
      markFields(form, err);
    } finally {
      submit.disabled = false;
    }
  });

  root.append(pageTitle('信息维护'),
    h('div', { class: 'card' }, h('h2', {}, '添加企业'), form),
    msg,
    h('div', { class: 'card' }, h('h2', {}, '我的企业'), list));
  // The name limit the center publishes (the server's), when it says one.
  loadCenter(api).then((c) => { if (c.enterpriseNameMax) name.maxLength = c.enterpriseNameMax; }).catch(() => {});
  await reload();
}
