// Every module of the web client parses (node --check), the screens included: they need a
// DOM to run, so the browser tests (tests/browser) are where they are exercised.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const APP = fileURLToPath(new URL('../../deploy/gateway/static/app/', import.meta.url));
const files = readdirSync(APP).filter((f) => f.endsWith('.js')).sort();

test('the client has its modules', () => {
  for (const f of ['api.js', 'errors.js', 'router.js', 'business-types.js', 'main.js', 'login.js', 'register.js',
    'enterprises.js', 'book.js', 'bookings.js', 'booking.js', 'rights.js', 'desk.js', 'password-reset.js', 'card.js', 'cards.js',
    'home.js', 'center.js', 'labels.js', 'orgcode.js', 'calendar-import.js', 'admin.js', 'admin-home.js', 'admin-calendar.js',
    'admin-years.js', 'admin-capacity.js', 'admin-cutoffs.js', 'admin-stats.js', 'admin-agents.js', 'admin-sms.js',
    'sse.js', 'calling.js', 'place.js', 'live-place.js', 'desk-calling.js', 'display-tokens.js', 'display.js']) {
    assert.ok(files.includes(f), f);
  }
});

for (const f of files) {
  test(`${f} parses and builds no markup from strings`, () => {
    const r = spawnSync(process.execPath, ['--check', `${APP}${f}`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const src = readFileSync(`${APP}${f}`, 'utf8');
    assert.doesNotMatch(src, /\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(/);
  });
}
