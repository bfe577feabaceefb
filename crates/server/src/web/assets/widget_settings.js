// The live preview of the widget settings page: every change of the form shows at once in
// the preview; empty texts show the default of the chosen language.
(function () {
  "use strict";
  var form = document.getElementById("widget-look");
  var preview = document.getElementById("widget-preview");
  if (!form || !preview) { return; }
  var colours = { primary_color: "--bw-primary", background_color: "--bw-bg", text_color: "--bw-text" };
  var texts = ["title", "intro", "consent_text", "button"];

  function update() {
    var lang = form.elements.language.value === "en" ? "en" : "de";
    texts.forEach(function (name) {
      var target = preview.querySelector('[data-preview="' + name + '"]');
      if (!target) { return; }
      var own = form.elements[name].value.trim();
      target.textContent = own || preview.getAttribute("data-default-" + lang + "-" + name) || "";
    });
    Object.keys(colours).forEach(function (name) {
      var value = form.elements[name].value;
      if (/^#[0-9a-fA-F]{6}$/.test(value)) { preview.style.setProperty(colours[name], value); }
    });
    var logo = preview.querySelector('[data-preview="logo"]');
    var url = form.elements.logo_url.value.trim();
    if (logo) {
      if (/^https:\/\/\S+$/.test(url)) { logo.src = url; logo.hidden = false; }
      else { logo.removeAttribute("src"); logo.hidden = true; }
    }
  }
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
})();
