// bote opt-in widget: put <script src="…/embed.js" async></script> where the form should
// appear; this inserts the hosted widget page as an iframe right after the script tag.
(function () {
  "use strict";
  var script = document.currentScript;
  var frame = document.createElement("iframe");
  frame.src = "__PAGE_URL__";
  frame.title = "__TITLE__";
  frame.loading = "lazy";
  // A fixed width that yields to narrow containers: "100%" would collapse inside a
  // shrink-to-fit parent such as a flex item.
  frame.style.display = "block";
  frame.style.width = "420px";
  frame.style.maxWidth = "100%";
  frame.style.height = "520px";
  frame.style.border = "0";
  if (script && script.parentNode) {
    script.parentNode.insertBefore(frame, script.nextSibling);
  } else {
    document.body.appendChild(frame);
  }
})();
