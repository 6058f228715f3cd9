// Loaded by every page (templates/base.html). Behaviour that used to sit in inline handlers,
// which the Content-Security-Policy (script-src 'self') no longer runs.
(function () {
  "use strict";
  // <button data-confirm="…">: ask before submitting (e.g. cancelling an SMS batch). Delegated
  // from the document, so buttons that htmx swaps in later are covered too.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
