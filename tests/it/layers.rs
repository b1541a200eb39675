//! The layers of `src/` and their one rule: imports only point down, and
//! no files import each other in a circle (`docs/DESIGN.md`, "Layers").
//! Read from every `use crate::…`, `use super::…` and `crate::…` path
//! outside `#[cfg(test)]`, with `pub use` re-exports followed to the file
//! that defines the item.

use std::collections::{BTreeMap, BTreeSet};

/// Top to bottom. A file belongs to the first layer with a matching path
/// prefix (relative to `src/`).
pub const LAYERS: &[(&str, &[&str])] = &[
    ("entry", &["main.rs", "lib.rs", "cli.rs"]),
    (
        "web",
        &[
            "web/",
            "routes.rs",
            "handlers/",
            "auth/",
            "render.rs",
            "state.rs",
        ],
    ),
    ("services", &["services/", "mail/worker.rs"]),
    ("store", &["db/", "mail/"]),
    (
        "libraries",
        &[
            "curriculum/",
            "pdf/",
            "crypto.rs",
            "error.rs",
            "config.rs",
            "embedded.rs",
            "export.rs",
            "stats.rs",
        ],
    ),
];

fn layer_of(file: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, prefixes)| prefixes.iter().any(|p| file.starts_with(p)))
}

/// Every `.rs` file under `src/`, by path relative to it.
pub fn sources() -> BTreeMap<String, String> {
    fn walk(dir: &std::path::Path, root: &std::path::Path, out: &mut BTreeMap<String, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let rel = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.insert(rel, std::fs::read_to_string(&path).unwrap());
            }
        }
    }
    let root = crate::common::repo_path("src");
    let mut out = BTreeMap::new();
    walk(&root, &root, &mut out);
    out
}

/// The code of a file without its tests and comments: every
/// `#[cfg(test)]` item (a `mod tests` anywhere in the file, or a test-only
/// function) and every line comment become blank lines, so line numbers
/// stay those of the file.
pub fn code(text: &str) -> String {
    let mut out = Vec::new();
    let mut lines = text.lines();
    while let Some(l) = lines.next() {
        if l.trim_start().starts_with("#[cfg(test)]") {
            out.push("");
            skip_item(&mut lines, &mut out);
            continue;
        }
        out.push(if l.trim_start().starts_with("//") {
            ""
        } else {
            l
        });
    }
    out.join("\n")
}

/// Blanks the lines of the item that follows a `#[cfg(test)]`: up to the
/// `}` that closes its first `{`, or its `;` if it has no body.
fn skip_item<'a>(lines: &mut std::str::Lines<'a>, out: &mut Vec<&'a str>) {
    let mut depth = 0i64;
    let mut opened = false;
    for l in lines.by_ref() {
        out.push("");
        if l.trim_start().starts_with("//") {
            continue;
        }
        for c in l.chars() {
            match c {
                '{' => {
                    depth += 1;
                    opened = true;
                }
                '}' => depth -= 1,
                _ => {}
            }
        }
        let ends_bodiless = !opened && l.trim_end().ends_with(';');
        if (opened && depth <= 0) || ends_bodiless {
            return;
        }
    }
}

/// `a::{b, c::{d, e}}` as paths.
fn expand(tree: &str) -> Vec<Vec<String>> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path: Vec<String> = tree
            .split("::")
            .map(|s| s.split(" as ").next().unwrap_or("").trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        return vec![path];
    };
    let prefix: Vec<String> = tree[..open]
        .split("::")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let (mut parts, mut depth, mut cur) = (Vec::new(), 0, String::new());
    for c in inner.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            _ => {}
        }
        if c == ',' && depth == 0 {
            parts.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    parts.push(cur);
    let mut out = Vec::new();
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        if part == "self" {
            out.push(prefix.clone());
            continue;
        }
        for tail in expand(part) {
            out.push(prefix.iter().cloned().chain(tail).collect());
        }
    }
    out
}

struct Crate<'a> {
    files: &'a BTreeMap<String, String>,
    /// `#[macro_export]` macros live at the crate root; the file that
    /// defines each.
    macros: BTreeMap<String, String>,
}

impl Crate<'_> {
    fn file_of(&self, module: &[String]) -> Option<String> {
        if module.is_empty() {
            return Some("lib.rs".into());
        }
        let base = module.join("/");
        [format!("{base}.rs"), format!("{base}/mod.rs")]
            .into_iter()
            .find(|f| self.files.contains_key(f))
    }

    /// The module path of a file (`db/models/user.rs` -> db, models, user).
    fn module_of(file: &str) -> Vec<String> {
        let mut parts: Vec<String> = file
            .trim_end_matches(".rs")
            .split('/')
            .map(String::from)
            .collect();
        if matches!(
            parts.last().map(String::as_str),
            Some("mod" | "lib" | "main")
        ) {
            parts.pop();
        }
        parts
    }

    /// The item `name` re-exported by a module file, as a crate path.
    fn reexport(&self, file: &str, module: &[String], name: &str) -> Option<Vec<String>> {
        let text = code(self.files.get(file)?);
        for stmt in text.split("pub use ").skip(1) {
            let stmt = &stmt[..stmt.find(';')?];
            for path in expand(stmt) {
                let Some(last) = path.last() else { continue };
                let alias = stmt
                    .split(" as ")
                    .nth(1)
                    .map(|a| a.trim().trim_end_matches('}').trim());
                if last != name && alias != Some(name) {
                    continue;
                }
                return Some(match path.first().map(String::as_str) {
                    Some("crate") => path[1..].to_vec(),
                    Some("self") => module.iter().cloned().chain(path[1..].to_vec()).collect(),
                    Some("super") => {
                        let mut m = module.to_vec();
                        m.pop();
                        m.into_iter().chain(path[1..].to_vec()).collect()
                    }
                    _ => module.iter().cloned().chain(path).collect(),
                });
            }
        }
        None
    }

    /// The file that defines what a crate path names.
    fn resolve(&self, path: &[String], depth: usize) -> Option<String> {
        if path.len() == 1 {
            if let Some(f) = self.macros.get(&path[0]) {
                return Some(f.clone());
            }
        }
        let mut module: Vec<String> = Vec::new();
        for (i, seg) in path.iter().enumerate() {
            let mut next = module.clone();
            next.push(seg.clone());
            if self.file_of(&next).is_some() {
                module = next;
                continue;
            }
            let file = self.file_of(&module)?;
            if depth < 8 && (file.ends_with("mod.rs") || file == "lib.rs") {
                if let Some(target) = self.reexport(&file, &module, seg) {
                    let mut full = target;
                    full.extend(path[i + 1..].iter().cloned());
                    return self.resolve(&full, depth + 1).or(Some(file));
                }
            }
            return Some(file);
        }
        self.file_of(&module)
    }

    /// The files `file` imports from.
    fn imports(&self, file: &str) -> BTreeSet<String> {
        let text = code(&self.files[file]);
        let module = Self::module_of(file);
        let mut paths: Vec<Vec<String>> = Vec::new();
        for (marker, base) in [
            ("use crate::", Vec::new()),
            (
                "use super::",
                module[..module.len().saturating_sub(1)].to_vec(),
            ),
        ] {
            for stmt in text.split(marker).skip(1) {
                let stmt = &stmt[..stmt.find(';').unwrap_or(stmt.len())];
                for p in expand(stmt) {
                    paths.push(base.iter().cloned().chain(p).collect());
                }
            }
        }
        // A module's own children, by their short names: `use round::X;`
        // (re-exports, `pub use`, are followed where they are used instead).
        for line in text.lines() {
            let line = line.trim_start();
            let Some(stmt) = line.strip_prefix("use ") else {
                continue;
            };
            let stmt = stmt.trim_start_matches("self::");
            let stmt = &stmt[..stmt.find(';').unwrap_or(stmt.len())];
            for p in expand(stmt) {
                let own = module.clone();
                let mut child = own.clone();
                child.push(p[0].clone());
                if self.file_of(&child).is_some() {
                    paths.push(own.into_iter().chain(p).collect());
                }
            }
        }
        // Paths written in the code: `crate::a::b(...)`.
        let bytes = text.as_bytes();
        for (at, _) in text.match_indices("crate::") {
            if at > 0
                && (bytes[at - 1].is_ascii_alphanumeric()
                    || bytes[at - 1] == b':'
                    || bytes[at - 1] == b'_')
            {
                continue;
            }
            let rest = &text[at + "crate::".len()..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            let path: Vec<String> = rest[..end]
                .split("::")
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect();
            if !path.is_empty() {
                paths.push(path);
            }
        }
        paths
            .iter()
            .filter_map(|p| self.resolve(p, 0))
            .filter(|f| f != file)
            .collect()
    }
}

/// Imports that point up a layer, and circles of files.
pub fn check(files: &BTreeMap<String, String>) -> Vec<String> {
    let mut macros = BTreeMap::new();
    for (file, text) in files {
        for def in text.split("macro_rules! ").skip(1) {
            let name: String = def
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            macros.insert(name, file.clone());
        }
    }
    let krate = Crate { files, macros };
    let mut problems = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in files.keys() {
        let Some(from) = layer_of(file) else {
            problems.push(format!("{file} is in no layer (add it to LAYERS)"));
            continue;
        };
        let imports = krate.imports(file);
        for to in &imports {
            if let Some(layer) = layer_of(to).filter(|l| *l < from) {
                problems.push(format!(
                    "{file} ({}) imports {to} ({}), a higher layer",
                    LAYERS[from].0, LAYERS[layer].0
                ));
            }
        }
        edges.insert(file.clone(), imports);
    }
    for circle in circles(&edges) {
        problems.push(format!(
            "these files import each other in a circle: {}",
            circle.join(", ")
        ));
    }
    problems
}

/// Strongly connected groups of more than one file (Tarjan).
fn circles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'e> {
        edges: &'e BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'e str, usize>,
        low: BTreeMap<&'e str, usize>,
        stack: Vec<&'e str>,
        on: BTreeSet<&'e str>,
        out: Vec<Vec<String>>,
    }
    impl<'e> Walk<'e> {
        fn visit(&mut self, v: &'e str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on.insert(v);
            for w in self.edges.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let l = self.low[v].min(self.low[w]);
                    self.low.insert(v, l);
                } else if self.on.contains(w) {
                    let l = self.low[v].min(self.index[w]);
                    self.low.insert(v, l);
                }
            }
            if self.low[v] == self.index[v] {
                let mut group = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on.remove(w);
                    group.push(w.to_string());
                    if w == v {
                        break;
                    }
                }
                if group.len() > 1 {
                    group.sort();
                    self.out.push(group);
                }
            }
        }
    }
    let mut walk = Walk {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.out
}

#[test]
fn imports_only_point_down_and_never_in_a_circle() {
    let problems = check(&sources());
    assert!(
        problems.is_empty(),
        "layers (docs/DESIGN.md):\n{}",
        problems.join("\n")
    );
}

fn tree(files: &[(&str, &str)]) -> BTreeMap<String, String> {
    files
        .iter()
        .map(|(p, t)| (p.to_string(), t.to_string()))
        .collect()
}

#[test]
fn the_check_sees_upward_imports_circles_and_re_exports() {
    // The store reaching up into the web layer, through a re-export.
    let upward = tree(&[
        ("lib.rs", "pub mod db; pub mod web;"),
        ("db/mod.rs", "use crate::web::Thing;\npub fn f() {}"),
        ("web/mod.rs", "mod thing;\npub use thing::Thing;"),
        ("web/thing.rs", "pub struct Thing;"),
    ]);
    assert_eq!(
        check(&upward),
        ["db/mod.rs (store) imports web/thing.rs (web), a higher layer"]
    );
    // Two services that need each other, one through a path in the code.
    let circle = tree(&[
        ("lib.rs", ""),
        ("services/mod.rs", "pub mod a;\npub mod b;"),
        ("services/a.rs", "use crate::services::{b::{self, g}};"),
        ("services/b.rs", "pub fn g() { crate::services::a::f() }"),
    ]);
    assert_eq!(
        check(&circle),
        ["these files import each other in a circle: services/a.rs, services/b.rs"]
    );
    // A module and its own child, by the child's short name.
    let family = tree(&[
        ("lib.rs", ""),
        ("services/mod.rs", "pub mod demo;"),
        (
            "services/demo.rs",
            "mod round;\nuse round::Writer;\npub fn mix() {}",
        ),
        (
            "services/demo/round.rs",
            "use super::mix;\npub struct Writer;",
        ),
    ]);
    assert_eq!(
        check(&family),
        ["these files import each other in a circle: services/demo.rs, services/demo/round.rs"]
    );
    // Tests may reach anywhere; comments are not imports.
    let fine = tree(&[
        ("lib.rs", ""),
        (
            "error.rs",
            "// see crate::web::x\n#[cfg(test)]\nmod t { use crate::web::x; }",
        ),
        ("web/x.rs", "use crate::error::E;"),
    ]);
    assert_eq!(check(&fine), Vec::<String>::new());
}

#[test]
fn code_after_a_test_module_is_still_read() {
    let text = "use crate::a;\n#[cfg(test)]\nmod tests {\n    fn t() { let s = \"x\"; }\n}\n// a comment\nuse crate::b;\n#[cfg(test)]\nfn only_in_tests() {}\n#[cfg(test)]\nuse crate::c;\nfn f() {}\n";
    let c = code(text);
    assert_eq!(c.lines().count(), text.lines().count(), "line numbers kept");
    assert!(c.contains("use crate::a;") && c.contains("use crate::b;"));
    assert!(c.contains("fn f() {}"));
    assert!(!c.contains("mod tests") && !c.contains("only_in_tests") && !c.contains("crate::c"));
    assert!(!c.contains("a comment"));
}
