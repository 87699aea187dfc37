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
