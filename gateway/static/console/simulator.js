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

  const mode = () => document.querySelector('input[name="sim-mode"]:checked').value;

  function say(who, words) {
    const item = document.createElement("li");
    const bubble = document.createElement("span");
    item.className = who;
    bubble.dir = "auto";
    bubble.textContent = words;
    item.append(bubble);
    chat.append(item);
    chat.scrollTop = chat.scrollHeight;
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
})();
