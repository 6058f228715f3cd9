/* Visit results that could not be sent (訪問結果の未送信分), kept on the tablet and sent again.
 *
 * On the stop page, 保存 sends the form with fetch. When the network fails (fetch rejects) or
 * the server answers 5xx, the form's fields are kept in localStorage under the form's
 * client_key, and every visit page shows how many are waiting. They are sent again on the
 * `online` event and every 15 seconds. The server saves a client_key once, so a resend after a
 * lost response never makes a second record.
 *
 * Ends of a resend: 2xx → saved, removed from the tablet at once; 4xx → not accepted (shown as
 * 「送信できませんでした」 with a link to the stop; the typed fields are removed, only the link
 * stays); 5xx or no network → kept. A redirect means the session ended (the server answers
 * a script with JSON, never a redirect): kept, and sent after the next sign-in.
 *
 * Without JavaScript the form posts normally and none of this runs.
 */
(function () {
  "use strict";

  var PREFIX = "civicdesk:visit-unsent:";
  var RETRY_MS = 15000;
  var sending = {};

  function storage() {
    try {
      return window.localStorage;
    } catch (error) {
      return null; // storage disabled: the form still posts, nothing is kept
    }
  }

  function entries() {
    var store = storage();
    var found = [];
    if (!store) return found;
    for (var i = 0; i < store.length; i++) {
      var key = store.key(i);
      if (key && key.indexOf(PREFIX) === 0) {
        try {
          found.push({ key: key, value: JSON.parse(store.getItem(key)) });
        } catch (error) {
          store.removeItem(key); // unreadable: nothing to resend
        }
      }
    }
    return found;
  }

  function keep(clientKey, value) {
    var store = storage();
    if (!store) return false;
    try {
      store.setItem(PREFIX + clientKey, JSON.stringify(value));
      return true;
    } catch (error) {
      return false; // full or refused
    }
  }

  function forget(key) {
    var store = storage();
    if (store) store.removeItem(key);
  }

  function csrfToken() {
    // The shell puts the current token on <body hx-headers>; a kept form's own token may
    // belong to an earlier session.
    try {
      var headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
      return headers["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  function send(url, fields, resend) {
    var body = new URLSearchParams();
    var token = csrfToken();
    fields.forEach(function (pair) {
      if (pair[0] === "csrfmiddlewaretoken" && token) {
        body.append(pair[0], token);
      } else {
        body.append(pair[0], pair[1]);
      }
    });
    var headers = { "X-Requested-With": "XMLHttpRequest" };
    if (token) headers["X-CSRFToken"] = token;
    if (resend) headers["X-Visit-Resend"] = "1";
    return fetch(url, {
      method: "POST",
      body: body,
      headers: headers,
      credentials: "same-origin",
      redirect: "manual",
    });
  }

  // "sent" | "refused" | "keep"
  function verdict(response) {
    if (response.type === "opaqueredirect") return "keep";
    if (response.status >= 200 && response.status < 300) return "sent";
    if (response.status >= 300 && response.status < 400) return "keep";
    if (response.status >= 400 && response.status < 500) return "refused";
    return "keep";
  }

  function resendAll() {
    entries().forEach(function (entry) {
      var value = entry.value || {};
      if (value.failed || !value.url || !value.fields || sending[entry.key]) return;
      sending[entry.key] = true;
      send(value.url, value.fields, true)
        .then(function (response) {
          var result = verdict(response);
          if (result === "sent") {
            forget(entry.key);
            noteSent(entry.key);
          } else if (result === "refused") {
            // Only the way back to the stop stays: no personal data is kept.
            keep(entry.key.slice(PREFIX.length), {
              url: value.url,
              label: value.label || "",
              failed: true,
            });
          }
        })
        .catch(function () {
          /* still offline: kept */
        })
        .then(function () {
          delete sending[entry.key];
          render();
        });
    });
  }

  function noteSent(key) {
    var form = document.querySelector("[data-visit-form]");
    if (!form || PREFIX + clientKeyOf(form) !== key) return;
    status(form, "未送信だった結果を送信しました。");
    var button = form.querySelector('button[type="submit"]');
    if (button) button.disabled = true;
  }

  function clientKeyOf(form) {
    var input = form.querySelector('input[name="client_key"]');
    return input ? input.value : "";
  }

  function status(form, text) {
    var place = form.querySelector("[data-visit-status]");
    if (place) place.textContent = text;
  }

  function render() {
    var banner = document.getElementById("visit-offline-banner");
    if (!banner) return;
    var all = entries();
    var waiting = all.filter(function (e) { return e.value && !e.value.failed; });
    var failed = all.filter(function (e) { return e.value && e.value.failed; });
    banner.textContent = "";
    if (waiting.length) {
      var line = document.createElement("p");
      line.className = "visit-offline-waiting";
      line.setAttribute("data-testid", "visit-unsent-count");
      line.textContent =
        "未送信の結果が " + waiting.length + " 件あります。接続が戻ると自動で再送します。";
      banner.appendChild(line);
    }
    failed.forEach(function (entry) {
      var row = document.createElement("p");
      row.className = "visit-offline-failed";
      row.appendChild(document.createTextNode("送信できませんでした: "));
      var link = document.createElement("a");
      link.href = entry.value.url;
      link.textContent = (entry.value.label || "訪問先") + "を開いて入力し直す";
      row.appendChild(link);
      var close = document.createElement("button");
      close.type = "button";
      close.className = "button-secondary visit-offline-dismiss";
      close.textContent = "閉じる";
      close.addEventListener("click", function () {
        forget(entry.key);
        render();
      });
      row.appendChild(document.createTextNode(" "));
      row.appendChild(close);
      banner.appendChild(row);
    });
    banner.hidden = !waiting.length && !failed.length;
  }

  function hookForm(form) {
    form.addEventListener("submit", function (event) {
      if (!window.fetch || !storage()) return; // the plain post
      event.preventDefault();
      var button = form.querySelector('button[type="submit"]');
      if (button && button.disabled) return;
      var visited = form.querySelector('input[name="visited_at"]');
      if (visited) visited.value = new Date().toISOString();
      // Exactly what the form holds (disabled fields are not part of it).
      var fields = [];
      new FormData(form).forEach(function (value, name) {
        if (typeof value === "string") fields.push([name, value]);
      });
      var url = form.getAttribute("action") || window.location.pathname; // a path: same site only
      if (button) button.disabled = true;
      status(form, "送信しています…");
      send(url, fields, false)
        .then(function (response) {
          var result = verdict(response);
          if (result === "sent") {
            forget(PREFIX + clientKeyOf(form)); // kept by an earlier attempt: sent now
            return response.json().then(function (data) {
              window.location.assign(data.next || url);
            });
          }
          if (result === "refused") {
            // Invalid input: post the form the ordinary way, the page comes back with the
            // messages next to the fields (nothing was saved, so nothing is duplicated).
            HTMLFormElement.prototype.submit.call(form);
            return;
          }
          if (response.type === "opaqueredirect") {
            keepUnsent(form, url, fields, "ログインし直すと再送します。");
            return;
          }
          keepUnsent(form, url, fields);
        })
        .catch(function () {
          keepUnsent(form, url, fields);
        });
    });
  }

  function keepUnsent(form, url, fields, note) {
    var saved = keep(clientKeyOf(form), {
      url: url,
      label: form.getAttribute("data-stop-label") || "",
      fields: fields,
    });
    var button = form.querySelector('button[type="submit"]');
    if (!saved) {
      if (button) button.disabled = false;
      status(form, "送信できませんでした。接続を確認して、もう一度「保存」を押してください。");
      return;
    }
    status(form, "この結果は未送信です。タブレットに保存しました。" + (note || ""));
    render();
  }

  function start() {
    var form = document.querySelector("[data-visit-form]");
    if (form) hookForm(form);
    render();
    window.addEventListener("online", resendAll);
    window.setInterval(resendAll, RETRY_MS);
    window.addEventListener("storage", render); // another tab sent or kept one
    if (navigator.onLine !== false) resendAll();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
