// The console's phone simulator: SMS turns, or a USSD session of screens.
"use strict";

(function () {
  const root = document.getElementById("simulator");
  if (!root) { return; }
  const chat = document.getElementById("sim-chat");
  const text = document.getElementById("sim-text");
  const error = document.getElementById("sim-error");
  const dial = document.getElementById("sim-dial");
  let ussd = null; // {session_id, inputs} while a USSD session is open
  let watch = null; // {phone, after}: the gateway's own SMS to this phone are polled
  const POLL_MS = 3000;

  const mode = () => document.querySelector('input[name="sim-mode"]:checked').value;

  // In the chat the phone's own messages are "in" (the gateway receives them).
  function say(who, words, note) {
    const item = document.createElement("li");
    const bubble = document.createElement("div");
    item.className = { me: "in", gateway: "out" }[who] || who;
    bubble.className = "bubble";
    bubble.dir = "auto";
    bubble.textContent = words;
    item.append(bubble);
    if (note) {
      const meta = document.createElement("div");
      meta.className = "meta";
      meta.textContent = note;
      item.append(meta);
    }
    chat.append(item);
    chat.scrollTop = chat.scrollHeight;
  }

  // The result SMS comes later, from a worker: show it when it has been sent.
  function watchSent(reply) {
    const phone = document.getElementById("sim-phone").value;
    if (!watch || watch.phone !== phone) { watch = { phone, after: reply.after || 0 }; }
  }

  function pollSent() {
    if (!watch) { return; }
    const query = new URLSearchParams({ phone: watch.phone, after: watch.after });
    fetch(`${root.dataset.sent}?${query}`, { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : { messages: [] }))
      .then((found) => found.messages.forEach((message) => {
        watch.after = Math.max(watch.after, message.id);
        say("gateway", message.text, root.dataset.result);
      }))
      .catch(() => {});
  }

  function post(body) {
    error.hidden = true;
    body.phone = document.getElementById("sim-phone").value;
    return consoleFetch(root.dataset.api, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }).then((response) => response.json().then((reply) => {
      if (!response.ok) { throw new Error(reply.error || String(response.status)); }
      return reply;
    })).catch((problem) => {
      error.textContent = problem.message;
      error.hidden = false;
      throw problem;
    });
  }

  function showUssd(reply) {
    watchSent(reply);
    say("gateway", reply.reply || root.dataset.noReply);
    if (reply.ended) {
      say("system", root.dataset.ended);
      ussd = null;
    } else {
      ussd.session_id = reply.session_id;
    }
  }

  function startUssd() {
    ussd = { session_id: null, inputs: [] };
    say("system", dial.textContent);
    post({ mode: "ussd", inputs: [] }).then(showUssd).catch(() => { ussd = null; });
  }

  function send(event) {
    event.preventDefault();
    const words = text.value;
    if (!words.trim()) { return; }
    text.value = "";
    say("me", words);
    if (mode() === "sms") {
      post({ mode: "sms", text: words }).then((reply) => {
        watchSent(reply);
        say("gateway", reply.reply || root.dataset.noReply);
      }).catch(() => {});
      return;
    }
    if (!ussd) { startUssd(); return; }
    ussd.inputs.push(words);
    post({ mode: "ussd", session_id: ussd.session_id, inputs: ussd.inputs }).then(showUssd)
      .catch(() => { ussd.inputs.pop(); });
  }

  document.querySelectorAll('input[name="sim-mode"]').forEach((radio) => {
    radio.addEventListener("change", () => { dial.hidden = mode() !== "ussd"; ussd = null; });
  });
  dial.addEventListener("click", startUssd);
  document.getElementById("sim-form").addEventListener("submit", send);
  setInterval(pollSent, POLL_MS);
})();
