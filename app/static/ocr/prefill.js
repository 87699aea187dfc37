// The intake form's pre-fill (app/ocr/views.py PrefillView): the scan chosen as the main
// file is sent to the server, which reads the register fields from its first page in a
// background job; this script polls the job, then fills the fields still empty, each
// marked "read from the page" for the clerk to confirm or correct. Nothing is filled over
// what the clerk typed, and the form is sent as before.
(function () {
    'use strict';
    var script = document.currentScript;
    if (!script) { return; }
    var text = script.dataset;
    var input = document.querySelector('input[type="file"][name="main_file"]');
    if (!input || !input.form) { return; }
    var form = input.form;
    var status = document.createElement('div');
    status.className = 'qlvb-ocr-prefill help-block';
    status.setAttribute('aria-live', 'polite');
    input.parentNode.appendChild(status);

    function token() {
        var field = form.querySelector('input[name="csrf_token"]');
        return field ? field.value : '';
    }

    function progress(percent, label) {
        status.innerHTML = '';
        var bar = document.createElement('div');
        bar.className = 'progress qlvb-ocr-progress';
        var inner = document.createElement('div');
        inner.className = 'progress-bar progress-bar-striped active';
        inner.setAttribute('role', 'progressbar');
        inner.style.width = percent + '%';
        inner.textContent = label;
        bar.appendChild(inner);
        status.appendChild(bar);
    }

    function say(message, kind) {
        status.innerHTML = '';
        var box = document.createElement('div');
        box.className = 'alert alert-' + kind + ' qlvb-ocr-prefill-message';
        box.textContent = message;
        status.appendChild(box);
    }

    function mark(field) {
        var tag = document.createElement('span');
        tag.className = 'label label-info qlvb-from-page';
        tag.textContent = text.label;
        tag.title = text.confirm;
        field.parentNode.insertBefore(tag, field.nextSibling);
        field.classList.add('qlvb-from-page-field');
    }

    function fill(fields) {
        Object.keys(fields || {}).forEach(function (name) {
            var field = form.elements[name];
            var value = fields[name];
            if (!field || value === null || value === undefined || field.value) { return; }
            if (field.tagName === 'SELECT') {
                var option = field.querySelector('option[value="' + String(value) + '"]');
                if (!option) { return; }
            }
            field.value = value;
            field.dispatchEvent(new Event('change', {bubbles: true}));
            mark(field);
        });
    }

    function answer(data) {
        if (data.error) { say(data.error, 'warning'); return; }
        if (data.state === 'queued' || data.state === 'running') {
            progress(100, text.busy);
            window.setTimeout(function () { get(data.poll); }, 1500);
            return;
        }
        fill(data.fields);
        say(data.message || '', data.fields && Object.keys(data.fields).length ? 'info' : 'warning');
    }

    function request(method, url, body) {
        var xhr = new XMLHttpRequest();
        xhr.open(method, url);
        xhr.setRequestHeader('X-CSRFToken', token());
        xhr.setRequestHeader('Accept', 'application/json');
        xhr.responseType = 'json';
        xhr.onload = function () {
            answer(xhr.response || {error: text.failed});
        };
        xhr.onerror = function () { say(text.failed, 'warning'); };
        if (xhr.upload && body) {
            xhr.upload.onprogress = function (event) {
                if (event.lengthComputable) {
                    progress(Math.round(50 * event.loaded / event.total), text.sending);
                }
            };
        }
        xhr.send(body || null);
    }

    function get(url) { request('GET', url, null); }

    input.addEventListener('change', function () {
        var file = input.files && input.files[0];
        if (!file) { return; }
        var body = new FormData();
        body.append('main_file', file);
        body.append('csrf_token', token());
        progress(5, text.sending);
        request('POST', text.url, body);
    });
}());
