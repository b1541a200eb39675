//! The printed documents: what each holds and in which order. Inputs are
//! plain data (dates already in the group's local time), so every document
//! can be made without a database: `attune handout` does exactly that.

use crate::curriculum::{Curriculum, SegmentKind, Session};

use super::{
    markdown, style, Align, Block, Column, Document, Paper, Paragraph, Part, Span, Table, Tone,
};

/// Who a handout is for, when it is for one parent.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub name: String,
    /// Their personal link, printed and as a QR code. `None` prints where
    /// to ask for one instead.
    pub link: Option<String>,
}

/// A session handout for parents.
#[derive(Debug, Clone)]
pub struct Handout<'a> {
    pub curriculum: &'a Curriculum,
    pub session: &'a Session,
    /// The group's name, if printed for a group.
    pub group: Option<String>,
    /// "Tue 24 Nov 2026, 18:30", if printed for a meeting.
    pub when: Option<String>,
    pub recipient: Option<Recipient>,
    /// Where a parent can ask for a new link ("https://…/p/lost").
    pub lost_link_url: Option<String>,
    /// Who to call now: printed as a box on every parent handout.
    pub help: HelpNow,
}

/// The organization's emergency number and local support list, as printed
/// in the "Help now" box.
#[derive(Debug, Clone)]
pub struct HelpNow {
    pub emergency_number: String,
    pub services: Vec<HelpLine>,
    /// The Help now page ("https://…/help"), when printed for a site.
    pub page_url: Option<String>,
}

/// One service on the list, ready to print.
#[derive(Debug, Clone)]
pub struct HelpLine {
    pub name: String,
    pub helps_with: String,
    /// "Call 988 · Text 988 · 988lifeline.org · Day and night".
    pub reach: String,
}

/// The box's title: the words the checker looks for in every handout.
pub const HELP_NOW_TITLE: &str = "Help now";

impl HelpNow {
    /// The box with no list to hand (a handout printed straight from the
    /// curriculum files): the emergency number and where to ask.
    pub fn without_list(emergency_number: &str) -> Self {
        HelpNow {
            emergency_number: emergency_number.to_string(),
            services: Vec::new(),
            page_url: None,
        }
    }

    /// A smaller box for a sheet that must stay on one page (the sign-in
    /// sheet): the emergency line, then every service in one paragraph.
    pub fn compact_block(&self) -> Block {
        let mut blocks = vec![Block::para(
            Paragraph::new(vec![Span::bold(format!(
                "If you or a child are in danger right now, call {}.",
                self.emergency_number
            ))])
            .size(style::BODY - 1.0),
        )];
        let mut spans = Vec::new();
        if self.services.is_empty() {
            spans.push(Span::regular(
                "For other support, ask your facilitator for the list of local services.",
            ));
        } else {
            spans.push(Span::regular("Other support: "));
            for (i, line) in self.services.iter().enumerate() {
                if i > 0 {
                    spans.push(Span::regular("; "));
                }
                spans.push(Span::bold(line.name.clone()));
                spans.push(Span::regular(format!(" ({})", line.reach)));
            }
            spans.push(Span::regular("."));
        }
        if let Some(url) = &self.page_url {
            spans.push(Span::regular(format!(" The list is also at {url}")));
        }
        blocks.push(Block::para(Paragraph::new(spans).size(style::SMALL)));
        Block::KeepTogether(vec![Block::Boxed {
            title: Some(HELP_NOW_TITLE.to_string()),
            blocks,
        }])
    }

    /// The box, kept whole on one page.
    pub fn block(&self) -> Block {
        let mut blocks = vec![Block::para(Paragraph::new(vec![Span::bold(format!(
            "If you or a child are in danger right now, call {}.",
            self.emergency_number
        ))]))];
        if self.services.is_empty() {
            blocks.push(Block::para(
                Paragraph::new(vec![Span::regular(
                    "For support that isn't an emergency, ask your facilitator for                      the list of local services. You can ask in private.",
                )])
                .size(style::BODY - 1.0),
            ));
        } else {
            blocks.push(Block::para(
                Paragraph::new(vec![Span::regular(
                    "Not an emergency, but you need someone to talk to? These can help:",
                )])
                .size(style::BODY - 1.0),
            ));
            for line in &self.services {
                blocks.push(Block::para(
                    Paragraph::new(vec![
                        Span::bold(line.name.clone()),
                        Span::regular(format!(": {}", line.helps_with)),
                    ])
                    .size(style::BODY - 1.0)
                    .space_before(3.0),
                ));
                blocks.push(Block::para(
                    Paragraph::new(vec![Span::regular(line.reach.clone())])
                        .size(style::SMALL + 0.5)
                        .tone(Tone::Accent),
                ));
            }
        }
        if let Some(url) = &self.page_url {
            blocks.push(Block::para(
                Paragraph::new(vec![Span::regular(format!("This list is also at {url}"))])
                    .size(style::SMALL + 0.5)
                    .tone(Tone::Muted)
                    .space_before(3.0),
            ));
        }
        Block::KeepTogether(vec![Block::Boxed {
            title: Some(HELP_NOW_TITLE.to_string()),
            blocks,
        }])
    }
}

impl Handout<'_> {
    fn title(&self) -> String {
        format!("Session {}: {}", self.session.number, self.session.title)
    }

    /// The handout as one part of a document (a packet holds many).
    pub fn part(&self) -> Part {
        let s = self.session;
        let mut blocks = vec![Block::heading(1, self.title())];
        blocks.extend(self.meta_line());
        if let Some(Recipient {
            name,
            link: Some(link),
        }) = &self.recipient
        {
            blocks.push(own_page_block(name, link));
        }
        blocks.push(Block::Spacer { pt: 4.0 });
        blocks.extend(markdown::to_blocks(&s.parent_handout, 1));
        blocks.push(Block::Boxed {
            title: Some(format!("Try this at home: {}", s.home_practice.title)),
            blocks: markdown::to_blocks(&s.home_practice.text, 2),
        });
        blocks.extend(reflection_blocks(&s.reflection_prompts));
        blocks.push(Block::Spacer { pt: 6.0 });
        blocks.push(self.help.block());
        blocks.extend(self.lost_link_note());

        let footer = match &self.recipient {
            Some(r) => format!("{} \u{00B7} {}", r.name, self.title()),
            None => self.title(),
        };
        Part {
            header: self.curriculum.title.clone(),
            footer,
            bookmark: Some(match &self.recipient {
                Some(r) => format!("{} \u{2013} session {}", r.name, s.number),
                None => self.title(),
            }),
            start_on_odd_page: true,
            plain: false,
            scale: 1.0,
            blocks,
        }
    }

    /// "For Ana · Tuesday group · Tue 24 Nov", when there is any of it.
    fn meta_line(&self) -> Option<Block> {
        let mut meta = Vec::new();
        if let Some(r) = &self.recipient {
            meta.push(format!("For {}", r.name));
        }
        meta.extend(self.group.clone());
        meta.extend(self.when.clone());
        (!meta.is_empty()).then(|| {
            Block::para(
                Paragraph::new(vec![Span::regular(meta.join("  \u{00B7}  "))]).tone(Tone::Muted),
            )
        })
    }

    /// Where to ask for a link, on a handout that does not carry one.
    fn lost_link_note(&self) -> Vec<Block> {
        let has_link = matches!(&self.recipient, Some(Recipient { link: Some(_), .. }));
        match &self.lost_link_url {
            Some(url) if !has_link => vec![
                Block::Rule,
                Block::para(
                    Paragraph::new(vec![
                        Span::regular(
                            "You can also read this and write your reflections on your own \
                             page, through the link in your welcome email. Lost it? Ask for a \
                             new one at ",
                        ),
                        Span::regular(url.clone()),
                    ])
                    .size(style::SMALL + 0.5)
                    .tone(Tone::Muted),
                ),
            ],
            _ => Vec::new(),
        }
    }
}

/// A parent's own link as a QR code, with what it is and the address to
/// type.
fn own_page_block(name: &str, link: &str) -> Block {
    Block::Qr {
        data: link.to_string(),
        size: 96.0,
        beside: vec![
            Block::para(Paragraph::new(vec![Span::bold(format!(
                "{name}, your own page for this class"
            ))])),
            Block::para(
                Paragraph::new(vec![Span::regular(
                    "Point your phone's camera at the square to open it. You can \
                     read the handouts and write your reflections there too. Or \
                     type this address:",
                )])
                .size(style::BODY - 1.0),
            ),
            Block::para(
                Paragraph::new(vec![Span::regular(typeable(link))])
                    .size(style::SMALL)
                    .tone(Tone::Accent),
            ),
            Block::para(
                Paragraph::new(vec![Span::italic(
                    "This link is just for you. Please keep this page somewhere safe.",
                )])
                .size(style::SMALL)
                .tone(Tone::Muted),
            ),
        ],
    }
}

/// The reflection questions, each with lines to write on.
fn reflection_blocks(prompts: &[String]) -> Vec<Block> {
    if prompts.is_empty() {
        return Vec::new();
    }
    let mut blocks = vec![
        Block::heading(2, "Your reflections"),
        Block::para(
            Paragraph::new(vec![Span::regular(
                "Take a few quiet minutes. Write as much or as little as you like. \
                 This page is yours: nobody sees it unless you show them.",
            )])
            .tone(Tone::Muted),
        ),
    ];
    for (i, prompt) in prompts.iter().enumerate() {
        blocks.push(Block::para(
            Paragraph::new(vec![Span::bold(format!("{}. {}", i + 1, prompt))]).space_before(6.0),
        ));
        blocks.push(Block::WritingLines {
            count: WRITING_LINES_PER_PROMPT,
        });
    }
    blocks
}

/// Lines under each reflection question on a handout.
const WRITING_LINES_PER_PROMPT: usize = 5;

/// A long personal link broken after `/p/`, so the token sits whole on
/// its own line for anyone typing it in.
fn typeable(link: &str) -> String {
    match link.rfind("/p/") {
        Some(i) if link.len() > 60 => format!("{}\n{}", &link[..i + 3], &link[i + 3..]),
        _ => link.to_string(),
    }
}

pub fn handout(h: &Handout<'_>, paper: Paper) -> Result<Vec<u8>, super::RenderError> {
    super::render(&handout_document(h, paper))
}

pub fn handout_document(h: &Handout<'_>, paper: Paper) -> Document {
    Document {
        title: format!("{} \u{2013} {}", h.curriculum.title, h.title()),
        paper,
        landscape: false,
        parts: vec![h.part()],
    }
}

/// Many handouts in one file, each starting on a right-hand page so the
/// stack can be printed double-sided and handed out as it comes.
pub fn packet(title: &str, handouts: &[Handout<'_>], paper: Paper) -> Document {
    Document {
        title: title.to_string(),
        paper,
        landscape: false,
        parts: handouts.iter().map(Handout::part).collect(),
    }
}

/// The facilitator's plan for one meeting.
#[derive(Debug, Clone)]
pub struct Plan<'a> {
    pub curriculum: &'a Curriculum,
    pub session: &'a Session,
    pub group: String,
    /// "Tue 24 Nov 2026, 18:30".
    pub when: String,
    /// The local start, for the agenda's clock times.
    pub start: chrono::NaiveTime,
    pub location: Option<String>,
    pub facilitators: Vec<String>,
    /// The support list, printed at the end of a plan on its own (the
    /// facilitator packet prints it once, after the guide).
    pub help: Option<HelpNow>,
}

pub fn plan(p: &Plan<'_>, paper: Paper) -> Result<Vec<u8>, super::RenderError> {
    super::render(&plan_document(p, paper))
}

pub fn plan_document(p: &Plan<'_>, paper: Paper) -> Document {
    let title = format!("Session {}: {}", p.session.number, p.session.title);
    Document {
        title: format!("{} \u{2013} facilitator plan", title),
        paper,
        landscape: false,
        parts: vec![plan_part(p)],
    }
}

/// The facilitator's binder for a whole course: the course guide, then
/// every session's plan, each starting on a right-hand page.
pub fn facilitator_packet(
    c: &Curriculum,
    plans: &[Plan<'_>],
    help: &HelpNow,
    paper: Paper,
) -> Document {
    let mut parts = Vec::with_capacity(plans.len() + 1);
    if !c.guide.trim().is_empty() {
        let mut blocks = markdown::to_blocks(&c.guide, 0);
        blocks.push(Block::heading(2, "Your organization's support list"));
        blocks.push(Block::para(Paragraph::new(vec![Span::regular(
            "Every parent handout carries this box, and parents can open the same list \
             on the Help now page at the foot of every page. When the guide says to point \
             someone to support, this is the list.",
        )])));
        blocks.push(help.block());
        parts.push(Part {
            header: format!("{} \u{00B7} course guide", c.title),
            footer: format!("{} \u{00B7} version {}", c.title, c.version),
            bookmark: Some("Course guide".into()),
            start_on_odd_page: true,
            plain: false,
            scale: 0.95,
            blocks,
        });
    }
    for p in plans {
        let mut part = plan_part(p);
        part.bookmark = Some(format!("Session {}: {}", p.session.number, p.session.title));
        part.start_on_odd_page = true;
        parts.push(part);
    }
    Document {
        title: format!("{} \u{2013} facilitator packet", c.title),
        paper,
        landscape: false,
        parts,
    }
}

fn plan_part(p: &Plan<'_>) -> Part {
    let s = p.session;
    let title = format!("Session {}: {}", s.number, s.title);
    let mut blocks = vec![
        Block::para(
            Paragraph::new(vec![Span::regular(format!(
                "Facilitator plan \u{00B7} {}",
                p.curriculum.title
            ))])
            .tone(Tone::Muted),
        ),
        Block::heading(1, title.clone()),
        plan_meta(p),
    ];
    if !s.objectives.is_empty() {
        blocks.push(Block::heading(2, "By the end, parents will"));
        blocks.push(Block::bullets(s.objectives.iter().cloned()));
    }
    blocks.push(Block::heading(2, "Agenda"));
    blocks.push(agenda_table(s, p.start));
    blocks.extend(plan_sections(s));
    if let Some(help) = &p.help {
        blocks.push(Block::Spacer { pt: 6.0 });
        blocks.push(help.block());
    }
    Part {
        header: format!("{} \u{00B7} facilitator plan", p.curriculum.title),
        footer: format!("{} \u{00B7} {}", p.group, title),
        bookmark: None,
        start_on_odd_page: false,
        plain: false,
        scale: 0.9,
        blocks,
    }
}

/// "Tuesday group · Tue 24 Nov 2026, 18:30–20:00 (90 minutes) · the hall",
/// and who leads it.
fn plan_meta(p: &Plan<'_>) -> Block {
    let s = p.session;
    let end = p.start + chrono::Duration::minutes(i64::from(s.minutes));
    let mut meta = vec![
        Span::bold(p.group.clone()),
        Span::regular(format!(
            "  \u{00B7}  {}\u{2013}{} ({} minutes)",
            p.when,
            end.format("%H:%M"),
            s.minutes
        )),
    ];
    if let Some(l) = &p.location {
        meta.push(Span::regular(format!("  \u{00B7}  {l}")));
    }
    if !p.facilitators.is_empty() {
        meta.push(Span::regular(format!(
            "\nFacilitators: {}",
            p.facilitators.join(", ")
        )));
    }
    Block::para(Paragraph::new(meta).tone(Tone::Muted))
}

/// The timed agenda from the local start: clock time, length, part, and
/// what to do with its notes; then the end time.
fn agenda_table(s: &Session, start: chrono::NaiveTime) -> Block {
    let mut clock = start;
    let mut rows = Vec::new();
    for seg in &s.agenda {
        let what = match &seg.notes {
            Some(n) if !n.trim().is_empty() => format!("{}\n{}", seg.title, n.trim()),
            _ => seg.title.clone(),
        };
        rows.push(vec![
            clock.format("%H:%M").to_string(),
            format!("{} min", seg.minutes),
            kind_label(seg.kind).to_string(),
            what,
        ]);
        clock += chrono::Duration::minutes(i64::from(seg.minutes));
    }
    rows.push(vec![
        clock.format("%H:%M").to_string(),
        String::new(),
        "End".to_string(),
        String::new(),
    ]);
    Block::Table(Table {
        columns: vec![
            Column::new("Time", 1.1),
            Column::new("Length", 1.2),
            Column::new("Part", 1.3),
            Column::new("What to do", 7.0),
        ],
        rows,
        size: style::BODY - 1.5,
        min_row_height: 0.0,
        bold_first_line: true,
    })
}

/// What to bring, the group's questions, the home practice, what parents
/// reflect on and the notes: each only when the session has it.
fn plan_sections(s: &Session) -> Vec<Block> {
    let mut blocks = Vec::new();
    if !s.materials.is_empty() {
        blocks.push(Block::heading(2, "Bring"));
        blocks.push(Block::bullets(
            s.materials.iter().map(|m| format!("\u{2610}  {m}")),
        ));
    }
    if !s.discussion_prompts.is_empty() {
        blocks.push(Block::heading(2, "Questions for the group"));
        blocks.push(Block::List {
            ordered: true,
            start: 1,
            items: s
                .discussion_prompts
                .iter()
                .map(|q| vec![Block::text(q.clone())])
                .collect(),
        });
    }
    blocks.push(Block::heading(
        2,
        format!("Home practice: {}", s.home_practice.title),
    ));
    blocks.extend(markdown::to_blocks(&s.home_practice.text, 2));
    if !s.reflection_prompts.is_empty() {
        blocks.push(Block::heading(2, "Parents reflect on"));
        blocks.push(Block::bullets(s.reflection_prompts.iter().cloned()));
    }
    if !s.facilitator_notes.trim().is_empty() {
        blocks.push(Block::heading(2, "Notes"));
        blocks.extend(markdown::to_blocks(&s.facilitator_notes, 1));
    }
    blocks
}

fn kind_label(kind: SegmentKind) -> &'static str {
    kind.label()
}

/// A sign-in sheet for one meeting.
#[derive(Debug, Clone)]
pub struct SignIn {
    pub group: String,
    pub curriculum_title: String,
    pub session_number: u32,
    pub session_title: String,
    pub when: String,
    pub location: Option<String>,
    /// Names on the roster, in the order to print.
    pub names: Vec<String>,
    /// Empty rows for people who come without being on the list.
    pub blank_rows: usize,
    /// Who to call now, at the foot of the sheet.
    pub help: HelpNow,
}

pub fn sign_in(s: &SignIn, paper: Paper) -> Result<Vec<u8>, super::RenderError> {
    super::render(&sign_in_document(s, paper))
}

/// The sheet, with as many of the asked-for blank rows as fit without
/// adding a page (at least two): a sheet that spills onto a second page
/// only for its Help now box is no use on a clipboard.
pub fn sign_in_document(s: &SignIn, paper: Paper) -> Document {
    const FEWEST_BLANKS: usize = 2;
    let asked = s.blank_rows.min(200);
    let doc = sign_in_with_blanks(s, asked, paper);
    if asked <= FEWEST_BLANKS {
        return doc;
    }
    let fewest = super::page_count(&sign_in_with_blanks(s, FEWEST_BLANKS, paper));
    if super::page_count(&doc) <= fewest {
        return doc;
    }
    (FEWEST_BLANKS..asked)
        .rev()
        .map(|blanks| sign_in_with_blanks(s, blanks, paper))
        .find(|d| super::page_count(d) <= fewest)
        .unwrap_or_else(|| sign_in_with_blanks(s, FEWEST_BLANKS, paper))
}

fn sign_in_with_blanks(s: &SignIn, blank_rows: usize, paper: Paper) -> Document {
    let title = format!("Session {}: {}", s.session_number, s.session_title);
    let mut meta = vec![s.when.clone()];
    if let Some(l) = &s.location {
        meta.push(l.clone());
    }
    let mut rows: Vec<Vec<String>> = s
        .names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            vec![
                format!("{}", i + 1),
                n.clone(),
                String::new(),
                String::new(),
            ]
        })
        .collect();
    let first_blank = rows.len();
    for i in 0..blank_rows {
        rows.push(vec![
            format!("{}", first_blank + i + 1),
            String::new(),
            String::new(),
            String::new(),
        ]);
    }
    let blocks = vec![
        Block::para(
            Paragraph::new(vec![Span::regular(s.curriculum_title.clone())]).tone(Tone::Muted),
        ),
        Block::heading(1, format!("Sign-in: {}", s.group)),
        Block::para(
            Paragraph::new(vec![
                Span::bold(title.clone()),
                Span::regular(format!("  \u{00B7}  {}", meta.join("  \u{00B7}  "))),
            ])
            .tone(Tone::Muted),
        ),
        Block::para(
            Paragraph::new(vec![Span::regular(
                "Welcome! Please sign next to your name. New here? Write your name and an \
                 email or phone number, so we can send you the handouts.",
            )])
            .size(style::BODY - 1.0),
        ),
        Block::Table(Table {
            columns: vec![
                Column::new("", 0.5).align(Align::Right),
                Column::new("Name", 3.2),
                Column::new("Signature", 3.0),
                Column::new("Email or phone (if new)", 3.3),
            ],
            rows,
            size: style::BODY - 0.5,
            min_row_height: 27.0,
            bold_first_line: false,
        }),
        Block::Spacer { pt: 6.0 },
        s.help.compact_block(),
    ];
    Document {
        title: format!("Sign-in \u{2013} {} \u{2013} {}", s.group, title),
        paper,
        landscape: false,
        parts: vec![Part {
            header: format!("{} \u{00B7} sign-in sheet", s.group),
            footer: format!("{} \u{00B7} {}", title, s.when),
            bookmark: None,
            start_on_odd_page: false,
            plain: false,
            scale: 1.0,
            blocks,
        }],
    }
}

/// A certificate for one parent.
#[derive(Debug, Clone)]
pub struct Certificate {
    pub name: String,
    pub curriculum_title: String,
    pub group: String,
    pub attended: u32,
    /// Sessions missed and then caught up on at home (kept apart).
    pub caught_up: u32,
    pub sessions: u32,
    /// "24 November 2026".
    pub date: String,
    pub facilitators: Vec<String>,
}

/// Certificates, one landscape page each.
pub fn certificates(certs: &[Certificate], paper: Paper) -> Result<Vec<u8>, super::RenderError> {
    super::render(&certificates_document(certs, paper))
}

pub fn certificates_document(certs: &[Certificate], paper: Paper) -> Document {
    let parts = certs
        .iter()
        .map(|c| Part {
            header: String::new(),
            footer: String::new(),
            bookmark: Some(c.name.clone()),
            start_on_odd_page: false,
            plain: true,
            scale: 1.0,
            blocks: vec![Block::FullPage(certificate_blocks(c))],
        })
        .collect();
    Document {
        title: "Certificates of completion".into(),
        paper,
        landscape: true,
        parts,
    }
}

/// A centred line at `size` points.
fn centred(spans: Vec<Span>, size: f32, tone: Tone) -> Block {
    Block::para(
        Paragraph::new(spans)
            .size(size)
            .align(Align::Center)
            .tone(tone),
    )
}

/// One certificate's words, then a line for each facilitator (up to
/// three) to sign.
fn certificate_blocks(c: &Certificate) -> Vec<Block> {
    let mut blocks = vec![
        Block::Spacer { pt: 14.0 },
        centred(
            vec![Span::bold("Certificate of completion")],
            30.0,
            Tone::Accent,
        ),
        Block::Spacer { pt: 14.0 },
        centred(
            vec![Span::regular("This is to celebrate that")],
            14.0,
            Tone::Muted,
        ),
        Block::Spacer { pt: 6.0 },
        centred(vec![Span::bold(c.name.clone())], 28.0, Tone::Ink),
        Block::Spacer { pt: 6.0 },
        centred(
            vec![Span::regular("took part in the parenting class")],
            14.0,
            Tone::Muted,
        ),
        centred(
            vec![Span::bold(c.curriculum_title.clone())],
            20.0,
            Tone::Ink,
        ),
        centred(
            vec![Span::regular(format!(
                "with {}, coming to {} of {} {}{}.",
                c.group,
                c.attended,
                c.sessions,
                if c.sessions == 1 {
                    "session"
                } else {
                    "sessions"
                },
                if c.caught_up > 0 {
                    format!(" (and caught up {} at home)", c.caught_up)
                } else {
                    String::new()
                }
            ))],
            13.0,
            Tone::Ink,
        ),
        Block::Spacer { pt: 8.0 },
        centred(
            vec![Span::italic(
                "Thank you for the time, care and honesty you brought to the group.",
            )],
            12.0,
            Tone::Muted,
        ),
        Block::Spacer { pt: 4.0 },
        centred(vec![Span::regular(c.date.clone())], 12.0, Tone::Ink),
        Block::Spacer { pt: 22.0 },
    ];
    let captions: Vec<String> = if c.facilitators.is_empty() {
        vec!["Facilitator".to_string()]
    } else {
        c.facilitators
            .iter()
            .take(MOST_SIGNERS)
            .map(|n| match n.trim() {
                "" => "Facilitator".to_string(),
                n => format!("{n}, facilitator"),
            })
            .collect()
    };
    blocks.push(Block::SignatureLines(captions));
    blocks
}

/// Signature lines on a certificate.
const MOST_SIGNERS: usize = 3;

/// Whether one page of `doc` holds the whole Help now box: its title and
/// the emergency line together.
pub fn shows_help_now(doc: &Document, emergency_number: &str) -> bool {
    let call = format!("call {emergency_number}.");
    super::page_texts(doc).iter().any(|page| {
        let words = page.split_whitespace().collect::<Vec<_>>().join(" ");
        words.contains(HELP_NOW_TITLE) && words.contains(&call)
    })
}

/// Checker rule: every parent handout of `c` prints with the Help now box
/// whole on one page, even as a parent's own copy with its QR code and a
/// full support list.
pub fn help_now_problems(c: &Curriculum) -> Vec<crate::curriculum::Problem> {
    let help = HelpNow {
        emergency_number: "911".into(),
        services: (1..=6)
            .map(|i| HelpLine {
                name: format!("Support service number {i}"),
                helps_with: "Someone to talk to when things feel like too much, day or night"
                    .into(),
                reach: "Call 1-800-555-0100  \u{00B7}  Text 555-0100  \u{00B7}  \
                        support.example.org  \u{00B7}  Day and night, every day"
                    .into(),
            })
            .collect(),
        page_url: Some("https://attune.example.org/help".into()),
    };
    c.sessions
        .iter()
        .filter_map(|s| {
            let h = Handout {
                curriculum: c,
                session: s,
                group: Some("Tuesday evenings".into()),
                when: Some("Tue 24 Nov 2026, 18:30".into()),
                recipient: Some(Recipient {
                    name: "A Parent".into(),
                    link: Some("https://attune.example.org/p/Xk3v9QmT2rWb7YhN4pLs8dCf".into()),
                }),
                lost_link_url: Some("https://attune.example.org/p/lost".into()),
                help: help.clone(),
            };
            let ok = [Paper::A4, Paper::Letter]
                .into_iter()
                .all(|paper| shows_help_now(&handout_document(&h, paper), &help.emergency_number));
            (!ok).then(|| crate::curriculum::Problem {
                path: format!("{}/sessions/{:02}-{}.md", c.slug, s.number, s.slug),
                line: 1,
                message: format!(
                    "session {}'s handout does not print the whole \"{HELP_NOW_TITLE}\" box \
                     (who to call now) on one page",
                    s.number
                ),
            })
        })
        .collect()
}

/// Tonight's sheet for one meeting: one page to print at 6 pm.
#[derive(Debug, Clone, Default)]
pub struct TonightSheet {
    pub group: String,
    pub curriculum_title: String,
    pub session_number: i32,
    pub session_title: String,
    pub when: String,
    pub ends: String,
    pub location: Option<String>,
    /// (clock, minutes, part) of each agenda part.
    pub agenda: Vec<(String, u32, String)>,
    pub coming: Vec<String>,
    /// Name with the reason, if given: "Bo Lind (work)".
    pub apologies: Vec<String>,
    pub no_answer: Vec<String>,
    pub missed_last: Vec<String>,
    /// "Ana Ruiz (session 2)".
    pub waiting: Vec<String>,
    /// (name, their note).
    pub notes: Vec<(String, String)>,
}

/// Sizes tried, largest first, until the sheet fits one page.
const TONIGHT_SCALES: [f32; 6] = [1.0, 0.92, 0.85, 0.78, 0.72, 0.66];
/// The longest a note prints when even the smallest size spills over.
const TONIGHT_NOTE_SHORT: usize = 90;

/// The sheet at the largest size that fits on one page; if none does, the
/// notes are shortened (the page shows them whole).
pub fn tonight_document(s: &TonightSheet, paper: Paper) -> Document {
    for scale in TONIGHT_SCALES {
        let doc = tonight_at(s, paper, scale, None);
        if super::page_count(&doc) <= 1 {
            return doc;
        }
    }
    tonight_at(s, paper, 0.66, Some(TONIGHT_NOTE_SHORT))
}

fn tonight_at(s: &TonightSheet, paper: Paper, scale: f32, note_most: Option<usize>) -> Document {
    let title = format!("Session {}: {}", s.session_number, s.session_title);
    let mut meta = vec![format!("{}\u{2013}{}", s.when, s.ends)];
    if let Some(l) = &s.location {
        meta.push(l.clone());
    }
    let mut blocks = vec![
        Block::para(
            Paragraph::new(vec![Span::regular(format!(
                "{} \u{00B7} {}",
                s.group, s.curriculum_title
            ))])
            .tone(Tone::Muted),
        ),
        Block::heading(1, format!("Tonight: {title}")),
        Block::para(
            Paragraph::new(vec![Span::regular(meta.join("  \u{00B7}  "))]).tone(Tone::Muted),
        ),
        tonight_agenda(s),
        Block::heading(2, "Who is coming"),
        tonight_answers(s),
    ];
    blocks.extend(tonight_lists(s, note_most));
    Document {
        title: format!("Tonight \u{2013} {} \u{2013} {}", s.group, title),
        paper,
        landscape: false,
        parts: vec![Part {
            header: format!("{} \u{00B7} tonight's sheet", s.group),
            footer: format!("{} \u{00B7} {}", title, s.when),
            bookmark: None,
            start_on_odd_page: false,
            plain: false,
            scale,
            blocks,
        }],
    }
}

fn tonight_agenda(s: &TonightSheet) -> Block {
    Block::Table(Table {
        columns: vec![
            Column::new("Time", 0.8),
            Column::new("Min", 0.6).align(Align::Right),
            Column::new("Part", 8.0),
        ],
        rows: s
            .agenda
            .iter()
            .map(|(clock, minutes, part)| vec![clock.clone(), minutes.to_string(), part.clone()])
            .collect(),
        size: style::SMALL,
        min_row_height: 0.0,
        bold_first_line: false,
    })
}

/// Three columns side by side: coming, can't come, no answer yet.
fn tonight_answers(s: &TonightSheet) -> Block {
    let longest = s.coming.len().max(s.apologies.len()).max(s.no_answer.len());
    let cell = |v: &[String], i: usize| v.get(i).cloned().unwrap_or_default();
    let mut rows: Vec<Vec<String>> = (0..longest)
        .map(|i| {
            vec![
                cell(&s.coming, i),
                cell(&s.apologies, i),
                cell(&s.no_answer, i),
            ]
        })
        .collect();
    if rows.is_empty() {
        rows.push(vec![
            "Nobody in the group yet".into(),
            String::new(),
            String::new(),
        ]);
    }
    Block::Table(Table {
        columns: vec![
            Column::new(format!("Coming ({})", s.coming.len()), 1.0),
            Column::new(format!("Can't come ({})", s.apologies.len()), 1.0),
            Column::new(format!("No answer yet ({})", s.no_answer.len()), 1.0),
        ],
        rows,
        size: style::SMALL,
        min_row_height: 0.0,
        bold_first_line: false,
    })
}

fn tonight_lists(s: &TonightSheet, note_most: Option<usize>) -> Vec<Block> {
    let list_or = |v: &[String], none: &str| {
        if v.is_empty() {
            none.to_string()
        } else {
            v.join(", ")
        }
    };
    let mut blocks = vec![
        Block::heading(3, "Missed the last two meetings"),
        Block::para(
            Paragraph::new(vec![Span::regular(list_or(&s.missed_last, "Nobody."))])
                .size(style::SMALL + 1.0),
        ),
        Block::heading(
            3,
            format!("Reflections waiting for your reply ({})", s.waiting.len()),
        ),
        Block::para(
            Paragraph::new(vec![Span::regular(list_or(&s.waiting, "None waiting."))])
                .size(style::SMALL + 1.0),
        ),
        Block::heading(3, "Notes from parents"),
    ];
    if s.notes.is_empty() {
        blocks.push(Block::para(
            Paragraph::new(vec![Span::regular("No notes.")]).size(style::SMALL + 1.0),
        ));
    }
    for (name, note) in &s.notes {
        let note = match note_most {
            Some(most) if note.chars().count() > most => {
                format!(
                    "{}\u{2026} (the rest is on the sheet's page)",
                    note.chars().take(most).collect::<String>()
                )
            }
            _ => note.clone(),
        };
        blocks.push(Block::para(
            Paragraph::new(vec![Span::bold(format!("{name}: ")), Span::regular(note)])
                .size(style::SMALL + 1.0),
        ));
    }
    blocks
}
