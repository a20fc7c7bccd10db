// witloom doc: search over every name and all doc text, in the page.
// The index (assets/search-index.js) sets window.witloomIndex to a list of
// [kind, name, where, url, summary, docs]; urls are from the site's root.
// Keys: "/" focuses the box, arrows choose, Enter opens, Escape closes.
// A page opened with ?q=words starts with that search.
(function () {
  "use strict";
  var script = document.currentScript;
  var root = new URL("..", script ? script.src : location.href);
  var input = document.getElementById("witloom-search");
  var list = document.getElementById("witloom-results");
  if (!input || !list) return;

  var entries = (window.witloomIndex || []).map(function (e) {
    return {
      kind: e[0], name: e[1], where: e[2], url: e[3], summary: e[4],
      lname: e[1].toLowerCase(), lwhere: e[2].toLowerCase(), ldocs: e[5].toLowerCase()
    };
  });

  // Items people look for first: containers, then types, then members.
  var weight = {
    "package": 8, "interface": 8, "world": 7, "resource": 5, "record": 4,
    "variant": 4, "enum": 4, "flags": 4, "type": 3, "func": 3, "method": 3,
    "constructor": 2, "static func": 3, "property": 2
  };

  function score(e, terms) {
    var total = 0;
    for (var i = 0; i < terms.length; i++) {
      var t = terms[i];
      if (e.lname === t) total += 100;
      else if (e.lname.indexOf(t) === 0) total += 60;
      else if (e.lname.indexOf(t) >= 0) total += 40;
      else if (e.lwhere.indexOf(t) >= 0) total += 15;
      else if (e.ldocs.indexOf(t) >= 0) total += 4;
      else return 0;
    }
    return total + (weight[e.kind] || 0) - e.name.length / 100;
  }

  var selected = -1;

  function search(query) {
    var terms = query.toLowerCase().split(/\s+/).filter(Boolean);
    list.textContent = "";
    selected = -1;
    if (terms.length === 0) {
      list.hidden = true;
      return;
    }
    var hits = [];
    for (var i = 0; i < entries.length; i++) {
      var s = score(entries[i], terms);
      if (s > 0) hits.push([s, entries[i]]);
    }
    hits.sort(function (a, b) { return b[0] - a[0]; });
    if (hits.length === 0) {
      var none = document.createElement("li");
      none.className = "none";
      none.textContent = "Nothing matches \u201c" + query + "\u201d";
      list.appendChild(none);
    }
    hits.slice(0, 40).forEach(function (hit) {
      var e = hit[1];
      var li = document.createElement("li");
      li.className = "hit";
      var a = document.createElement("a");
      a.href = new URL(e.url, root).href;
      [["kind", e.kind], ["name", e.name], ["where", e.where], ["summary", e.summary]]
        .forEach(function (part) {
          if (!part[1]) return;
          var span = document.createElement("span");
          span.className = part[0];
          span.textContent = part[1];
          a.appendChild(span);
        });
      li.appendChild(a);
      list.appendChild(li);
    });
    list.hidden = false;
  }

  function choose(step) {
    var items = list.querySelectorAll("li.hit");
    if (items.length === 0) return;
    if (selected >= 0) items[selected].classList.remove("selected");
    selected = selected < 0
      ? (step > 0 ? 0 : items.length - 1)
      : (selected + step + items.length) % items.length;
    items[selected].classList.add("selected");
    items[selected].scrollIntoView({ block: "nearest" });
  }

  input.addEventListener("input", function () { search(input.value); });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown") { choose(1); ev.preventDefault(); }
    else if (ev.key === "ArrowUp") { choose(-1); ev.preventDefault(); }
    else if (ev.key === "Enter" && !ev.isComposing) {
      var items = list.querySelectorAll("li.hit a");
      var target = items[selected >= 0 ? selected : 0];
      if (target) {
        // A hit on this page only scrolls: close the list first.
        list.hidden = true;
        input.blur();
        location.href = target.href;
      }
    } else if (ev.key === "Escape") {
      input.value = "";
      search("");
      input.blur();
    }
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "/" && !ev.ctrlKey && !ev.metaKey && !ev.altKey &&
        document.activeElement !== input) {
      input.focus();
      ev.preventDefault();
    }
  });
  document.addEventListener("click", function (ev) {
    var inside = ev.target.closest && ev.target.closest(".search");
    // Outside the box, or on a hit (which may be on this page): close.
    if (!inside || ev.target.closest("#witloom-results a")) list.hidden = true;
  });
  input.addEventListener("focus", function () {
    if (input.value) search(input.value);
  });

  var q = new URLSearchParams(location.search).get("q");
  if (q) {
    input.value = q;
    search(q);
  }
})();
