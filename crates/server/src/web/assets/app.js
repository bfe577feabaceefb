// bote web interface: small progressive enhancements; every page works without them.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // A form submits once: its buttons are disabled while the next page loads.
  for (const form of document.querySelectorAll("form")) {
    form.addEventListener("submit", () => {
      for (const button of form.querySelectorAll("button[type=submit]")) {
        button.disabled = true;
      }
    });
  }
});
