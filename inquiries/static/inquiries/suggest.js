// While a reader types a question, show live articles that may already answer it. The form
// works the same without this script; the ids shown go with the question, to count how often
// readers send it anyway.
(function () {
  document.querySelectorAll(".ask-suggestions[data-suggestions-url]").forEach(function (box) {
    var form = box.closest("form");
    var question = form.querySelector("textarea[name=question]");
    var shown = form.querySelector("input[name=suggested]");
    var timer = null;
    var asked = "";
    var render = function (suggestions) {
      box.textContent = "";
      shown.value = suggestions.map(function (s) { return s.id; }).join(",");
      box.hidden = suggestions.length === 0;
      if (!suggestions.length) return;
      var heading = document.createElement("p");
      heading.className = "ask-suggestions-heading";
      heading.textContent = "These articles may already answer your question:";
      var list = document.createElement("ul");
      suggestions.forEach(function (s) {
        var item = document.createElement("li");
        var link = document.createElement("a");
        link.href = s.url;
        link.textContent = s.title;
        item.appendChild(link);
        list.appendChild(item);
      });
      box.appendChild(heading);
      box.appendChild(list);
    };
    question.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        var text = question.value.trim();
        if (text === asked) return;
        asked = text;
        if (text.length < 12) { render([]); return; }
        fetch(box.dataset.suggestionsUrl + "?q=" + encodeURIComponent(text), {
          headers: { Accept: "application/json" },
        })
          .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
          .then(function (data) { render(data.suggestions || []); })
          .catch(function () { render([]); });
      }, 600);
    });
  });
})();
