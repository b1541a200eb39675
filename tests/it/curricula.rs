//! The shipped curricula as data: complete, checked, readable.

use attune::curriculum::{self, Source, MAX_HANDOUT_GRADE};

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
            let grade = s.handout_grade();
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

/// The full example in `curricula/README.md` is a valid curriculum, so the
/// documentation cannot drift from the checker.
#[test]
fn the_format_readme_example_passes_the_checker() {
    let readme = std::fs::read_to_string(repo_path("curricula/README.md")).unwrap();
    let block_after = |marker: &str| -> String {
        let start = readme
            .find(marker)
            .unwrap_or_else(|| panic!("{marker} not in README"));
        let rest = &readme[start..];
        let open = rest.find("```").unwrap();
        let body_start = open + rest[open..].find('\n').unwrap() + 1;
        let body_end = body_start + rest[body_start..].find("\n```").unwrap() + 1;
        rest[body_start..body_end].to_string()
    };
    let dir = tempfile::tempdir().unwrap();
    let example = dir.path().join("example");
    std::fs::create_dir_all(example.join("sessions")).unwrap();
    std::fs::write(
        example.join("curriculum.toml"),
        block_after("`curricula/example/curriculum.toml`:"),
    )
    .unwrap();
    std::fs::write(
        example.join("guide.md"),
        block_after("`curricula/example/guide.md`"),
    )
    .unwrap();
    std::fs::write(
        example.join("sessions/01-the-pause.md"),
        block_after("`curricula/example/sessions/01-the-pause.md`:"),
    )
    .unwrap();
    let loaded = curriculum::load(&Source::Dir(example));
    assert_eq!(loaded.problems, vec![]);
    let c = loaded.library.get("example").unwrap();
    assert_eq!(c.sessions[0].agenda.len(), 6);
    assert_eq!(c.sessions[0].minutes, 90);
}

#[actix_web::test]
async fn a_groups_facilitators_read_its_course_guide() {
    let app = crate::common::TestApp::new();
    let lead = crate::common::add_user(&app, "lead@example.org", false);
    let cohort = crate::access::make_cohort(&app, &lead, "Tuesday group");
    let mut b = crate::common::Browser::new(&app);
    b.sign_in("lead@example.org", crate::common::PASSWORD).await;
    let group = b.get(&format!("/cohorts/{cohort}")).await;
    assert!(group
        .body
        .contains(&format!("href=\"/cohorts/{cohort}/guide\"")));
    let page = b.get(&format!("/cohorts/{cohort}/guide")).await;
    assert_eq!(page.status, actix_web::http::StatusCode::OK);
    for section in attune::curriculum::safety::GUIDE_SECTIONS {
        assert!(
            page.body.contains(&format!(">{section}</h2>")),
            "{section} in the guide page"
        );
    }
    assert!(page.body.contains("Course guide"));
    assert_eq!(
        page.body.matches("<h1").count(),
        1,
        "the guide's own title is not repeated"
    );
}
