//! Rules that keep a course safe to run, beyond its format: a facilitator
//! guide with every section a careful facilitator needs, the limit of
//! confidentiality said in session 1 before anyone shares, and one
//! spelling throughout (the course's `locale`).

use super::Problem;

/// The `##` sections of `guide.md`, in this order.
pub const GUIDE_SECTIONS: [&str; 9] = [
    "Aims",
    "Who it is for and not for",
    "Screening and when to refer",
    "Ideas and evidence",
    "Group agreements",
    "Disclosure and safeguarding",
    "Looking after yourself",
    "Adapting the course",
    "Fidelity",
];

/// The locales a course may be written in.
pub const LOCALES: [&str; 2] = ["en-US", "en-GB"];

/// Checks `guide.md` (`text` is `None` when the file is missing).
pub fn check_guide(path: &str, text: Option<&str>, problems: &mut Vec<Problem>) {
    let Some(text) = text else {
        problems.push(Problem {
            path: path.to_string(),
            line: 1,
            message: format!(
                "missing guide.md: every course needs a facilitator guide with the sections {}",
                GUIDE_SECTIONS.join(", ")
            ),
        });
        return;
    };
    let headings: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .filter_map(|(i, l)| l.strip_prefix("## ").map(|h| (i + 1, h.trim())))
        .collect();
    if !text.lines().any(|l| l.starts_with("# ")) {
        problems.push(Problem {
            path: path.to_string(),
            line: 1,
            message: "the guide needs a title: `# <course title>: facilitator guide`".into(),
        });
    }
    let mut next = 0;
    let mut last_line = 1;
    for (line, heading) in &headings {
        if next < GUIDE_SECTIONS.len() && *heading == GUIDE_SECTIONS[next] {
            next += 1;
            last_line = *line;
        }
    }
    if next < GUIDE_SECTIONS.len() {
        let wanted = GUIDE_SECTIONS[next];
        let message = match headings.iter().find(|(_, h)| *h == wanted) {
            Some((line, _)) => {
                return problems.push(Problem {
                    path: path.to_string(),
                    line: *line,
                    message: format!(
                        "`## {wanted}` is out of order: the sections go {}",
                        GUIDE_SECTIONS.join(", ")
                    ),
                })
            }
            None => format!(
                "the guide has no `## {wanted}` section (it comes next, after line {last_line})"
            ),
        };
        problems.push(Problem {
            path: path.to_string(),
            line: last_line,
            message,
        });
    }
}

/// Whether text says what stays in the group and its one exception (when
/// someone may be harmed). Wording is the course's own; this looks for the
/// three ideas, not a sentence.
pub fn states_confidentiality_limit(text: &str) -> bool {
    let t = text.to_lowercase();
    let sharing = [
        "stays in",
        "stay in",
        "confidential",
        "private",
        "between us",
    ]
    .iter()
    .any(|w| t.contains(w));
    let exception = ["exception", "unless", "except", "one time", "but if"]
        .iter()
        .any(|w| t.contains(w));
    let harm = [
        "harm",
        "hurt",
        "unsafe",
        "danger",
        "at risk",
        "keep them safe",
        "keep that person safe",
    ]
    .iter()
    .any(|w| t.contains(w));
    sharing && exception && harm
}

/// Session 1 must tell parents the limit of confidentiality in its plan
/// (facilitator notes or agenda) and in its handout.
pub fn check_session_one(
    path: &str,
    plan_text: &str,
    handout: &str,
    handout_line: usize,
    problems: &mut Vec<Problem>,
) {
    if !states_confidentiality_limit(plan_text) {
        problems.push(Problem {
            path: path.to_string(),
            line: 1,
            message: "session 1's plan must state the limit of confidentiality before anyone shares: what is shared stays in the group, with one exception, when someone may be harmed".into(),
        });
    }
    if !states_confidentiality_limit(handout) {
        problems.push(Problem {
            path: path.to_string(),
            line: handout_line,
            message: "session 1's handout must tell parents the limit of confidentiality, in plain words: what they share stays in the group, with one exception, when someone may be harmed".into(),
        });
    }
}

/// (en-GB form, en-US form): the pairs the checker knows. Words only
/// one locale uses for one meaning; "practice" is right in both (as a
/// noun), so only the en-GB-only "practise" is checked.
const PAIRS: &[(&str, &str)] = &[
    ("colour", "color"),
    ("colours", "colors"),
    ("coloured", "colored"),
    ("colourful", "colorful"),
    ("behaviour", "behavior"),
    ("behaviours", "behaviors"),
    ("favourite", "favorite"),
    ("favourites", "favorites"),
    ("neighbour", "neighbor"),
    ("neighbours", "neighbors"),
    ("centre", "center"),
    ("centres", "centers"),
    ("programme", "program"),
    ("programmes", "programs"),
    ("organise", "organize"),
    ("organised", "organized"),
    ("organising", "organizing"),
    ("organisation", "organization"),
    ("organisations", "organizations"),
    ("realise", "realize"),
    ("realised", "realized"),
    ("recognise", "recognize"),
    ("recognised", "recognized"),
    ("apologise", "apologize"),
    ("apologised", "apologized"),
    ("summarise", "summarize"),
    ("normalise", "normalize"),
    ("mum", "mom"),
    ("mums", "moms"),
    ("mummy", "mommy"),
    ("licence", "license"),
    ("counselling", "counseling"),
    ("counsellor", "counselor"),
    ("counsellors", "counselors"),
    ("grey", "gray"),
    ("travelling", "traveling"),
    ("labelled", "labeled"),
    ("paediatric", "pediatric"),
    ("paediatrician", "pediatrician"),
    ("nappy", "diaper"),
    ("nappies", "diapers"),
];

/// en-GB-only spellings with no single en-US pair to flag back.
const GB_ONLY: &[(&str, &str)] = &[
    ("practise", "practice"),
    ("practised", "practiced"),
    ("practising", "practicing"),
];

/// Flags every word in `text` spelt the other locale's way.
pub fn check_spelling(path: &str, text: &str, locale: &str, problems: &mut Vec<Problem>) {
    let us = locale == "en-US";
    for (i, line) in text.lines().enumerate() {
        for word in line
            .split(|c: char| !c.is_alphabetic())
            .filter(|w| !w.is_empty())
        {
            let lower = word.to_lowercase();
            let found = if us {
                PAIRS
                    .iter()
                    .chain(GB_ONLY)
                    .find(|(gb, _)| *gb == lower)
                    .map(|(_, us)| *us)
            } else {
                PAIRS.iter().find(|(_, us)| *us == lower).map(|(gb, _)| *gb)
            };
            if let Some(right) = found {
                problems.push(Problem {
                    path: path.to_string(),
                    line: i + 1,
                    message: format!(
                        "`{word}` is {} spelling; this course is {locale}: write `{right}`",
                        if us { "UK" } else { "US" }
                    ),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GUIDE: &str = "# Course: facilitator guide\n\n## Aims\nx\n## Who it is for and not for\n## Screening and when to refer\n## Ideas and evidence\n## Group agreements\n## Disclosure and safeguarding\n## Looking after yourself\n## Adapting the course\n## Fidelity\n";

    #[test]
    fn a_whole_guide_passes_and_a_gap_is_named_with_its_line() {
        let mut p = Vec::new();
        check_guide("g.md", Some(GUIDE), &mut p);
        assert!(p.is_empty(), "{p:?}");
        check_guide("g.md", None, &mut p);
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("missing guide.md"));
        let mut p = Vec::new();
        check_guide("g.md", Some(&GUIDE.replace("## Fidelity\n", "")), &mut p);
        assert_eq!(p.len(), 1);
        assert!(p[0].message.contains("no `## Fidelity`"), "{p:?}");
        assert_eq!(p[0].line, 11);
        let swapped = GUIDE
            .replace("## Aims", "## TMP")
            .replace("## Fidelity", "## Aims")
            .replace("## TMP", "## Fidelity");
        let mut p = Vec::new();
        check_guide("g.md", Some(&swapped), &mut p);
        assert!(p[0].message.contains("out of order"), "{p:?}");
    }

    #[test]
    fn the_confidentiality_limit_is_recognised_in_a_courses_own_words() {
        assert!(states_confidentiality_limit(
            "What you share stays in the group, with one exception: if someone may be harmed, I must act."
        ));
        assert!(states_confidentiality_limit(
            "We keep things private unless a child is in danger."
        ));
        assert!(!states_confidentiality_limit(
            "What is shared here stays here."
        ));
        let mut p = Vec::new();
        check_session_one(
            "s1.md",
            "What is shared here stays here.",
            "Welcome!",
            40,
            &mut p,
        );
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].line, p[1].line), (1, 40));
    }

    #[test]
    fn the_other_spelling_is_flagged_with_its_line() {
        let mut p = Vec::new();
        check_spelling(
            "s.md",
            "Pick a colour.\nOne Mum said\nPractice makes it easier.",
            "en-US",
            &mut p,
        );
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!((p[0].line, p[1].line), (1, 2));
        assert!(p[0].message.contains("write `color`"));
        let mut p = Vec::new();
        check_spelling("s.md", "Pick a color. Practise it.", "en-GB", &mut p);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].message.contains("write `colour`"));
    }
}
