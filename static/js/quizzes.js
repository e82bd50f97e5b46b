// Quiz attempts: save answers on the server as they change (progressive enhancement: the
// form's own "Save answers" and "Submit" buttons work without this file).
(function () {
  "use strict";
  var form = document.getElementById("quiz-form");
  if (!form) { return; }
  var canSave = !!(window.fetch && window.FormData);
  var status = document.getElementById("quiz-status");
  var saveUrl = form.getAttribute("data-save-url");
  var inFlight = false;
  var pending = false;
  var timer = null;
  var version = 0;  // raised on every change; the form is "clean" once that version is saved

  function say(text) { if (status) { status.textContent = text; } }

  function send() {
    if (!canSave) { return; }
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

  if (canSave) {
    form.addEventListener("change", function () { later(100); });
    form.addEventListener("input", function (event) {
      if (event.target && event.target.type === "text") { later(800); }
    });
  }

  // The timer (WCAG 2.2.1): "Time left: 44 min", a warning in the alert region at 5 and at 1
  // minute, and at zero the form is submitted for the learner with what they have answered.
  var clock = document.getElementById("quiz-timer");
  if (clock) {
    var deadline = Date.parse(clock.getAttribute("data-deadline"));
    var alertBox = document.getElementById("quiz-time-alert");
    var warned5 = false;
    var warned1 = false;
    var submitted = false;
    var text = function (name, n) {
      return clock.getAttribute("data-" + name + "-text").replace("{n}", String(n));
    };
    var announce = function (message) { if (alertBox) { alertBox.textContent = message; } };
    var tick = function () {
      var left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      var shown = left >= 60 ? text("minutes", Math.ceil(left / 60)) : text("seconds", left);
      if (clock.textContent !== shown) { clock.textContent = shown; }
      if (left <= 60 && left > 0 && !warned1) {
        warned1 = true;
        warned5 = true;
        announce(text("warn1"));
      } else if (left <= 300 && left > 60 && !warned5) {
        warned5 = true;
        announce(text("warn5"));
      }
      if (left === 0) {
        if (!submitted) {
          submitted = true;
          announce(text("timeup"));
          form.setAttribute("aria-busy", "true");
          if (timer) { clearTimeout(timer); timer = null; }
          form.submit();  // the form's own action: grade with the answers as they stand
        }
        return;
      }
      setTimeout(tick, 1000);
    };
    tick();
  }
}());
