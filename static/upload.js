/* upload.js -- the browser side of uploads (templates/upload_form.html).
 *
 * Progressive enhancement of #upload-form: without this script (or in a
 * browser without FormData and XMLHttpRequest upload progress) the form
 * posts as it is and the server answers with the /files page.  With it:
 *  - files chosen with the file input (then "Upload") or dropped anywhere
 *    on the form are checked against the form's data-max-file,
 *    data-max-files and data-types (the server checks again and has the
 *    last word);
 *  - each file goes up in its own POST (csrf_token first, then the file;
 *    Accept: application/json), so each has its own <progress>,
 *    percentage, speed, time left and Cancel button; at most PARALLEL run
 *    at once, the others wait in order;
 *  - the server's JSON answer marks the file done (a link to its page) or
 *    failed (the server's message), and a toast says so;
 *  - on /files the list of stored files is fetched again and replaced in
 *    place when a batch has finished, so the messages here stay.
 *
 * The page's CSP allows scripts from 'self' only and no inline styles:
 * nothing here uses inline handlers, innerHTML or style attributes.
 */
(() => {
    'use strict';

    const PARALLEL = 3;         // uploads running at once
    const TOAST_MS = 6000;      // a toast's life while not hovered or focused
    const TOASTS_MAX = 5;       // older toasts go when more are shown
    const REFRESH_DELAY = 400;  // ms between a batch's end and the list refresh

    const form = document.getElementById('upload-form');
    if (!form || typeof FormData !== 'function' || typeof XMLHttpRequest !== 'function'
        || !('upload' in XMLHttpRequest.prototype)) {
        return;                 // the plain form does the job
    }
    const input = form.querySelector('input[type="file"]');
    const dropzone = document.getElementById('dropzone') || form;
    const list = document.getElementById('upload-list') || makeAfter(form, 'ul', 'upload-list', 'polite');
    const toasts = document.getElementById('toasts') || makeAfter(list, 'div', 'toasts', 'assertive');

    const queue = [];           // Uploads waiting for a free slot
    const running = new Set();  // Uploads sending or waiting for the answer
    let batch = null;           // { ok, failed } of the uploads since idle
    let nextId = 0;

    function makeAfter(node, tag, cls, live) {
        const el = document.createElement(tag);
        el.className = cls;
        el.setAttribute('aria-live', live);
        node.after(el);
        return el;
    }

    function el(tag, cls, text) {
        const node = document.createElement(tag);
        if (cls) {
            node.className = cls;
        }
        if (text !== undefined) {
            node.textContent = text;
        }
        return node;
    }

    // ------------------------------------------------------------ formats
    // Sizes as the server writes them (portal_fmt_size): bytes, then
    // KiB/MiB/GiB/TiB with one decimal below 10.
    function formatSize(n) {
        if (n < 1024) {
            const b = Math.round(n);
            return `${b} byte${b === 1 ? '' : 's'}`;
        }
        const units = ['KiB', 'MiB', 'GiB', 'TiB'];
        let v = n;
        let u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u += 1;
        }
        return `${v < 10 ? v.toFixed(1) : v.toFixed(0)} ${units[u]}`;
    }

    function formatSpeed(bytesPerSecond) {
        if (bytesPerSecond < 1024) {
            return `${Math.round(bytesPerSecond)} B/s`;
        }
        return `${formatSize(bytesPerSecond)}/s`;
    }

    function formatDuration(seconds) {
        const s = Math.ceil(seconds);
        if (s < 1) {
            return 'less than a second';
        }
        if (s < 60) {
            return `${s} s`;
        }
        if (s < 3600) {
            const m = Math.floor(s / 60);
            return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
        }
        const h = Math.floor(s / 3600);
        const m = Math.floor((s % 3600) / 60);
        return m ? `${h} h ${m} min` : `${h} h`;
    }

    // -------------------------------------------------------------- limits
    // Read when needed, so they follow the form's attributes.
    function positive(value) {
        const n = Number(value);
        return Number.isFinite(n) && n > 0 ? n : 0;
    }

    function allowedTypes() {
        return (form.dataset.types || '').split(/[\s,]+/)
            .map((t) => t.replace(/^\./, '').toLowerCase())
            .filter((t) => t && t !== '*');
    }

    // The extension as the server sees it (pt_filename_ext): after the last
    // dot, none for "a." or ".bashrc".
    function extension(name) {
        const base = name.replace(/^.*[/\\]/, '');
        const dot = base.lastIndexOf('.');
        if (dot <= 0 || dot === base.length - 1 || /^\.*$/.test(base.slice(0, dot))) {
            return '';
        }
        return base.slice(dot + 1).toLowerCase();
    }

    // Why file cannot be uploaded, or '' when it can (as far as we know).
    function refusal(file) {
        const maxFile = positive(form.dataset.maxFile);
        const types = allowedTypes();
        if (maxFile && file.size > maxFile) {
            return `${file.name} is larger than the ${formatSize(maxFile)} a file may have.`;
        }
        if (types.length && !types.includes(extension(file.name))) {
            return `${file.name}: files of this type are not accepted here (allowed: ${types.join(' ')}).`;
        }
        return '';
    }

    // -------------------------------------------------------------- toasts
    // A message that goes by itself after TOAST_MS (paused while the
    // pointer is on it or focus in it) or with its close button.  Errors
    // are role=alert, everything else role=status.
    function toast(kind, ...content) {
        const box = el('div', `toast toast-${kind}`);
        box.setAttribute('role', kind === 'error' ? 'alert' : 'status');
        const text = el('p', 'toast-text');
        text.append(...content);
        const close = el('button', 'toast-close', '\u00d7');
        close.type = 'button';
        close.setAttribute('aria-label', 'Dismiss this message');
        box.append(text, close);

        let left = TOAST_MS;
        let started = 0;
        let timer = 0;
        let hovered = false;
        const remove = () => {
            clearTimeout(timer);
            const hadFocus = box.contains(document.activeElement);
            box.remove();
            if (hadFocus && input) {
                input.focus();
            }
        };
        const pause = () => {
            if (timer) {
                clearTimeout(timer);
                timer = 0;
                left -= Date.now() - started;
            }
        };
        const resume = () => {
            if (!timer && !hovered && !box.contains(document.activeElement)) {
                started = Date.now();
                timer = setTimeout(remove, Math.max(left, 1500));
            }
        };
        close.addEventListener('click', remove);
        box.addEventListener('mouseenter', () => { hovered = true; pause(); });
        box.addEventListener('mouseleave', () => { hovered = false; resume(); });
        box.addEventListener('focusin', pause);
        box.addEventListener('focusout', () => setTimeout(resume, 0));
        box.addEventListener('keydown', (e) => {
            if (e.key === 'Escape') {
                remove();
            }
        });
        toasts.append(box);
        while (toasts.children.length > TOASTS_MAX) {
            toasts.firstElementChild.remove();
        }
        resume();
        return box;
    }

    function link(href, text) {
        const a = el('a', '', text);
        a.href = href;
        return a;
    }

    // ------------------------------------------------------------- uploads
    // One file: its item in #upload-list and its request.
    class Upload {
        constructor(file) {
            this.file = file;
            this.xhr = null;
            this.state = '';
            this.started = 0;
            this.sample = null;     // { t, loaded } of the last speed sample
            this.rate = 0;          // bytes/s, smoothed

            const id = `upload-${++nextId}`;
            this.li = el('li', 'upload-item');
            this.li.id = id;
            const head = el('div', 'upload-head');
            this.name = el('span', 'upload-name', file.name);
            this.name.id = `${id}-name`;
            head.append(this.name, el('span', 'upload-size', formatSize(file.size)));
            this.bar = el('progress', 'upload-bar');
            this.bar.max = 100;
            this.bar.value = 0;
            this.bar.setAttribute('aria-labelledby', `${id}-name`);
            const meta = el('div', 'upload-meta');
            this.status = el('span', 'upload-status');
            // changes many times a second: kept out of the live region
            this.stats = el('span', 'upload-stats');
            this.stats.setAttribute('aria-hidden', 'true');
            meta.append(this.status, this.stats);
            this.button = el('button', 'small upload-cancel', 'Cancel');
            this.button.type = 'button';
            this.button.setAttribute('aria-label', `Cancel the upload of ${file.name}`);
            this.button.addEventListener('click', () => this.onButton());
            const body = el('div', 'upload-body');
            body.append(head, this.bar, meta);
            this.li.append(body, this.button);
            this.setState('queued', 'Waiting…');
            list.append(this.li);
        }

        setState(state, text) {
            this.state = state;
            this.li.dataset.state = state;
            this.status.textContent = text;
        }

        get finished() {
            return ['done', 'error', 'cancelled'].includes(this.state);
        }

        onButton() {
            if (this.finished) {
                this.dismiss();
            } else {
                this.cancel();
            }
        }

        start() {
            const xhr = new XMLHttpRequest();
            const body = new FormData();
            const token = form.querySelector('input[name="csrf_token"]');
            // the server reads the token before any file
            body.append('csrf_token', token ? token.value : '');
            // who may see it (operations accounts): as chosen in the form
            const audience = form.querySelector('[name="audience"]');
            if (audience) {
                body.append('audience', audience.value);
            }
            body.append('file', this.file, this.file.name);
            this.xhr = xhr;
            this.started = performance.now();
            this.sample = { t: this.started, loaded: 0 };
            this.setState('uploading', 'Uploading…');
            this.stats.textContent = '0%';
            xhr.open('POST', new URL(form.getAttribute('action') || '', document.baseURI).href);
            xhr.setRequestHeader('Accept', 'application/json');
            xhr.upload.addEventListener('progress', (e) => this.onProgress(e));
            xhr.upload.addEventListener('load', () => this.onSent());
            xhr.addEventListener('load', () => this.onAnswer());
            xhr.addEventListener('error', () => this.fail(
                'The connection to the server was lost. Check your network and try again.'));
            xhr.addEventListener('timeout', () => this.fail('The server did not answer in time.'));
            xhr.addEventListener('abort', () => {
                if (!this.finished) {
                    this.finish('cancelled', 'Cancelled');
                }
            });
            xhr.send(body);
        }

        onProgress(e) {
            if (this.state !== 'uploading' || !e.lengthComputable || !e.total) {
                return;
            }
            const now = performance.now();
            const pct = Math.min(100, Math.floor((e.loaded / e.total) * 100));
            this.bar.value = pct;
            const dt = (now - this.sample.t) / 1000;
            if (dt >= 0.25) {
                const r = (e.loaded - this.sample.loaded) / dt;
                this.rate = this.rate ? 0.7 * this.rate + 0.3 * r : r;
                this.sample = { t: now, loaded: e.loaded };
            } else if (!this.rate && now > this.started) {
                this.rate = e.loaded / ((now - this.started) / 1000);
            }
            const parts = [`${pct}%`];
            if (this.rate > 0) {
                parts.push(formatSpeed(this.rate));
                if (e.loaded < e.total) {
                    parts.push(`${formatDuration((e.total - e.loaded) / this.rate)} left`);
                }
            }
            this.stats.textContent = parts.join(' · ');
        }

        // Every byte is sent: the server hashes, checks and stamps it now.
        onSent() {
            if (this.state !== 'uploading') {
                return;
            }
            this.bar.removeAttribute('value');  // indeterminate
            this.setState('processing', 'Checking and storing…');
            const secs = (performance.now() - this.started) / 1000;
            this.stats.textContent = secs > 0.05
                ? `100% · ${formatSpeed(this.file.size / secs)}` : '100%';
        }

        onAnswer() {
            const xhr = this.xhr;
            let data = null;
            try {
                data = JSON.parse(xhr.responseText);
            } catch (err) {
                data = null;
            }
            if (xhr.status >= 200 && xhr.status < 300) {
                const info = data && Array.isArray(data.files) ? data.files[0] : null;
                if (info && info.url) {
                    this.done(info);
                } else {
                    this.fail('The server stored the upload but its answer could not be read. '
                              + 'Reload the page to see your files.');
                }
                return;
            }
            this.fail(data && typeof data.message === 'string' && data.message
                      ? data.message : fallbackMessage(xhr.status, xhr.statusText));
        }

        done(info) {
            const a = link(info.url, info.name || this.file.name);
            a.className = 'upload-link';
            this.name.replaceChildren(a);
            this.bar.value = 100;
            this.stats.textContent = '';
            this.finish('done', 'Uploaded');
            toast('success', 'Uploaded ', link(info.url, info.name || this.file.name), '.');
        }

        fail(message) {
            if (this.finished) {
                return;
            }
            this.bar.value = 0;
            this.stats.textContent = '';
            const why = el('p', 'upload-error', message);
            this.li.querySelector('.upload-body').append(why);
            this.finish('error', 'Not uploaded');
            toast('error', message);
        }

        cancel() {
            if (this.finished) {
                return;
            }
            const waiting = queue.indexOf(this);
            if (waiting >= 0) {
                queue.splice(waiting, 1);
                this.finish('cancelled', 'Cancelled');
            } else if (this.xhr) {
                this.xhr.abort();   // its abort listener finishes it
            }
        }

        finish(state, text) {
            if (!this.bar.hasAttribute('value')) {
                this.bar.value = 0;     // no longer indeterminate
            }
            if (state === 'cancelled') {
                this.stats.textContent = '';
            }
            this.setState(state, text);
            this.button.textContent = 'Dismiss';
            this.button.setAttribute('aria-label', `Remove ${this.file.name} from this list`);
            if (batch) {
                if (state === 'done') {
                    batch.ok += 1;
                } else if (state === 'error') {
                    batch.failed += 1;
                }
            }
            if (running.delete(this)) {
                pump();
            }
        }

        dismiss() {
            const next = this.li.nextElementSibling || this.li.previousElementSibling;
            const hadFocus = this.li.contains(document.activeElement);
            this.li.remove();
            if (hadFocus) {
                const target = next && next.querySelector('button');
                (target || input || form).focus();
            }
        }
    }

    function fallbackMessage(status, statusText) {
        switch (status) {
        case 401:
            return 'You are no longer signed in. Sign in again and upload the file.';
        case 403:
            return 'The form has expired. Reload the page and upload again.';
        case 413:
            return 'The file is larger than the server accepts.';
        case 415:
            return 'Files of this type are not accepted here.';
        default:
            return status >= 500
                ? `The server could not store the file (HTTP ${status}). Please try again later.`
                : `The upload failed (HTTP ${status}${statusText ? ` ${statusText}` : ''}).`;
        }
    }

    // Start what fits; when nothing is left, end the batch.
    function pump() {
        while (running.size < PARALLEL && queue.length) {
            const upload = queue.shift();
            running.add(upload);
            upload.start();
        }
        if (batch && !running.size && !queue.length) {
            const ended = batch;
            batch = null;
            window.removeEventListener('beforeunload', holdPage);
            if (ended.ok) {
                setTimeout(refreshFiles, REFRESH_DELAY);
            }
        }
    }

    function holdPage(e) {
        e.preventDefault();
        e.returnValue = '';     // older browsers want this to ask
    }

    // Check and queue files (an array of File).
    function add(files) {
        if (!files.length) {
            toast('error', 'Choose at least one file to upload.');
            return;
        }
        const maxFiles = positive(form.dataset.maxFiles);
        if (maxFiles && files.length > maxFiles) {
            toast('error', `You chose ${files.length} files; at most ${maxFiles} can be uploaded at once.`);
            return;
        }
        let queued = 0;
        for (const file of files) {
            const upload = new Upload(file);
            const why = refusal(file);
            if (why) {
                upload.fail(why);
            } else {
                queue.push(upload);
                queued += 1;
            }
        }
        if (queued) {
            if (!batch) {
                batch = { ok: 0, failed: 0 };
                window.addEventListener('beforeunload', holdPage);
            }
            pump();
        }
    }

    // ---------------------------------------------------- the stored files
    // /files shows the user's files in a card holding #files-table (or
    // #no-files when there are none yet): fetch the page again and put
    // the new card's content in place.  Elsewhere there is nothing to do.
    function storedFiles(doc) {
        const anchor = doc.getElementById('files-table') || doc.getElementById('no-files');
        return anchor ? anchor.closest('section') : null;
    }

    async function refreshFiles() {
        const here = storedFiles(document);
        if (!here || batch) {
            return;
        }
        try {
            const res = await fetch(window.location.href, {
                headers: { Accept: 'text/html' },
                credentials: 'same-origin',
                cache: 'no-store',
            });
            if (!res.ok) {
                throw new Error(`HTTP ${res.status}`);
            }
            const doc = new DOMParser().parseFromString(await res.text(), 'text/html');
            const fresh = storedFiles(doc);
            if (!fresh) {
                throw new Error('no list of files in the page');
            }
            here.replaceChildren(...Array.from(fresh.childNodes, (n) => document.importNode(n, true)));
            here.classList.add('is-refreshed');
        } catch (err) {
            offerReload();
        }
    }

    function offerReload() {
        if (document.getElementById('upload-reload')) {
            return;
        }
        const p = el('p', 'upload-reload', 'The list of your files could not be updated. ');
        p.id = 'upload-reload';
        p.append(link(window.location.href, 'Refresh the list'), '.');
        list.after(p);
    }

    // ------------------------------------------------------ form, drag & drop
    function hasFiles(e) {
        return !!e.dataTransfer && Array.from(e.dataTransfer.types || []).includes('Files');
    }

    // The dropped files, without folders (their entries cannot be read as
    // files); says so when some were left out.
    function dropped(dt) {
        const files = [];
        let folders = 0;
        if (dt.items && dt.items.length) {
            for (const item of Array.from(dt.items)) {
                if (item.kind !== 'file') {
                    continue;
                }
                const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
                if (entry && entry.isDirectory) {
                    folders += 1;
                    continue;
                }
                const file = item.getAsFile();
                if (file) {
                    files.push(file);
                }
            }
        } else {
            files.push(...Array.from(dt.files || []));
        }
        if (folders) {
            toast('error', folders === 1 ? 'Folders cannot be uploaded: drop the files in it instead.'
                : `${folders} folders were left out: drop the files in them instead.`);
        }
        return { files, folders };
    }

    function highlight(on) {
        dropzone.classList.toggle('is-dragover', on);
    }

    form.addEventListener('dragenter', (e) => {
        if (hasFiles(e)) {
            e.preventDefault();
            highlight(true);
        }
    });
    form.addEventListener('dragover', (e) => {
        if (hasFiles(e)) {
            e.preventDefault();
            e.dataTransfer.dropEffect = 'copy';
            highlight(true);
        }
    });
    form.addEventListener('dragleave', (e) => {
        // leaving for a child of the form is no leaving (relatedTarget is
        // null in some browsers: dragover sets it again at once)
        if (!e.relatedTarget || !form.contains(e.relatedTarget)) {
            highlight(false);
        }
    });
    form.addEventListener('drop', (e) => {
        if (!hasFiles(e)) {
            return;
        }
        e.preventDefault();
        highlight(false);
        const { files, folders } = dropped(e.dataTransfer);
        if (files.length || !folders) {
            add(files);
        }
    });
    // Files dropped next to the form would replace the page with the file.
    window.addEventListener('dragover', (e) => {
        if (hasFiles(e) && !form.contains(e.target)) {
            e.preventDefault();
            e.dataTransfer.dropEffect = 'none';
        }
    });
    window.addEventListener('drop', (e) => {
        if (hasFiles(e) && !form.contains(e.target)) {
            e.preventDefault();
        }
    });
    window.addEventListener('dragend', () => highlight(false));

    form.addEventListener('submit', (e) => {
        e.preventDefault();
        const files = input && input.files ? Array.from(input.files) : [];
        if (!files.length) {
            toast('error', 'Choose at least one file to upload.');
            if (input) {
                input.focus();
            }
            return;
        }
        add(files);
        input.value = '';       // the same files can be chosen again
    });

    form.classList.add('is-enhanced');
    const hint = document.getElementById('drop-hint');
    if (hint) {
        hint.prepend(el('span', 'drop-call', 'You can also drop files here. '));
    }
})();
