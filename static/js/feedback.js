// Article feedback without a page reload. Without this script the forms post normally and the
// page comes back with a thank-you; with it, the result is announced in the live region.
document.querySelectorAll("form[data-feedback]").forEach(function (form) {
  var section = form.closest(".feedback");
  var status = section.querySelector("[data-feedback-status]");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var data = new FormData(form, event.submitter);
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (button) { button.disabled = true; });
    fetch(form.action, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) {
        return response.json().then(function (reply) {
          return { ok: response.ok, message: reply.message };
        });
      })
      .catch(function () {
        return { ok: false, message: "Sorry, that did not reach us. Please try again." };
      })
      .then(function (result) {
        status.textContent = result.message;
        if (result.ok) {
          if (form.classList.contains("feedback-vote")) {
            form.hidden = true;
          } else {
            form.reset();
            form.closest("details").open = false;
          }
        }
        buttons.forEach(function (button) { button.disabled = false; });
      });
  });
});
