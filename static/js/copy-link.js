// Copy buttons for read-only links: hidden without JavaScript (the link is there to select),
// shown and working with it. Says "Copied" to screen readers through a status region.
(function () {
  "use strict";

  function copy(text, field) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    field.focus();
    field.select();
    return document.execCommand("copy") ? Promise.resolve() : Promise.reject(new Error("copy"));
  }

  document.querySelectorAll("[data-copy-target]").forEach(function (button) {
    var id = button.getAttribute("data-copy-target");
    var field = document.getElementById(id);
    var status = document.querySelector('[data-copy-status="' + id + '"]');
    if (!field) {
      return;
    }
    var label = button.textContent;
    button.hidden = false;
    button.addEventListener("click", function () {
      copy(field.value, field).then(
        function () {
          button.textContent = "Copied";
          if (status) {
            status.textContent = "Link copied.";
          }
          window.setTimeout(function () {
            button.textContent = label;
          }, 3000);
        },
        function () {
          field.focus();
          field.select();
          if (status) {
            status.textContent = "Select the link and copy it.";
          }
        }
      );
    });
  });
})();
