//! The curriculum parser on untrusted files: never panics, and every
//! problem it reports has a path and a line (1-based).
//!
//! Input: `manifest \0 session [\0 session file name]`. The manifest and
//! session go through `parse_manifest` and `parse_session` directly, then
//! through `build` as the raw bytes of a curriculum folder (so invalid
//! UTF-8, file names and numbering are checked too).
#![no_main]

use std::collections::BTreeMap;

use attune::curriculum::parse::{parse_manifest, parse_session, session_file_name, SessionContext};
use attune::curriculum::{build, CurriculumFiles, Problem};
use libfuzzer_sys::fuzz_target;

fn check(problems: &[Problem]) {
    for p in problems {
        assert!(p.line >= 1, "a problem on line 0: {p}");
        assert!(!p.path.is_empty(), "a problem without a path: {p:?}");
        assert!(!p.message.is_empty(), "a problem without a message: {p:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(3, |b| *b == 0);
    let manifest = parts.next().unwrap_or_default();
    let session = parts.next().unwrap_or_default();
    let name = parts
        .next()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .unwrap_or_else(|| "01-fuzz.md".to_string());

    // The parsers, on text.
    let manifest_text = String::from_utf8_lossy(manifest);
    let session_text = String::from_utf8_lossy(session);
    let mut problems = Vec::new();
    let before = problems.len();
    let m = parse_manifest("fuzz/curriculum.toml", &manifest_text, &mut problems);
    assert_eq!(m.is_some(), problems.len() == before);
    if let Some(m) = &m {
        assert!((10..=600).contains(&m.session_minutes));
        assert!(!m.authors.is_empty());
    }
    let file_exists = |rel: &str| rel == "sessions/01-fuzz.md" || rel == "handouts/sheet.pdf";
    let ctx = SessionContext {
        default_minutes: m.as_ref().map(|m| m.session_minutes).unwrap_or(90),
        file_exists: &file_exists,
        folder: "sessions",
    };
    let before = problems.len();
    let s = parse_session(
        "fuzz/sessions/01-fuzz.md",
        1,
        "fuzz",
        &session_text,
        &ctx,
        &mut problems,
    );
    assert_eq!(s.is_some(), problems.len() == before);
    if let Some(s) = &s {
        assert!((2..=4).contains(&s.reflection_prompts.len()));
        assert_eq!(s.agenda.iter().map(|a| a.minutes).sum::<u32>(), s.minutes);
    }
    check(&problems);
    let _ = session_file_name(&name);

    // The whole folder, on bytes.
    let mut files = BTreeMap::new();
    files.insert("curriculum.toml".to_string(), manifest.to_vec());
    files.insert(format!("sessions/{name}"), session.to_vec());
    files.insert("handouts/sheet.pdf".to_string(), b"%PDF-1.7".to_vec());
    let folder = CurriculumFiles {
        slug: "fuzz".into(),
        display_root: "curricula/fuzz".into(),
        files,
    };
    let mut problems = Vec::new();
    let built = build(&folder, &mut problems);
    check(&problems);
    if let Some(c) = built {
        assert!(problems.is_empty(), "built with problems: {problems:?}");
        assert_eq!(c.sessions.len(), 1);
        assert_eq!(c.content_hash, folder.content_hash());
    }
});
