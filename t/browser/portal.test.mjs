// portal.test.mjs -- mod_portal in a real browser: playwright-core driving
// Debian's /usr/bin/chromium, clicking and typing as a person does.
//
//   PORTAL_URL=http://127.0.0.1:18480 node --test portal.test.mjs
// (scripts/browser.sh starts a portal and runs this for you.)
//
// Every page visited is saved as results/NN-name.png; results/results.txt
// lists each test with pass/fail/skip.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const BASE = (process.env.PORTAL_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

// One user per run, so the suite also works against a long-running portal.
const stamp = Date.now().toString(36);
const USER = {
    username: `ada.${stamp}`,
    first_name: 'Ada',
    last_name: 'Lovelace',
    // several lines: the dashboard must keep the line breaks
    address: '12 Analytical Row\nFlat 3\nLondon NW1 2AB',
    email: `ada.${stamp}@example.org`,
};
const SHORT_PASSWORD = 'short1';                 // 6 characters: too short
const FIRST_PASSWORD = 'difference-engine-1843';
const NEW_PASSWORD = 'analytical-engine-1837';

let browser;
let shot = 0;
const outcomes = [];   // [status, name] for results.txt
const problems = [];   // console errors, page errors, CSP violations

// A new browser context whose pages report every console error, uncaught
// exception and CSP violation into `problems`.
async function newContext(viewport) {
    const context = await browser.newContext({ viewport });
    // Chromium also logs CSP violations to the console; this listener makes
    // sure none is missed (init scripts are not subject to the page's CSP).
    await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
            console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`
                          + ` at ${e.sourceFile || e.documentURI}:${e.lineNumber}`);
        });
    });
    context.on('page', watch);
    return context;
}

function watch(page) {
    // A rejected form comes back with status 400 or 401 by design, and
    // Chromium logs "Failed to load resource" for that page itself.  That
    // one message is expected; the same message for a stylesheet, image or
    // script (or for any other page) is a problem.
    const documents = new Map();   // URL -> status of the page loaded from it
    page.on('response', (res) => {
        const req = res.request();
        if (req.isNavigationRequest() && req.frame() === page.mainFrame()) {
            documents.set(res.url(), res.status());
        }
    });
    page.on('console', (msg) => {
        if (msg.type() !== 'error') {
            return;
        }
        const failed = /^Failed to load resource: the server responded with a status of (\d+)/
            .exec(msg.text());
        if (failed && [400, 401].includes(Number(failed[1]))
            && documents.get(msg.location().url) === Number(failed[1])) {
            return;
        }
        problems.push(`console error on ${page.url()}: ${msg.text()}`
                      + (msg.location().url ? ` (${msg.location().url})` : ''));
    });
    page.on('pageerror', (err) => {
        problems.push(`page error on ${page.url()}: ${err.message}`);
    });
}

// Save a full-page screenshot of what the page shows now.
async function snap(page, name) {
    shot += 1;
    const file = `${String(shot).padStart(2, '0')}-${name}.png`;
    await page.screenshot({ path: RESULTS + file, fullPage: true });
    return file;
}

// test() that records its outcome for results.txt.
function check(name, fn, options = {}) {
    test(name, options, async (t) => {
        try {
            const result = await fn(t);
            outcomes.push([result === 'skip' ? 'skip' : 'pass', name]);
        } catch (err) {
            outcomes.push(['FAIL', name]);
            throw err;
        }
    });
}

function path(page) {
    const u = new URL(page.url());
    return u.pathname + u.search;
}

async function noHorizontalScroll(page) {
    return page.evaluate(() => ({
        scrollWidth: document.scrollingElement.scrollWidth,
        innerWidth: window.innerWidth,
    }));
}

before(async () => {
    mkdirSync(RESULTS, { recursive: true });
    for (const f of readdirSync(RESULTS)) {
        if (f.endsWith('.png') || f === 'results.txt') {
            rmSync(RESULTS + f);
        }
    }
    browser = await chromium.launch({
        executablePath: '/usr/bin/chromium',
        headless: true,
        args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking',
               '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
});

after(async () => {
    await browser?.close();
    const lines = outcomes.map(([status, name]) => `${status.padEnd(4)}  ${name}`);
    const count = (status) => outcomes.filter(([s]) => s === status).length;
    lines.push('', `${outcomes.length} tests: ${count('pass')} passed, ${count('FAIL')} failed, `
               + `${count('skip')} skipped; portal ${BASE}; ${shot} screenshots`);
    if (problems.length) {
        lines.push('', 'browser problems:', ...problems);
    }
    writeFileSync(RESULTS + 'results.txt', lines.join('\n') + '\n');
});

// --------------------------------------------------------------- journey
// One person, one browser tab, from first visit to signing out twice.  The
// steps depend on each other: after a failure the rest are skipped.
describe('a new user, from registration to signing out', () => {
    let context, page;
    let broken = false;

    function step(name, fn) {
        check(name, async (t) => {
            if (broken) {
                t.skip('an earlier step failed');
                return 'skip';
            }
            try {
                return await fn(t);
            } catch (err) {
                broken = true;
                if (page) {
                    await snap(page, 'FAILED').catch(() => {});
                }
                throw err;
            }
        });
    }

    before(async () => {
        context = await newContext(DESKTOP);
        page = await context.newPage();
    });
    after(async () => {
        await context?.close();
    });

    step('opening the site shows the sign-in page', async () => {
        await page.goto(BASE + '/');
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        assert.match(await page.title(), /Sign in/);
        assert.equal(await page.locator('#username').count(), 1);
        assert.equal(await page.locator('input[type=password]#password').count(), 1);
        await snap(page, 'login');
    });

    step('"Create an account" leads to the registration form', async () => {
        await page.getByRole('link', { name: 'Create an account', exact: true }).click();
        await page.waitForURL(/\/register$/);
        await page.getByRole('heading', { name: 'Create an account' }).waitFor();
        await snap(page, 'register');
    });

    step('a too-short password is refused and the other fields keep their values', async () => {
        await page.fill('#first_name', USER.first_name);
        await page.fill('#last_name', USER.last_name);
        await page.fill('#address', USER.address);
        await page.fill('#email', USER.email);
        await page.fill('#username', USER.username);
        await page.fill('#password', SHORT_PASSWORD);
        await page.getByRole('button', { name: 'Create account' }).click();

        // The browser's own check (minlength="8") stops the form first.
        assert.equal(await page.$eval('#password', (el) => el.validity.tooShort), true,
                     'the browser flags the password as too short');
        assert.equal(path(page), '/register', 'the form was not sent');
        assert.equal(await page.locator('.field-error').count(), 0);
        await snap(page, 'register-browser-check');

        // The server must refuse it too: send it as a browser without
        // form validation would, with the same click.
        await page.$eval('form[action$="/register"]', (form) => { form.noValidate = true; });
        await page.getByRole('button', { name: 'Create account' }).click();
        const err = page.locator('#password-error');
        await err.waitFor();
        assert.equal(path(page), '/register');
        assert.match(await err.innerText(), /at least 8 characters/);
        assert.equal(await page.locator('.field-error').count(), 1, 'only the password is wrong');
        assert.equal(await page.getAttribute('#password', 'aria-invalid'), 'true');
        // what was typed is still there, except the password
        for (const field of ['first_name', 'last_name', 'email', 'username', 'address']) {
            const value = (await page.inputValue('#' + field)).replace(/\r\n/g, '\n');
            assert.equal(value, USER[field], `${field} is kept`);
        }
        assert.equal(await page.inputValue('#password'), '', 'the password is not sent back');
        await snap(page, 'register-password-too-short');
    });

    step('with a good password the account is created', async () => {
        await page.fill('#password', FIRST_PASSWORD);
        await page.getByRole('button', { name: 'Create account' }).click();
        await page.waitForURL(/\/login\?registered=1$/);
        assert.match(await page.locator('.notice').innerText(), /Your account was created/);
        await snap(page, 'login-registered');
    });

    step('signing in shows the dashboard with the profile and the sign-in', async () => {
        await page.fill('#username', USER.username);
        await page.fill('#password', FIRST_PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL(/\/dashboard$/);
        await page.getByRole('heading', { name: `Welcome, ${USER.first_name}` }).waitFor();
        assert.equal(await page.locator('#profile-name').innerText(),
                     `${USER.first_name} ${USER.last_name}`);
        assert.equal(await page.locator('#profile-username').innerText(), USER.username);
        assert.equal(await page.locator('#profile-email').innerText(), USER.email);
        // rendered on three lines, as typed
        const address = page.locator('#profile-address');
        assert.equal((await address.innerText()).replace(/\r/g, ''), USER.address);
        const box = await address.boundingBox();
        const lineHeight = await address.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight));
        assert.ok(box.height >= 2.5 * lineHeight, `the address spans 3 lines (${box.height}px)`);
        assert.equal(await page.locator('#login-ip').innerText(), '127.0.0.1');
        assert.match(await page.locator('#login-previous').innerText(), /first sign-in/);
        // the signed-in navigation
        const nav = page.getByRole('navigation', { name: 'Main' });
        await nav.getByRole('link', { name: 'Dashboard', exact: true }).waitFor();
        await nav.getByRole('link', { name: 'Change password', exact: true }).waitFor();
        await page.locator('#sign-out').waitFor();
        await snap(page, 'dashboard');
    });

    step('a wrong current password does not change the password', async () => {
        await page.getByRole('navigation', { name: 'Main' })
            .getByRole('link', { name: 'Change password', exact: true }).click();
        await page.waitForURL(/\/change_password$/);
        await page.getByRole('heading', { name: 'Change password' }).waitFor();
        await snap(page, 'change-password');

        await page.fill('#current_password', 'not-my-password');
        await page.fill('#new_password', NEW_PASSWORD);
        await page.fill('#confirm_password', NEW_PASSWORD);
        await page.getByRole('button', { name: 'Change password' }).click();
        const fieldError = page.locator('#current_password ~ .field-error');
        await fieldError.waitFor();
        assert.match(await fieldError.innerText(), /current password is not correct/);
        assert.match(await page.locator('.error').innerText(), /not changed/);
        assert.equal(path(page), '/change_password');
        await snap(page, 'change-password-wrong-current');
    });

    step('with the right current password the password is changed', async () => {
        await page.fill('#current_password', FIRST_PASSWORD);
        await page.fill('#new_password', NEW_PASSWORD);
        await page.fill('#confirm_password', NEW_PASSWORD);
        await page.getByRole('button', { name: 'Change password' }).click();
        await page.waitForURL(/\/dashboard\?password_changed=1$/);
        assert.match(await page.locator('.notice').innerText(), /Your password was changed/);
        await snap(page, 'dashboard-password-changed');
    });

    step('"Sign out" signs out', async () => {
        await page.locator('#sign-out').click();
        await page.waitForURL(/\/login\?signed_out=1$/);
        assert.match(await page.locator('.notice').innerText(), /You have signed out/);
        assert.equal(await page.locator('#sign-out').count(), 0);
        await snap(page, 'login-signed-out');
        // the dashboard is no longer reachable
        await page.goto(BASE + '/dashboard');
        await page.getByRole('heading', { name: 'Sign in' }).waitFor();
        assert.doesNotMatch(path(page), /^\/dashboard/);
        await snap(page, 'dashboard-after-sign-out');
    });

    step('the old password no longer works', async () => {
        await page.goto(BASE + '/login');
        await page.fill('#username', USER.username);
        await page.fill('#password', FIRST_PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        const error = page.locator('.error');
        await error.waitFor();
        assert.match(await error.innerText(), /Incorrect username or password/);
        assert.equal(path(page), '/login');
        assert.equal(await page.inputValue('#username'), USER.username, 'username kept');
        assert.equal(await page.inputValue('#password'), '', 'password not sent back');
        await snap(page, 'login-old-password');
    });

    step('the new password works (Enter key) and shows the previous sign-in', async () => {
        await page.fill('#password', NEW_PASSWORD);
        await page.press('#password', 'Enter');
        await page.waitForURL(/\/dashboard$/);
        await page.getByRole('heading', { name: `Welcome, ${USER.first_name}` }).waitFor();
        const previous = await page.locator('#login-previous').innerText();
        assert.doesNotMatch(previous, /first sign-in/);
        assert.match(previous, /127\.0\.0\.1/);
        await snap(page, 'dashboard-new-password');
    });

    step('signing out again', async () => {
        await page.locator('#sign-out').click();
        await page.waitForURL(/\/login\?signed_out=1$/);
        assert.match(await page.locator('.notice').innerText(), /You have signed out/);
        await snap(page, 'login-signed-out-again');
    });
});

// --------------------------------------------------------------- layout
describe('layout', () => {
    for (const [label, viewport, columns] of [['a phone (390x844)', PHONE, 1],
                                              ['a desktop (1280x800)', DESKTOP, 2]]) {
        check(`the registration page fits ${label} without horizontal scrolling`, async () => {
            const context = await newContext(viewport);
            try {
                const page = await context.newPage();
                await page.goto(BASE + '/register');
                await page.getByRole('heading', { name: 'Create an account' }).waitFor();
                const { scrollWidth, innerWidth } = await noHorizontalScroll(page);
                await snap(page, `register-${viewport.width}x${viewport.height}`);
                assert.ok(scrollWidth <= innerWidth,
                          `scrollWidth ${scrollWidth} <= innerWidth ${innerWidth}`);
                // first and last name side by side on a desktop, stacked on a phone
                const first = await page.locator('#first_name').boundingBox();
                const last = await page.locator('#last_name').boundingBox();
                assert.equal(first.y === last.y ? 2 : 1, columns,
                             `name fields in ${columns} column(s)`);
                // every field is inside the window
                for (const box of [first, last,
                                   await page.locator('#address').boundingBox(),
                                   await page.locator('#password').boundingBox()]) {
                    assert.ok(box.x >= 0 && box.x + box.width <= innerWidth,
                              `field at x=${box.x} width=${box.width} fits`);
                }
            } finally {
                await context.close();
            }
        });
    }
});

// --------------------------------------------------------------- last
check('no console errors, page errors or CSP violations on any page', async () => {
    assert.ok(shot > 0, 'pages were visited');
    assert.deepEqual(problems, []);
});
