// The console's little JavaScript: a CSRF-aware fetch, confirmations, bars, the role
// form, and progress polling for exports. No inline script: the CSP forbids it.
"use strict";

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// fetch() with the session's CSRF token, for pages that post without a form.
function consoleFetch(url, options = {}) {
  const headers = Object.assign({ "X-CSRF-Token": csrfToken() }, options.headers || {});
  return fetch(url, Object.assign({ credentials: "same-origin" }, options, { headers }));
}

// A button with data-confirm="question" asks before its form is sent.
function confirmButtons() {
  document.querySelectorAll("button[data-confirm]").forEach((button) => {
    button.form.addEventListener("submit", (event) => {
      if (event.submitter === button && !window.confirm(button.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });
}

// Bars are drawn from data-fill (percent): a style attribute would need 'unsafe-inline'.
function drawBars() {
  document.querySelectorAll(".bar .fill[data-fill]").forEach((fill) => {
    fill.style.inlineSize = `${Number(fill.dataset.fill) || 0}%`;
  });
}

// The association field is asked only for the role that has one (association staff).
function roleForms() {
  document.querySelectorAll("select[data-role-select]").forEach((select) => {
    const field = select.form.querySelector("[data-association-field]");
    if (!field) { return; }
    const toggle = () => {
      const needs = select.value === "staff";
      field.hidden = !needs;
      field.querySelector("select").required = needs;
      if (!needs) { field.querySelector("select").value = ""; }
    };
    select.addEventListener("change", toggle);
    toggle();
  });
}

// Every element with data-poll="URL" is refreshed from that JSON until it is finished.
function pollExports() {
  document.querySelectorAll("[data-poll]").forEach((row) => {
    const tick = () => {
      fetch(row.dataset.poll, { credentials: "same-origin" })
        .then((response) => response.json())
        .then((info) => {
          const bar = row.querySelector("progress");
          if (bar && info.total) { bar.max = info.total; bar.value = info.done; }
          const state = row.querySelector("[data-state]");
          if (state) { state.textContent = info.state_label; }
          if (info.state === "done" || info.state === "failed") {
            window.location.reload();
          } else {
            setTimeout(tick, 1500);
          }
        })
        .catch(() => setTimeout(tick, 5000));
    };
    setTimeout(tick, 1000);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  confirmButtons();
  drawBars();
  roleForms();
  pollExports();
});
window.consoleFetch = consoleFetch;
