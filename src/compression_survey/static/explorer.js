/* The paper explorer (compression_survey.explorer): filters, sorting, URL state,
 * reading list and BibTeX copy/export over the entries written into the page.
 * Uses DataTables (vendor/datatables), no network access. */
(function () {
  "use strict";
  var STORAGE = "compression-survey-reading-list";

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "html") node.innerHTML = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }
  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }

  function loadMarks() {
    try { return JSON.parse(window.localStorage.getItem(STORAGE) || "{}"); } catch (e) { return {}; }
  }
  function saveMarks(marks) {
    try { window.localStorage.setItem(STORAGE, JSON.stringify(marks)); } catch (e) { /* private mode */ }
  }

  function download(name, text) {
    var link = el("a", { href: URL.createObjectURL(new Blob([text], { type: "application/x-bibtex" })), download: name });
    document.body.appendChild(link);
    link.click();
    link.remove();
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    var area = el("textarea", {});
    area.value = text;
    document.body.appendChild(area);
    area.select();
    document.execCommand("copy");
    area.remove();
    return Promise.resolve();
  }

  /* Reading list as BibTeX: a comment line carries the marks, so an import restores them. */
  function readingListBib(keys, byKey, marks) {
    var header = "% compression-survey reading list: " +
      keys.map(function (k) { return k + "=" + (marks[k] || "toread"); }).join(" ") + "\n\n";
    return header + keys.map(function (k) { return byKey[k].bibtex; }).join("\n");
  }
  function parseReadingList(text) {
    var marks = {};
    var line = /^% compression-survey reading list: (.*)$/m.exec(text);
    if (line) {
      line[1].trim().split(/\s+/).forEach(function (pair) {
        var parts = pair.split("=");
        if (parts.length === 2 && (parts[1] === "read" || parts[1] === "toread")) marks[parts[0]] = parts[1];
      });
    }
    var re = /@\w+\s*\{\s*([^,\s]+)\s*,/g, m;
    while ((m = re.exec(text))) if (!marks[m[1]]) marks[m[1]] = "toread";
    return marks;
  }

  function setUp() {
    var started = performance.now();
    var dataNode = document.getElementById("survey-explorer-data");
    if (!dataNode || !window.DataTable) return;
    var payload = JSON.parse(dataNode.textContent);
    var ui = payload.ui, records = payload.records;
    var byKey = {};
    records.forEach(function (r) { byKey[r.key] = r; });
    var names = {};
    payload.taxonomy.forEach(function (f) {
      names[f.id] = f.name;
      f.children.forEach(function (c) { names[c.id] = c.name; });
    });
    var marks = loadMarks();
    var years = records.map(function (r) { return r.year; });
    var minYear = Math.min.apply(null, years), maxYear = Math.max.apply(null, years);
    var venues = Array.from(new Set(records.map(function (r) { return r.venue; }))).sort();

    // -- controls ------------------------------------------------------------------------------
    var controls = document.getElementById("survey-explorer-controls");
    var text = el("input", { type: "search", id: "explorer-text", placeholder: ui.search, "aria-label": ui.search });
    var from = el("input", { type: "number", id: "explorer-from", min: minYear, max: maxYear, placeholder: String(minYear), "aria-label": ui.from });
    var to = el("input", { type: "number", id: "explorer-to", min: minYear, max: maxYear, placeholder: String(maxYear), "aria-label": ui.to });
    var venue = el("select", { id: "explorer-venue", "aria-label": ui.venue }, [el("option", { value: "", text: ui.venue + ": " + ui.all })]);
    venues.forEach(function (v) { venue.appendChild(el("option", { value: v, text: v })); });
    var code = el("input", { type: "checkbox", id: "explorer-code" });
    var award = el("input", { type: "checkbox", id: "explorer-award" });
    var status = el("select", { id: "explorer-status", "aria-label": ui.read }, [
      el("option", { value: "", text: ui.status_any }), el("option", { value: "read", text: ui.status_read }),
      el("option", { value: "toread", text: ui.status_toread }), el("option", { value: "none", text: ui.status_none })]);
    var families = el("fieldset", { id: "explorer-families", class: "survey-explorer-families" }, [el("legend", { text: ui.family + " / " + ui.subfamily })]);
    payload.taxonomy.forEach(function (f) {
      var group = el("div", { class: "survey-explorer-family" });
      group.appendChild(el("label", {}, [el("input", { type: "checkbox", value: f.id, "data-node": f.id }), document.createTextNode(" " + f.name)]));
      f.children.forEach(function (c) {
        group.appendChild(el("label", { class: "survey-explorer-sub" }, [el("input", { type: "checkbox", value: c.id, "data-node": c.id }), document.createTextNode(" " + c.name)]));
      });
      families.appendChild(group);
    });
    var count = el("p", { id: "explorer-count", class: "survey-explorer-count", "aria-live": "polite" });
    var reset = el("button", { type: "button", id: "explorer-reset", class: "btn btn-sm btn-outline-secondary", text: ui.reset });
    var exportMarked = el("button", { type: "button", id: "explorer-export-marked", class: "btn btn-sm btn-outline-secondary", text: ui.export_marked });
    var exportShown = el("button", { type: "button", id: "explorer-export-shown", class: "btn btn-sm btn-outline-secondary", text: ui.export_shown });
    var importInput = el("input", { type: "file", id: "explorer-import", accept: ".bib,.txt", "aria-label": ui.import });
    var importLabel = el("label", { class: "btn btn-sm btn-outline-secondary survey-explorer-import" }, [document.createTextNode(ui.import + " "), importInput]);
    var message = el("span", { id: "explorer-message", class: "survey-explorer-message", "aria-live": "polite" });
    controls.appendChild(el("div", { class: "survey-explorer-row" }, [text]));
    controls.appendChild(el("div", { class: "survey-explorer-row" }, [
      el("label", {}, [document.createTextNode(ui.year + " " + ui.from + " "), from]),
      el("label", {}, [document.createTextNode(" " + ui.to + " "), to]), venue,
      el("label", {}, [code, document.createTextNode(" " + ui.has_code)]),
      el("label", {}, [award, document.createTextNode(" " + ui.has_award)]), status]));
    controls.appendChild(families);
    controls.appendChild(el("div", { class: "survey-explorer-row" }, [reset, exportMarked, exportShown, importLabel, message]));
    controls.appendChild(count);

    // -- state <-> URL ---------------------------------------------------------------------------
    function readState() {
      var q = new URLSearchParams(window.location.search);
      return {
        q: q.get("text") || "", from: q.get("from") || "", to: q.get("to") || "", venue: q.get("venue") || "",
        code: q.get("code") === "1", award: q.get("award") === "1", status: q.get("status") || "",
        nodes: (q.get("family") || "").split(",").filter(Boolean), sort: q.get("sort") || "",
      };
    }
    var state = readState();
    function applyStateToControls() {
      text.value = state.q; from.value = state.from; to.value = state.to; venue.value = state.venue;
      code.checked = state.code; award.checked = state.award; status.value = state.status;
      families.querySelectorAll("input[type=checkbox]").forEach(function (box) { box.checked = state.nodes.indexOf(box.value) >= 0; });
    }
    function stateFromControls() {
      return {
        q: text.value.trim(), from: from.value, to: to.value, venue: venue.value, code: code.checked,
        award: award.checked, status: status.value, sort: state.sort,
        nodes: Array.from(families.querySelectorAll("input:checked")).map(function (b) { return b.value; }),
      };
    }
    function stateUrl(s) {
      var q = new URLSearchParams();
      if (s.q) q.set("text", s.q);  // not "q": Sphinx's search script treats ?q= as a search request
      if (s.from) q.set("from", s.from);
      if (s.to) q.set("to", s.to);
      if (s.venue) q.set("venue", s.venue);
      if (s.code) q.set("code", "1");
      if (s.award) q.set("award", "1");
      if (s.status) q.set("status", s.status);
      if (s.nodes.length) q.set("family", s.nodes.join(","));
      if (s.sort) q.set("sort", s.sort);
      var query = q.toString();
      return window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    }

    function matches(r) {
      var s = state;
      if (s.q) {
        var hay = (r.title + " " + r.authors + " " + r.key).toLowerCase();
        var words = s.q.toLowerCase().split(/\s+/);
        for (var i = 0; i < words.length; i++) if (hay.indexOf(words[i]) < 0) return false;
      }
      if (s.from && r.year < Number(s.from)) return false;
      if (s.to && r.year > Number(s.to)) return false;
      if (s.venue && r.venue !== s.venue) return false;
      if (s.code && !r.code) return false;
      if (s.award && !r.award) return false;
      if (s.status) {
        var mark = marks[r.key] || "none";
        if (mark !== s.status) return false;
      }
      if (s.nodes.length) {
        var ok = false;
        for (var j = 0; j < s.nodes.length; j++) {
          var n = s.nodes[j];
          if (r.families.indexOf(n) >= 0 || r.subfamilies.indexOf(n) >= 0) { ok = true; break; }
        }
        if (!ok) return false;
      }
      return true;
    }

    // -- table -----------------------------------------------------------------------------------
    // the plain table (in <noscript>) serves readers without JavaScript, PDF and EPUB
    var table = el("table", { id: "survey-explorer", class: "table survey-explorer-live" });
    controls.parentNode.insertBefore(table, controls.nextSibling);
    var columns = ["title", "authors", "year", "venue", "family", "code", "award", "read", "key"];
    var statusButtons = function (r) {
      var mark = marks[r.key] || "";
      return '<span class="survey-explorer-marks" data-key="' + escapeHtml(r.key) + '">' +
        '<label><input type="checkbox" class="mark-read" ' + (mark === "read" ? "checked" : "") + "> " + escapeHtml(ui.mark_read) + "</label> " +
        '<label><input type="checkbox" class="mark-toread" ' + (mark === "toread" ? "checked" : "") + "> " + escapeHtml(ui.mark_toread) + "</label></span>";
    };
    var dt = new DataTable(table, {
      data: records,
      rowId: function (r) { return "paper-" + r.key; },
      deferRender: true,
      autoWidth: false,
      pageLength: 50,
      lengthMenu: [25, 50, 100, 500],
      order: [[2, "desc"]],
      layout: { topStart: null, topEnd: null, bottomStart: "info", bottomEnd: "paging" },
      columns: [
        { title: ui.title, data: "title", render: function (d, type, r) {
          if (type !== "display") return d;
          var title = r.url ? '<a class="reference external" href="' + escapeHtml(r.url) + '">' + escapeHtml(d) + "</a>" : escapeHtml(d);
          return title + '<details class="survey-bibtex"><summary>' + escapeHtml(ui.show_bibtex) + '</summary>' +
            '<div class="highlight"><pre>' + escapeHtml(r.bibtex) + "</pre></div>" +
            '<button type="button" class="btn btn-sm btn-outline-secondary survey-copy-bibtex" data-key="' + escapeHtml(r.key) + '">' + escapeHtml(ui.copy) + "</button></details>";
        } },
        { title: ui.authors, data: "authors", render: function (d, type) { return type === "display" ? escapeHtml(d) : d; } },
        { title: ui.year, data: "year", className: "dt-nowrap" },
        { title: ui.venue, data: "venue", render: function (d, type) { return type === "display" ? escapeHtml(d) : d; } },
        { title: ui.family, data: function (r) { return (r.subfamilies.length ? r.subfamilies : r.families).map(function (i) { return names[i]; }).join("; "); },
          render: function (d, type) { return type === "display" ? escapeHtml(d) : d; } },
        { title: ui.code, data: "code", orderable: true, render: function (d, type) {
          if (type !== "display") return d ? 1 : 0;
          return d ? '<a class="reference external" href="' + escapeHtml(d) + '">' + escapeHtml(ui.code) + "</a>" : "";
        } },
        { title: ui.award, data: "award", render: function (d, type) { return type === "display" ? escapeHtml(d) : d; } },
        { title: ui.read, data: function (r) { return marks[r.key] || ""; }, render: function (d, type, r) { return type === "display" ? statusButtons(r) : d; } },
        { title: ui.key, data: "key", render: function (d, type) { return type === "display" ? "<code>" + escapeHtml(d) + "</code>" : d; } },
      ],
      columnDefs: [{ targets: "_all", orderSequence: ["asc", "desc"] }, { targets: 2, orderSequence: ["desc", "asc"] }],
      language: document.documentElement.lang.indexOf("zh") === 0 ? {
        info: "第 _START_–_END_ 条", infoEmpty: "无结果", infoFiltered: "", emptyTable: "暂无文献。", zeroRecords: "没有符合条件的文献。",
        lengthMenu: "每页 _MENU_ 条", paginate: { first: "首页", previous: "上一页", next: "下一页", last: "末页" },
        aria: { orderable: "按此列排序", orderableReverse: "反向排序" },
      } : { info: "Entries _START_–_END_", infoFiltered: "", zeroRecords: "No entry matches the filters." },
    });

    // the explorer's filters, applied by DataTables on every draw
    dt.search.fixed("survey", function (searchString, row) { return matches(row); });

    function updateCount() {
      var shown = dt.rows({ search: "applied" }).count();
      count.textContent = format(ui.count, { shown: shown, total: records.length });
      count.dataset.shown = shown;
    }
    function applySort() {
      if (!state.sort) return;
      var parts = state.sort.split(":"), index = columns.indexOf(parts[0]);
      if (index >= 0) dt.order([index, parts[1] === "asc" ? "asc" : "desc"]);
    }
    function redraw() { dt.draw(); updateCount(); }
    function commit() {
      state = stateFromControls();
      window.history.pushState(state, "", stateUrl(state));
      redraw();
    }
    dt.on("order.dt", function () {
      var order = dt.order()[0];
      if (!order || !order[1]) return;
      var sort = columns[order[0]] + ":" + order[1];
      if (sort !== state.sort && !(state.sort === "" && sort === "year:desc")) {
        state.sort = sort;
        window.history.pushState(state, "", stateUrl(state));
      }
    });
    [text].forEach(function (input) { input.addEventListener("input", commit); });
    [from, to, venue, code, award, status].forEach(function (input) { input.addEventListener("change", commit); });
    families.addEventListener("change", commit);
    reset.addEventListener("click", function () {
      state = { q: "", from: "", to: "", venue: "", code: false, award: false, status: "", nodes: [], sort: "" };
      applyStateToControls();
      window.history.pushState(state, "", stateUrl(state));
      dt.order([2, "desc"]);
      redraw();
    });
    window.addEventListener("popstate", function () {
      state = readState();
      applyStateToControls();
      if (state.sort) applySort(); else dt.order([2, "desc"]);
      redraw();
    });

    table.addEventListener("click", function (event) {
      var button = event.target.closest(".survey-copy-bibtex");
      if (!button) return;
      copyText(byKey[button.dataset.key].bibtex).then(function () {
        button.textContent = ui.copied;
        setTimeout(function () { button.textContent = ui.copy; }, 2000);
      });
    });
    table.addEventListener("change", function (event) {
      var box = event.target;
      var holder = box.closest(".survey-explorer-marks");
      if (!holder) return;
      var key = holder.dataset.key;
      var value = box.classList.contains("mark-read") ? "read" : "toread";
      if (box.checked) marks[key] = value; else delete marks[key];
      holder.querySelectorAll("input").forEach(function (other) { if (other !== box) other.checked = false; });
      saveMarks(marks);
      dt.row("#paper-" + key).invalidate("data");
      updateCount();
    });
    exportMarked.addEventListener("click", function () {
      var keys = records.map(function (r) { return r.key; }).filter(function (k) { return marks[k]; });
      download("reading-list.bib", readingListBib(keys, byKey, marks));
    });
    exportShown.addEventListener("click", function () {
      var keys = dt.rows({ search: "applied", order: "applied" }).data().toArray().map(function (r) { return r.key; });
      download("references-selection.bib", keys.map(function (k) { return byKey[k].bibtex; }).join("\n"));
    });
    importInput.addEventListener("change", function () {
      var file = importInput.files[0];
      if (!file) return;
      file.text().then(function (content) {
        var imported = parseReadingList(content), n = 0;
        Object.keys(imported).forEach(function (k) { if (byKey[k]) { marks[k] = imported[k]; n++; } });
        message.textContent = n ? format(ui.imported, { n: n }) : ui.import_error;
        saveMarks(marks);
        dt.rows().invalidate("data").draw(false);
        updateCount();
        importInput.value = "";
      });
    });

    applyStateToControls();
    applySort();
    redraw();
    // a link to one entry (…explorer.html#paper-<key>): show its page and open its BibTeX
    var target = window.location.hash.replace(/^#/, "");
    if (target.indexOf("paper-") === 0 && byKey[target.slice(6)]) {
      var position = dt.rows({ search: "applied", order: "applied" }).ids().toArray().indexOf(target);
      if (position >= 0) dt.page(Math.floor(position / dt.page.len())).draw(false);
      var row = document.getElementById(target);
      if (row) { row.classList.add("survey-explorer-target"); row.scrollIntoView(); }
    }
    window.surveyExplorer = { table: dt, parseReadingList: parseReadingList, ready: true,
                              setupMs: performance.now() - started };
    document.documentElement.dataset.explorerReady = "1";
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUp);
  else setUp();
})();
