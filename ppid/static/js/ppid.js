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
  /* A choice that reveals its own fields (macros.html reveal): without JavaScript the form
     asks for the choice first and the next page shows only its fields; with it, the fields
     of the value chosen appear in place, the others are hidden and disabled (not sent), and
     the form posts to data-post-action. */
  function setControls(root, off) {
    Array.prototype.forEach.call(root.querySelectorAll("input, select, textarea, button"),
                                 function (c) { c.disabled = off; });
  }
  Array.prototype.forEach.call(document.querySelectorAll("form[data-reveal-form]"), function (form) {
    var control = form.querySelector("[data-reveal-control]");
    var panel = form.querySelector("[data-reveal-panel]");
    if (!control || !panel) { return; }
    if (form.getAttribute("data-post-action")) {
      form.method = "post";
      form.action = form.getAttribute("data-post-action");
    }
    Array.prototype.forEach.call(form.querySelectorAll("[data-reveal-next]"),
                                 function (b) { b.hidden = true; b.disabled = true; });
    function apply() {
      var value = control.value;
      panel.hidden = !value;
      panel.disabled = !value;
      Array.prototype.forEach.call(panel.querySelectorAll("[data-reveal-values]"), function (el) {
        var on = (" " + el.getAttribute("data-reveal-values") + " ").indexOf(" " + value + " ") >= 0;
        el.hidden = !on;
        setControls(el, !on);
      });
    }
    control.addEventListener("change", apply);
    apply();
  });

  /* A link to a folded disclosure (macros.html disclosure) opens it. */
  function openTarget() {
    var target = location.hash && document.getElementById(location.hash.slice(1));
    if (target && target.tagName === "DETAILS") { target.open = true; }
  }
  window.addEventListener("hashchange", openTarget);
  openTarget();

  document.addEventListener("click", function (event) {
    menus.forEach(function (menu) {
      if (menu.open && !menu.contains(event.target)) { menu.open = false; }
    });
  });
})();
