//! Markdown to print blocks to a PDF: never panics, and always makes a PDF.
//!
//! Input: two control bytes (heading depth, paper, orientation, wrapping;
//! scale), then Markdown, cut to 4 kB so each run stays fast.
#![no_main]

use attune::pdf::{self, markdown, Block, Document, Paper, Part};
use libfuzzer_sys::fuzz_target;

const MAX_TEXT: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let [control, scale, rest @ ..] = data else {
        return;
    };
    let (control, scale) = (*control, *scale);
    let mut end = rest.len().min(MAX_TEXT);
    let text = String::from_utf8_lossy(&rest[..end]);
    // Cut on a character boundary after the lossy conversion.
    end = text.len().min(MAX_TEXT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let text = &text[..end];

    let blocks = markdown::to_blocks(text, control & 0b11);
    let blocks = match (control >> 5) & 0b11 {
        0 => blocks,
        1 => vec![Block::Boxed {
            title: Some("Try this at home".into()),
            blocks,
        }],
        2 => vec![Block::KeepTogether(blocks)],
        _ => vec![Block::Qr {
            data: text.chars().take(64).collect(),
            size: 96.0,
            beside: blocks,
        }],
    };
    let header: String = text.lines().next().unwrap_or("").chars().take(80).collect();
    let doc = Document {
        title: header.clone(),
        paper: if control & 0b100 == 0 {
            Paper::A4
        } else {
            Paper::Letter
        },
        landscape: control & 0b1000 != 0,
        parts: vec![Part {
            header,
            footer: "Fuzz \u{00B7} page".into(),
            bookmark: Some("Fuzz".into()),
            start_on_odd_page: control & 0b1_0000 != 0,
            plain: control & 0b1000_0000 != 0,
            scale: [1.0, 0.9, 0.0, 1.3, 0.5, 2.0, 5.0, -1.0][usize::from(scale & 0b111)],
            blocks,
        }],
    };
    let bytes = pdf::render(&doc);
    assert!(
        bytes.starts_with(b"%PDF-"),
        "not a PDF: {:?}",
        &bytes[..bytes.len().min(16)]
    );
});
