// Copies the ready emergency reply to the clipboard on the inquiry change page.
document.querySelectorAll("[data-copy-target]").forEach(function (button) {
  var status = button.parentElement.querySelector("[data-copy-status]");
  button.addEventListener("click", function () {
    var field = document.getElementById(button.dataset.copyTarget);
    field.select();
    var done = function () { status.textContent = "Copied."; };
    if (navigator.clipboard) {
      navigator.clipboard.writeText(field.value).then(done, function () {
        document.execCommand("copy");
        done();
      });
    } else {
      document.execCommand("copy");
      done();
    }
  });
});
