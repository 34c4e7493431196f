/* Assessment pages: a submit button with data-confirm asks before its form is sent (the
 * self-score form's 保存并提交; 保存 needs no question). The site's own data-confirm asks for
 * a whole form; the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = button ? button.dataset.confirm : undefined;
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
