// The inquiry page's reply box: insert a saved reply or an article link where the cursor is.
// Without JavaScript the same links and checkboxes work through the server.
(function () {
  var box = document.getElementById("id_body");
  if (!box) return;
  var insert = function (text) {
    var start = box.selectionStart || box.value.length;
    box.value = box.value.slice(0, start) + text + box.value.slice(box.selectionEnd || start);
    box.focus();
    box.selectionStart = box.selectionEnd = start + text.length;
  };
  document.querySelectorAll("[data-saved-reply]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var text = JSON.parse(document.getElementById(link.dataset.savedReply).textContent);
      if (box.value.trim() && !window.confirm("Replace the text in the reply box?")) return;
      box.value = "";
      insert(text);
    });
  });
  document.querySelectorAll("[data-cite-url]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      insert(button.dataset.citeUrl);
      var tick = document.querySelector('input[name="cite"][value="' + button.dataset.citeId + '"]');
      if (tick) tick.checked = true;
    });
  });
})();
