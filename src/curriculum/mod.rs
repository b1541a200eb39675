//! Curricula as files: loading, checking and the in-memory library.
//!
//! A curriculum is a folder (`curriculum.toml` + `sessions/NN-slug.md`, see
//! `curricula/README.md`). Each loaded version is identified by a SHA-256
//! over all its files, so a cohort can pin exactly what it ran.

mod fields;
pub mod markdown;
pub mod model;
pub mod parse;
pub mod readability;
pub mod safety;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest, Sha256};

pub use model::{Curriculum, HomePractice, Segment, SegmentKind, Session};
pub use parse::MAX_HANDOUT_GRADE;

/// One problem found in a curriculum, where a person can find it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub path: String,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.message)
    }
}

/// The files of one curriculum folder, by path relative to that folder.
#[derive(Debug, Clone)]
pub struct CurriculumFiles {
    pub slug: String,
    /// How to name the folder in messages (`curricula/secure-base`).
    pub display_root: String,
    pub files: BTreeMap<String, Vec<u8>>,
}

impl CurriculumFiles {
    /// SHA-256 over every file's path and bytes, in path order.
    pub fn content_hash(&self) -> String {
        let mut hasher = Sha256::new();
        for (path, bytes) in &self.files {
            hasher.update(path.as_bytes());
            hasher.update([0u8]);
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        }
        hex::encode(hasher.finalize())
    }

    fn display(&self, rel: &str) -> String {
        format!("{}/{rel}", self.display_root)
    }
}

/// The curricula attune can offer, by slug.
#[derive(Debug, Clone, Default)]
pub struct Library {
    by_slug: BTreeMap<String, Arc<Curriculum>>,
}

impl Library {
    pub fn get(&self, slug: &str) -> Option<&Arc<Curriculum>> {
        self.by_slug.get(slug)
    }

    /// Curricula in title order.
    pub fn all(&self) -> Vec<&Arc<Curriculum>> {
        let mut all: Vec<_> = self.by_slug.values().collect();
        all.sort_by(|a, b| a.title.cmp(&b.title));
        all
    }

    pub fn len(&self) -> usize {
        self.by_slug.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_slug.is_empty()
    }
}

/// What loading found: the curricula without problems, and every problem.
#[derive(Debug, Default)]
pub struct Loaded {
    pub library: Library,
    pub problems: Vec<Problem>,
    /// Slugs of curricula left out because of problems.
    pub rejected: Vec<String>,
}

#[derive(rust_embed::RustEmbed)]
#[folder = "curricula/"]
struct EmbeddedCurricula;

/// Where curricula come from.
#[derive(Debug, Clone)]
pub enum Source {
    /// A folder holding curriculum folders, or one curriculum folder.
    Dir(PathBuf),
    /// The copy of `curricula/` built into the binary.
    Embedded,
}

impl Source {
    pub fn from_config(dir: Option<&Path>) -> Self {
        match dir {
            Some(d) => Self::Dir(d.to_path_buf()),
            None => Self::Embedded,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::Dir(d) => d.display().to_string(),
            Self::Embedded => "the curricula built into attune".into(),
        }
    }
}

/// Loads and checks every curriculum from `source`.
pub fn load(source: &Source) -> Loaded {
    let mut problems = Vec::new();
    let folders = match source {
        Source::Dir(dir) => read_dir_source(dir, &mut problems),
        Source::Embedded => read_embedded(),
    };
    let mut loaded = Loaded::default();
    for folder in folders {
        let before = problems.len();
        match build(&folder, &mut problems) {
            Some(c) if problems.len() == before => {
                loaded.library.by_slug.insert(c.slug.clone(), Arc::new(c));
            }
            _ => loaded.rejected.push(folder.slug.clone()),
        }
    }
    problems.sort();
    problems.dedup();
    loaded.problems = problems;
    loaded
}

fn read_embedded() -> Vec<CurriculumFiles> {
    let mut by_slug: BTreeMap<String, CurriculumFiles> = BTreeMap::new();
    for path in EmbeddedCurricula::iter() {
        let Some((slug, rel)) = path.split_once('/') else {
            continue;
        };
        if is_hidden(slug) || rel.split('/').any(is_hidden) {
            continue;
        }
        let Some(file) = EmbeddedCurricula::get(&path) else {
            continue;
        };
        by_slug
            .entry(slug.to_string())
            .or_insert_with(|| CurriculumFiles {
                slug: slug.to_string(),
                display_root: format!("curricula/{slug}"),
                files: BTreeMap::new(),
            })
            .files
            .insert(rel.to_string(), file.data.into_owned());
    }
    by_slug
        .into_values()
        .filter(|c| c.files.contains_key("curriculum.toml"))
        .collect()
}

fn is_hidden(name: &str) -> bool {
    name.starts_with('.') || name.ends_with('~')
}

/// A folder is either one curriculum (it has `curriculum.toml`) or holds
/// curricula in its sub-folders.
fn read_dir_source(dir: &Path, problems: &mut Vec<Problem>) -> Vec<CurriculumFiles> {
    let report = |problems: &mut Vec<Problem>, path: &Path, message: String| {
        problems.push(Problem {
            path: path.display().to_string(),
            line: 1,
            message,
        })
    };
    if dir.join("curriculum.toml").is_file() {
        let slug = dir
            .canonicalize()
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default();
        return read_curriculum_dir(dir, &slug, problems)
            .into_iter()
            .collect();
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            report(problems, dir, format!("cannot read this folder: {e}"));
            return Vec::new();
        }
    };
    let mut subdirs: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .filter(|p| {
            !p.file_name()
                .is_some_and(|n| is_hidden(&n.to_string_lossy()))
        })
        .collect();
    subdirs.sort();
    let mut out = Vec::new();
    for sub in subdirs {
        if !sub.join("curriculum.toml").is_file() {
            report(
                problems,
                &sub,
                "this folder has no curriculum.toml, so it is not a curriculum".into(),
            );
            continue;
        }
        let slug = sub
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.extend(read_curriculum_dir(&sub, &slug, problems));
    }
    if out.is_empty() && problems.is_empty() {
        report(
            problems,
            dir,
            "no curricula here: expected folders holding a curriculum.toml".into(),
        );
    }
    out
}

fn read_curriculum_dir(
    dir: &Path,
    slug: &str,
    problems: &mut Vec<Problem>,
) -> Option<CurriculumFiles> {
    let mut files = BTreeMap::new();
    let mut stack = vec![(dir.to_path_buf(), String::new())];
    while let Some((path, rel)) = stack.pop() {
        let entries = match std::fs::read_dir(&path) {
            Ok(e) => e,
            Err(e) => {
                problems.push(Problem {
                    path: path.display().to_string(),
                    line: 1,
                    message: format!("cannot read this folder: {e}"),
                });
                return None;
            }
        };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_hidden(&name) {
                continue;
            }
            let child_rel = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let child = entry.path();
            if child.is_dir() {
                stack.push((child, child_rel));
            } else {
                match std::fs::read(&child) {
                    Ok(bytes) => {
                        files.insert(child_rel, bytes);
                    }
                    Err(e) => problems.push(Problem {
                        path: child.display().to_string(),
                        line: 1,
                        message: format!("cannot read this file: {e}"),
                    }),
                }
            }
        }
    }
    Some(CurriculumFiles {
        slug: slug.to_string(),
        display_root: dir.display().to_string().trim_end_matches('/').to_string(),
        files,
    })
}

/// Parses and checks one curriculum folder.
pub fn build(folder: &CurriculumFiles, problems: &mut Vec<Problem>) -> Option<Curriculum> {
    let before = problems.len();
    check_slug(folder, problems);
    let manifest = read_manifest(folder, problems);
    let default_minutes = manifest.as_ref().map(|m| m.session_minutes).unwrap_or(90);
    let (mut sessions, numbers, complete) = read_sessions(folder, default_minutes, problems);
    check_numbering(folder, &numbers, problems);
    check_safety(folder, manifest.as_ref(), &sessions, problems);
    let manifest = manifest?;
    if !complete || problems.len() > before {
        return None;
    }
    sessions.sort_by_key(|s| s.number);
    Some(Curriculum {
        slug: folder.slug.clone(),
        title: manifest.title,
        summary: manifest.summary,
        audience: manifest.audience,
        session_minutes: manifest.session_minutes,
        version: manifest.version,
        authors: manifest.authors,
        license: manifest.license,
        language: manifest.language,
        locale: manifest.locale,
        guide: folder
            .files
            .get("guide.md")
            .and_then(|b| std::str::from_utf8(b).ok())
            .unwrap_or_default()
            .replace("\r\n", "\n"),
        content_hash: folder.content_hash(),
        sessions,
    })
}

/// The folder name is the slug: lower-case letters, digits and dashes.
fn check_slug(folder: &CurriculumFiles, problems: &mut Vec<Problem>) {
    let slug_ok = !folder.slug.is_empty()
        && folder
            .slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !slug_ok {
        problems.push(Problem {
            path: folder.display_root.clone(),
            line: 1,
            message: format!(
                "the folder name `{}` is the curriculum's slug: use only lower-case letters, digits and dashes",
                folder.slug
            ),
        });
    }
}

/// A file's text with Unix line ends; a file that is not UTF-8 is a
/// problem on the line where it stops being text.
fn text_of(folder: &CurriculumFiles, rel: &str, problems: &mut Vec<Problem>) -> Option<String> {
    let bytes = folder.files.get(rel)?;
    match std::str::from_utf8(bytes) {
        Ok(t) => Some(t.replace("\r\n", "\n")),
        Err(e) => {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            problems.push(Problem {
                path: folder.display(rel),
                line,
                message: "this file is not valid UTF-8 text".into(),
            });
            None
        }
    }
}

fn read_manifest(folder: &CurriculumFiles, problems: &mut Vec<Problem>) -> Option<parse::Manifest> {
    let root_display = folder.display("curriculum.toml");
    match text_of(folder, "curriculum.toml", problems) {
        Some(text) => parse::parse_manifest(&root_display, &text, problems),
        None => {
            if !folder.files.contains_key("curriculum.toml") {
                problems.push(Problem {
                    path: root_display,
                    line: 1,
                    message: "missing curriculum.toml".into(),
                });
            }
            None
        }
    }
}

/// Every `sessions/NN-slug.md` that parses, the numbers used, and whether
/// every session file could be read.
fn read_sessions(
    folder: &CurriculumFiles,
    default_minutes: u32,
    problems: &mut Vec<Problem>,
) -> (Vec<Session>, Vec<u32>, bool) {
    let file_exists = |rel: &str| folder.files.contains_key(rel);
    let ctx = parse::SessionContext {
        default_minutes,
        file_exists: &file_exists,
        folder: "sessions",
    };
    let mut sessions: Vec<Session> = Vec::new();
    let mut seen: BTreeMap<u32, String> = BTreeMap::new();
    let mut complete = true;
    for rel in folder.files.keys() {
        let Some(name) = rel.strip_prefix("sessions/") else {
            continue;
        };
        if name.contains('/') {
            continue;
        }
        let display = folder.display(rel);
        let Some((number, slug)) = parse::session_file_name(name) else {
            if name.ends_with(".md") || !name.contains('.') {
                problems.push(Problem {
                    path: display,
                    line: 1,
                    message: "a session file is named NN-slug.md, like 03-reading-cues.md (lower-case letters, digits, dashes)".into(),
                });
            }
            continue;
        };
        if let Some(other) = seen.insert(number, name.to_string()) {
            problems.push(Problem {
                path: display.clone(),
                line: 1,
                message: format!("session number {number} is used twice (also by {other})"),
            });
        }
        let Some(text) = text_of(folder, rel, problems) else {
            complete = false;
            continue;
        };
        match parse::parse_session(&display, number, &slug, &text, &ctx, problems) {
            Some(s) => sessions.push(s),
            None => complete = false,
        }
    }
    (sessions, seen.into_keys().collect(), complete)
}

/// Sessions are numbered 1, 2, 3 ... with no gaps, and there is one.
fn check_numbering(folder: &CurriculumFiles, numbers: &[u32], problems: &mut Vec<Problem>) {
    if numbers.is_empty() {
        problems.push(Problem {
            path: folder.display("sessions"),
            line: 1,
            message: "no sessions: add files like sessions/01-first-steps.md".into(),
        });
    }
    for (i, n) in numbers.iter().enumerate() {
        let expected = i as u32 + 1;
        if *n != expected {
            problems.push(Problem {
                path: folder.display("sessions"),
                line: 1,
                message: format!(
                    "session {expected} is missing: sessions are numbered 1, 2, 3 ... with no gaps"
                ),
            });
            break;
        }
    }
}

/// The course-safety rules (`safety.rs`): the guide, session 1's limit of
/// confidentiality, and the locale's spelling in every text file.
fn check_safety(
    folder: &CurriculumFiles,
    manifest: Option<&parse::Manifest>,
    sessions: &[Session],
    problems: &mut Vec<Problem>,
) {
    // Files that are not UTF-8 were reported when they were read.
    let text_of = |rel: &str| {
        folder
            .files
            .get(rel)
            .and_then(|b| std::str::from_utf8(b).ok())
            .map(|t| t.replace("\r\n", "\n"))
    };
    let guide = text_of("guide.md");
    safety::check_guide(&folder.display("guide.md"), guide.as_deref(), problems);
    if let Some(first) = sessions.iter().find(|s| s.number == 1) {
        let rel = folder
            .files
            .keys()
            .find(|k| {
                k.strip_prefix("sessions/")
                    .and_then(parse::session_file_name)
                    .is_some_and(|(n, _)| n == 1)
            })
            .cloned()
            .unwrap_or_default();
        let raw = text_of(&rel).unwrap_or_default();
        let handout_line = raw
            .lines()
            .position(|l| l.trim_end() == "# Parent handout")
            .map_or(1, |i| i + 1);
        let mut plan = first.facilitator_notes.clone();
        for notes in first.agenda.iter().filter_map(|s| s.notes.as_deref()) {
            plan.push('\n');
            plan.push_str(notes);
        }
        safety::check_session_one(
            &folder.display(&rel),
            &plan,
            &first.parent_handout,
            handout_line,
            problems,
        );
    }
    if let Some(locale) = manifest.and_then(|m| m.locale.as_deref()) {
        for rel in folder.files.keys() {
            if rel.ends_with(".md") || rel.ends_with(".toml") {
                if let Some(text) = text_of(rel) {
                    safety::check_spelling(&folder.display(rel), &text, locale, problems);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
