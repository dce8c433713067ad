//! The server's layout (ADR 0019), checked on the source: a capability's `service` knows
//! nothing of HTTP, and every capability is reached through its own `routes.rs`.

use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// `service.rs` or every file under `service/` of each capability.
fn service_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(src()).unwrap() {
        let cap = entry.unwrap().path();
        if !cap.is_dir() {
            continue;
        }
        let single = cap.join("service.rs");
        if single.exists() {
            out.push(single);
        }
        if let Ok(dir) = std::fs::read_dir(cap.join("service")) {
            out.extend(dir.map(|e| e.unwrap().path()));
        }
    }
    out
}

#[test]
fn services_know_nothing_of_http() {
    let files = service_files();
    assert!(files.len() >= 20, "service files found: {}", files.len());
    let mut offenders = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.contains("axum") || line.contains("HeaderMap") {
                offenders.push(format!("{}:{}: {}", f.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "HTTP types in services:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn every_capability_with_an_api_has_its_routes() {
    for entry in std::fs::read_dir(src()).unwrap() {
        let cap = entry.unwrap().path();
        let has_api = cap.join("api.rs").exists() || cap.join("api").is_dir();
        if has_api {
            assert!(
                cap.join("routes.rs").exists()
                    && (cap.join("service.rs").exists() || cap.join("service").is_dir()),
                "{}: an api without routes.rs and a service",
                cap.display()
            );
        }
    }
}

/// Every `.rs` file under `root` by module path (`cases::service::intake`; `mod.rs` and
/// `lib.rs` name their folder), with its text, test modules cut off.
fn modules(root: &Path) -> std::collections::BTreeMap<String, String> {
    fn walk(dir: &Path, root: &Path, out: &mut std::collections::BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = path.strip_prefix(root).unwrap().with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
                parts.pop();
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let text = match text.find("#[cfg(test)]\nmod tests") {
                Some(i) => text[..i].to_string(),
                None => text,
            };
            out.insert(parts.join("::"), text);
        }
    }
    let mut out = std::collections::BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// The module a `crate::…` path lands in, following `pub use child::*` re-exports.
fn resolve(mods: &std::collections::BTreeMap<String, String>, path: &[&str], depth: u32) -> String {
    for n in (1..=path.len()).rev() {
        let key = path[..n].join("::");
        let Some(text) = mods.get(&key) else { continue };
        if let (Some(name), true) = (path.get(n), depth < 5) {
            let defined = [
                "fn", "struct", "enum", "const", "static", "type", "trait", "mod",
            ]
            .iter()
            .any(|k| text.contains(&format!("{k} {name}")));
            if !defined {
                for line in text.lines() {
                    let Some(sub) = line
                        .strip_prefix("pub use ")
                        .and_then(|l| l.strip_suffix("::*;"))
                    else {
                        continue;
                    };
                    let mut longer: Vec<&str> = path[..n].to_vec();
                    longer.push(sub);
                    longer.extend_from_slice(&path[n..]);
                    let t = resolve(mods, &longer, depth + 1);
                    if !t.is_empty() && t != key {
                        return t;
                    }
                }
            }
        }
        return key;
    }
    String::new()
}

/// Groups of modules that import each other round a circle (Tarjan's strongly connected
/// components with more than one member).
fn circles(root: &Path) -> Vec<Vec<String>> {
    let mods = modules(root);
    let names: Vec<&String> = mods.keys().collect();
    let at: std::collections::HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let mut edges = vec![std::collections::BTreeSet::new(); names.len()];
    for (i, (name, text)) in mods.iter().enumerate() {
        let mut rest = text.as_str();
        while let Some(k) = rest.find("crate::") {
            rest = &rest[k + "crate::".len()..];
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            let path: Vec<&str> = rest[..end].split("::").filter(|s| !s.is_empty()).collect();
            let target = resolve(&mods, &path, 0);
            let inside = target.is_empty()
                || &target == name
                || name.starts_with(&format!("{target}::"))
                || target.starts_with(&format!("{name}::"));
            if !inside {
                edges[i].insert(at[target.as_str()]);
            }
        }
    }
    // Tarjan, recursive: a crate has a few hundred modules.
    struct T<'a> {
        edges: &'a [std::collections::BTreeSet<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        stack: Vec<usize>,
        on: Vec<bool>,
        next: usize,
        out: Vec<Vec<usize>>,
    }
    fn strong(t: &mut T, v: usize) {
        t.index[v] = Some(t.next);
        t.low[v] = t.next;
        t.next += 1;
        t.stack.push(v);
        t.on[v] = true;
        for &w in t.edges[v].clone().iter() {
            match t.index[w] {
                None => {
                    strong(t, w);
                    t.low[v] = t.low[v].min(t.low[w]);
                }
                Some(iw) if t.on[w] => t.low[v] = t.low[v].min(iw),
                _ => {}
            }
        }
        if Some(t.low[v]) == t.index[v] {
            let mut group = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on[w] = false;
                group.push(w);
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                t.out.push(group);
            }
        }
    }
    let n = names.len();
    let mut t = T {
        edges: &edges,
        index: vec![None; n],
        low: vec![0; n],
        stack: Vec::new(),
        on: vec![false; n],
        next: 0,
        out: Vec::new(),
    };
    for v in 0..n {
        if t.index[v].is_none() {
            strong(&mut t, v);
        }
    }
    t.out
        .into_iter()
        .map(|g| g.into_iter().map(|i| names[i].clone()).collect())
        .collect()
}

#[test]
fn no_import_circles_in_server_or_store() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    for krate in ["server", "store", "core", "demo"] {
        let found = circles(&crates.join(krate).join("src"));
        assert!(
            found.is_empty(),
            "{krate}: modules importing each other: {found:?}"
        );
    }
}

#[test]
fn the_circle_finder_finds_a_circle() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("lib.rs"), "mod a;\nmod b;\n").unwrap();
    std::fs::write(dir.path().join("a.rs"), "use crate::b::g;\npub fn f() {}\n").unwrap();
    std::fs::write(dir.path().join("b.rs"), "use crate::a::f;\npub fn g() {}\n").unwrap();
    std::fs::write(dir.path().join("c.rs"), "use crate::a::f;\n").unwrap();
    let found = circles(dir.path());
    assert_eq!(found.len(), 1, "{found:?}");
    let mut group = found[0].clone();
    group.sort();
    assert_eq!(group, ["a", "b"]);
}
