// bote web interface: small progressive enhancements; every page works without them.
"use strict";

// Writes a JSON body's values into the elements named by `data-field` (nested keys joined
// with dots); a row named by `data-row` is marked `zero` while its value is 0.
function fill(body, prefix) {
  for (const [key, value] of Object.entries(body)) {
    const name = prefix + key;
    if (value !== null && typeof value === "object") {
      fill(value, name + ".");
      continue;
    }
    for (const el of document.querySelectorAll(`[data-field="${name}"]`)) {
      if (el.tagName === "PROGRESS") {
        el.value = value;
      } else {
        el.textContent = String(value);
      }
    }
    const row = document.querySelector(`[data-row="${name}"]`);
    if (row) {
      row.classList.toggle("zero", value === 0);
    }
  }
}

// A section with `data-poll` fetches its progress every second and shows it until the body
// says `done`; then a page marked `data-poll-reload` reloads to show its final state (which
// no longer polls), and any other drops its live marks (`data-live`) and stops.
function poll(section) {
  const url = section.dataset.poll;
  const tick = async () => {
    let wait = 1000;
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (response.ok) {
        const body = await response.json();
        fill(body, "");
        if (body.done) {
          if ("pollReload" in section.dataset) {
            window.location.reload();
          } else {
            for (const el of document.querySelectorAll("[data-live]")) {
              el.hidden = true;
            }
          }
          return;
        }
      } else {
        wait = 5000;
      }
    } catch (e) {
      wait = 5000;
    }
    window.setTimeout(tick, wait);
  };
  window.setTimeout(tick, 1000);
}

// The SMS counter: characters, encoding and parts as the text is typed, naming the first
// character that forces UCS-2. The GSM-7 alphabet comes from the server (`data-gsm`: one
// septet each, `data-gsm-ext`: two), so it is the one bote encodes with.
function smsCounter(textarea, out) {
  const basic = new Set(Array.from(textarea.dataset.gsm || ""));
  const extension = new Set(Array.from(textarea.dataset.gsmExt || ""));
  const update = () => {
    const text = textarea.value.replace(/\r\n/g, "\n");
    let septets = 0;
    let units = 0;
    let chars = 0;
    let trigger = null;
    for (const ch of text) {
      chars += 1;
      units += ch.length;
      if (basic.has(ch)) {
        septets += 1;
      } else if (extension.has(ch)) {
        septets += 2;
      } else if (trigger === null) {
        trigger = { ch, at: chars };
      }
    }
    const gsm = trigger === null;
    const length = gsm ? septets : units;
    const single = gsm ? 160 : 70;
    const part = gsm ? 153 : 67;
    const segments = length <= single ? 1 : Math.ceil(length / part);
    out.querySelector("[data-counter=chars]").textContent = String(chars);
    out.querySelector("[data-counter=encoding]").textContent = gsm ? "GSM-7" : "UCS-2";
    out.querySelector("[data-counter=segments]").textContent = String(segments);
    const why = out.querySelector("[data-counter=trigger]");
    why.hidden = gsm;
    if (!gsm) {
      const cp = trigger.ch.codePointAt(0).toString(16).toUpperCase().padStart(4, "0");
      why.querySelector("[data-counter=char]").textContent = `„${trigger.ch}“ (U+${cp}, #${trigger.at})`;
    }
  };
  textarea.addEventListener("input", update);
  out.hidden = false;
  update();
}

document.addEventListener("DOMContentLoaded", () => {
  // A form submits once: its buttons are disabled while the next page loads.
  for (const form of document.querySelectorAll("form")) {
    form.addEventListener("submit", () => {
      for (const button of form.querySelectorAll("button[type=submit]")) {
        button.disabled = true;
      }
    });
  }
  for (const section of document.querySelectorAll("[data-poll]")) {
    poll(section);
  }
  const counter = document.getElementById("sms-counter");
  const text = document.getElementById("text");
  if (counter && text) {
    smsCounter(text, counter);
  }
});
