// Every page: after a failed submit or a confirmation, move focus to the error summary or the
// message so that screen readers announce it (the autofocus attribute does the same where
// supported; this covers the rest). Progressive enhancement: pages work without it.
(function () {
  "use strict";
  function focusFirst() {
    var target = document.querySelector("[data-autofocus]");
    if (!target) { return; }
    var active = document.activeElement;
    if (active && active !== document.body && active !== target && active.closest("main") === null) { return; }
    target.focus();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusFirst);
  } else {
    focusFirst();
  }
}());
