/* Page behaviour shared by the staff site and the portal, loaded by both base templates.
 *
 * The Content-Security-Policy (credit.core.headers) allows no inline script and no on…=
 * attribute, so templates declare behaviour with data attributes instead:
 *
 *   <form data-confirm="确定……？">   asks before submitting; "cancel" stops the submission.
 *   <button data-action="print">       prints the page.
 *   <nav class="menu"><details>…        the staff menu: one group open at a time, closed by
 *                                      a click elsewhere or Escape.
 *
 * The listeners sit on the document, so content swapped in by htmx behaves the same.
 */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (target && target.closest("[data-action='print']")) {
      window.print();
    }
    var inMenu = target ? target.closest(".menu") : null;
    closeMenus(inMenu ? target.closest("details") : null);
  });

  function closeMenus(except) {
    document.querySelectorAll(".menu details[open]").forEach(function (group) {
      if (group !== except) {
        group.open = false;
      }
    });
  }

  document.addEventListener("toggle", function (event) {
    var group = event.target;
    if (group instanceof HTMLDetailsElement && group.open && group.closest(".menu")) {
      closeMenus(group);
    }
  }, true);

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      closeMenus(null);
    }
  });
})();
