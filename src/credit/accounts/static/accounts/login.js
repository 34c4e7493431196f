/* The login pages: clicking the captcha image fetches a new captcha (credit.accounts.login).
 *
 * simple-captcha's refresh view answers {"key": ..., "image_url": ...}; the key goes into the
 * hidden field beside the image, the answer field is emptied. Without script the page still
 * works: the image is simply not renewed.
 */
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var image = event.target instanceof Element ? event.target.closest("img[data-captcha-refresh]") : null;
    if (!image) {
      return;
    }
    var field = image.closest(".captcha-field");
    fetch(image.dataset.captchaRefresh, {
      headers: { "X-Requested-With": "XMLHttpRequest" },
      credentials: "same-origin",
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data || !field) {
          return;
        }
        image.src = data.image_url;
        var key = field.querySelector("input[type=hidden]");
        var answer = field.querySelector("input[type=text]");
        if (key) { key.value = data.key; }
        if (answer) { answer.value = ""; answer.focus(); }
      });
  });
})();
