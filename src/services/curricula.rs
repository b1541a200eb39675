//! Curricula as the app offers them: imported versions and the public
//! course pages.

use serde::Serialize;

use crate::curriculum::{markdown, Curriculum, Library};
use crate::db::models::CurriculumVersion;
use crate::db::{write_tx, DbConn};
use crate::error::AppError;

/// Stores every curriculum version of the library not stored yet. Returns
/// how many were new.
pub fn import_library(conn: &mut DbConn, library: &Library) -> Result<usize, AppError> {
    write_tx(conn, |conn| {
        let mut new = 0;
        for c in library.all() {
            if CurriculumVersion::import(conn, c)?.1 {
                new += 1;
            }
        }
        Ok(new)
    })
}

#[derive(Debug, Serialize)]
pub struct CurriculumCard {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub audience: String,
    pub session_count: usize,
    pub session_minutes: u32,
    pub hours: String,
    pub version: String,
    pub license: String,
    pub authors: String,
    pub sessions: Vec<SessionOutline>,
}

#[derive(Debug, Serialize)]
pub struct SessionOutline {
    pub number: u32,
    pub title: String,
    pub minutes: u32,
    pub objectives: Vec<String>,
    pub agenda: Vec<AgendaLine>,
    pub home_practice_title: String,
}

#[derive(Debug, Serialize)]
pub struct AgendaLine {
    /// Minutes from the start, like "0:10".
    pub offset: String,
    pub minutes: u32,
    pub kind: &'static str,
    pub kind_label: &'static str,
    pub title: String,
}

/// A session as a parent reads it on the public course page.
#[derive(Debug, Serialize)]
pub struct HandoutPage {
    pub curriculum_slug: String,
    pub curriculum_title: String,
    pub number: u32,
    pub title: String,
    pub handout_html: String,
    pub home_practice_title: String,
    pub home_practice_html: String,
    pub reflection_prompts: Vec<String>,
    pub previous: Option<u32>,
    pub next: Option<u32>,
}

pub fn card(c: &Curriculum) -> CurriculumCard {
    let total = c.total_minutes();
    CurriculumCard {
        slug: c.slug.clone(),
        title: c.title.clone(),
        summary: c.summary.clone(),
        audience: c.audience.clone(),
        session_count: c.sessions.len(),
        session_minutes: c.session_minutes,
        hours: format_hours(total),
        version: c.version.clone(),
        license: c.license.clone(),
        authors: c.authors.join(", "),
        sessions: c
            .sessions
            .iter()
            .map(|s| {
                let mut offset = 0;
                SessionOutline {
                    number: s.number,
                    title: s.title.clone(),
                    minutes: s.minutes,
                    objectives: s.objectives.clone(),
                    agenda: s
                        .agenda
                        .iter()
                        .map(|seg| {
                            let line = AgendaLine {
                                offset: format!("{}:{:02}", offset / 60, offset % 60),
                                minutes: seg.minutes,
                                kind: seg.kind.as_str(),
                                kind_label: seg.kind.label(),
                                title: seg.title.clone(),
                            };
                            offset += seg.minutes;
                            line
                        })
                        .collect(),
                    home_practice_title: s.home_practice.title.clone(),
                }
            })
            .collect(),
    }
}

pub fn cards(library: &Library) -> Vec<CurriculumCard> {
    library.all().into_iter().map(|c| card(c)).collect()
}

pub fn handout_page(c: &Curriculum, number: u32) -> Result<HandoutPage, AppError> {
    let s = c
        .session(number)
        .ok_or_else(|| AppError::not_found(format!("{} has no session {number}.", c.title)))?;
    Ok(HandoutPage {
        curriculum_slug: c.slug.clone(),
        curriculum_title: c.title.clone(),
        number: s.number,
        title: s.title.clone(),
        handout_html: markdown::to_safe_html(&s.parent_handout),
        home_practice_title: s.home_practice.title.clone(),
        home_practice_html: markdown::to_safe_html(&s.home_practice.text),
        reflection_prompts: s.reflection_prompts.clone(),
        previous: c.session(number.wrapping_sub(1)).map(|p| p.number),
        next: c.session(number + 1).map(|n| n.number),
    })
}

fn format_hours(minutes: u32) -> String {
    let (h, m) = (minutes / 60, minutes % 60);
    match (h, m) {
        (0, m) => format!("{m} minutes"),
        (1, 0) => "1 hour".into(),
        (h, 0) => format!("{h} hours"),
        (h, 30) => format!("{h}½ hours"),
        (1, m) => format!("1 hour {m} minutes"),
        (h, m) => format!("{h} hours {m} minutes"),
    }
}

/// A group's course guide, for its facilitators: the guide of the exact
/// version the group runs.
#[derive(Debug, Serialize)]
pub struct GuidePage {
    pub cohort_id: i64,
    pub cohort_title: String,
    pub curriculum_title: String,
    pub version: String,
    /// Empty for a version stored before courses had guides.
    pub guide_html: String,
    /// The organization's support list, which the guide points to.
    pub support: crate::services::support::SupportList,
    /// The group's country prints on US Letter (else A4).
    pub letter_paper: bool,
}

pub fn guide_page(
    conn: &mut DbConn,
    user: &crate::db::models::User,
    cohort_id: i64,
) -> Result<GuidePage, AppError> {
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    let c = CurriculumVersion::load_curriculum(conn, cohort.curriculum_version_id)?;
    // The page has its own title; the guide's `# Title` line is not repeated.
    let body: String = c
        .guide
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .enumerate()
        .filter(|(i, l)| !(*i == 0 && l.starts_with("# ")))
        .map(|(_, l)| format!("{l}\n"))
        .collect();
    Ok(GuidePage {
        cohort_id: cohort.id,
        cohort_title: cohort.title,
        curriculum_title: c.title.clone(),
        version: c.version.clone(),
        guide_html: markdown::to_safe_html(&body),
        support: crate::services::support::list(conn)?,
        letter_paper: crate::services::zones::prints_on_letter(&cohort.time_zone),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_read_naturally() {
        assert_eq!(format_hours(540), "9 hours");
        assert_eq!(format_hours(630), "10½ hours");
        assert_eq!(format_hours(45), "45 minutes");
        assert_eq!(format_hours(60), "1 hour");
    }
}
