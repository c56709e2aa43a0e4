// The shell: session, API client, menu, routes. Each screen is a module with
// render(ctx) that fills ctx.root and may return a cleanup function.
import { ApiError, createApi, API } from './api.js';
import { createSession } from './session.js';
import { menuFor, start } from './router.js';
import { h, clear } from './dom.js';
import { messageBox } from './ui.js';
import { loadBusinessTypes } from './business-types.js';
import * as login from './login.js';
import * as register from './register.js';
import * as passwordReset from './password-reset.js';
import * as enterprises from './enterprises.js';
import * as cards from './cards.js';
import * as book from './book.js';
import * as bookings from './bookings.js';
import * as booking from './booking.js';
import * as rights from './rights.js';
import * as desk from './desk.js';
import * as home from './home.js';
import * as adminHome from './admin-home.js';
import * as adminCalendar from './admin-calendar.js';
import * as adminYears from './admin-years.js';
import * as adminCapacity from './admin-capacity.js';
import * as adminCutoffs from './admin-cutoffs.js';
import * as adminStats from './admin-stats.js';
import * as adminAgents from './admin-agents.js';
import * as adminSms from './admin-sms.js';

const APP_NAME = '制卡中心预约排号系统';

const ROUTES = [
  { path: '/login', name: 'login', title: '登录', screen: login, public: true },
  { path: '/register', name: 'register', title: '注册', screen: register, public: true },
  { path: '/password-reset', name: 'password-reset', title: '找回密码', screen: passwordReset, public: true },
  { path: '/home', name: 'home', title: '我的工作台', screen: home, menu: true },
  { path: '/enterprises', name: 'enterprises', title: '信息维护', screen: enterprises, menu: true },
  { path: '/book', name: 'book', title: '制卡预约', screen: book, menu: true },
  { path: '/bookings', name: 'bookings', title: '预约查询', screen: bookings, menu: true },
  { path: '/bookings/:id', name: 'booking', title: '预约详情', screen: booking, menuAs: '/bookings' },
  { path: '/rights', name: 'rights', title: '预约权限', screen: rights, menu: true },
  { path: '/cards', name: 'cards', title: '我的卡片', screen: cards, menu: true },
  { path: '/desk', name: 'desk', title: '窗口办理', screen: desk, menu: true, role: 'staff' },
  // The administration console (role admin): every action is an API call (api.md, Administration).
  { path: '/admin', name: 'admin', title: '管理首页', screen: adminHome, menu: true, role: 'admin' },
  { path: '/admin/calendar', name: 'admin-calendar', title: '工作日历', screen: adminCalendar, menu: true, role: 'admin' },
  { path: '/admin/years', name: 'admin-years', title: '年度日历', screen: adminYears, menu: true, role: 'admin' },
  { path: '/admin/capacity', name: 'admin-capacity', title: '容量管理', screen: adminCapacity, menu: true, role: 'admin' },
  { path: '/admin/cutoffs', name: 'admin-cutoffs', title: '截止与分配', screen: adminCutoffs, menu: true, role: 'admin' },
  { path: '/admin/stats', name: 'admin-stats', title: '日统计', screen: adminStats, menu: true, role: 'admin' },
  { path: '/admin/agents', name: 'admin-agents', title: '经办人管理', screen: adminAgents, menu: true, role: 'admin' },
  { path: '/admin/sms', name: 'admin-sms', title: '短信记录', screen: adminSms, menu: true, role: 'admin' },
];

const ROLE_NAMES = { staff: '窗口工作人员', admin: '管理员' };


const session = createSession();
/** @type {(hash: string, options?: {replace?: boolean}) => void} */
let navigate = () => {};
let pendingFlash = null;

const api = createApi({
  session,
  onAuthLost: () => {
    pendingFlash = { kind: 'info', text: '登录已过期，请重新登录。' };
    const here = location.hash;
    navigate(`#/login${here && !here.startsWith('#/login') ? `?next=${encodeURIComponent(here)}` : ''}`);
  },
});

let typesPromise = null;
const businessTypes = () => {
  typesPromise ??= loadBusinessTypes(api).then((r) => r.types);
  return typesPromise;
};
let mePromise = null;
const me = () => {
  mePromise ??= api.get(`${API}/me`).catch((err) => { mePromise = null; throw err; });
  return mePromise;
};
session.onChange(() => { mePromise = null; });

export function homeFor(s) {
  if (s.hasRole('admin')) return '#/admin';
  return s.hasRole('staff') ? '#/desk' : '#/home';
}

const menuEl = document.getElementById('menu');
const viewEl = document.getElementById('view');
const whoEl = document.getElementById('who');
const logoutBtn = /** @type {HTMLButtonElement} */ (document.getElementById('logout'));

logoutBtn.addEventListener('click', async () => {
  logoutBtn.disabled = true;
  await api.logout();
  logoutBtn.disabled = false;
  pendingFlash = { kind: 'ok', text: '您已安全退出。' };
  navigate('#/login');
});

function drawChrome(current) {
  const signedIn = session.signedIn;
  document.body.classList.toggle('signed-in', signedIn);
  document.body.classList.toggle('signed-out', !signedIn);
  logoutBtn.hidden = !signedIn;
  whoEl.textContent = signedIn ? session.displayName() : '';
  whoEl.hidden = !signedIn;
  const active = current?.menuAs ?? current?.path;
  clear(menuEl, signedIn ? h('ul', {}, menuFor(ROUTES, (role) => session.hasRole(role)).map((r) =>
    h('li', {}, h('a', { href: `#${r.path}`, class: 'menu-item', 'aria-current': r.path === active ? 'page' : null }, r.title)))) : null);
  // On phones the menu is a bar that scrolls sideways: keep the current item in sight.
  const bar = menuEl.querySelector('ul');
  const item = /** @type {HTMLElement | null} */ (bar?.querySelector('[aria-current="page"]'));
  if (item && bar.scrollWidth > bar.clientWidth) {
    bar.scrollLeft = Math.max(0, item.offsetLeft - bar.offsetLeft + item.offsetWidth - bar.clientWidth + 8);
  }
}

let cleanup = null;
let seq = 0;

async function onRoute(m) {
  const mine = ++seq;
  if (typeof cleanup === 'function') { try { cleanup(); } catch { /* ignore */ } }
  cleanup = null;
  if (!m) { navigate(session.signedIn ? homeFor(session) : '#/login', { replace: true }); return; }
  const { route } = m;
  if (!route.public && !session.signedIn) {
    navigate(`#/login?next=${encodeURIComponent(location.hash)}`, { replace: true });
    return;
  }
  if (route.name === 'login' && session.signedIn) { navigate(homeFor(session), { replace: true }); return; }
  drawChrome(route);
  document.title = `${route.title} · ${APP_NAME}`;
  const root = h('section', { class: `screen screen-${route.name}`, 'aria-label': route.title });
  clear(viewEl, root);
  if (pendingFlash) {
    const box = messageBox();
    if (pendingFlash.kind === 'ok') box.ok(pendingFlash.text); else box.info(pendingFlash.text);
    box.classList.add('flash');
    root.append(box);
    pendingFlash = null;
  }
  if (route.role && !session.hasRole(route.role)) {
    root.append(h('h1', {}, route.title), h('div', { class: 'msg msg-error', role: 'alert' },
      h('p', { class: 'msg-text' }, `该页面仅供${ROLE_NAMES[route.role]}使用，您的账号没有相应权限。`)));
    return;
  }
  const ctx = {
    root, api, session, params: m.params, query: m.query, businessTypes, me,
    navigate: (hash, opts) => navigate(hash, opts),
    flash: (kind, text) => { pendingFlash = { kind, text }; },
    isCurrent: () => mine === seq,
    home: () => homeFor(session),
  };
  try {
    const result = await route.screen.render(ctx);
    if (mine === seq) cleanup = result; else if (typeof result === 'function') result();
  } catch (err) {
    if (!(err instanceof ApiError)) console.error(err); // a bug: keep it visible to developers
    if (mine !== seq) return;
    const box = messageBox();
    box.error(err);
    root.append(box);
  }
  if (mine === seq) viewEl.focus({ preventScroll: true });
}

navigate = start(ROUTES, onRoute);
