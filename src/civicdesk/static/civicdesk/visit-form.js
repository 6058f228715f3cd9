// Visit result form (templates/dunning/visit_results/stop.html): shows the fields of the
// chosen result only. Fields of the other results are disabled, so that what was typed before
// the result changed is not sent. Without JS everything shows. A file, not an inline script:
// the Content-Security-Policy runs scripts from our own origin only.
(function () {
  "use strict";
  var form = document.querySelector("[data-visit-form]");
  if (!form) return;
  function update() {
    var chosen = form.querySelector('input[name="result"]:checked');
    var group = chosen ? (chosen.value.indexOf("met_") === 0 ? "met" : chosen.value) : "";
    form.querySelectorAll("[data-for]").forEach(function (section) {
      section.hidden = section.getAttribute("data-for") !== group;
      section.querySelectorAll("input, select, textarea").forEach(function (input) {
        input.disabled = section.hidden;
      });
    });
  }
  form.addEventListener("change", update);
  update();
})();
