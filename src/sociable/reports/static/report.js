/* sociable report: draws the charts, makes tables sortable, marks the current section. */
(function () {
  "use strict";

  // Tooltip text comes from posts and profiles: escape it, never render it as HTML.
  function escapeText(value) {
    return String(value)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  var EMBED_OPTIONS = {
    mode: "vega-lite",
    actions: false,
    renderer: "svg",
    tooltip: { theme: "light", sanitize: escapeText },
  };

  function drawCharts() {
    var holders = document.querySelectorAll("[data-vega-spec]");
    if (!holders.length || typeof window.vegaEmbed !== "function") return;
    holders.forEach(function (holder) {
      var source = document.getElementById(holder.getAttribute("data-vega-spec"));
      if (!source) return;
      var spec;
      try {
        spec = JSON.parse(source.textContent);
      } catch (error) {
        holder.textContent = "This chart's data could not be read.";
        return;
      }
      window.vegaEmbed(holder, spec, EMBED_OPTIONS).catch(function (error) {
        holder.textContent = "This chart could not be drawn (" + error.message + "); its data is in the table below.";
      });
    });
  }

  function cellKey(row, index) {
    var cell = row.children[index];
    if (!cell) return "";
    return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim().toLowerCase();
  }

  function compare(numeric) {
    return function (a, b) {
      if (a.key === b.key) return a.position - b.position;
      if (a.key === "") return 1; // missing values last, whichever the direction
      if (b.key === "") return -1;
      if (numeric) return parseFloat(a.key) - parseFloat(b.key);
      return a.key < b.key ? -1 : 1;
    };
  }

  function sortBy(table, header, index) {
    var body = table.tBodies[0];
    if (!body) return;
    var descending = header.getAttribute("aria-sort") === "ascending";
    var numeric = header.classList.contains("num");
    var rows = Array.prototype.map.call(body.rows, function (row, position) {
      return { row: row, key: cellKey(row, index), position: position };
    });
    var ordered = rows.slice().sort(compare(numeric));
    if (descending) {
      var filled = ordered.filter(function (item) { return item.key !== ""; }).reverse();
      ordered = filled.concat(ordered.filter(function (item) { return item.key === ""; }));
    }
    ordered.forEach(function (item) { body.appendChild(item.row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.setAttribute("aria-sort", "none"); });
    header.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }

  function makeSortable(table) {
    if (!table.tHead || !table.tHead.rows.length) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
      var button = header.querySelector("button");
      if (!button) return;
      button.addEventListener("click", function () { sortBy(table, header, index); });
    });
  }

  function followSections() {
    if (!("IntersectionObserver" in window)) return;
    var links = {};
    document.querySelectorAll(".toc > ol > li > a").forEach(function (link) {
      links[link.getAttribute("href").slice(1)] = link;
    });
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        var link = links[entry.target.id];
        if (link && entry.isIntersecting) {
          Object.keys(links).forEach(function (id) { links[id].removeAttribute("aria-current"); });
          link.setAttribute("aria-current", "true");
        }
      });
    }, { rootMargin: "0px 0px -70% 0px" });
    document.querySelectorAll("main > section[id]").forEach(function (section) { observer.observe(section); });
  }

  // A search box above a table hides the rows that do not contain every word typed.
  function makeSearchable(input) {
    var table = document.getElementById(input.getAttribute("data-filters"));
    if (!table || !table.tBodies.length) return;
    var count = input.parentNode.parentNode.querySelector(".search-count");
    input.addEventListener("input", function () {
      var words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {
        var text = row.textContent.toLowerCase();
        var match = words.every(function (word) { return text.indexOf(word) !== -1; });
        row.hidden = !match;
        if (match) shown += 1;
      });
      if (count) count.textContent = words.length ? shown + " of " + table.tBodies[0].rows.length + " rows" : "";
    });
  }

  // A link to a glossary term opens the glossary it sits in.
  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var target = id && document.getElementById(id);
    var details = target && target.closest ? target.closest("details") : null;
    if (details && !details.open) {
      details.open = true;
      target.scrollIntoView();
    }
  }

  // Printing shows the data behind every chart.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.chart-data").forEach(function (details) { details.open = true; });
  });

  document.querySelectorAll("table.sortable").forEach(makeSortable);
  document.querySelectorAll("input[data-filters]").forEach(makeSearchable);
  window.addEventListener("hashchange", openTarget);
  openTarget();
  drawCharts();
  followSections();
})();
