// Case page (templates/dunning/cases/case.html, loaded only when a contact may be recorded):
// keys 1–4 choose who answered, wherever no text is being typed. It only enhances: the radios
// (and their accesskeys) work without it.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || !/^[1-4]$/.test(event.key)) return;
    var target = event.target;
    if (target.closest && target.closest("input:not([type=radio]):not([type=checkbox]), textarea, select")) return;
    var radio = document.querySelector('input[name="party"][data-key="' + event.key + '"]');
    if (!radio) return;
    radio.checked = true;
    radio.focus();
    event.preventDefault();
  });
})();
