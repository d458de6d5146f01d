// Review pages and static report of bulletin_nlp: clicking a fact shows its figure in the
// source (and the other way round); on the review server, the buttons and the keys record
// decisions (j/k move, a accept, r reject, c correct, u undo, n next unreviewed, Esc), and
// the progress count follows them.
(function () {
  "use strict";
  var interactive = document.body.getAttribute("data-interactive") === "1";

  function byFact(selector, id) {
    return Array.prototype.filter.call(document.querySelectorAll(selector), function (el) {
      return el.getAttribute("data-fact") === id;
    });
  }

  function showFigure(id) {
    var fig = document.getElementById("fig-" + id);
    if (!fig) { return false; }
    document.querySelectorAll(".fig.current").forEach(function (el) { el.classList.remove("current"); });
    document.querySelectorAll(".fact.selected").forEach(function (el) { el.classList.remove("selected"); });
    byFact(".fig", id).forEach(function (el) { el.classList.add("current"); });
    var item = document.getElementById("fact-" + id);
    if (item) { item.classList.add("selected"); }
    fig.scrollIntoView({ block: "center" });
    return true;
  }

  function showFact(id) {
    var item = document.getElementById("fact-" + id);
    if (!item) { return; }
    showFigure(id);
    item.scrollIntoView({ block: "nearest" });
  }

  var reviewer = document.getElementById("reviewer");
  if (reviewer) {
    var saved = window.localStorage && localStorage.getItem("bulletin-nlp-reviewer");
    if (saved) { reviewer.value = saved; }
    reviewer.addEventListener("change", function () {
      if (window.localStorage) { localStorage.setItem("bulletin-nlp-reviewer", reviewer.value); }
    });
  }

  function decide(form, status, then) {
    var id = form.getAttribute("data-fact");
    var body = { status: status, note: form.elements.note.value, reviewer: reviewer ? reviewer.value : "" };
    if (status === "corrected") {
      ["value", "metric", "place", "year"].forEach(function (name) { body[name] = form.elements[name].value; });
    }
    var error = form.querySelector(".error");
    error.textContent = "";
    fetch("/api/facts/" + encodeURIComponent(id) + "/decision", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (!result.ok) { error.textContent = result.data.error || "error"; return; }
      var item = document.getElementById("fact-" + id);
      var holder = document.createElement("template");
      holder.innerHTML = result.data.html;  // rendered (and escaped) by the server
      var fresh = holder.content.firstElementChild;
      item.replaceWith(fresh);
      fresh.classList.add("selected");
      byFact(".fig", id).forEach(function (el) {
        el.className = el.className.replace(/status-\w+/, "status-" + result.data.fact.review_status);
      });
      updateProgress();
      if (then) { then(fresh); }
    }).catch(function (err) { error.textContent = String(err); });
  }

  // -- progress and keys (review server only) ---------------------------------------

  function facts() { return Array.prototype.slice.call(document.querySelectorAll("li.fact")); }

  function updateProgress() {
    var all = facts();
    var left = all.filter(function (el) { return el.classList.contains("status-unreviewed"); }).length;
    var box = document.getElementById("progress");
    if (!box) { return; }
    box.querySelector(".n-reviewed").textContent = String(all.length - left);
    box.querySelector(".n-total").textContent = String(all.length);
    box.querySelector(".n-left").textContent = String(left);
  }

  function current() { return document.querySelector("li.fact.selected"); }

  function select(item) {
    if (!item) { return; }
    showFigure(item.getAttribute("data-fact"));
    item.scrollIntoView({ block: "nearest" });
  }

  function step(delta) {
    var all = facts();
    if (!all.length) { return; }
    var i = all.indexOf(current());
    var next = i < 0 ? (delta > 0 ? 0 : all.length - 1) : Math.min(Math.max(i + delta, 0), all.length - 1);
    select(all[next]);
  }

  function nextUnreviewed(from) {
    var all = facts();
    var i = all.indexOf(from || current());
    var order = all.slice(i + 1).concat(all.slice(0, i + 1));
    var found = order.filter(function (el) { return el.classList.contains("status-unreviewed"); })[0];
    if (found) { select(found); return true; }
    return false;
  }

  function goNextBulletin() {
    var link = document.getElementById("next-unreviewed");
    if (link) { window.location.href = link.getAttribute("href"); }
  }

  function typing(el) {
    return el && el.closest && el.closest("input, select, textarea, [contenteditable]");
  }

  document.addEventListener("keydown", function (ev) {
    if (!interactive || ev.altKey || ev.ctrlKey || ev.metaKey) { return; }
    if (ev.key === "Escape") {
      var open = document.querySelector("li.fact.selected fieldset.correction:not([hidden])");
      if (open) { open.hidden = true; }
      if (typing(document.activeElement)) { document.activeElement.blur(); }
      return;
    }
    if (typing(ev.target)) { return; }
    var item = current();
    var form = item && item.querySelector("form.decide");
    var key = ev.key;
    if (key === "j" || key === "ArrowDown") { step(1); }
    else if (key === "k" || key === "ArrowUp") { step(-1); }
    else if (key === "n") { if (!nextUnreviewed()) { goNextBulletin(); } }
    else if ((key === "a" || key === "r") && form) {
      decide(form, key === "a" ? "accepted" : "rejected", function (fresh) {
        if (!nextUnreviewed(fresh)) { select(fresh); }
      });
    }
    else if (key === "u" && form) { decide(form, "unreviewed"); }
    else if (key === "c" && form) {
      var fields = form.querySelector("fieldset.correction");
      fields.hidden = false;
      form.elements.value.focus();
    }
    else { return; }
    ev.preventDefault();
  });

  var filters = document.getElementById("filters");
  if (filters) {
    filters.addEventListener("change", function () { filters.submit(); });
  }

  document.addEventListener("click", function (ev) {
    var target = ev.target;
    var button = target.closest("button[data-action]");
    if (button && interactive) {
      var form = button.closest("form.decide");
      var action = button.getAttribute("data-action");
      var owner = button.closest("li.fact");
      if (owner && !owner.classList.contains("selected")) { showFigure(owner.getAttribute("data-fact")); }
      if (action === "correct") {
        var fields = form.querySelector("fieldset.correction");
        fields.hidden = !fields.hidden;
      } else if (action !== "corrected") {
        decide(form, action);
      }
      return;
    }
    if (target.closest("form, input, select, textarea, label")) { return; }
    var link = target.closest("a[data-goto]");
    if (link) {
      if (showFigure(link.getAttribute("data-goto"))) {
        ev.preventDefault();
        history.replaceState(null, "", "#fig-" + link.getAttribute("data-goto"));
      }
      return;
    }
    if (target.closest("a")) { return; }
    var item = target.closest("li.fact");
    if (item) { showFigure(item.getAttribute("data-fact")); return; }
    var fig = target.closest(".fig[data-fact]");
    if (fig) { showFact(fig.getAttribute("data-fact")); }
  });

  document.addEventListener("submit", function (ev) {
    var form = ev.target.closest("form.decide");
    if (!form) { return; }
    ev.preventDefault();
    decide(form, "corrected");
  });

  if (location.hash.indexOf("#fig-") === 0) { showFigure(location.hash.slice(5)); }
})();
