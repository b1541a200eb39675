//! Parsing one curriculum's files into the model, reporting every problem
//! with its file and line. Nothing here touches the file system: the caller
//! hands in the files' text.

use super::fields::{parse_document, Ctx, Table};
use super::markdown;
use super::model::{HomePractice, Segment, SegmentKind, Session};
use super::readability::parent_text_grade;
use super::Problem;

/// The highest Flesch-Kincaid grade a parent handout may read at.
pub const MAX_HANDOUT_GRADE: f64 = 8.0;

pub const MANIFEST_KEYS: [&str; 9] = [
    "title",
    "summary",
    "audience",
    "session_minutes",
    "version",
    "authors",
    "license",
    "language",
    "locale",
];

const SESSION_KEYS: [&str; 8] = [
    "title",
    "minutes",
    "objectives",
    "materials",
    "discussion_prompts",
    "reflection_prompts",
    "home_practice",
    "agenda",
];

const SEGMENT_KEYS: [&str; 4] = ["minutes", "kind", "title", "notes"];

pub struct Manifest {
    pub title: String,
    pub summary: String,
    pub audience: String,
    pub session_minutes: u32,
    pub version: String,
    pub authors: Vec<String>,
    pub license: String,
    pub language: String,
    /// `en-US` or `en-GB`: the spelling every file keeps to.
    pub locale: Option<String>,
}

pub fn parse_manifest(path: &str, text: &str, problems: &mut Vec<Problem>) -> Option<Manifest> {
    let before = problems.len();
    let mut ctx = Ctx::new(path, text, 1, problems);
    scan_template_syntax(&mut ctx, text, 1);
    let doc = parse_document(&mut ctx, text)?;
    let table = Table {
        inner: doc.get_ref(),
        line: 1,
        what: "curriculum.toml".into(),
    };
    table.check_keys(&mut ctx, &MANIFEST_KEYS);
    let title = table.string(&mut ctx, "title");
    let summary = table.string(&mut ctx, "summary");
    let audience = table.string(&mut ctx, "audience");
    let session_minutes = table.number(&mut ctx, "session_minutes", 10..601);
    let version = table.string(&mut ctx, "version");
    let authors = table.string_list(&mut ctx, "authors");
    if let Some((list, line)) = &authors {
        if list.is_empty() {
            ctx.report_line(*line, "`authors` needs at least one name");
        }
    }
    let license = table.string(&mut ctx, "license");
    let language = table
        .optional_string(&mut ctx, "language")
        .unwrap_or_else(|| "en".into());
    let locale = table.optional_string(&mut ctx, "locale");
    if let Some(l) = locale
        .as_deref()
        .filter(|l| !super::safety::LOCALES.contains(l))
    {
        let line = text
            .lines()
            .position(|t| t.trim_start().starts_with("locale"))
            .map_or(1, |i| i + 1);
        ctx.report_line(
            line,
            format!(
                "`locale` is `{l}`; use one of {} (the spelling the checker holds every file to)",
                super::safety::LOCALES.join(", ")
            ),
        );
    }
    let manifest = Manifest {
        title: title?,
        summary: summary?,
        audience: audience?,
        session_minutes: session_minutes?,
        version: version?,
        authors: authors?.0,
        license: license?,
        language,
        locale,
    };
    (problems.len() == before).then_some(manifest)
}

/// Splits `NN-slug.md` into its number and slug.
pub fn session_file_name(name: &str) -> Option<(u32, String)> {
    let stem = name.strip_suffix(".md")?;
    let (digits, slug) = stem.split_once('-')?;
    let valid_slug = !slug.is_empty()
        && slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if digits.is_empty() || digits.len() > 3 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let number: u32 = digits.parse().ok()?;
    (number > 0 && valid_slug).then(|| (number, slug.to_string()))
}

/// What the session parser needs to know about the rest of the curriculum.
pub struct SessionContext<'a> {
    pub default_minutes: u32,
    /// Whether a path (relative to the curriculum folder, `/`-separated)
    /// is one of its files.
    pub file_exists: &'a dyn Fn(&str) -> bool,
    /// The folder of this file, relative to the curriculum folder.
    pub folder: &'a str,
}

pub fn parse_session(
    path: &str,
    number: u32,
    slug: &str,
    text: &str,
    sc: &SessionContext<'_>,
    problems: &mut Vec<Problem>,
) -> Option<Session> {
    let before = problems.len();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    {
        let mut ctx = Ctx::new(path, text, 1, problems);
        scan_template_syntax(&mut ctx, text, 1);
    }
    let Some((front, front_line, body, body_line)) = split_front_matter(text) else {
        problems.push(Problem {
            path: path.into(),
            line: 1,
            message: "a session file must start with TOML front matter between two `+++` lines"
                .into(),
        });
        return None;
    };

    let mut ctx = Ctx::new(path, front, front_line, problems);
    let doc = parse_document(&mut ctx, front);
    let fields = doc.as_ref().and_then(|doc| {
        let table = Table {
            inner: doc.get_ref(),
            line: front_line.saturating_sub(1).max(1),
            what: "the front matter".into(),
        };
        read_session_fields(&mut ctx, &table, sc.default_minutes)
    });
    for (target, offset) in front_matter_links(front) {
        let line = ctx.line_at(offset);
        check_link(&mut ctx, line, &target, sc);
    }

    let sections = read_sections(path, body, body_line, problems);
    let mut ctx = Ctx::new(path, body, body_line, problems);
    for (target, offset) in markdown::link_targets(body) {
        let line = ctx.line_at(offset);
        check_link(&mut ctx, line, &target, sc);
    }

    let (notes, handout) = sections?;
    let fields = fields?;
    let grade = parent_text_grade(
        &handout.text,
        &fields.home_practice.text,
        &fields.reflection_prompts,
    );
    if grade > MAX_HANDOUT_GRADE {
        ctx.report_line(
            handout.line,
            format!(
                "the parent handout reads at grade {grade:.1} (Flesch-Kincaid), above {MAX_HANDOUT_GRADE}: \
                 shorter sentences and everyday words help"
            ),
        );
    }

    let session = Session {
        number,
        slug: slug.to_string(),
        title: fields.title,
        minutes: fields.minutes,
        objectives: fields.objectives,
        materials: fields.materials,
        discussion_prompts: fields.discussion_prompts,
        reflection_prompts: fields.reflection_prompts,
        home_practice: fields.home_practice,
        agenda: fields.agenda,
        facilitator_notes: notes.text,
        parent_handout: handout.text,
    };
    (problems.len() == before).then_some(session)
}

struct SessionFields {
    title: String,
    minutes: u32,
    objectives: Vec<String>,
    materials: Vec<String>,
    discussion_prompts: Vec<String>,
    reflection_prompts: Vec<String>,
    home_practice: HomePractice,
    agenda: Vec<Segment>,
}

fn read_session_fields(
    ctx: &mut Ctx<'_>,
    table: &Table<'_, '_>,
    default_minutes: u32,
) -> Option<SessionFields> {
    table.check_keys(ctx, &SESSION_KEYS);
    let title = table.string(ctx, "title");
    let minutes = table
        .optional_number(ctx, "minutes", 10..601)
        .unwrap_or(default_minutes);
    let objectives = table.string_list(ctx, "objectives");
    if let Some((list, line)) = &objectives {
        if list.is_empty() {
            ctx.report_line(*line, "`objectives` needs at least one objective");
        }
    }
    let materials = table.string_list(ctx, "materials");
    let discussion = table.string_list(ctx, "discussion_prompts");
    if let Some((list, line)) = &discussion {
        if list.is_empty() {
            ctx.report_line(*line, "`discussion_prompts` needs at least one prompt");
        }
    }
    let reflection = table.string_list(ctx, "reflection_prompts");
    if let Some((list, line)) = &reflection {
        if !(2..=4).contains(&list.len()) {
            ctx.report_line(
                *line,
                format!(
                    "`reflection_prompts` has {} {}; a session needs 2 to 4",
                    list.len(),
                    if list.len() == 1 { "prompt" } else { "prompts" }
                ),
            );
        }
    }

    let home_practice = table
        .table(ctx, "home_practice", "[home_practice]")
        .and_then(|hp| {
            hp.check_keys(ctx, &["title", "text"]);
            let title = hp.string(ctx, "title");
            let text = hp.string(ctx, "text");
            Some(HomePractice {
                title: title?,
                text: text?,
            })
        });

    let agenda = read_agenda(ctx, table, minutes);

    Some(SessionFields {
        title: title?,
        minutes,
        objectives: objectives?.0,
        materials: materials?.0,
        discussion_prompts: discussion?.0,
        reflection_prompts: reflection?.0,
        home_practice: home_practice?,
        agenda: agenda?,
    })
}

/// The agenda's segments, each with its minutes, kind and title; their
/// minutes must add up to the session's.
fn read_agenda(ctx: &mut Ctx<'_>, table: &Table<'_, '_>, minutes: u32) -> Option<Vec<Segment>> {
    let (segments, line) = table.tables(ctx, "agenda", "agenda segment")?;
    if segments.is_empty() {
        ctx.report_line(line, "the agenda has no segments");
        return None;
    }
    let mut out = Vec::with_capacity(segments.len());
    let mut complete = true;
    let mut sum = Some(0u32);
    for seg in &segments {
        seg.check_keys(ctx, &SEGMENT_KEYS);
        let minutes = seg.number(ctx, "minutes", 1..601);
        sum = sum.zip(minutes).map(|(a, b)| a + b);
        let kind = seg.string(ctx, "kind").and_then(|k| {
            let parsed = SegmentKind::parse(&k);
            if parsed.is_none() {
                let known: Vec<&str> = SegmentKind::ALL.iter().map(|k| k.as_str()).collect();
                let line = seg.line_of(ctx, "kind");
                ctx.report_line(
                    line,
                    format!(
                        "unknown kind `{k}` in {} (use one of: {})",
                        seg.what,
                        known.join(", ")
                    ),
                );
            }
            parsed
        });
        let title = seg.string(ctx, "title");
        let notes = seg.optional_string(ctx, "notes");
        match (minutes, kind, title) {
            (Some(minutes), Some(kind), Some(title)) => out.push(Segment {
                minutes,
                kind,
                title,
                notes,
            }),
            _ => complete = false,
        }
    }
    // Checked even when a segment has other mistakes, so one run
    // shows everything.
    if let Some(sum) = sum.filter(|s| *s != minutes) {
        ctx.report_line(
            line,
            format!("the agenda adds up to {sum} minutes, but the session is {minutes} minutes"),
        );
    }
    complete.then_some(out)
}

/// Splits `+++\n<toml>\n+++\n<body>`; returns the TOML, the line it starts
/// on, the body, and the line the body starts on.
fn split_front_matter(text: &str) -> Option<(&str, usize, &str, usize)> {
    let rest = text
        .strip_prefix("+++\n")
        .or_else(|| text.strip_prefix("+++\r\n"))?;
    let mut offset = 0;
    for line in rest.split_inclusive('\n') {
        if line.trim_end() == "+++" {
            let front = &rest[..offset];
            let body = &rest[offset + line.len()..];
            let front_lines = front.matches('\n').count();
            return Some((front, 2, body, 2 + front_lines + 1));
        }
        offset += line.len();
    }
    None
}

struct Section {
    text: String,
    line: usize,
}

/// Finds the two `#` sections in order; reports anything else.
fn read_sections(
    path: &str,
    body: &str,
    body_line: usize,
    problems: &mut Vec<Problem>,
) -> Option<(Section, Section)> {
    const NOTES: &str = "Facilitator notes";
    const HANDOUT: &str = "Parent handout";
    let before = problems.len();
    let mut report = |line: usize, message: String| {
        problems.push(Problem {
            path: path.into(),
            line,
            message,
        })
    };
    let (sections, stray_line) = split_sections(body, body_line);
    if let Some(line) = stray_line {
        report(
            line,
            format!(
                "text before `# {NOTES}`: all content belongs under `# {NOTES}` or `# {HANDOUT}`"
            ),
        );
    }
    let end_line = body_line + body.lines().count();
    let mut notes = None;
    let mut handout = None;
    for (title, line, text) in sections {
        if title.eq_ignore_ascii_case(NOTES) {
            if notes.is_some() {
                report(line, format!("a second `# {NOTES}` section"));
            } else if handout.is_some() {
                report(line, format!("`# {NOTES}` must come before `# {HANDOUT}`"));
            }
            notes = Some(Section { text, line });
        } else if title.eq_ignore_ascii_case(HANDOUT) {
            if handout.is_some() {
                report(line, format!("a second `# {HANDOUT}` section"));
            }
            handout = Some(Section { text, line });
        } else {
            report(
                line,
                format!("unknown section `# {title}`: use `# {NOTES}` and `# {HANDOUT}`, and `##` inside them"),
            );
        }
    }
    if notes.is_none() {
        report(end_line, format!("missing section `# {NOTES}`"));
    }
    match &handout {
        None => report(end_line, format!("missing section `# {HANDOUT}`")),
        Some(h) if h.text.trim().is_empty() => report(h.line, "the parent handout is empty".into()),
        Some(_) => {}
    }
    if problems.len() > before {
        return None;
    }
    Some((notes?, handout?))
}

/// A session body cut at its `# ` headings (not inside code fences):
/// (title, line, text) of each, and the line of the first text before any
/// heading, if there is some.
fn split_sections(body: &str, body_line: usize) -> (Vec<(String, usize, String)>, Option<usize>) {
    let mut sections: Vec<(String, usize, String)> = Vec::new();
    let mut stray_line = None;
    let mut fence: Option<&str> = None;
    for (i, line) in body.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(f) = fence {
            if trimmed.starts_with(f) {
                fence = None;
            }
        } else if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(&trimmed[..3]);
        } else if let Some(title) = line.strip_prefix("# ") {
            sections.push((title.trim().to_string(), body_line + i, String::new()));
            continue;
        }
        match sections.last_mut() {
            Some((_, _, text)) => {
                text.push_str(line);
                text.push('\n');
            }
            None if !line.trim().is_empty() && stray_line.is_none() => {
                stray_line = Some(body_line + i)
            }
            None => {}
        }
    }
    (sections, stray_line)
}

/// `{{` in content would be read by the template engine; refuse it.
fn scan_template_syntax(ctx: &mut Ctx<'_>, text: &str, first_line: usize) {
    for (i, line) in text.lines().enumerate() {
        if line.contains("{{") {
            ctx.report_line(
                first_line + i,
                "`{{` is template syntax and is not allowed in curriculum content",
            );
        }
    }
}

/// Markdown-style links written inside front-matter strings.
fn front_matter_links(front: &str) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = front[from..].find("](") {
        let start = from + pos + 2;
        let end = front[start..]
            .find([')', '"', '\n'])
            .map(|e| start + e)
            .unwrap_or(front.len());
        out.push((front[start..end].trim().to_string(), start));
        from = end;
    }
    out
}

/// Web and mail links are fine; anything else must be a file of this
/// curriculum.
fn check_link(ctx: &mut Ctx<'_>, line: usize, target: &str, sc: &SessionContext<'_>) {
    let target = target.trim();
    let lower = target.to_ascii_lowercase();
    if target.is_empty()
        || target.starts_with('#')
        || lower.starts_with("https://")
        || lower.starts_with("http://")
        || lower.starts_with("mailto:")
    {
        return;
    }
    let path = target.split(['#', '?']).next().unwrap_or("");
    let has_scheme = path.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+')
    });
    if has_scheme || path.starts_with('/') || path.starts_with('\\') {
        ctx.report_line(
            line,
            format!("the link `{target}` leaves the curriculum folder; link to https: pages or to files inside this curriculum"),
        );
        return;
    }
    let mut parts: Vec<&str> = sc.folder.split('/').filter(|p| !p.is_empty()).collect();
    for part in path.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    ctx.report_line(
                        line,
                        format!("the link `{target}` leaves the curriculum folder"),
                    );
                    return;
                }
            }
            p => parts.push(p),
        }
    }
    let resolved = parts.join("/");
    if !(sc.file_exists)(&resolved) {
        ctx.report_line(
            line,
            format!("the link `{target}` points to a file that does not exist in this curriculum"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_file_names() {
        assert_eq!(session_file_name("01-hello.md"), Some((1, "hello".into())));
        assert_eq!(session_file_name("12-a-b-2.md"), Some((12, "a-b-2".into())));
        assert_eq!(session_file_name("1-x.md"), Some((1, "x".into())));
        assert_eq!(session_file_name("00-x.md"), None);
        assert_eq!(session_file_name("01_x.md"), None);
        assert_eq!(session_file_name("01-.md"), None);
        assert_eq!(session_file_name("01-X.md"), None);
        assert_eq!(session_file_name("01-x.txt"), None);
    }

    #[test]
    fn front_matter_split_reports_lines() {
        let (front, fl, body, bl) = split_front_matter("+++\na = 1\nb = 2\n+++\n# X\n").unwrap();
        assert_eq!(front, "a = 1\nb = 2\n");
        assert_eq!(fl, 2);
        assert_eq!(body, "# X\n");
        assert_eq!(bl, 5);
        assert!(split_front_matter("no front matter").is_none());
        assert!(split_front_matter("+++\na = 1\n").is_none());
    }
}
