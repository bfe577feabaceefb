//! The routes of the router as written in the source: every `.route("…", get(…).post(…))`,
//! read at test time, so a test can hold every route to a rule without a hand-kept list.

use std::collections::BTreeSet;
use std::path::Path;

/// The HTTP methods an axum method router names.
pub const METHODS: [&str; 7] = ["get", "put", "post", "patch", "delete", "head", "options"];

/// `(path, METHOD)` of every `.route("…", get(…).post(…))` in the `.rs` files under `dir`.
pub fn routes_in_source(dir: &Path, out: &mut BTreeSet<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            routes_in_source(&path, out);
            continue;
        }
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let file = path.display().to_string();
        // Comment lines may mention `.route(` in prose.
        let source: String = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n");
        for unreadable in [".nest(", ".route_service(", ".nest_service("] {
            assert!(
                !source.contains(unreadable),
                "{file}: `{unreadable}` hides routes from this scan; list them with .route()"
            );
        }
        let mut rest = source.as_str();
        while let Some(i) = rest.find(".route(") {
            rest = &rest[i + ".route(".len()..];
            let literal = rest.trim_start();
            let literal = literal.strip_prefix('"').unwrap_or_else(|| {
                panic!(
                    "{file}: a .route( whose path is not a string literal: the scan cannot read it"
                )
            });
            let end = literal.find('"').unwrap();
            let route = literal[..end].to_owned();
            // The method router: up to the `)` that closes `.route(`.
            let after = &literal[end + 1..];
            let mut depth = 1;
            let close = after
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map(|(i, _)| i)
                .unwrap_or_else(|| panic!("{file}: unclosed .route(\"{route}\""));
            let methods = &after[..close];
            let mut found = 0;
            for method in METHODS.iter().chain(&["any", "on"]) {
                let call = format!("{method}(");
                for (j, _) in methods.match_indices(&call) {
                    let before = methods[..j].chars().next_back();
                    if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        continue;
                    }
                    assert!(
                        METHODS.contains(method),
                        "{file}: .route(\"{route}\", {method}(…)): name its methods so the scan can read them"
                    );
                    out.insert((route.clone(), method.to_uppercase()));
                    found += 1;
                }
            }
            assert!(
                found > 0,
                "{file}: no method found in .route(\"{route}\"{methods})"
            );
        }
    }
}
