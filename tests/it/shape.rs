//! House rules for `src/` beyond the layers (`docs/DESIGN.md`): a status
//! is spelt once, in its enum; functions stay short enough to read.

use std::collections::{BTreeMap, BTreeSet};

use crate::layers::{code, sources};

// ---------------------------------------------------------------------------
// Status words

/// Every status word, as `src/db/status.rs` maps them (`Variant => "word"`).
fn status_words(status_rs: &str) -> BTreeSet<String> {
    status_rs
        .lines()
        .filter_map(|l| {
            let (_, right) = l.split_once("=> \"")?;
            let word = right.split('"').next()?;
            (!word.is_empty() && word.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                .then(|| word.to_string())
        })
        .collect()
}

/// Literals that spell a status word but are not a status: template flags
/// named after one. (file, the code around it, why)
const NOT_STATUSES: &[(&str, &str, &str)] = &[
    (
        "services/invites.rs",
        "ctx.insert(\"waitlisted\"",
        "the welcome email's flag",
    ),
    (
        "handlers/links.rs",
        "\"waitlisted\": joined",
        "the join page's flag",
    ),
];

/// `file:line: "word"` for every status word written as a string literal
/// outside `db/status.rs` (and its own tests).
fn status_literals(files: &BTreeMap<String, String>) -> Vec<String> {
    let words = files
        .get("db/status.rs")
        .map(|t| status_words(t))
        .unwrap_or_default();
    let mut found = Vec::new();
    for (file, text) in files {
        if file == "db/status.rs" || file == "db/schema.rs" {
            continue;
        }
        for (i, line) in code(text).lines().enumerate() {
            for word in &words {
                let literal = format!("\"{word}\"");
                if !line.contains(&literal) {
                    continue;
                }
                let excused = NOT_STATUSES
                    .iter()
                    .any(|(f, around, _)| f == file && line.contains(around));
                if !excused {
                    found.push(format!("{file}:{}: {literal}", i + 1));
                }
            }
        }
    }
    found
}

#[test]
fn a_status_is_spelt_only_in_its_enum() {
    let files = sources();
    let words = status_words(&files["db/status.rs"]);
    for w in [
        "cancelled",
        "active",
        "submitted",
        "queued",
        "present",
        "waitlisted",
    ] {
        assert!(words.contains(w), "{w} is a status in db/status.rs");
    }
    let found = status_literals(&files);
    assert!(
        found.is_empty(),
        "use the enums in db/status.rs (MeetingStatus::Cancelled.as_str() in a query):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_status_check_finds_a_spelt_status() {
    let files: BTreeMap<String, String> = [
        (
            "db/status.rs",
            "Cancelled => \"cancelled\",\nActive => \"active\",",
        ),
        (
            "services/x.rs",
            "fn f() {\n    // \"cancelled\" in a comment is fine\n    m.status != \"cancelled\"\n}",
        ),
        (
            "services/invites.rs",
            "ctx.insert(\"waitlisted\".into(), x);",
        ),
    ]
    .into_iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(status_literals(&files), ["services/x.rs:3: \"cancelled\""]);
}

// ---------------------------------------------------------------------------
// Function length

/// The longest a function should be, in lines from `fn` to its closing
/// brace.
const MOST_LINES: usize = 80;

/// Functions still longer than that, with the length they may not pass;
/// each is a known debt (docs/DESIGN.md, "Long functions"). Splitting one
/// means taking it off this list; the test fails if a listed function has
/// shrunk under the limit and is still listed, or grows.
const STILL_LONG: &[(&str, &str, usize)] = &[];

/// (file, function, lines) for every function in `src/` outside tests.
fn function_lengths(files: &BTreeMap<String, String>) -> Vec<(String, String, usize)> {
    let mut out = Vec::new();
    for (file, text) in files {
        if file == "db/schema.rs" {
            continue;
        }
        let body = code(text);
        let bytes: Vec<char> = body.chars().collect();
        let lines: Vec<&str> = body.lines().collect();
        let mut offset_of_line = Vec::with_capacity(lines.len());
        let mut at = 0;
        for l in &lines {
            offset_of_line.push(at);
            at += l.chars().count() + 1;
        }
        for (n, line) in lines.iter().enumerate() {
            let Some(name) = fn_name(line) else { continue };
            // The body: from the first `{` after the name to its match.
            let start = offset_of_line[n];
            let Some(open) = first_body_brace(&bytes, start) else {
                continue;
            };
            let Some(close) = matching_brace(&bytes, open) else {
                continue;
            };
            let end_line = offset_of_line.partition_point(|&o| o <= close);
            out.push((file.clone(), name, end_line - n));
        }
    }
    out
}

/// The function a line declares, if it declares one.
fn fn_name(line: &str) -> Option<String> {
    let t = line.trim_start();
    let t = t.strip_prefix("pub(crate) ").unwrap_or(t);
    let t = t.strip_prefix("pub(super) ").unwrap_or(t);
    let t = t.strip_prefix("pub ").unwrap_or(t);
    let t = t.strip_prefix("const ").unwrap_or(t);
    let t = t.strip_prefix("async ").unwrap_or(t);
    let rest = t.strip_prefix("fn ")?;
    let name: String = rest
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect();
    (!name.is_empty()).then_some(name)
}

/// The `{` that opens the body of the function declared at `start` (none
/// for a declaration ending in `;`).
fn first_body_brace(chars: &[char], start: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in chars.iter().enumerate().skip(start) {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            '>' if i > 0 && chars[i - 1] != '-' && chars[i - 1] != '=' => depth -= 1,
            '{' if depth <= 0 => return Some(i),
            ';' if depth <= 0 => return None,
            _ => {}
        }
    }
    None
}

/// The `}` closing the `{` at `open`, skipping strings and characters.
fn matching_brace(chars: &[char], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < chars.len() {
        match chars[i] {
            '"' => {
                // A raw string's hashes are rare here; a plain string ends
                // at the next unescaped quote.
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            '\'' if i + 2 < chars.len() && (chars[i + 2] == '\'' || chars[i + 1] == '\\') => {
                // '{' or '\n': a character, not a lifetime.
                i += if chars[i + 1] == '\\' { 3 } else { 2 };
            }
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

#[test]
fn functions_stay_short_enough_to_read() {
    let lengths = function_lengths(&sources());
    assert!(lengths.len() > 500, "found {} functions", lengths.len());
    let mut longest = lengths.clone();
    longest.sort_by_key(|f| std::cmp::Reverse(f.2));
    println!("longest functions in src/:");
    for (file, name, n) in longest.iter().take(15) {
        println!("{n:>4}  {file} {name}");
    }
    // Same-named functions in one file (two `impl`s): the longest counts.
    let mut by_name: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (file, name, n) in &lengths {
        let e = by_name.entry((file.clone(), name.clone())).or_default();
        *e = (*e).max(*n);
    }
    let mut problems = Vec::new();
    for ((file, name), n) in &by_name {
        let listed = STILL_LONG
            .iter()
            .find(|(f, f_name, _)| f == file && f_name == name);
        match listed {
            None if *n > MOST_LINES => problems.push(format!(
                "{file} {name} is {n} lines (at most {MOST_LINES}): split it into named steps"
            )),
            Some((_, _, most)) if n > most => problems.push(format!(
                "{file} {name} grew to {n} lines (listed at {most}): split it"
            )),
            Some(_) if *n <= MOST_LINES => problems.push(format!(
                "{file} {name} is {n} lines now: take it off STILL_LONG"
            )),
            _ => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_length_check_counts_a_body_past_strings_and_braces() {
    let files: BTreeMap<String, String> = [(
        "services/x.rs".to_string(),
        "pub fn short(a: Vec<u8>) -> Result<(), String> {\n    let s = \"}\";\n    let c = '{';\n    if a.is_empty() {\n        return Ok(());\n    }\n    Ok(())\n}\n\nfn declared();\n\nasync fn two() {}\n"
            .to_string(),
    )]
    .into_iter()
    .collect();
    assert_eq!(
        function_lengths(&files),
        [
            ("services/x.rs".to_string(), "short".to_string(), 8),
            ("services/x.rs".to_string(), "two".to_string(), 1),
        ]
    );
}

// ---------------------------------------------------------------------------
// Queries live in the store

/// Service files allowed to write diesel queries themselves: none. A
/// table's own queries go in `db/models/`, a page's read model in
/// `db/views/`, bulk loads in `db/bulk.rs` (docs/DESIGN.md).
const SERVICES_STILL_QUERYING: &[&str] = &[];

fn queries_itself(text: &str) -> bool {
    let c = code(text);
    c.contains("diesel::") || c.contains("::table") || c.contains("use diesel")
}

#[test]
fn services_leave_queries_to_the_store() {
    let files = sources();
    let mut problems = Vec::new();
    for (file, text) in &files {
        if !file.starts_with("services/") {
            continue;
        }
        let listed = SERVICES_STILL_QUERYING.contains(&file.as_str());
        match (queries_itself(text), listed) {
            (true, false) => problems.push(format!(
                "{file} writes a query: put it in db/models/ or db/views/"
            )),
            (false, true) => problems.push(format!(
                "{file} no longer queries: take it off SERVICES_STILL_QUERYING"
            )),
            _ => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(queries_itself("fn f() { users::table.load(c) }"));
    assert!(!queries_itself("// users::table in a comment\nfn f() {}"));
}

// ---------------------------------------------------------------------------
// Statements that stay prepared

/// Uses of diesel's `first()` that may stay: each reads back a row just
/// written, once per change, never on a page load. Everywhere else a
/// lookup loads and takes the first row (`src/db/mod.rs` says why: a
/// bound LIMIT makes SQLite re-prepare the statement on every run, and a
/// parent's page lost a third of its speed to it).
const FIRST_ALLOWED: &[&str] = &[
    "db/models/access_token.rs",
    "db/models/app_setting.rs",
    "db/models/cohort.rs",
    "db/models/curriculum_version.rs",
    "db/models/enrolment.rs",
    "db/models/participant.rs",
    "db/models/roster_import.rs",
];

#[test]
fn lookups_do_not_use_first() {
    let files = sources();
    let mut found = Vec::new();
    for (file, text) in &files {
        if !file.starts_with("db/") || FIRST_ALLOWED.contains(&file.as_str()) {
            continue;
        }
        for (i, line) in code(text).lines().enumerate() {
            if line.contains(".first(conn") || line.contains(".first::<") {
                found.push(format!("{file}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "load the rows and take the first instead (src/db/mod.rs):\n{}",
        found.join("\n")
    );
}

// ---------------------------------------------------------------------------
// Notices that belong to a section

/// A notice for a section (`back_to_section`) is shown by the section
/// itself: the page that has `id="<id>"` has the notice partial for it, so
/// no confirmation is lost on a page that forgot it.
#[test]
fn every_section_shows_its_own_notice() {
    let mut pages = Vec::new();
    let mut stack = vec![crate::common::repo_path("templates/pages")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                pages.push((path.clone(), std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    for section in attune::render::Section::ALL {
        let id = section.id();
        let with_id: Vec<_> = pages
            .iter()
            .filter(|(_, t)| t.contains(&format!("<section id=\"{id}\"")))
            .collect();
        assert!(!with_id.is_empty(), "no page has a section {id}");
        let partial = format!(
            "{{{{> partials/notice text=@root.here.{}}}}}",
            id.replace('-', "_")
        );
        for (path, text) in with_id {
            assert!(
                text.contains(&partial),
                "{} has section {id} but not {partial}",
                path.display()
            );
        }
    }
}
