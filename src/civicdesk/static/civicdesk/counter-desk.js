// The desk (templates/counter/desk/page.html): one key per button, wherever no text is being
// typed — N 次の方, Enter/Space 対応開始, R 再呼出, F 不在, H 保留, C 完了, T the transfer
// list, S 審査依頼 (the requests area of {% ticket_work %}: the element marked
// data-desk-review there, else the area itself). Only enhances: every button is a POST form.
(function () {
  "use strict";
  var KEYS = { n: "n", r: "r", f: "f", h: "h", c: "c", enter: "enter", " ": "enter" };

  function typing(target) {
    return target.closest && target.closest("input, textarea, select, [contenteditable]");
  }

  function focusReview() {
    var area = document.getElementById("ticket-work");
    if (!area) return false;
    var hook = area.querySelector("[data-desk-review]") || area;
    hook.focus();
    hook.scrollIntoView({ block: "center" });
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey || event.repeat) return;
    if (typing(event.target)) return;
    var key = event.key.toLowerCase();
    if (key === "t") {
      var select = document.querySelector(".desk-transfer select");
      if (select) { select.focus(); event.preventDefault(); }
      return;
    }
    if (key === "s") {
      if (focusReview()) event.preventDefault();
      return;
    }
    // Enter and Space on a focused button or link keep their own meaning.
    if ((key === "enter" || key === " ") && event.target.closest("button, a")) return;
    var name = KEYS[key];
    if (!name) return;
    var button = document.querySelector('[data-key="' + name + '"]');
    if (!button || button.disabled) return;
    event.preventDefault();
    button.click();
    button.disabled = true;  // one press, one POST (the form was already sent by the click)
  });

  var review = document.querySelector('[data-key="s"]');
  if (review) {
    review.addEventListener("click", function (event) {
      if (focusReview()) event.preventDefault();
    });
  }
})();
