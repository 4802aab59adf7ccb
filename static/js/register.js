// The register without a page load per tap: each person's form is posted in the background
// and their row updated in place. Without JavaScript the same forms post and reload.
(function () {
  "use strict";
  document.querySelectorAll("form.register-form").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      var button = event.submitter;
      if (!button || !window.fetch) {
        return;
      }
      event.preventDefault();
      var data = new FormData(form);
      data.set("status", button.value);
      var status = form.querySelector(".register-status");
      fetch(form.action, {
        method: "POST",
        body: data,
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(response.statusText);
          }
          return response.json();
        })
        .then(function (result) {
          status.textContent = "Recorded: " + result.label;
          form.querySelectorAll("button[name=status]").forEach(function (other) {
            var chosen = other.value === result.status;
            other.classList.toggle("btn-primary", chosen);
            other.classList.toggle("btn-outline-primary", !chosen);
            other.setAttribute("aria-pressed", chosen ? "true" : "false");
          });
          var count = document.querySelector(".register-count");
          if (count && result.count) {
            count.textContent = result.count;
          }
        })
        .catch(function () {
          status.textContent = "Not saved: check your connection and tap again.";
        });
    });
  });
})();
