//! The engine's own checks; documents and files are checked with qpdf and
//! pdftotext in tests/it/pdf.rs.

use super::*;

fn doc(blocks: Vec<Block>) -> Document {
    Document {
        title: "Test".into(),
        paper: Paper::A4,
        landscape: false,
        parts: vec![Part {
            header: "Header text".into(),
            footer: "Footer text".into(),
            blocks,
            ..Part::default()
        }],
    }
}

/// The PDF of `d`, which must render.
fn render(d: &Document) -> Vec<u8> {
    super::render(d).expect("the document renders")
}

fn page_count(d: &Document) -> usize {
    render::page_count(d)
}

#[test]
fn a_plain_document_is_a_pdf() {
    let d = doc(vec![Block::heading(1, "Hello"), Block::text("World")]);
    let pdf = render(&d);
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.len() < 60_000, "{}", pdf.len());
    assert_eq!(page_count(&d), 1);
}

#[test]
fn an_empty_document_still_has_a_page() {
    let d = Document::default();
    assert!(render(&d).starts_with(b"%PDF-"));
    assert_eq!(page_count(&d), 1);
}

#[test]
fn long_text_flows_onto_more_pages() {
    let para = "Small moments add up to a bond of trust. ".repeat(40);
    let blocks: Vec<Block> = (0..12).map(|_| Block::text(para.clone())).collect();
    let n = page_count(&doc(blocks));
    assert!(n >= 3, "{n}");
}

#[test]
fn odd_page_starts_add_blank_backs() {
    let part = |n: usize| Part {
        start_on_odd_page: true,
        blocks: (0..n)
            .map(|_| Block::text("Words to fill a page. ".repeat(60)))
            .collect(),
        ..Part::default()
    };
    let d = Document {
        title: "Packet".into(),
        parts: vec![part(1), part(1), part(4)],
        ..Document::default()
    };
    // 1 page, a blank back, 1 page, a blank back, then the third part.
    let alone = |p: Part| {
        page_count(&Document {
            parts: vec![p],
            ..Document::default()
        })
    };
    let third = alone(part(4));
    assert!(third >= 2);
    assert_eq!(alone(part(1)), 1);
    assert_eq!(page_count(&d), 4 + third);
}

#[test]
fn headings_are_never_last_on_a_page() {
    // Fill a page almost to the bottom, then a heading and a paragraph.
    let mut blocks: Vec<Block> = (0..36).map(|i| Block::text(format!("Line {i}"))).collect();
    blocks.push(Block::heading(2, "Kept with its text"));
    blocks.push(Block::text("The text under the heading."));
    let d = doc(blocks);
    let g = (
        Paper::A4.size().0 - 2.0 * style::MARGIN_X,
        Paper::A4.size().1 - style::MARGIN_TOP - style::MARGIN_BOTTOM,
    );
    let l = layout::layout(
        &d.parts[0].blocks,
        g.0,
        g.1,
        1.0,
        &mut font::Missing::default(),
        &mut layout::QrCache::default(),
    );
    let heading = l
        .items
        .iter()
        .position(|it| {
            it.draws
                .iter()
                .any(|d| matches!(d, layout::Draw::Text { text, .. } if text.contains("Kept")))
        })
        .expect("heading item");
    assert!(l.items[heading].keep_with_next);
}

#[test]
fn right_to_left_words_are_in_reading_order() {
    let l = layout::layout(
        &[Block::text("Hello \u{05E9}\u{05DC}\u{05D5}\u{05DD} world")],
        400.0,
        700.0,
        1.0,
        &mut font::Missing::default(),
        &mut layout::QrCache::default(),
    );
    let text: String = l.items[0]
        .draws
        .iter()
        .filter_map(|d| match d {
            layout::Draw::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    // Shalom is drawn from its last letter to its first, left to right on
    // the page, so it reads right to left; the English stays as it is.
    assert_eq!(text, "Hello \u{05DD}\u{05D5}\u{05DC}\u{05E9} world");
}

#[test]
fn safe_filenames() {
    assert_eq!(
        safe_filename(&["Session 3", "Ana López"]),
        "session-3-ana-l-pez.pdf"
    );
    assert_eq!(safe_filename(&["\"; rm -rf /\r\n"]), "rm-rf.pdf");
    assert_eq!(safe_filename(&[""]), "document.pdf");
}

#[test]
fn write_sample() {
    let mut blocks = vec![
        Block::heading(1, "Session 3: Reading cues"),
        Block::para(Paragraph::new(vec![Span::regular("Children tell us what they need with their "), Span::bold("bodies"), Span::regular(", faces and "), Span::italic("voices"), Span::regular(". Arabic \u{0627}\u{0644}\u{0639}\u{0631}\u{0628}\u{064A}\u{0629}, Hebrew \u{05E9}\u{05DC}\u{05D5}\u{05DD}, CJK \u{4E2D}\u{6587}, emoji \u{1F600}\u{1F9F8}.")])),
        Block::bullets(["One thing", "Another thing that is much longer and will need to wrap across more than one line on the page to fit"]),
        Block::Boxed { title: Some("Home practice".into()), blocks: vec![Block::text("Notice one moment a day.")] },
        Block::Table(Table { columns: vec![Column::new("Time", 1.0), Column::new("Name", 3.0), Column::new("Signature", 3.0)], rows: (0..40).map(|i| vec![format!("{i}"), format!("Parent {i}"), String::new()]).collect(), size: 10.0, min_row_height: 24.0, bold_first_line: false }),
        Block::heading(2, "Your reflections"),
        Block::text("When did your child come to you this week?"),
        Block::WritingLines { count: 6 },
        Block::Qr { data: "https://example.org/p/abcdefghijklmnopqrstuvwxyz".into(), size: 90.0, beside: vec![Block::text("Scan to open your page.")] },
    ];
    blocks.push(Block::text("x".repeat(1000)));
    let d = doc(blocks);
    assert_eq!(page_count(&d), 3);
    let (_keep, dir) = samples_dir();
    write_pdf(&dir, "sample.pdf", super::render(&d));
}

/// Where the sample tests write their PDFs: `PDF_SAMPLES_DIR` to keep
/// them for looking at (`PDF_SAMPLES_DIR=/tmp/pdft cargo test --lib
/// pdf::tests::write`, then `pdftoppm -png`), else a folder that goes away.
fn samples_dir() -> (Option<tempfile::TempDir>, std::path::PathBuf) {
    match std::env::var_os("PDF_SAMPLES_DIR") {
        Some(d) => {
            std::fs::create_dir_all(&d).expect("samples folder");
            (None, d.into())
        }
        None => {
            let t = tempfile::tempdir().expect("temp folder");
            let p = t.path().to_path_buf();
            (Some(t), p)
        }
    }
}

fn write_pdf(dir: &std::path::Path, name: &str, pdf: Result<Vec<u8>, super::RenderError>) {
    let pdf = pdf.expect("the document renders");
    assert!(pdf.starts_with(b"%PDF-"), "{name}");
    std::fs::write(dir.join(name), pdf).expect("write");
}

/// Every document from the real curriculum, with the page counts they
/// were looked at with.
#[test]
fn write_documents() {
    let (_keep, dir) = samples_dir();
    use super::documents::*;
    let loaded = crate::curriculum::load(&crate::curriculum::Source::Embedded);
    let c = loaded.library.get("secure-base").expect("secure-base");
    let s = &c.sessions[2];
    let h = Handout {
        curriculum: c,
        session: s,
        group: Some("Tuesday evenings at St Anne's".into()),
        when: Some("Tue 24 Nov 2026, 18:30".into()),
        recipient: Some(Recipient {
            name: "Ana López".into(),
            link: Some("https://attune.example.org/p/Xk3v9QmT2rWb7YhN4pLs8dCf".into()),
        }),
        lost_link_url: Some("https://attune.example.org/p/lost".into()),
        help: help(),
    };
    assert_eq!(page_count(&handout_document(&h, Paper::A4)), 3);
    write_pdf(&dir, "handout.pdf", handout(&h, Paper::A4));
    let p = Plan {
        curriculum: c,
        session: s,
        group: "Tuesday evenings at St Anne's".into(),
        when: "Tue 24 Nov 2026, 18:30".into(),
        start: chrono::NaiveTime::from_hms_opt(18, 30, 0).expect("time"),
        location: Some("St Anne's church hall".into()),
        facilitators: vec!["Maria Jensen".into(), "Sam Okafor".into()],
        help: Some(help()),
    };
    assert_eq!(page_count(&plan_document(&p, Paper::Letter)), 4);
    write_pdf(&dir, "plan.pdf", plan(&p, Paper::Letter));
    let si = SignIn {
        group: "Tuesday evenings at St Anne's".into(),
        curriculum_title: c.title.clone(),
        session_number: 3,
        session_title: s.title.clone(),
        when: "Tue 24 Nov 2026, 18:30".into(),
        location: Some("St Anne's church hall".into()),
        names: (1..=14).map(|i| format!("Parent Number {i}")).collect(),
        blank_rows: 6,
        help: help(),
    };
    assert_eq!(page_count(&sign_in_document(&si, Paper::A4)), 1);
    write_pdf(&dir, "signin.pdf", sign_in(&si, Paper::A4));
    let cert = Certificate {
        name: "Ana López".into(),
        curriculum_title: c.title.clone(),
        group: "Tuesday evenings at St Anne's".into(),
        attended: 5,
        caught_up: 1,
        sessions: 7,
        date: "5 January 2027".into(),
        facilitators: vec!["Maria Jensen".into(), "Sam Okafor".into()],
    };
    let certs = [cert.clone(), cert];
    assert_eq!(page_count(&certificates_document(&certs, Paper::A4)), 2);
    write_pdf(&dir, "certs.pdf", certificates(&certs, Paper::A4));
}

mod robustness {
    //! Whatever text comes in, a PDF comes out: no panic, and a number of
    //! pages bounded by the amount of text.
    use super::super::*;
    use proptest::prelude::*;

    fn bounded(d: &Document, text_len: usize) {
        let pdf = render(d).expect("the document renders");
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(pdf.windows(5).rev().take(64).any(|w| w == b"%%EOF"));
        if let Err(e) = super::super::render::check_bounds(d) {
            panic!("{e}");
        }
        let pages = page_count(d);
        // Generous: a page holds far more than 40 characters of any text.
        assert!(
            pages >= 1 && pages <= 2 + text_len / 40,
            "{pages} pages for {text_len} chars"
        );
    }

    fn markdown_doc(md: &str) -> Document {
        Document {
            title: "fuzz".into(),
            parts: vec![Part {
                blocks: markdown::to_blocks(md, 1),
                ..Part::default()
            }],
            ..Document::default()
        }
    }

    /// Pieces of the curriculum Markdown subset and of what breaks it.
    fn fragment() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-zA-Z ,.!?'\u{e9}\u{fc}\u{4e2d}\u{1F600}\u{0627}\u{05D0}]{0,80}",
            Just("\n\n".to_string()),
            Just("\n".to_string()),
            Just("# ".to_string()),
            Just("### ".to_string()),
            Just("- ".to_string()),
            Just("  - ".to_string()),
            Just("1. ".to_string()),
            Just("> ".to_string()),
            Just("**".to_string()),
            Just("*".to_string()),
            Just("`".to_string()),
            Just("---\n".to_string()),
            Just("| a | b |\n|---|---|\n| c | d |\n".to_string()),
            Just("[link](https://example.org/x)".to_string()),
            Just("![img](x.png)".to_string()),
            Just("<script>alert(1)</script>".to_string()),
            Just("\t\u{0}\u{7}\u{200F}\u{FEFF}".to_string()),
            "[a-z]{200,1000}",
        ]
    }

    proptest! {
        // No regression files: the repository's top level stays as it is;
        // a failure prints its input, which becomes a plain test.
        #![proptest_config(ProptestConfig {
            cases: 48,
            max_shrink_iters: 200,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn random_markdown_renders(parts in proptest::collection::vec(fragment(), 0..40)) {
            let md: String = parts.concat();
            bounded(&markdown_doc(&md), md.chars().count());
        }

        #[test]
        fn any_unicode_renders(text in "\\PC{0,400}", size in 0.0f32..100.0) {
            let d = Document {
                title: text.clone(),
                parts: vec![Part {
                    header: text.clone(),
                    footer: text.clone(),
                    blocks: vec![
                        Block::heading(1, text.clone()),
                        Block::para(Paragraph::new(vec![Span::bold(text.clone()), Span::italic(text.clone())]).size(size)),
                        Block::Table(Table {
                            columns: vec![Column::new(text.clone(), size), Column::new("", 0.0)],
                            rows: vec![vec![text.clone(), text.clone()]],
                            size,
                            min_row_height: size * 10.0,
                            bold_first_line: true,
                        }),
                        Block::Qr { data: text.clone(), size, beside: vec![Block::text(text.clone())] },
                    ],
                    ..Part::default()
                }],
                ..Document::default()
            };
            bounded(&d, text.chars().count() * 6 + 200);
        }
    }

    #[test]
    fn a_word_of_a_thousand_letters_wraps() {
        let word = "a".repeat(1000);
        let d = markdown_doc(&format!(
            "# {word}\n\n{word}\n\n- {word}\n\n| {word} | x |\n|---|---|\n| {word} | y |\n"
        ));
        bounded(&d, 5000);
    }

    #[test]
    fn a_list_of_a_thousand_items_paginates() {
        let md: String = (0..1000).map(|i| format!("- item number {i}\n")).collect();
        let d = markdown_doc(&md);
        let pages = page_count(&d);
        assert!((20..=60).contains(&pages), "{pages}");
        bounded(&d, md.len());
        // Deep nesting too.
        let deep: String = (0..60)
            .map(|i| format!("{}- level {i}\n", "  ".repeat(i)))
            .collect();
        bounded(&markdown_doc(&deep), deep.len());
    }

    #[test]
    fn empty_sections_and_empty_blocks_render() {
        let d = Document {
            title: String::new(),
            parts: vec![
                Part::default(),
                Part {
                    blocks: vec![
                        Block::heading(2, ""),
                        Block::text(""),
                        Block::List {
                            ordered: true,
                            start: u64::MAX,
                            items: vec![vec![], vec![]],
                        },
                        Block::Table(Table {
                            columns: vec![],
                            rows: vec![vec![]],
                            size: 10.0,
                            min_row_height: 0.0,
                            bold_first_line: false,
                        }),
                        Block::WritingLines { count: 0 },
                        Block::Boxed {
                            title: None,
                            blocks: vec![],
                        },
                        Block::KeepTogether(vec![]),
                        Block::SignatureLines(vec![]),
                        Block::FullPage(vec![]),
                        Block::PageBreak,
                        Block::PageBreak,
                    ],
                    start_on_odd_page: true,
                    ..Part::default()
                },
            ],
            ..Document::default()
        };
        bounded(&d, 200);
    }

    #[test]
    fn huge_writing_areas_and_tall_rows_stay_bounded() {
        let tall = "line\n".repeat(400);
        let d = Document {
            parts: vec![Part {
                blocks: vec![
                    Block::WritingLines { count: 100_000 },
                    Block::Table(Table {
                        columns: vec![Column::new("A", 1.0)],
                        rows: vec![vec![tall.clone()]],
                        size: 10.0,
                        min_row_height: 1e9,
                        bold_first_line: true,
                    }),
                    Block::Spacer { pt: f32::INFINITY },
                    Block::Spacer { pt: f32::NAN },
                ],
                ..Part::default()
            }],
            ..Document::default()
        };
        bounded(&d, 4000 + 200 * 40);
    }
}

/// A support list like an organization's.
fn help() -> super::documents::HelpNow {
    use super::documents::{HelpLine, HelpNow};
    HelpNow {
        emergency_number: "911".into(),
        services: vec![HelpLine {
            name: "988 Suicide & Crisis Lifeline".into(),
            helps_with: "Someone to talk to in a crisis".into(),
            reach: "Call 988  \u{00B7}  Text 988  \u{00B7}  988lifeline.org".into(),
        }],
        page_url: Some("https://attune.example.org/help".into()),
    }
}

#[test]
fn every_shipped_handout_prints_its_help_now_box_whole() {
    use super::documents::*;
    let loaded = crate::curriculum::load(&crate::curriculum::Source::Embedded);
    for c in loaded.library.all() {
        assert_eq!(help_now_problems(c), vec![], "{}", c.slug);
    }
    // The rule can fail: a document without the box, or with only half of
    // it on a page, is caught.
    let plain = Document {
        title: "t".into(),
        paper: Paper::A4,
        landscape: false,
        parts: vec![Part {
            header: String::new(),
            footer: String::new(),
            bookmark: None,
            start_on_odd_page: false,
            plain: false,
            scale: 1.0,
            blocks: vec![Block::heading(1, HELP_NOW_TITLE)],
        }],
    };
    assert!(!shows_help_now(&plain, "911"));
    let mut split = plain.clone();
    split.parts[0].blocks.push(Block::PageBreak);
    split.parts[0].blocks.push(Block::text(
        "If you or a child are in danger right now, call 911.",
    ));
    assert!(!shows_help_now(&split, "911"));
    let mut whole = plain.clone();
    whole.parts[0].blocks = vec![help().block()];
    assert!(shows_help_now(&whole, "911"));
    assert!(!shows_help_now(&whole, "999"));
}
