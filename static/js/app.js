// Every page: after a failed submit or a confirmation, move focus to the error summary or the
// message so that screen readers announce it (the autofocus attribute does the same where
// supported; this covers the rest). Progressive enhancement: pages work without it.
(function () {
  "use strict";
  function focusFirst() {
    var target = document.querySelector("[data-autofocus]");
    if (!target) { return; }
    var active = document.activeElement;
    if (active && active !== document.body && active !== target) { return; }
    target.focus();
  }
  // Copy buttons: <button data-copy="ID of an input" hidden> appear only where they work.
  function copyButtons() {
    if (!navigator.clipboard) { return; }
    document.querySelectorAll("button[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source) { return; }
      button.hidden = false;
      var label = button.textContent;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(source.value || source.textContent).then(function () {
          button.textContent = button.getAttribute("data-copied-text") || label;
          setTimeout(function () { button.textContent = label; }, 3000);
        });
      });
    });
  }
  // Registration: <select data-browser-zone> starts on the browser's time zone. Options carry
  // the older ids some browsers report instead (data-also="Asia/Calcutta").
  function browserZone() {
    var select = document.querySelector("select[data-browser-zone]");
    if (!select || !window.Intl) { return; }
    var zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) { return; }
    for (var i = 0; i < select.options.length; i++) {
      var option = select.options[i];
      var also = (option.getAttribute("data-also") || "").split(" ");
      if (option.value === zone || also.indexOf(zone) !== -1) {
        select.value = option.value;
        return;
      }
    }
  }
  function ready() { focusFirst(); copyButtons(); browserZone(); }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
}());
