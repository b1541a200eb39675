use super::*;

/// A curriculum folder of these files, with a complete guide unless the
/// test gives its own.
fn folder(files: &[(&str, &str)]) -> CurriculumFiles {
    let mut files: std::collections::BTreeMap<String, Vec<u8>> = files
        .iter()
        .map(|(p, t)| (p.to_string(), t.as_bytes().to_vec()))
        .collect();
    files
        .entry("guide.md".into())
        .or_insert_with(|| GUIDE.as_bytes().to_vec());
    CurriculumFiles {
        slug: "demo".into(),
        display_root: "curricula/demo".into(),
        files,
    }
}

const GUIDE: &str = "# Calm Together: facilitator guide\n\n## Aims\n## Who it is for and not for\n## Screening and when to refer\n## Ideas and evidence\n## Group agreements\n## Disclosure and safeguarding\n## Looking after yourself\n## Adapting the course\n## Fidelity\n";

const MANIFEST: &str = r#"title = "Calm Together"
summary = "Four evenings."
audience = "Parents"
session_minutes = 30
version = "1.0.0"
authors = ["attune curriculum team"]
license = "CC BY-SA 4.0"
"#;

const SESSION: &str = r#"+++
title = "The pause"
objectives = ["Notice the moment before you react."]
materials = []
discussion_prompts = ["When do you feel rushed?"]
reflection_prompts = ["When did you pause?", "What did you notice?"]

[home_practice]
title = "One breath"
text = "Take one slow breath at the door."

[[agenda]]
minutes = 10
kind = "welcome"
title = "Welcome"

[[agenda]]
minutes = 20
kind = "teach"
title = "The pause"
+++

# Facilitator notes

Set the chairs in a circle. Agree that what is shared stays in the group, with one exception: if someone may be harmed, you must act.

# Parent handout

## Why a pause helps

A short pause gives you a moment. You can do it.

What you share stays in the group. There is one exception. If someone may be harmed, the facilitator must act to keep them safe.
"#;

#[test]
fn a_good_curriculum_loads() {
    let mut problems = Vec::new();
    let c = build(
        &folder(&[
            ("curriculum.toml", MANIFEST),
            ("sessions/01-the-pause.md", SESSION),
        ]),
        &mut problems,
    );
    assert_eq!(problems, vec![]);
    let c = c.unwrap();
    assert_eq!(c.sessions.len(), 1);
    assert_eq!(c.sessions[0].agenda[1].kind, SegmentKind::Teach);
    assert_eq!(c.language, "en");
    assert_eq!(c.content_hash.len(), 64);
}

#[test]
fn the_hash_changes_with_any_byte() {
    let a = folder(&[
        ("curriculum.toml", MANIFEST),
        ("sessions/01-the-pause.md", SESSION),
    ]);
    let b = folder(&[
        ("curriculum.toml", MANIFEST),
        (
            "sessions/01-the-pause.md",
            &SESSION.replace("circle", "ring"),
        ),
    ]);
    assert_ne!(a.content_hash(), b.content_hash());
    assert_eq!(a.content_hash(), a.clone().content_hash());
}

fn problems_of(session: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    build(
        &folder(&[
            ("curriculum.toml", MANIFEST),
            ("sessions/01-the-pause.md", session),
        ]),
        &mut problems,
    );
    problems
}

fn assert_problem(problems: &[Problem], line: usize, needle: &str) {
    assert!(
        problems
            .iter()
            .any(|p| p.line == line && p.message.contains(needle)),
        "expected line {line}: {needle}\ngot: {problems:#?}"
    );
}

#[test]
fn reports_each_problem_with_its_line() {
    let broken = SESSION
        .replace(
            "title = \"The pause\"\nobjectives",
            "titel = \"The pause\"\nobjectives",
        )
        .replace("minutes = 20", "minutes = 25")
        .replace("kind = \"teach\"", "kind = \"lecture\"")
        .replace("A short pause", "A {{short}} pause");
    let problems = problems_of(&broken);
    assert_problem(&problems, 2, "unknown key `titel`");
    assert_problem(&problems, 1, "missing key `title`");
    assert_problem(&problems, 19, "unknown kind `lecture`");
    assert_problem(&problems, 31, "`{{` is template syntax");
}

#[test]
fn agenda_must_add_up() {
    let problems = problems_of(&SESSION.replace("minutes = 20", "minutes = 25"));
    assert_problem(
        &problems,
        12,
        "adds up to 35 minutes, but the session is 30",
    );
}

#[test]
fn prompts_are_counted() {
    let problems = problems_of(&SESSION.replace(
        "reflection_prompts = [\"When did you pause?\", \"What did you notice?\"]",
        "reflection_prompts = [\"Only one?\"]",
    ));
    assert_problem(&problems, 6, "has 1 prompt; a session needs 2 to 4");
}

#[test]
fn sections_are_required_and_handout_not_empty() {
    let handout = &SESSION[SESSION.find("# Parent handout").unwrap()..];
    let empty = SESSION.replace(handout, "# Parent handout\n\n");
    let problems = problems_of(&empty);
    assert_problem(&problems, 27, "the parent handout is empty");
    let problems = problems_of(&SESSION.replace("# Facilitator notes", "# Notes"));
    assert!(problems
        .iter()
        .any(|p| p.message.contains("unknown section `# Notes`")));
    assert!(problems
        .iter()
        .any(|p| p.message.contains("missing section `# Facilitator notes`")));
}

#[test]
fn links_stay_inside() {
    let problems = problems_of(&SESSION.replace(
        "You can do it.",
        "See [this](../../other/x.md), [that](/etc/passwd), [ok](https://example.org) and [gone](missing.md).",
    ));
    assert_problem(&problems, 31, "leaves the curriculum folder");
    assert_eq!(
        problems
            .iter()
            .filter(|p| p.message.contains("leaves"))
            .count(),
        2,
        "{problems:#?}"
    );
    assert!(problems
        .iter()
        .any(|p| p.message.contains("does not exist")));
}

#[test]
fn hard_handouts_are_flagged() {
    let dense =
        "Attachment-informed interventions demonstrate considerable effectiveness regarding \
                 intergenerational transmission of emotional regulation capacities throughout \
                 developmental trajectories, notwithstanding methodological heterogeneity.";
    let problems =
        problems_of(&SESSION.replace("A short pause gives you a moment. You can do it.", dense));
    assert_problem(&problems, 27, "Flesch-Kincaid");
}

#[test]
fn numbering_must_be_unique_and_complete() {
    let mut problems = Vec::new();
    build(
        &folder(&[
            ("curriculum.toml", MANIFEST),
            ("sessions/01-the-pause.md", SESSION),
            ("sessions/01-again.md", SESSION),
            ("sessions/03-later.md", SESSION),
            ("sessions/Bad Name.md", SESSION),
        ]),
        &mut problems,
    );
    assert!(
        problems.iter().any(|p| p.message.contains("used twice")),
        "{problems:#?}"
    );
    assert!(problems
        .iter()
        .any(|p| p.message.contains("session 2 is missing")));
    assert!(problems.iter().any(|p| p.message.contains("NN-slug.md")));
}
