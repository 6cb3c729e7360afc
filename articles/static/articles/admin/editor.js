/* The article editor: tabs, a checklist that follows the typing, the publish button's state,
   a warning before leaving with unsaved changes, and "take theirs / keep mine" after a
   refused save. Without JavaScript every panel is shown and the server checks everything. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  // Runs before django-ckeditor's own start-up (this file loads first), so the editor
  // instances are created after the hooks below are in place.
  ready(function () {
    var form = document.getElementById("article_form");
    if (!form) return;
    if (window.CKEDITOR) {
      // Body text close to the reader's size (the site sets 18 px, line height 1.6).
      window.CKEDITOR.addCss(
        "body.cke_editable{font-size:18px;line-height:1.6;max-width:44em;margin:12px 20px}"
      );
    }
    var tabs = setUpTabs(form);
    var dirty = setUpUnsavedWarning(form);
    setUpChecklist(form, tabs, dirty);
    setUpConflictChoices(dirty);
  });

  function setUpTabs(form) {
    var list = form.querySelector(".editor-tabs");
    var panels = Array.prototype.slice.call(form.querySelectorAll(".editor-tab"));
    var buttons = Array.prototype.slice.call(form.querySelectorAll(".editor-tab-button"));
    if (!list || !panels.length) return { show: function () {} };
    list.hidden = false;
    document.body.classList.add("editor-tabs-on");

    function show(key, focus) {
      panels.forEach(function (panel) { panel.hidden = panel.dataset.tab !== key; });
      buttons.forEach(function (button) {
        var on = button.dataset.tab === key;
        button.setAttribute("aria-selected", on ? "true" : "false");
        button.tabIndex = on ? 0 : -1;
        if (on && focus) button.focus();
      });
      try { sessionStorage.setItem("article-tab:" + location.pathname, key); } catch (e) {}
    }

    buttons.forEach(function (button, index) {
      button.addEventListener("click", function () { show(button.dataset.tab); });
      button.addEventListener("keydown", function (event) {
        var step = event.key === "ArrowRight" ? 1 : event.key === "ArrowLeft" ? -1 : 0;
        if (!step) return;
        var next = buttons[(index + step + buttons.length) % buttons.length];
        show(next.dataset.tab, true);
      });
    });

    // After a refused save open the tab of the first difference; else the first tab with
    // errors; otherwise the last tab used.
    var first = null;
    var difference = document.querySelector(".conflict-row[data-id]");
    var differenceField = difference && document.getElementById(difference.dataset.id);
    if (differenceField && differenceField.closest(".editor-tab")) {
      first = differenceField.closest(".editor-tab").dataset.tab;
    }
    panels.forEach(function (panel) {
      var hasErrors = panel.querySelector(".errorlist, .errors");
      var button = form.querySelector("#tab-button-" + panel.dataset.tab);
      button.querySelector(".tab-errors").hidden = !hasErrors;
      if (hasErrors && !first) first = panel.dataset.tab;
    });
    var remembered = null;
    try { remembered = sessionStorage.getItem("article-tab:" + location.pathname); } catch (e) {}
    var known = panels.some(function (panel) { return panel.dataset.tab === remembered; });
    show(first || (known ? remembered : panels[0].dataset.tab));

    // A link to a field (checklist, error) opens the tab holding it.
    function reveal(id) {
      var target = document.getElementById(id);
      if (!target) return;
      var panel = target.closest(".editor-tab");
      if (panel) show(panel.dataset.tab);
      target.scrollIntoView({ block: "center" });
      var focusable = target.matches("input, select, textarea") ? target
        : target.querySelector("input:not([type=hidden]), select, textarea");
      if (focusable) focusable.focus({ preventScroll: true });
    }
    document.addEventListener("click", function (event) {
      var link = event.target.closest("a[href^='#']");
      if (!link || link.getAttribute("href").length < 2) return;
      var id = link.getAttribute("href").slice(1);
      if (!form.contains(document.getElementById(id))) return;
      event.preventDefault();
      reveal(id);
    });
    if (location.hash.length > 1) reveal(location.hash.slice(1));
    return { show: show };
  }

  function setUpUnsavedWarning(form) {
    var state = { dirty: false, listeners: [] };
    var note = document.getElementById("unsaved-note");
    function mark() {
      if (state.dirty) return;
      state.dirty = true;
      if (note) note.hidden = false;
      state.listeners.forEach(function (fn) { fn(); });
    }
    state.mark = mark;
    // Fields beside the form belong to it through form="article_form": listen on the page.
    // Choosing when to publish changes nothing in the article itself.
    function counts(event) {
      return event.target.form === form && event.target.id !== "id_publish_at";
    }
    document.addEventListener("input", function (event) {
      if (counts(event)) mark();
    });
    document.addEventListener("change", function (event) {
      if (!counts(event)) return;
      if (event.target.name && event.target.name.indexOf("_conflict_") === 0) return;
      mark();
    });
    if (window.CKEDITOR) {
      window.CKEDITOR.on("instanceReady", function (event) {
        event.editor.on("change", function () { if (event.editor.checkDirty()) mark(); });
      });
    }
    // A form shown again after a refused save holds text that is not saved yet.
    if (form.querySelector(".errornote") || document.querySelector(".conflict")) mark();
    var submitting = false;
    form.addEventListener("submit", function () { submitting = true; });
    window.addEventListener("beforeunload", function (event) {
      if (!state.dirty || submitting) return;
      event.preventDefault();
      event.returnValue = "";
    });
    return state;
  }

  function setUpChecklist(form, tabs, dirty) {
    var box = document.getElementById("checklist");
    var list = document.getElementById("checklist-items");
    var done = document.getElementById("checklist-done");
    var button = document.getElementById("publish-button");
    var reasons = document.getElementById("publish-reasons");
    if (!box || !list) return;

    function render(items) {
      list.textContent = "";
      items.forEach(function (item) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = "#" + item.anchor;
        a.dataset.tab = item.tab;
        a.textContent = item.problem;
        li.appendChild(a);
        list.appendChild(li);
      });
      done.hidden = items.length > 0;
      if (button) {
        button.disabled = items.length > 0;
        reasons.textContent = items.length
          ? "Publishing is off until the checklist above is done."
          : "Saves what is in the form first, then readers see it.";
      }
    }

    var timer = null;
    function refresh() {
      if (window.CKEDITOR) {
        Object.keys(window.CKEDITOR.instances).forEach(function (name) {
          window.CKEDITOR.instances[name].updateElement();
        });
      }
      var data = new FormData(form);
      var image = form.querySelector("input[type=file][name=image]");
      data.delete("image");
      if (image && image.files && image.files.length) data.set("image_present", "1");
      data.set("article", box.dataset.article || "");
      fetch(box.dataset.url, { method: "POST", body: data, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (result) { if (result) render(result.items); })
        .catch(function () { /* The server checks again on publish. */ });
    }
    function later() {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    }
    document.addEventListener("input", function (event) {
      if (event.target.form === form) later();
    });
    document.addEventListener("change", function (event) {
      if (event.target.form === form) later();
    });
    // Inline rows added or removed, and the topic picker, change the checklist without "input".
    form.addEventListener("click", function (event) {
      if (event.target.closest(".add-row, .inline-deletelink, .selector-chooser, .selector-chooseall, .selector-clearall")) later();
    });
    if (window.CKEDITOR) {
      window.CKEDITOR.on("instanceReady", function (event) { event.editor.on("change", later); });
    }
    // The button says what it will do: publish or schedule, the saved version or the form.
    var moment = document.getElementById("id_publish_at");
    function label() {
      if (!button) return;
      var later = moment && moment.value;
      var key = (dirty.dirty ? "unsaved" : "saved") + (later ? "ScheduleLabel" : "Label");
      button.textContent = button.dataset[key];
    }
    dirty.listeners.push(label);
    if (moment) moment.addEventListener("input", label);
    label();
  }

  function setUpConflictChoices(dirty) {
    var values = document.getElementById("conflict-values");
    if (!values) return;
    values = JSON.parse(values.textContent);
    document.querySelectorAll(".conflict-row[data-id]").forEach(function (row) {
      var id = row.dataset.id;
      row.querySelectorAll("input[type=radio]").forEach(function (radio) {
        radio.addEventListener("change", function () {
          var value = values[id][radio.value];
          var field = document.getElementById(id);
          if (!field) return;
          if (window.CKEDITOR && window.CKEDITOR.instances[id]) {
            window.CKEDITOR.instances[id].setData(value);
          } else if (field.type === "checkbox") {
            field.checked = !!value;
          } else {
            field.value = value;
          }
          field.dispatchEvent(new Event("change", { bubbles: true }));
          row.classList.toggle("taking-theirs", radio.value === "theirs");
          dirty.mark();
        });
      });
    });
  }
})();
