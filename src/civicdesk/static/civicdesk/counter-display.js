// Public call display (templates/counter/display/screen.html): polls the state every second
// with If-None-Match (an unchanged screen costs a 304 without a body), redraws the numbers
// with textContent only, and rings a two-tone chime (WebAudio, no audio file) for every new
// call or recall. Browsers start audio only after a gesture unless the kiosk allows autoplay
// (Chromium: --autoplay-policy=no-user-gesture-required); until then a button offers it.
(function () {
  "use strict";
  var body = document.body;
  var stateUrl = body.dataset.stateUrl;
  var pollMs = parseInt(body.dataset.pollMs, 10) || 1000;
  var etag = body.dataset.etag || "";
  var latest = parseInt(body.dataset.latest, 10) || 0;
  var failures = 0;
  var audio = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function replace(slot, nodes) {
    if (!slot) return;
    while (slot.firstChild) slot.removeChild(slot.firstChild);
    nodes.forEach(function (node) { slot.appendChild(node); });
  }

  function render(state) {
    var now = state.calls[0];
    var latestSlot = document.querySelector("[data-latest-slot]");
    var counter = el("p", "display-latest-counter");
    if (now) {
      counter.appendChild(el("span", "display-latest-counter-name", now.counter));
      counter.appendChild(el("span", "display-latest-please", "へお越しください"));
    }
    replace(latestSlot, now
      ? [el("p", "display-latest-number", now.label), counter]
      : [el("p", "display-empty", "お呼び出しまでお待ちください")]);
    replace(document.querySelector("[data-earlier-slot]"), state.calls.slice(1).map(function (call) {
      var item = el("li", "display-call");
      item.appendChild(el("span", "display-call-number", call.label));
      item.appendChild(el("span", "display-call-counter", call.counter));
      return item;
    }));
    var waiting = document.querySelector("[data-waiting-slot]");
    if (waiting) {
      replace(waiting, state.waiting.map(function (row) {
        var item = el("span", "display-waiting-queue", row.code + " " + row.name + " ");
        item.appendChild(el("strong", "", String(row.count)));
        item.appendChild(document.createTextNode("人"));
        return item;
      }));
    }
    var ready = document.querySelector("[data-ready-slot]");
    if (ready) {
      replace(ready, state.ready.length
        ? state.ready.map(function (label) { return el("span", "display-ready-number", label); })
        : [el("span", "display-ready-none", "―")]);
    }
    if (now && now.event > latest) {
      latest = now.event;
      chime();
      latestSlot.classList.remove("display-flash");
      void latestSlot.offsetWidth;  // restart the animation
      latestSlot.classList.add("display-flash");
    }
  }

  function context() {
    if (!audio) {
      var AudioContext = window.AudioContext || window.webkitAudioContext;
      if (!AudioContext) return null;
      audio = new AudioContext();
    }
    return audio;
  }

  function tone(ctx, frequency, start, length) {
    var oscillator = ctx.createOscillator();
    var gain = ctx.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.5, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + length);
    oscillator.connect(gain).connect(ctx.destination);
    oscillator.start(start);
    oscillator.stop(start + length);
  }

  function chime() {
    var ctx = context();
    if (!ctx) return;
    if (ctx.state === "suspended") { offerSound(); return; }
    var t = ctx.currentTime + 0.05;
    tone(ctx, 880, t, 0.7);        // ピン
    tone(ctx, 698.5, t + 0.5, 1.1); // ポーン
  }

  function offerSound() {
    var button = document.querySelector("[data-sound-button]");
    if (button) button.hidden = false;
  }

  function enableSound() {
    var ctx = context();
    if (!ctx) return;
    ctx.resume().then(function () {
      var button = document.querySelector("[data-sound-button]");
      if (button) button.hidden = true;
    });
  }

  function poll() {
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(stateUrl, { cache: "no-store", credentials: "omit", headers: headers })
      .then(function (response) {
        if (response.status === 403) { stop(); return null; }
        if (response.status === 304) return null;
        if (!response.ok) throw new Error(String(response.status));
        etag = response.headers.get("ETag") || "";
        return response.json();
      })
      .then(function (state) {
        failures = 0;
        document.querySelector("[data-offline]").hidden = true;
        if (state) render(state);
        schedule();
      })
      .catch(function () {
        failures += 1;
        if (failures >= 5) document.querySelector("[data-offline]").hidden = false;
        schedule();
      });
  }

  var stopped = false;
  function stop() {
    stopped = true;
    replace(document.querySelector("[data-latest-slot]"), [el("p", "display-empty", "この表示端末は停止されています")]);
  }

  function schedule() {
    if (!stopped) window.setTimeout(poll, pollMs);
  }

  function tick() {
    var clock = document.querySelector("[data-clock]");
    var now = new Date();
    clock.textContent = String(now.getHours()).padStart(2, "0") + ":" + String(now.getMinutes()).padStart(2, "0");
  }

  var button = document.querySelector("[data-sound-button]");
  button.addEventListener("click", enableSound);
  document.addEventListener("keydown", enableSound, { once: true });
  var ctx = context();
  if (ctx && ctx.state === "suspended") offerSound();
  tick();
  window.setInterval(tick, 1000);
  schedule();
})();
