// The live monitor: polls /console/api/monitor and redraws charts, tables and warnings.
"use strict";

(function () {
  const root = document.getElementById("monitor");
  if (!root) { return; }
  const labels = JSON.parse(document.getElementById("monitor-labels").textContent);
  const lang = document.documentElement.lang || "fa";
  const numbers = new Intl.NumberFormat(lang === "fa" ? "fa-IR" : "en-US");
  const percent = new Intl.NumberFormat(lang === "fa" ? "fa-IR" : "en-US", {
    style: "percent", maximumFractionDigits: 1,
  });
  const fmt = (n) => numbers.format(n);
  const label = (key) => labels[key] || key;
  const OUTCOME_KEYS = { approved: "status.approved", waitlisted: "status.waitlisted",
    rejected: "status.rejected", promoted: "funnel.promoted" };

  function cell(text, className, value) {
    const td = document.createElement("td");
    td.textContent = text;
    if (className) { td.className = className; }
    if (value !== undefined) { td.dataset.value = value; }
    return td;
  }

  // Rows of cells; each cell gets its column's name (data-label) for the phone's cards,
  // and an empty table says so instead of showing bare headers.
  function fillRows(table, rows, empty) {
    const body = table.querySelector("tbody");
    const names = [...table.querySelectorAll("thead th")].map((th) => th.textContent.trim());
    if (!rows.length) {
      const tr = document.createElement("tr");
      tr.className = "empty";
      const td = cell(empty || label("common.none"));
      td.colSpan = Math.max(1, names.length);
      tr.append(td);
      body.replaceChildren(tr);
      return;
    }
    body.replaceChildren(...rows.map((cells) => {
      const tr = document.createElement("tr");
      cells.forEach((td, n) => { if (names[n]) { td.dataset.label = names[n]; } });
      tr.append(...cells);
      return tr;
    }));
  }

  // A stored code in words, with the code on hover.
  function codeCell(kind, code, className) {
    const td = cell(labels[`${kind}.${code}`] || code, className);
    td.title = code;
    td.dataset.code = code;
    return td;
  }

  function numberCell(n) { return cell(fmt(n), "num", n); }

  // Times in the programme's time zone, like every other page (not the browser's).
  const locale = lang === "fa" ? "fa-IR" : "en-GB";
  let zone = "Asia/Tehran";
  const clock = (iso) => new Date(iso).toLocaleTimeString(locale,
    { hour: "2-digit", minute: "2-digit", timeZone: zone });
  const dateTime = (iso) => new Date(iso).toLocaleString(locale,
    { dateStyle: "short", timeStyle: "short", timeZone: zone });
  const SEND_ORDER = ["sent", "retry", "failed", "delivered", "undelivered"];
  const range = document.getElementById("range");

  function drawCharts(data) {
    const m = data.minutes;
    const xLabels = [m[0], m[Math.floor(m.length / 2)], m[m.length - 1]].map(clock);
    ["in", "out"].forEach((direction) => {
      const series = Object.entries(data.series).map(([channel, both]) => (
        { name: label(`channel.${channel}`), code: channel, values: both[direction] }));
      const tip = (i) => [clock(m[i]), ...series.map((s) => `${s.name}: ${fmt(s.values[i])}`)];
      const legend = drawLineChart(document.getElementById(`chart-${direction}`), series,
        { format: fmt, xLabels, tip });
      drawLegend(document.getElementById(`legend-${direction}`), legend.map((entry, n) => (
        Object.assign(entry, { name: `${entry.name}: ${fmt(series[n].values.reduce((a, b) => a + b, 0))}` }))));
    });
  }

  function drawSends(data) {
    fillRows(document.getElementById("sends"), SEND_ORDER.map((status) => {
      const name = cell(label(`send.${status}`));
      name.dataset.status = status;
      return [name, numberCell(data.sends_hour[status]), numberCell(data.sends_today[status])];
    }));
    const rate = (value) => (value === null ? "-" : percent.format(value));
    document.getElementById("delivery-rate").textContent =
      rate(data.rates.no_reports ? null : data.rates.delivery);
    document.getElementById("failure-rate").textContent = rate(data.rates.failure);
    document.getElementById("no-reports").hidden = !data.rates.no_reports;
    fillRows(document.getElementById("failures"), data.failures_today.map((row) => [
      cell(label(`send.${row.status}`)), cell(row.code, "ltr"), numberCell(row.count)]),
      label("monitor.no_failures"));
  }

  function drawQueues(data) {
    fillRows(document.getElementById("queues"), Object.entries(data.queues).map(([name, q]) => [
      codeCell("queue", name), numberCell(q.queued), numberCell(q.scheduled), numberCell(q.started),
      numberCell(q.failed)]));
    const count = document.getElementById("worker-count");
    count.textContent = fmt(data.workers.length);
    count.dataset.value = data.workers.length;
    const comma = lang === "fa" ? "، " : ", ";
    const workers = data.workers.map((w) => {
      const li = document.createElement("li");
      const name = document.createElement("bdi");
      name.dir = "ltr";
      name.textContent = w.name;
      const queues = w.queues.map((q) => label(`queue.${q}`)).join(comma);
      li.append(name, ` (${label(`worker.${w.state}`)}${comma}${queues})`);
      return li;
    });
    if (!workers.length) {
      const li = document.createElement("li");
      li.textContent = label("monitor.no_workers");
      workers.push(li);
    }
    document.getElementById("workers").replaceChildren(...workers);
    fillRows(document.getElementById("failed-jobs"), data.failed_jobs.map((job) => {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "small";
      button.textContent = label("monitor.retry");
      button.addEventListener("click", () => retry(job, button));
      const action = cell("", "actions");
      action.append(button);
      const what = codeCell("job", job.func);
      what.title = `${job.func}(${job.args})`;
      const when = cell(job.ended_at ? dateTime(job.ended_at) : "-", "nowrap");
      if (job.ended_at) { when.title = job.ended_at; }
      return [action, codeCell("queue", job.queue), what, cell(job.error, "ltr"), when];
    }), label("monitor.no_failed_jobs"));
  }

  function funnelKeys(data) {
    const reasons = new Set();
    [data.funnel_today, ...Object.values(data.funnel_by_phase)].forEach((f) => Object.keys(f)
      .filter((k) => k.startsWith("rejected.")).forEach((k) => reasons.add(k)));
    return ["started", "national_id", "pension_number", "confirmed", "approved", "waitlisted",
      "promoted", "rejected", ...[...reasons].sort()];
  }

  function funnelLabel(key) {
    if (key.startsWith("rejected.")) { return `— ${label(`reason.${key.slice(9)}`)}`; }
    return label(OUTCOME_KEYS[key] || `funnel.${key}`);
  }

  function drawFunnel(data) {
    const table = document.getElementById("funnel");
    const phases = Object.keys(data.funnel_by_phase);
    const head = document.createElement("tr");
    head.append(document.createElement("th"), Object.assign(document.createElement("th"),
      { className: "num", textContent: label("monitor.today") }));
    phases.forEach((phase) => head.append(Object.assign(document.createElement("th"), {
      className: "num",
      textContent: phase === "0" ? label("monitor.no_phase") : `${label("field.phase")} ${fmt(phase)}`,
    })));
    table.querySelector("thead").replaceChildren(head);
    fillRows(table, funnelKeys(data).map((key) => {
      const first = cell(funnelLabel(key));
      first.dataset.step = key;
      return [first, numberCell(data.funnel_today[key] || 0),
        ...phases.map((p) => numberCell(data.funnel_by_phase[p][key] || 0))];
    }));
  }

  function drawSupport(data) {
    const open = document.getElementById("support-open");
    open.textContent = fmt(data.support.open);
    open.dataset.value = data.support.open;
    const minutes = data.support.oldest_minutes;
    document.getElementById("support-oldest").textContent = minutes === null ? "-" :
      label("monitor.minutes").replace("{n}", fmt(minutes));
  }

  function drawWarnings(data) {
    const box = document.getElementById("warnings");
    box.replaceChildren(...data.warnings.map((w) => {
      const p = document.createElement("p");
      const value = w.kind === "failure_rate" ? percent.format(w.value) : fmt(w.value);
      p.textContent = label(`monitor.warn.${w.kind}`).replace("{queue}", w.queue || "")
        .replace("{value}", value);
      p.dataset.kind = w.kind;
      return p;
    }));
    box.hidden = data.warnings.length === 0;
  }

  function retry(job, button) {
    button.disabled = true;
    consoleFetch(root.dataset.retry, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ queue: job.queue, job_id: job.id }),
    }).then((response) => response.json()).then((reply) => {
      document.getElementById("retry-result").textContent = reply.message || reply.error || "";
      poll();
    }).catch(() => { button.disabled = false; });
  }

  function draw(data) {
    zone = data.timezone || zone;
    drawWarnings(data);
    drawCharts(data);
    drawSends(data);
    drawQueues(data);
    drawFunnel(data);
    drawSupport(data);
    const updated = document.getElementById("updated");
    updated.textContent = new Date(data.now).toLocaleTimeString(locale, { timeZone: zone });
    updated.setAttribute("datetime", data.now);
    updated.title = data.now;
  }

  function poll() {
    const url = `${root.dataset.api}?minutes=${range ? range.value : 60}`;
    return fetch(url, { credentials: "same-origin" })
      .then((response) => {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then((data) => { document.getElementById("stale").hidden = true; draw(data); })
      .catch(() => { document.getElementById("stale").hidden = false; });
  }

  if (range) { range.addEventListener("change", poll); }
  poll();
  setInterval(poll, Number(root.dataset.pollMs) || 5000);
})();
