"""What every console page must be in a browser: nothing off-screen or cut, no raw code."""

from __future__ import annotations

from flows.registration import build_registration_flow
from gateway.console.labels import CODES
from gateway.console.messages import CHANNELS
from gateway.console.messages import STATUSES as LOG_STATUSES
from gateway.programme.jobs import JOBS, QUEUE_NAMES
from gateway.store.models import MESSAGE_STATUSES, REASONS, ROLES, STATUSES

# Stored codes of the models, the message log, the flow, the queues and the audit log: none
# may be read on a Persian page (data the user typed, isolated in <bdi dir=ltr>, aside).
RAW_CODES = sorted(
    {*STATUSES, *REASONS, *MESSAGE_STATUSES, *LOG_STATUSES, *ROLES, *CHANNELS, *QUEUE_NAMES,
     *JOBS, *build_registration_flow().states, *CODES["event"], *CODES["flag"],
     *CODES["action"], *CODES["kind"]}
)  # fmt: skip

# Run in the page (Playwright passes the codes): a list of what is wrong, empty when fine.
PAGE_PROBLEMS = """(codes) => {
  const problems = [];
  const width = window.innerWidth;
  const root = document.documentElement;
  if (root.scrollWidth > width + 1) { problems.push(`page is ${root.scrollWidth}px wide`); }
  const seen = (el) => {
    const style = getComputedStyle(el);
    const rect = el.getBoundingClientRect();
    return style.visibility !== "hidden" && rect.width > 0 && rect.height > 0;
  };
  const name = (el) => `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}` +
    `${el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : ""}`;
  for (const el of document.querySelectorAll("body *")) {
    if (!seen(el) || el.closest(".chart-tip, option")) { continue; }
    const rect = el.getBoundingClientRect();
    if (rect.right > width + 1 || rect.left < -1) {
      problems.push(`off-screen: ${name(el)} ${Math.round(rect.left)}..${Math.round(rect.right)}`);
    }
    const clip = ["hidden", "clip", "auto", "scroll"].includes(getComputedStyle(el).overflowX);
    const skip = ["INPUT", "SELECT", "TEXTAREA", "svg", "BUTTON"].includes(el.tagName) ||
      el.classList.contains("bar");
    if (clip && !skip && el.scrollWidth > el.clientWidth + 1) {
      problems.push(`cut: ${name(el)} ${el.scrollWidth} > ${el.clientWidth}`);
    }
  }
  if (document.documentElement.lang === "fa") {
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const raw = new Set(codes);
    let text = "";
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || parent.closest("script, bdi[dir=ltr], [hidden], option") || !seen(parent)) {
        continue;
      }
      text += " " + node.textContent;
      for (const word of node.textContent.match(/[A-Za-z_]+/g) || []) {
        if (raw.has(word)) { problems.push(`raw code "${word}" in ${name(parent)}`); }
      }
    }
    if (/·\\s*[۰-۹0-9]|[۰-۹0-9]\\s*·/.test(text)) { problems.push("a · beside a digit"); }
    if (/[0-9۰-۹]{4}-[0-9۰-۹]{2}-[0-9۰-۹]{2}T/.test(text)) { problems.push("an ISO time shown"); }
  }
  return [...new Set(problems)].slice(0, 15);
}"""


def page_problems(page) -> list[str]:
    return page.evaluate(PAGE_PROBLEMS, RAW_CODES)
