// Renders the OpenAPI document at ./openapi.json: operations grouped by tag, each with its
// parameters, request body, responses, schemas and examples. No dependencies; every value
// from the document goes into the page as text, never as markup.
"use strict";

(function () {
  const METHODS = ["get", "put", "post", "patch", "delete", "head", "options"];

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      if (key === "class") node.className = value;
      else node.setAttribute(key, value);
    }
    return add(node, ...children);
  }

  // Appends children, skipping absent ones (`append(null)` would show "null").
  function add(node, ...children) {
    for (const child of children.flat()) {
      if (child === undefined || child === null || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  // A little Markdown: paragraphs, `code` and **bold**.
  function inline(text) {
    const out = [];
    const re = /`([^`]+)`|\*\*([^*]+)\*\*/g;
    let last = 0;
    let m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) out.push(text.slice(last, m.index));
      out.push(m[1] !== undefined ? el("code", {}, m[1]) : el("strong", {}, m[2]));
      last = re.lastIndex;
    }
    if (last < text.length) out.push(text.slice(last));
    return out;
  }

  function prose(text, cls) {
    if (!text) return null;
    return el("div", { class: "prose " + (cls || "") },
      text.split(/\n\s*\n/).map((para) => el("p", {}, inline(para.trim()))));
  }

  function anchor(...parts) {
    return parts.join("-").replace(/[^A-Za-z0-9_-]+/g, "-");
  }

  function refName(ref) {
    return ref.split("/").pop();
  }

  function main(doc) {
    // Resolves a local "#/a/b/c" reference.
    function resolve(ref) {
      if (!ref.startsWith("#/")) return undefined;
      let node = doc;
      for (const raw of ref.slice(2).split("/")) {
        const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
        if (node === undefined || node === null) return undefined;
        node = node[key];
      }
      return node;
    }
    const deref = (obj) => (obj && obj.$ref ? resolve(obj.$ref) || {} : obj || {});

    function schemaLink(ref) {
      const name = refName(ref);
      return el("a", { href: "#" + anchor("schema", name), class: "type-ref" }, name);
    }

    // A schema's type in one line: `string | null`, `array of Contact`, `Media | null`.
    function typeLabel(schema) {
      if (!schema) return ["any"];
      if (schema.$ref) return [schemaLink(schema.$ref)];
      const alts = schema.oneOf || schema.anyOf;
      if (alts) {
        const out = [];
        alts.forEach((alt, i) => {
          if (i) out.push(" | ");
          out.push(...typeLabel(alt));
        });
        return out;
      }
      let types = schema.type === undefined ? [] : [].concat(schema.type);
      const out = [];
      types.forEach((t, i) => {
        if (i) out.push(" | ");
        if (t === "array") {
          out.push("array of ", ...typeLabel(schema.items));
        } else if (t === "object" && schema.additionalProperties && typeof schema.additionalProperties === "object" && !schema.properties) {
          out.push("map of ", ...typeLabel(schema.additionalProperties));
        } else {
          out.push(t + (schema.format && t !== "null" ? " (" + schema.format + ")" : ""));
        }
      });
      if (!types.length) out.push(schema.enum ? "enum" : "any");
      return out;
    }

    function constraints(schema) {
      const bits = [];
      if (schema.enum) bits.push("one of: " + schema.enum.map((v) => JSON.stringify(v)).join(", "));
      for (const [key, label] of [["minimum", "≥ "], ["maximum", "≤ "], ["minLength", "min length "],
        ["maxLength", "max length "], ["maxItems", "max items "], ["maxProperties", "max entries "],
        ["pattern", "pattern "], ["default", "default "]]) {
        if (schema[key] !== undefined) bits.push(label + (typeof schema[key] === "string" && key !== "pattern" ? JSON.stringify(schema[key]) : schema[key]));
      }
      return bits.length ? el("div", { class: "constraints" }, bits.join("; ")) : null;
    }

    // Object properties as a table; nested inline objects open below their row.
    function schemaView(schema, depth) {
      schema = schema || {};
      depth = depth || 0;
      const target = deref(schema);
      const box = el("div", { class: "schema" });
      if (schema.$ref) add(box, el("div", { class: "schema-name" }, "Schema ", schemaLink(schema.$ref)));
      if (target.properties && depth < 3) {
        add(box, propertyTable(target, depth));
        if (target.additionalProperties === false) add(box, el("div", { class: "note" }, "Other fields are refused."));
      } else {
        add(box, el("div", { class: "type-line" }, "Type: ", typeLabel(schema)));
        if (schema.$ref && target.description) add(box, prose(target.description, "small"));
        add(box, constraints(target));
        if (target.type === "array" && target.items && deref(target.items).properties && depth < 3) {
          add(box, el("div", { class: "note" }, "Each item:"), schemaView(target.items, depth + 1));
        }
      }
      return box;
    }

    function propertyTable(schema, depth) {
      const required = new Set(schema.required || []);
      const rows = Object.entries(schema.properties).map(([name, prop]) => {
        const target = deref(prop);
        const nested = !prop.$ref && target.properties ? schemaView(prop, depth + 1) : null;
        return el("tr", {},
          el("td", { class: "prop" }, el("code", {}, name), required.has(name) ? el("span", { class: "req" }, " required") : null),
          el("td", { class: "type" }, typeLabel(prop)),
          el("td", {}, prose(prop.description || (prop.$ref ? "" : target.description), "small"), constraints(prop.$ref ? {} : target), nested));
      });
      return el("table", { class: "props" },
        el("thead", {}, el("tr", {}, el("th", {}, "field"), el("th", {}, "type"), el("th", {}, "description"))),
        el("tbody", {}, rows));
    }

    function example(value, label) {
      const text = typeof value === "string" ? value : JSON.stringify(value, null, 2);
      return el("div", { class: "example" },
        el("div", { class: "example-label" }, label || "Example"),
        el("pre", {}, el("code", {}, text)));
    }

    function mediaView(content) {
      return Object.entries(content || {}).map(([type, media]) => {
        const out = [el("div", { class: "media-type" }, el("code", {}, type))];
        if (media.schema) out.push(schemaView(media.schema));
        if (media.example !== undefined) out.push(example(media.example));
        for (const [name, ex] of Object.entries(media.examples || {})) {
          const e = deref(ex);
          out.push(example(e.value, "Example: " + (e.summary || name)));
        }
        return el("div", { class: "media" }, out);
      });
    }

    function securityView(op) {
      const reqs = op.security !== undefined ? op.security : doc.security || [];
      if (!reqs.length) return el("div", { class: "security public" }, "No credentials needed.");
      const alts = reqs.map((req) => Object.entries(req).map(([scheme, roles]) => {
        const def = (doc.components.securitySchemes || {})[scheme] || {};
        const what = def.scheme === "bearer" ? "Bearer token" : def.scheme === "basic" ? "HTTP Basic" : scheme;
        if (!roles.length) return what;
        return roles.map((r) => r === "account_manager" ? what + " as an account manager" : what + " with scope " + r).join(", ");
      }).join(" + "));
      return el("div", { class: "security" }, "Needs: ", alts.join(" or "));
    }

    function parametersView(params) {
      if (!params.length) return null;
      return el("section", { class: "block" },
        el("h4", {}, "Parameters"),
        el("table", { class: "props" },
          el("thead", {}, el("tr", {}, el("th", {}, "name"), el("th", {}, "in"), el("th", {}, "type"), el("th", {}, "description"))),
          el("tbody", {}, params.map((p) => el("tr", {},
            el("td", { class: "prop" }, el("code", {}, p.name), p.required ? el("span", { class: "req" }, " required") : null),
            el("td", {}, p.in),
            el("td", { class: "type" }, typeLabel(p.schema)),
            el("td", {}, prose(p.description, "small"), constraints(deref(p.schema)),
              p.example !== undefined ? el("div", { class: "constraints" }, "e.g. " + p.example) : null))))));
    }

    function operationView(path, method, op, pathItem) {
      const params = [...(pathItem.parameters || []), ...(op.parameters || [])].map(deref);
      const id = anchor("op", op.operationId || method + path);
      const body = deref(op.requestBody);
      const details = el("details", { class: "op method-" + method, id: id },
        el("summary", {},
          el("span", { class: "method" }, method.toUpperCase()),
          el("code", { class: "path" }, path),
          el("span", { class: "summary" }, op.summary || "")),
        el("div", { class: "op-body" },
          securityView(op),
          prose(op.description),
          parametersView(params),
          op.requestBody ? el("section", { class: "block" },
            el("h4", {}, "Request body", body.required ? "" : " (optional)"),
            prose(body.description, "small"),
            mediaView(body.content)) : null,
          el("section", { class: "block" },
            el("h4", {}, "Responses"),
            Object.entries(op.responses || {}).map(([status, r]) => {
              const resp = deref(r);
              return el("div", { class: "response status-" + status[0] },
                el("div", { class: "response-head" },
                  el("span", { class: "status" }, status),
                  r.$ref ? el("span", { class: "resp-name" }, refName(r.$ref)) : null),
                prose(resp.description, "small"),
                Object.keys(resp.headers || {}).length
                  ? el("div", { class: "note" }, "Headers: ", Object.keys(resp.headers).map((h) => el("code", {}, h + " ")))
                  : null,
                mediaView(resp.content));
            }))));
      details.addEventListener("toggle", () => {
        if (details.open && location.hash !== "#" + id) history.replaceState(null, "", "#" + id);
      });
      return details;
    }

    // Operations by tag, in the document's tag order; untagged ones last.
    const tagOrder = (doc.tags || []).map((t) => t.name);
    const byTag = new Map(tagOrder.map((name) => [name, []]));
    for (const [path, item] of Object.entries(doc.paths || {})) {
      for (const method of METHODS) {
        const op = item[method];
        if (!op) continue;
        for (const tag of op.tags && op.tags.length ? op.tags : ["other"]) {
          if (!byTag.has(tag)) byTag.set(tag, []);
          byTag.get(tag).push({ path, method, op, item });
        }
      }
    }

    const mainEl = document.getElementById("main");
    const nav = document.getElementById("nav");
    mainEl.replaceChildren();
    const info = doc.info || {};
    const base = (doc.servers && doc.servers[0] && doc.servers[0].url) || "";
    add(mainEl, 
      el("header", {},
        el("h1", {}, info.title || "API", " ", el("span", { class: "version" }, "v" + (info.version || "?"))),
        info.summary ? el("p", { class: "lead" }, info.summary) : null,
        el("p", { class: "note" }, "Paths are relative to ", el("code", {}, base || "/"),
          ". OpenAPI ", doc.openapi, ": ", el("a", { href: "openapi.json" }, "openapi.json"), ".")),
      prose(info.description));

    const navList = el("ul", {});
    nav.replaceChildren(el("div", { class: "nav-title" }, info.title || "API"), navList);
    for (const [tag, ops] of byTag) {
      if (!ops.length) continue;
      const meta = (doc.tags || []).find((t) => t.name === tag) || {};
      const tagId = anchor("tag", tag);
      add(mainEl, el("section", { class: "tag", id: tagId },
        el("h2", {}, tag),
        prose(meta.description),
        ops.map((o) => operationView(o.path, o.method, o.op, o.item))));
      add(navList, el("li", {},
        el("a", { href: "#" + tagId, class: "nav-tag" }, tag),
        el("ul", {}, ops.map((o) => el("li", {},
          el("a", { href: "#" + anchor("op", o.op.operationId || o.method + o.path) },
            el("span", { class: "method small method-" + o.method }, o.method.toUpperCase()), " ", o.path))))));
    }

    const schemes = (doc.components && doc.components.securitySchemes) || {};
    if (Object.keys(schemes).length) {
      add(mainEl, el("section", { class: "tag", id: "authentication" },
        el("h2", {}, "Authentication"),
        Object.entries(schemes).map(([name, s]) => el("div", { class: "scheme" },
          el("h3", {}, name, " ", el("span", { class: "note" }, s.type + (s.scheme ? " / " + s.scheme : ""))),
          prose(s.description)))));
      add(navList, el("li", {}, el("a", { href: "#authentication", class: "nav-tag" }, "authentication")));
    }

    const schemas = (doc.components && doc.components.schemas) || {};
    if (Object.keys(schemas).length) {
      add(mainEl, el("section", { class: "tag", id: "schemas" },
        el("h2", {}, "Schemas"),
        Object.entries(schemas).map(([name, s]) => el("div", { class: "component", id: anchor("schema", name) },
          el("h3", {}, name),
          prose(s.description, "small"),
          s.properties ? schemaView(s, 0) : el("div", { class: "schema" },
            el("div", { class: "type-line" }, "Type: ", typeLabel(s)), constraints(s)),
          s.examples ? s.examples.map((e) => example(e)) : null))));
      add(navList, el("li", {}, el("a", { href: "#schemas", class: "nav-tag" }, "schemas")));
    }

    // Open and show the operation named in the address.
    if (location.hash) {
      const target = document.getElementById(decodeURIComponent(location.hash.slice(1)));
      if (target) {
        if (target.tagName === "DETAILS") target.open = true;
        target.scrollIntoView();
      }
    }
  }

  fetch("openapi.json", { headers: { Accept: "application/json" } })
    .then((r) => {
      if (!r.ok) throw new Error("openapi.json answered " + r.status);
      return r.json();
    })
    .then(main)
    .catch((err) => {
      const status = document.getElementById("status");
      if (status) status.textContent = "Could not load openapi.json: " + err.message;
    });
})();
