/* The public reservation site's proof of work (ALTCHA protocol, self-hosted): find the number
   n <= maxnumber with SHA-256(salt + n) = challenge, using the browser's WebCrypto, and put
   the answer in the form's hidden "altcha" field. Nothing is sent anywhere else. */
(function () {
  "use strict";

  var BATCH = 500;

  function hex(buffer) {
    var bytes = new Uint8Array(buffer);
    var out = "";
    for (var i = 0; i < bytes.length; i++) {
      out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    }
    return out;
  }

  function digest(text) {
    return window.crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)).then(hex);
  }

  function solve(salt, challenge, maxnumber) {
    function batch(start) {
      if (start > maxnumber) {
        return Promise.resolve(null);
      }
      var end = Math.min(start + BATCH - 1, maxnumber);
      var tries = [];
      for (var n = start; n <= end; n++) {
        tries.push(digest(salt + n));
      }
      return Promise.all(tries).then(function (hashes) {
        var found = hashes.indexOf(challenge);
        return found >= 0 ? start + found : batch(end + 1);
      });
    }
    return batch(0);
  }

  function setUp(form) {
    var data = form.dataset;
    var field = form.querySelector("input[name=altcha]");
    var status = document.getElementById("yoyaku-altcha-status");
    var button = form.querySelector("button[type=submit]");
    var solved = null;
    var waiting = false;

    function say(text) {
      status.hidden = false;
      status.textContent = text;
    }

    if (!window.crypto || !window.crypto.subtle || !window.TextEncoder) {
      say("このブラウザでは確認の計算ができません。新しいブラウザでお試しいただくか、コールセンターへお電話ください。");
      return;
    }
    say("確認の計算をしています…");
    solved = solve(data.altchaSalt, data.altchaChallenge, parseInt(data.altchaMaxnumber, 10)).then(
      function (number) {
        if (number === null) {
          say("確認の計算ができませんでした。画面を開き直してください。");
          return false;
        }
        field.value = btoa(JSON.stringify({
          algorithm: data.altchaAlgorithm,
          challenge: data.altchaChallenge,
          number: number,
          salt: data.altchaSalt,
          signature: data.altchaSignature
        }));
        form.dataset.altchaSolved = "true";
        say("確認できました。");
        return true;
      }
    );

    // A press before the answer is found waits for it, then sends the form.
    form.addEventListener("submit", function (event) {
      if (form.dataset.altchaSolved === "true") {
        return;
      }
      event.preventDefault();
      if (waiting) {
        return;
      }
      waiting = true;
      button.disabled = true;
      say("確認の計算が終わりしだい送信します…");
      solved.then(function (ok) {
        button.disabled = false;
        waiting = false;
        if (ok) {
          form.submit();
        }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("yoyaku-signin");
    if (form) {
      setUp(form);
    }
  });
})();
