// "Copy the link": shown only where the browser can copy; without it the
// link is still there to select and copy by hand.
(function () {
  "use strict";
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    var field = document.querySelector(button.getAttribute("data-copy"));
    var status = document.querySelector("[data-copy-status]");
    if (!field || !navigator.clipboard) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      navigator.clipboard.writeText(field.value).then(function () {
        if (status) status.textContent = "Copied. Paste it into your message.";
      }, function () {
        field.focus();
        field.select();
        if (status) status.textContent = "Select the link and copy it.";
      });
    });
  });
})();
