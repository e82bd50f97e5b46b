// Quiz attempts: save answers on the server as they change (progressive enhancement: the
// form's own "Save answers" and "Submit" buttons work without this file).
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form || !window.fetch || !window.FormData) { return; }
  var status = document.getElementById("quiz-status");
  var saveUrl = form.getAttribute("data-save-url");
  var inFlight = false;
  var pending = false;
  var timer = null;
  var version = 0;  // raised on every change; the form is "clean" once that version is saved

  function say(text) { if (status) { status.textContent = text; } }

  function send() {
    if (inFlight) { pending = true; return; }
    inFlight = true;
    pending = false;
    timer = null;
    var sent = version;
    // the whole form each time: the server keeps the latest complete set of answers
    fetch(saveUrl, {
      method: "POST", body: new FormData(form), credentials: "same-origin",
      headers: { "X-Requested-With": "fetch", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (r) {
      if (r.ok && r.data.saved) {
        if (sent === version && !timer) {
          form.setAttribute("data-dirty", "false");
          say(form.getAttribute("data-saved-text"));
        }
      } else {
        say(r.data.message || form.getAttribute("data-error-text"));
        if (r.data.result_url) { window.location.assign(r.data.result_url); }
      }
    }).catch(function () {
      say(form.getAttribute("data-offline-text"));
    }).then(function () {
      inFlight = false;
      if (pending) { send(); }
    });
  }

  function later(delay) {
    version += 1;
    form.setAttribute("data-dirty", "true");
    if (timer) { clearTimeout(timer); }
    timer = setTimeout(send, delay);
  }

  form.addEventListener("change", function () { later(100); });
  form.addEventListener("input", function (event) {
    if (event.target && event.target.type === "text") { later(800); }
  });

  var clock = document.getElementById("quiz-timer");
  if (clock) {
    var deadline = Date.parse(clock.getAttribute("data-deadline"));
    var tick = function () {
      var left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      clock.textContent = "(" + minutes + ":" + (seconds < 10 ? "0" : "") + seconds + ")";
      if (left > 0) { setTimeout(tick, 1000); }
    };
    tick();
  }
}());
