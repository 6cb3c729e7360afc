// One random value per page view for the question form, so a double click sends one question
// while two readers of the same cached page (which is identical for everyone) are told apart.
document.querySelectorAll("input[data-nonce]").forEach(function (input) {
  if (input.value) return;
  if (window.crypto && crypto.randomUUID) {
    input.value = crypto.randomUUID();
  } else if (window.crypto && crypto.getRandomValues) {
    input.value = Array.from(crypto.getRandomValues(new Uint8Array(16)), function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }
});

// A form shown again with problems opens at their list (it is below a long notice on phones).
var askErrors = document.getElementById("ask-errors");
if (askErrors) {
  askErrors.focus();
}
