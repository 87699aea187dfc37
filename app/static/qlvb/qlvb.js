// Date fields read and write dd/mm/yyyy (bootstrap-datepicker is bundled with FAB).
$(function () {
    if ($.fn.datepicker) {
        $('.qlvb_date input').datepicker({format: 'dd/mm/yyyy', autoclose: true, todayHighlight: true});
    }
});
