/* Registri PPID: progressive enhancement only. Every page works without this file. */
(function () {
  "use strict";

  /* After a failed submit, move to the error summary (GOV.UK pattern): it is at the top of
     the form without JavaScript; with it, it gets focus so that a screen reader reads it and
     a phone scrolls to it. */
  var summary = document.querySelector("[data-error-summary]");
  if (summary && !summary.closest("[data-example]")) {  /* (not the examples of /gaya) */
    summary.focus();
    if (summary.scrollIntoView) { summary.scrollIntoView({block: "start"}); }
  }

  /* The header's menus (<details>): one open at a time, closed by Escape or a click elsewhere. */
  var menus = Array.prototype.slice.call(document.querySelectorAll("details.nav-menu"));
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () {
      if (!menu.open) { return; }
      menus.forEach(function (other) { if (other !== menu) { other.open = false; } });
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    menus.forEach(function (menu) {
      if (menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });
  document.addEventListener("click", function (event) {
    menus.forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) { menu.open = false; }
    });
  });
})();
