/* sociable web app: charts, sortable tables, the checker as you type, import progress.
   Every piece of post or profile text is put on the page with textContent, never as HTML. */
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function escapeText(value) {
    return String(value)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  // ------------------------------------------------------------------ charts
  // The Content-Security-Policy forbids eval and inline styles: Vega runs its expressions through
  // the interpreter, and vega-embed adds no <style> element.
  function drawCharts() {
    var holders = document.querySelectorAll("[data-vega-spec]");
    if (!holders.length) return;
    if (typeof window.vegaEmbed !== "function" || !window.vegaExpressionInterpreter) return;
    var options = {
      mode: "vega-lite", actions: false, renderer: "svg", ast: true, defaultStyle: false,
      expr: window.vegaExpressionInterpreter,
      tooltip: { theme: "light", sanitize: escapeText, disableDefaultStyle: true },
    };
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
      window.vegaEmbed(holder, spec, options).catch(function (error) {
        holder.textContent = "This chart could not be drawn (" + error.message + "); its data is in the table below.";
      });
    });
  }

  // ------------------------------------------------------------------ sortable tables
  function cellKey(row, index) {
    var cell = row.children[index];
    if (!cell) return "";
    return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim().toLowerCase();
  }

  function sortBy(table, header, index) {
    var body = table.tBodies[0];
    if (!body) return;
    var descending = header.getAttribute("aria-sort") === "ascending";
    var numeric = header.classList.contains("num");
    var rows = Array.prototype.map.call(body.rows, function (row, position) {
      return { row: row, key: cellKey(row, index), position: position };
    });
    rows.sort(function (a, b) {
      if (a.key === b.key) return a.position - b.position;
      if (a.key === "") return 1;
      if (b.key === "") return -1;
      var order = numeric ? parseFloat(a.key) - parseFloat(b.key) : (a.key < b.key ? -1 : 1);
      return descending ? -order : order;
    });
    rows.forEach(function (item) { body.appendChild(item.row); });
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) {
      if (cell.hasAttribute("aria-sort")) cell.setAttribute("aria-sort", "none");
    });
    header.setAttribute("aria-sort", descending ? "descending" : "ascending");
  }

  function makeSortable(table) {
    if (!table.tHead || !table.tHead.rows.length) return;
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (header, index) {
      var button = header.querySelector("button");
      if (button) button.addEventListener("click", function () { sortBy(table, header, index); });
    });
  }

  // ------------------------------------------------------------------ checker
  function showCheck(panel, text, result) {
    panel.replaceChildren(element("h2", "Result"));
    panel.firstChild.id = "result-title";
    var verdict = element("p", result.verdict.toUpperCase(), "verdict verdict-" + result.verdict.replace(/ /g, "-"));
    verdict.setAttribute("data-verdict", result.verdict);
    panel.appendChild(verdict);
    var marked = element("p", null, "highlighted");
    var position = 0;
    result.findings.slice().sort(function (a, b) { return a.start - b.start || a.end - b.end; })
      .forEach(function (finding) {
        var start = Math.max(finding.start, position);
        if (start >= finding.end) return;
        if (start > position) marked.appendChild(document.createTextNode(text.slice(position, start)));
        marked.appendChild(element("mark", text.slice(start, finding.end), "sev-" + finding.severity.replace(/ /g, "-")));
        position = finding.end;
      });
    if (position < text.length) marked.appendChild(document.createTextNode(text.slice(position)));
    panel.appendChild(marked);
    if (!result.findings.length) {
      panel.appendChild(element("p", "Nothing to worry about."));
      return;
    }
    var list = element("ol", null, "findings");
    result.findings.forEach(function (finding) {
      var item = element("li", null, "finding");
      var head = element("p");
      head.appendChild(element("strong", finding.severity));
      head.appendChild(document.createTextNode(" · " + finding.title + ": “" + finding.text + "”"));
      item.appendChild(head);
      item.appendChild(element("p", "Why: " + finding.why));
      item.appendChild(element("p", "Try: " + finding.suggestion));
      var words = finding.principle_words && finding.principle_words.length ? finding.principle_words : finding.principles;
      if (words.length) {
        var principles = element("ul", null, "principles note");
        words.forEach(function (text) { principles.appendChild(element("li", text)); });
        item.appendChild(principles);
      }
      list.appendChild(item);
    });
    panel.appendChild(list);
  }

  function liveChecker() {
    var form = document.getElementById("checker");
    var panel = document.getElementById("check-result");
    if (!form || !panel) return;
    var draft = form.querySelector("textarea");
    var profession = form.querySelector("select");
    var timer = null;
    var latest = 0;
    function run() {
      var ticket = ++latest;
      var text = draft.value;
      panel.setAttribute("aria-busy", "true");
      fetch("/api/check", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
        body: JSON.stringify({ text: text, profession: profession.value || null }),
      }).then(function (response) {
        return response.json().then(function (body) { return { status: response.status, body: body }; });
      }).then(function (answer) {
        if (ticket !== latest) return;
        panel.removeAttribute("aria-busy");
        if (!answer.body.ok) {
          panel.replaceChildren(element("h2", "Result"), element("p", answer.body.error, "error"));
          return;
        }
        showCheck(panel, text, answer.body);
      }).catch(function () {
        panel.removeAttribute("aria-busy");
      });
    }
    function soon() {
      clearTimeout(timer);
      timer = setTimeout(run, 250);
    }
    draft.addEventListener("input", soon);
    profession.addEventListener("change", soon);
    form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
  }

  // ------------------------------------------------------------------ import progress
  function followJob() {
    var holder = document.getElementById("job");
    if (!holder) return;
    var state = holder.getAttribute("data-state");
    if (state !== "queued" && state !== "running") return;
    var id = holder.getAttribute("data-job");
    function poll() {
      fetch("/api/jobs/" + encodeURIComponent(id), { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (body) {
          if (!body.ok) return;
          var job = body.job;
          document.getElementById("job-state").textContent = job.state;
          var progress = job.progress;
          var text = " · file " + progress.file_index + " of " + progress.file_count + ", " +
            progress.records.toLocaleString("en-GB") + " records read";
          document.getElementById("job-progress").textContent = text;
          var bar = document.getElementById("job-bar");
          if (bar) { bar.max = progress.file_count || 1; bar.value = progress.file_index; }
          if (job.state === "done" || job.state === "failed") window.location.reload();
          else setTimeout(poll, 400);
        })
        .catch(function () { setTimeout(poll, 2000); });
    }
    setTimeout(poll, 200);
  }

  // ------------------------------------------------------------------ live capture counters
  function followCaptures() {
    var holder = document.getElementById("captures");
    if (!holder || holder.getAttribute("data-live") !== "yes") return;
    function poll() {
      fetch("/api/captures", { credentials: "same-origin" })
        .then(function (response) { return response.json(); })
        .then(function (body) {
          if (!body.ok) { setTimeout(poll, 5000); return; }  // busy for a moment: a batch is being stored
          var rows = document.querySelectorAll("tr[data-capture]");
          if (rows.length !== body.captures.length) { window.location.reload(); return; }
          body.captures.forEach(function (capture) {
            var row = null;
            rows.forEach(function (candidate) {
              if (candidate.getAttribute("data-capture") === capture.name) row = candidate;
            });
            if (!row) return;
            row.querySelectorAll("[data-counter]").forEach(function (cell) {
              var value = capture[cell.getAttribute("data-counter")];
              cell.textContent = value === null || value === undefined ? "–" : value.toLocaleString("en-GB");
            });
            var running = row.querySelector("[data-field=running]");
            var wasRunning = running.textContent.indexOf("yes") === 0;
            running.textContent = capture.running ? "yes" + (capture.pid ? " (process " + capture.pid + ")" : "") : "no";
            row.querySelector("[data-field=last_error]").textContent =
              (capture.process && capture.process.message) || capture.last_error || "";
            if (wasRunning && !capture.running) window.location.reload();  // the stop button goes
          });
          setTimeout(poll, 2000);
        })
        .catch(function () { setTimeout(poll, 5000); });
    }
    setTimeout(poll, 2000);
  }

  // ------------------------------------------------------------------ the triage queue
  // j/k move between items; a state's key (n, i, h, x) submits the focused item's form with that
  // state. Keys typed into a field are left alone. The name typed in "who" is carried to every item.
  function queueKeys() {
    var list = document.querySelector("[data-queue]");
    if (!list) return;
    var items = Array.prototype.slice.call(list.querySelectorAll("[data-queue-item]"));
    if (!items.length) return;
    // After marking, the page comes back with #marked-<post id>: go on to the item after it.
    var marked = /^#marked-(.+)$/.exec(window.location.hash);
    var done = marked ? document.getElementById("item-" + decodeURIComponent(marked[1])) : null;
    if (done && items.indexOf(done) >= 0) {
      var after = items[Math.min(items.indexOf(done) + 1, items.length - 1)];
      after.focus();
      after.scrollIntoView({ block: "nearest" });
    }
    list.addEventListener("input", function (event) {
      if (!event.target.hasAttribute("data-queue-by")) return;
      list.querySelectorAll("[data-queue-by]").forEach(function (field) {
        if (field !== event.target) field.value = event.target.value;
      });
    });
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var typing = event.target.closest && event.target.closest("input, textarea, select");
      if (typing) return;
      var current = document.activeElement && document.activeElement.closest
        ? document.activeElement.closest("[data-queue-item]") : null;
      var index = current ? items.indexOf(current) : -1;
      if (event.key === "j" || event.key === "k") {
        var next = event.key === "j" ? Math.min(index + 1, items.length - 1) : Math.max(index - 1, 0);
        items[next].focus();
        items[next].scrollIntoView({ block: "nearest" });
        event.preventDefault();
        return;
      }
      if (!current) return;
      var button = current.querySelector('button[data-state-key="' + event.key + '"]');
      if (!button) return;
      var who = current.querySelector("[data-queue-by]");
      if (who && !who.value.trim()) {
        who.focus();
        return;
      }
      event.preventDefault();
      button.form.requestSubmit(button);
    });
  }

  document.querySelectorAll("table.sortable").forEach(makeSortable);
  drawCharts();
  liveChecker();
  followJob();
  followCaptures();
  queueKeys();
})();
