//! The shipped curricula as data: complete, checked, readable.

use attune::curriculum::{self, markdown, readability, Source, MAX_HANDOUT_GRADE};

use crate::common::repo_path;

#[test]
fn every_curriculum_is_complete() {
    let loaded = curriculum::load(&Source::Dir(repo_path("curricula")));
    assert_eq!(loaded.problems, vec![]);
    let slugs: Vec<&str> = loaded
        .library
        .all()
        .iter()
        .map(|c| c.slug.as_str())
        .collect();
    for want in ["secure-base", "mindful-parenting", "repair-and-reconnect"] {
        assert!(slugs.contains(&want), "{want} missing from {slugs:?}");
    }
    for c in loaded.library.all() {
        for s in &c.sessions {
            let sum: u32 = s.agenda.iter().map(|a| a.minutes).sum();
            assert_eq!(sum, s.minutes);
            assert!((2..=4).contains(&s.reflection_prompts.len()));
            assert!(!s.discussion_prompts.is_empty());
            assert!(
                s.facilitator_notes.split_whitespace().count() > 250,
                "{} {}: notes too thin",
                c.slug,
                s.number
            );
            assert!(
                s.parent_handout.split_whitespace().count() > 250,
                "{} {}: handout too thin",
                c.slug,
                s.number
            );
        }
    }
}

#[test]
fn the_embedded_copy_matches_the_files() {
    let from_files = curriculum::load(&Source::Dir(repo_path("curricula")));
    let embedded = curriculum::load(&Source::Embedded);
    let hashes = |l: &curriculum::Loaded| -> Vec<String> {
        l.library
            .all()
            .iter()
            .map(|c| c.content_hash.clone())
            .collect()
    };
    assert_eq!(hashes(&from_files), hashes(&embedded));
}

/// The readability measure of the acceptance criteria: every parent
/// handout (with its home practice and prompts) at grade 8 or lower.
#[test]
fn parent_handouts_read_at_grade_8_or_lower() {
    let loaded = curriculum::load(&Source::Dir(repo_path("curricula")));
    let mut report = Vec::new();
    for c in loaded.library.all() {
        for s in &c.sessions {
            let text = format!(
                "{}\n{}\n{}",
                markdown::plain_text(&s.parent_handout),
                markdown::plain_text(&s.home_practice.text),
                s.reflection_prompts.join("\n")
            );
            let grade = readability::flesch_kincaid_grade(&text);
            report.push(format!("{} {}: {grade:.1}", c.slug, s.number));
            assert!(
                grade <= MAX_HANDOUT_GRADE,
                "{} session {} at grade {grade:.1}",
                c.slug,
                s.number
            );
        }
    }
    println!("{}", report.join("\n"));
}
