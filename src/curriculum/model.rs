//! A curriculum as loaded from its files. Serialised to JSON into
//! `curriculum_versions.document`, so a cohort keeps exactly what it ran.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Curriculum {
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub audience: String,
    pub session_minutes: u32,
    pub version: String,
    pub authors: Vec<String>,
    pub license: String,
    pub language: String,
    /// `en-US` or `en-GB`, when the course names one.
    #[serde(default)]
    pub locale: Option<String>,
    /// The facilitator guide (`guide.md`), Markdown. Versions stored
    /// before guides existed have none.
    #[serde(default)]
    pub guide: String,
    /// SHA-256 over every file of the curriculum folder (hex).
    pub content_hash: String,
    pub sessions: Vec<Session>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub number: u32,
    /// The part of the file name after `NN-`.
    pub slug: String,
    pub title: String,
    pub minutes: u32,
    pub objectives: Vec<String>,
    pub materials: Vec<String>,
    pub discussion_prompts: Vec<String>,
    pub reflection_prompts: Vec<String>,
    pub home_practice: HomePractice,
    pub agenda: Vec<Segment>,
    /// Markdown.
    pub facilitator_notes: String,
    /// Markdown.
    pub parent_handout: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomePractice {
    pub title: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub minutes: u32,
    pub kind: SegmentKind,
    pub title: String,
    pub notes: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SegmentKind {
    Welcome,
    CheckIn,
    Teach,
    Practice,
    Discuss,
    Break,
    Close,
}

impl SegmentKind {
    pub const ALL: [SegmentKind; 7] = [
        Self::Welcome,
        Self::CheckIn,
        Self::Teach,
        Self::Practice,
        Self::Discuss,
        Self::Break,
        Self::Close,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Welcome => "welcome",
            Self::CheckIn => "check-in",
            Self::Teach => "teach",
            Self::Practice => "practice",
            Self::Discuss => "discuss",
            Self::Break => "break",
            Self::Close => "close",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Welcome => "Welcome",
            Self::CheckIn => "Check-in",
            Self::Teach => "Teach",
            Self::Practice => "Practice",
            Self::Discuss => "Discuss",
            Self::Break => "Break",
            Self::Close => "Close",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl Curriculum {
    pub fn session(&self, number: u32) -> Option<&Session> {
        self.sessions.iter().find(|s| s.number == number)
    }

    /// A session's title, or nothing for a number the course lacks (a
    /// meeting or reflection from a session since taken out).
    pub fn session_title(&self, number: i32) -> String {
        u32::try_from(number)
            .ok()
            .and_then(|n| self.session(n))
            .map(|s| s.title.clone())
            .unwrap_or_default()
    }

    /// The first 12 characters of the content hash: enough to tell
    /// versions apart on screen.
    pub fn short_hash(&self) -> &str {
        self.content_hash.get(..12).unwrap_or(&self.content_hash)
    }

    pub fn total_minutes(&self) -> u32 {
        self.sessions.iter().map(|s| s.minutes).sum()
    }

    /// The hardest parent handout's Flesch-Kincaid grade.
    pub fn worst_handout_grade(&self) -> f64 {
        self.sessions
            .iter()
            .map(Session::handout_grade)
            .fold(0.0, f64::max)
    }
}

impl Session {
    /// Flesch-Kincaid grade of what parents read for this session.
    pub fn handout_grade(&self) -> f64 {
        super::readability::parent_text_grade(
            &self.parent_handout,
            &self.home_practice.text,
            &self.reflection_prompts,
        )
    }
}
