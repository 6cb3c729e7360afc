/* The cheap content checks of articles/content_checks.py, re-run in the editor as the author
   types (issue 17). The server's checks on save stay the ones that count; keep the values
   below the same as there. */
(function () {
  "use strict";
  var LONG_PARAGRAPH_WORDS = 100;
  var VAGUE = ["click here", "here", "read more", "more", "this link", "link", "this",
    "this page", "click", "find out more", "learn more", "see here", "go here"];
  var BARE_URL = /^(https?:\/\/|www\.)\S+$/i;
  var list = document.querySelector("[data-live-checks]");
  if (!list) return;

  function words(text) { return (text.match(/[A-Za-z][A-Za-z'’-]*/g) || []).length; }
  function squash(text) { return (text || "").replace(/\s+/g, " ").trim(); }

  function check(html) {
    var doc = new DOMParser().parseFromString("<body>" + html + "</body>", "text/html");
    var found = [];
    var missing = 0;
    doc.querySelectorAll("img").forEach(function (img) {
      if (!squash(img.getAttribute("alt"))) missing += 1;
    });
    if (missing) found.push(["block", missing + " image(s) in the body have no alt text: describe each image for readers who cannot see it."]);
    var previous = 1;
    doc.querySelectorAll("h2, h3, h4, h5, h6").forEach(function (h) {
      var level = Number(h.tagName[1]);
      var text = squash(h.textContent);
      if (!text) found.push(["warn", "An empty level-" + level + " heading: give it words or remove it."]);
      if (level > previous + 1) found.push(["warn", "The heading “" + (text || "(empty)") + "” skips from level " + previous + " to level " + level + "."]);
      previous = level;
    });
    doc.querySelectorAll("a").forEach(function (a) {
      var text = squash(a.textContent);
      var href = a.getAttribute("href") || "";
      var label = text.toLowerCase().replace(/^[ .:!]+|[ .:!]+$/g, "");
      if (VAGUE.indexOf(label) !== -1 || BARE_URL.test(text)) found.push(["warn", "The link text “" + text + "” does not say where it goes."]);
      if (/^http:\/\//i.test(href)) found.push(["warn", "The link to " + href + " does not use https."]);
    });
    doc.querySelectorAll("p").forEach(function (p) {
      var n = words(p.textContent);
      if (n > LONG_PARAGRAPH_WORDS) found.push(["warn", "A paragraph of " + n + " words is long for a phone screen: split it."]);
    });
    return found;
  }

  function show(html) {
    var found = check(html);
    list.textContent = "";
    var head = document.createElement("li");
    head.textContent = found.length ? "While you type (not saved yet):" : "While you type: no problems found.";
    list.appendChild(head);
    found.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "content-check content-check-" + item[0];
      li.textContent = (item[0] === "block" ? "Blocks publishing: " : "Warning: ") + item[1];
      list.appendChild(li);
    });
    list.hidden = false;
  }

  // A check's link leads to its field; the body's textarea is hidden behind CKEditor, so
  // focus the editor itself.
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest('.reading-panel a[href="#id_body"]');
    var editor = window.CKEDITOR && window.CKEDITOR.instances.id_body;
    if (!link || !editor) return;
    event.preventDefault();
    editor.container.$.scrollIntoView({block: "center"});
    editor.focus();
  });

  var timer = null;
  function later(read) {
    clearTimeout(timer);
    timer = setTimeout(function () { show(read()); }, 400);
  }

  var textarea = document.getElementById("id_body");
  function watch(editor) {
    editor.on("change", function () { later(function () { return editor.getData(); }); });
  }
  if (window.CKEDITOR) {
    var ready = window.CKEDITOR.instances.id_body;
    if (ready && ready.status === "ready") watch(ready);
    else window.CKEDITOR.on("instanceReady", function (event) {
      if (event.editor.name === "id_body") watch(event.editor);
    });
  } else if (textarea) {
    textarea.addEventListener("input", function () { later(function () { return textarea.value; }); });
  }
})();
