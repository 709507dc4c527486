// The console's little JavaScript: a CSRF-aware fetch and progress polling for exports.
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

document.addEventListener("DOMContentLoaded", pollExports);
window.consoleFetch = consoleFetch;
