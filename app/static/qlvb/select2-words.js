// Select2's messages in the page's language (words from #qlvb-select2-words in init.html),
// set as its defaults before FAB's ab.js makes the boxes.
(function () {
    var node = document.getElementById('qlvb-select2-words');
    if (!node || !window.jQuery || !jQuery.fn.select2) { return; }
    var w = node.dataset;
    function n(text, count) { return text.replace('{n}', count); }
    jQuery.fn.select2.defaults.set('language', {
        errorLoading: function () { return w.errorLoading; },
        inputTooLong: function (a) { return n(w.inputTooLong, a.input.length - a.maximum); },
        inputTooShort: function (a) { return n(w.inputTooShort, a.minimum - a.input.length); },
        loadingMore: function () { return w.loadingMore; },
        maximumSelected: function (a) { return n(w.maximumSelected, a.maximum); },
        noResults: function () { return w.noResults; },
        searching: function () { return w.searching; },
        removeAllItems: function () { return w.removeAllItems; }
    });
}());
