// Date fields read and write dd/mm/yyyy (bootstrap-datepicker is bundled with FAB).
$(function () {
    if ($.fn.datepicker) {
        $('.qlvb_date input').datepicker({format: 'dd/mm/yyyy', autoclose: true, todayHighlight: true});
    }
});

// Every form where text is typed offers to keep it as typed (no legacy-encoding conversion).
$(function () {
    var box = document.getElementById('qlvb-keep-typed');
    if (!box) { return; }
    $('form[method="post"], form[method="POST"]').each(function () {
        if ($(this).find('textarea, input[type="text"]').length === 0) { return; }
        if ($(this).find('input[name="password"]').length) { return; }
        var submit = $(this).find('button[type="submit"], input[type="submit"]').first();
        var node = document.importNode(box.content, true);
        if (submit.length) { submit.closest('div, p').before(node); } else { this.appendChild(node); }
    });
});

// Controls that FAB's list widget and Select2 leave without a name get one (in the page's
// language, from the #qlvb-a11y template): the row check boxes, Select2's search box.
$(function () {
    var words = document.getElementById('qlvb-a11y');
    if (!words) { return; }
    var w = words.dataset;
    function name() {
        $('input.action_check:not([aria-label])').each(function () {
            var cell = $(this).closest('tr').find('td').not(':has(input, .btn, script)').first();
            var row = cell.length ? cell[0].innerText.replace(/\s+/g, ' ').trim().slice(0, 80) : '';
            this.setAttribute('aria-label', row ? w.selectRow + ': ' + row : w.selectRow);
        });
        $('input.action_check_all:not([aria-label])').attr('aria-label', w.selectAll);
        $('.select2-search__field:not([aria-label])').attr('aria-label', w.search);
        $('ul.select2-selection__rendered:not([role])').attr('role', 'presentation');
        $('.select2-selection__rendered[id^="select2-"]:not([aria-label])').each(function () {
            var select = this.id.replace(/^select2-/, '').replace(/-container$/, '');
            var label = $('label[for="' + select + '"]').first().text().replace('*', '').trim();
            if (label) { this.setAttribute('aria-label', label); }
        });
    }
    name();
    $(document).on('select2:open select2:select select2:unselect', function () { setTimeout(name, 0); });
});
