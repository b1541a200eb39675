//! Blocks to items: each item is a horizontal strip (a line of text, a table
//! row, a writing line) with its height and what to draw in it. Pagination
//! then only has to stack strips and honour their keep-with-next marks.

use super::font::{self, Face, Missing};
use super::style;
use super::{Align, Block, Paragraph, Table, Tone};

/// Something to draw, positioned from the content box's left edge (x) and
/// the item's top (y), in points, y growing downwards.
#[derive(Debug, Clone, PartialEq)]
pub enum Draw {
    Text {
        x: f32,
        /// Baseline.
        y: f32,
        face: Face,
        size: f32,
        tone: Tone,
        text: String,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        width: f32,
        gray: f32,
    },
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        gray: f32,
    },
}

impl Draw {
    fn shifted(mut self, dx: f32, dy: f32) -> Draw {
        match &mut self {
            Draw::Text { x, y, .. } => {
                *x += dx;
                *y += dy;
            }
            Draw::Line { x1, y1, x2, y2, .. } => {
                *x1 += dx;
                *x2 += dx;
                *y1 += dy;
                *y2 += dy;
            }
            Draw::Fill { x, y, .. } => {
                *x += dx;
                *y += dy;
            }
        }
        self
    }
}

#[derive(Debug, Clone, Default)]
pub struct Item {
    /// Gap above; dropped at the top of a page.
    pub space_before: f32,
    pub height: f32,
    /// This item and the next go on the same page.
    pub keep_with_next: bool,
    pub page_break_before: bool,
    /// The bordered box this item is inside.
    pub frame: Option<usize>,
    /// The header row to repeat if this table row starts a page.
    pub table_header: Option<usize>,
    pub is_header: bool,
    pub draws: Vec<Draw>,
}

/// A box's horizontal extent; its vertical extent is that of its items on
/// each page.
#[derive(Debug, Clone, Copy)]
pub struct Frame {
    pub x: f32,
    pub width: f32,
    /// A certificate's border rather than a shaded box.
    pub page: bool,
}

pub struct Layout {
    pub items: Vec<Item>,
    pub frames: Vec<Frame>,
    pub headers: Vec<Item>,
}

const FRAME_PAD: f32 = 9.0;
const CELL_PAD: f32 = 4.0;
/// No column is laid out narrower than this (points).
const NARROWEST_COLUMN: f32 = 24.0;
/// Space under a paragraph, as a share of its type size.
const PARAGRAPH_GAP: f32 = 0.55;
/// Space above headings of level 1, 2 and 3 (points), their leading and
/// the space under them.
const HEADING_SPACE_BEFORE: [f32; 3] = [16.0, 13.0, 9.0];
const HEADING_LEADING: f32 = 1.25;
const HEADING_GAP_AFTER: f32 = 4.0;
/// A block of writing lines is capped (a runaway count is not a document).
const MOST_WRITING_LINES: usize = 200;
const WRITING_LINES_GAP_AFTER: f32 = 8.0;
const BOX_GAP_BEFORE: f32 = 8.0;
const BOX_GAP_AFTER: f32 = 10.0;
const BOX_TITLE_LEADING: f32 = 1.3;
const BOX_TITLE_GAP_AFTER: f32 = 3.0;
/// Signature lines: at most this many side by side, this far apart, the
/// line this far down and its caption this far under it.
const MOST_SIGNATURES: usize = 6;
const SIGNATURE_GAP: f32 = 24.0;
const SIGNATURE_LINE_Y: f32 = 30.0;
const CAPTION_GAP: f32 = 4.0;
const SIGNATURES_GAP_AFTER: f32 = 8.0;
/// Inner margin of a full-page box (a certificate).
const FULL_PAGE_PAD: f32 = 28.0;

/// QR codes already drawn in this document, by (data, size): a packet
/// prints each parent's code on every one of their handouts, and encoding
/// one (all eight masks scored) costs more than laying out a page.
#[derive(Default)]
pub struct QrCache(std::collections::HashMap<(String, u32), std::rc::Rc<Vec<Draw>>>);

struct Layouter<'a> {
    qr_cache: &'a mut QrCache,
    items: Vec<Item>,
    frames: Vec<Frame>,
    headers: Vec<Item>,
    frame: Option<usize>,
    pending_space: f32,
    pending_break: bool,
    max_height: f32,
    scale: f32,
    missing: &'a mut Missing,
}

/// Lays out `blocks` in a column `width` points wide on pages whose
/// content is `max_height` points tall.
pub fn layout(
    blocks: &[Block],
    width: f32,
    max_height: f32,
    scale: f32,
    missing: &mut Missing,
    qr_cache: &mut QrCache,
) -> Layout {
    let scale = if scale.is_finite() && scale > 0.0 {
        scale.clamp(0.5, 2.0)
    } else {
        1.0
    };
    let mut l = Layouter {
        qr_cache,
        items: Vec::new(),
        frames: Vec::new(),
        headers: Vec::new(),
        frame: None,
        pending_space: 0.0,
        pending_break: false,
        max_height,
        scale,
        missing,
    };
    for b in blocks {
        l.block(b, 0.0, width);
    }
    Layout {
        items: l.items,
        frames: l.frames,
        headers: l.headers,
    }
}

/// A line of text as laid out: pieces with their x offsets.
struct Line {
    pieces: Vec<(Face, String, f32)>,
    width: f32,
}

impl Line {
    fn empty() -> Line {
        Line {
            pieces: Vec::new(),
            width: 0.0,
        }
    }
}

impl<'a> Layouter<'a> {
    fn push(&mut self, mut item: Item) {
        item.space_before = item.space_before.max(self.pending_space);
        self.pending_space = 0.0;
        item.page_break_before |= std::mem::take(&mut self.pending_break);
        if item.frame.is_none() {
            item.frame = self.frame;
        }
        self.items.push(item);
    }

    fn gap(&mut self, pt: f32) {
        self.pending_space = self.pending_space.max(pt * self.scale);
    }

    fn block(&mut self, block: &Block, x: f32, width: f32) {
        let width = width.max(NARROWEST_COLUMN);
        match block {
            Block::Heading { level, text } => self.heading(*level, text, x, width),
            Block::Paragraph(p) => {
                self.paragraph(p, x, width, style::LEADING);
                self.gap(p.size * PARAGRAPH_GAP);
            }
            Block::List {
                ordered,
                start,
                items,
            } => self.list(*ordered, *start, items, x, width),
            Block::Table(t) => self.table(t, x, width),
            Block::WritingLines { count } => self.writing_lines(*count, x, width),
            Block::Boxed { title, blocks } => self.boxed(title.as_deref(), blocks, x, width),
            Block::Qr { data, size, beside } => self.qr(data, *size, beside, x, width),
            Block::KeepTogether(blocks) => self.keep_together(blocks, x, width),
            Block::SignatureLines(captions) => self.signature_lines(captions, x, width),
            Block::FullPage(blocks) => self.full_page(blocks, x, width),
            Block::Spacer { pt } => self.gap(pt.clamp(0.0, self.max_height / 2.0)),
            Block::Rule => self.rule(x, width),
            Block::PageBreak => {
                self.pending_break = true;
                self.pending_space = 0.0;
            }
        }
    }

    /// A paragraph of bold accent text at `size`, kept with what follows.
    fn title_line(&mut self, p: &Paragraph, x: f32, width: f32, leading: f32) {
        let first = self.items.len();
        self.paragraph(p, x, width, leading);
        for it in &mut self.items[first..] {
            it.keep_with_next = true;
        }
    }

    fn heading(&mut self, level: u8, text: &str, x: f32, width: f32) {
        let i = usize::from(level.clamp(1, 3) - 1);
        let p = Paragraph::new(vec![super::Span::bold(text.to_string())])
            .size(style::HEADING[i])
            .tone(Tone::Accent)
            .space_before(HEADING_SPACE_BEFORE[i]);
        self.title_line(&p, x, width, HEADING_LEADING);
        self.gap(HEADING_GAP_AFTER);
    }

    /// Ruled lines to write on. The prompt above stays with its lines. A
    /// short block is never split (two lone lines on a page of their own
    /// are no use to write on); a long one keeps its first two.
    fn writing_lines(&mut self, count: usize, x: f32, width: f32) {
        if let Some(last) = self.items.last_mut() {
            last.keep_with_next = true;
        }
        let count = count.min(MOST_WRITING_LINES);
        let whole = count <= style::WRITING_LINES_KEPT_TOGETHER;
        let h = style::WRITING_LINE;
        for i in 0..count {
            self.push(Item {
                height: h,
                keep_with_next: i + 1 < count && (whole || i == 0),
                draws: vec![Draw::Line {
                    x1: x,
                    y1: h - 2.0,
                    x2: x + width,
                    y2: h - 2.0,
                    width: 0.5,
                    gray: 0.62,
                }],
                ..Item::default()
            });
        }
        self.gap(WRITING_LINES_GAP_AFTER);
    }

    fn boxed(&mut self, title: Option<&str>, blocks: &[Block], x: f32, width: f32) {
        let outer = self.frame;
        let id = match outer {
            // A box in a box is drawn as the outer one; only indented.
            Some(id) => id,
            None => {
                self.frames.push(Frame {
                    x,
                    width,
                    page: false,
                });
                self.frames.len() - 1
            }
        };
        let pad = if outer.is_some() { 0.0 } else { FRAME_PAD };
        self.gap(BOX_GAP_BEFORE);
        self.frame = Some(id);
        self.push(Item {
            height: pad,
            keep_with_next: true,
            ..Item::default()
        });
        if let Some(title) = title {
            let p = Paragraph::new(vec![super::Span::bold(title.to_string())])
                .size(style::BODY + 1.0)
                .tone(Tone::Accent);
            self.title_line(&p, x + pad, width - 2.0 * pad, BOX_TITLE_LEADING);
            self.gap(BOX_TITLE_GAP_AFTER);
        }
        for b in blocks {
            self.block(b, x + pad, width - 2.0 * pad);
        }
        self.pending_space = 0.0;
        self.push(Item {
            height: pad,
            ..Item::default()
        });
        self.frame = outer;
        self.gap(BOX_GAP_AFTER);
    }

    /// Lays `blocks` out on their own and returns their items, leaving
    /// what was laid out before as it was.
    fn laid_out_apart(&mut self, blocks: &[Block], x: f32, width: f32) -> Vec<Item> {
        let saved = std::mem::take(&mut self.items);
        for b in blocks {
            self.block(b, x, width);
        }
        std::mem::replace(&mut self.items, saved)
    }

    fn keep_together(&mut self, blocks: &[Block], x: f32, width: f32) {
        let space = std::mem::take(&mut self.pending_space);
        let brk = std::mem::take(&mut self.pending_break);
        let inner = self.laid_out_apart(blocks, x, width);
        self.pending_space = self.pending_space.max(space);
        self.pending_break |= brk;
        match compose(&inner, self.max_height) {
            Some(item) => self.push(item),
            None => {
                for it in inner {
                    self.push(it);
                }
            }
        }
    }

    fn signature_lines(&mut self, captions: &[String], x: f32, width: f32) {
        let n = captions.len().clamp(1, MOST_SIGNATURES);
        let w = (width - SIGNATURE_GAP * (n as f32 - 1.0)) / n as f32;
        let line_y = SIGNATURE_LINE_Y;
        let mut draws = Vec::new();
        let mut h: f32 = line_y;
        for (i, caption) in captions.iter().take(n).enumerate() {
            let left = x + i as f32 * (w + SIGNATURE_GAP);
            draws.push(Draw::Line {
                x1: left,
                y1: line_y,
                x2: left + w,
                y2: line_y,
                width: 0.7,
                gray: 0.3,
            });
            let p = Paragraph::new(vec![super::Span::regular(caption.clone())])
                .size(style::BODY - 1.0)
                .align(Align::Center)
                .tone(Tone::Muted);
            let saved = std::mem::take(&mut self.items);
            self.paragraph(&p, left, w, 1.3);
            let inner = std::mem::replace(&mut self.items, saved);
            if let Some(item) = compose(&inner, self.max_height / 2.0) {
                let top = line_y + CAPTION_GAP;
                h = h.max(top + item.height);
                draws.extend(item.draws.into_iter().map(|d| d.shifted(0.0, top)));
            }
        }
        self.push(Item {
            height: h,
            draws,
            ..Item::default()
        });
        self.gap(SIGNATURES_GAP_AFTER);
    }

    fn full_page(&mut self, blocks: &[Block], x: f32, width: f32) {
        let outer = self.frame.take();
        let pad = FULL_PAGE_PAD;
        let inner = self.laid_out_apart(blocks, x + pad, width - 2.0 * pad);
        self.frame = outer;
        self.pending_space = 0.0;
        self.frames.push(Frame {
            x,
            width,
            page: true,
        });
        let id = self.frames.len() - 1;
        match compose(&inner, self.max_height) {
            Some(item) => {
                let dy = ((self.max_height - item.height) / 2.0).max(0.0);
                self.pending_break = true;
                self.push(Item {
                    height: self.max_height,
                    frame: Some(id),
                    draws: item.draws.into_iter().map(|d| d.shifted(0.0, dy)).collect(),
                    ..Item::default()
                });
                self.pending_break = true;
            }
            None => {
                for mut it in inner {
                    it.frame = Some(id);
                    self.push(it);
                }
            }
        }
    }

    fn rule(&mut self, x: f32, width: f32) {
        self.push(Item {
            space_before: 4.0,
            height: 10.0,
            draws: vec![Draw::Line {
                x1: x,
                y1: 5.0,
                x2: x + width,
                y2: 5.0,
                width: 0.6,
                gray: 0.7,
            }],
            ..Item::default()
        });
        self.gap(4.0);
    }

    fn paragraph(&mut self, p: &Paragraph, x: f32, width: f32, leading: f32) {
        let size = if p.size.is_finite() {
            (p.size * self.scale).clamp(4.0, 72.0)
        } else {
            style::BODY
        };
        let lines = self.wrap(&p.spans, size, width);
        let lh = size * leading;
        let m = font::metrics(Face::Regular);
        // Baseline: half the extra leading, then the ascent.
        let baseline = (lh - size * (m.ascent - m.descent)) / 2.0 + size * m.ascent;
        let n = lines.len();
        self.gap(p.space_before);
        for (i, line) in lines.into_iter().enumerate() {
            let dx = match p.align {
                Align::Left => 0.0,
                Align::Center => ((width - line.width) / 2.0).max(0.0),
                Align::Right => (width - line.width).max(0.0),
            };
            let draws = line
                .pieces
                .into_iter()
                .map(|(face, text, px)| Draw::Text {
                    x: x + dx + px,
                    y: baseline,
                    face,
                    size,
                    tone: p.tone,
                    text,
                })
                .collect();
            // Never one line of a paragraph alone at a page's foot or head.
            let keep = (i == 0 && n >= 2) || (n >= 3 && i + 2 == n);
            self.push(Item {
                height: lh,
                keep_with_next: keep,
                draws,
                ..Item::default()
            });
        }
    }

    /// Greedy line filling over words; a word longer than the line is cut.
    fn wrap(&mut self, spans: &[super::Span], size: f32, width: f32) -> Vec<Line> {
        let mut words = Words::default();
        for span in spans {
            for (face, text) in font::prepare(span.face, &span.text, self.missing) {
                let space_w = font::width(face, " ", size);
                for c in text.chars() {
                    if c == '\n' {
                        words.hard_break();
                    } else if c.is_whitespace() {
                        words.flush(space_w);
                    } else {
                        words.push_char(face, c);
                    }
                }
            }
        }
        let mut filler = Filler::new(size, width);
        for (word, space_after) in words.finish() {
            match word {
                Some(word) => filler.word(word, space_after),
                None => filler.hard_break(),
            }
        }
        filler.finish()
    }

    fn list(&mut self, ordered: bool, start: u64, items: &[Vec<Block>], x: f32, width: f32) {
        let size = style::BODY * self.scale;
        let widest = if ordered {
            let last = start.saturating_add(items.len() as u64);
            font::width(Face::Regular, &format!("{last}."), size)
        } else {
            0.0
        };
        // Deeply nested lists stop indenting once the column gets narrow,
        // and their items go without markers.
        let indent = if width < 140.0 {
            0.0
        } else {
            (widest + 8.0).max(16.0)
        };
        for (i, blocks) in items.iter().enumerate() {
            let first = self.items.len();
            for b in blocks {
                self.block(b, x + indent, width - indent);
            }
            let marker = if ordered {
                format!("{}.", start.saturating_add(i as u64))
            } else {
                "\u{2022}".to_string()
            };
            // The marker sits on the first line of the item's text.
            if let Some(item) = self.items.get_mut(first).filter(|_| indent > 0.0) {
                if let Some(Draw::Text { y, size, tone, .. }) =
                    item.draws.iter().find(|d| matches!(d, Draw::Text { .. }))
                {
                    let (y, tone) = (*y, *tone);
                    let size = size.min(style::BODY * self.scale);
                    let mw = font::width(Face::Regular, &marker, size);
                    item.draws.push(Draw::Text {
                        x: (x + indent - 6.0 - mw).max(x),
                        y,
                        face: Face::Regular,
                        size,
                        tone,
                        text: marker,
                    });
                }
            }
            self.gap(2.5);
        }
        self.gap(6.0);
    }

    fn table(&mut self, t: &Table, x: f32, width: f32) {
        if t.columns.is_empty() {
            return;
        }
        let size = if t.size.is_finite() {
            (t.size * self.scale).clamp(5.0, 24.0)
        } else {
            style::BODY
        };
        // Every column gets at least a sliver it can hold a letter in; the
        // rest is shared by weight.
        let n = t.columns.len() as f32;
        let min_w = (width / n).min(24.0);
        let weight = |c: &super::Column| {
            if c.weight.is_finite() {
                c.weight.max(0.01)
            } else {
                1.0
            }
        };
        let total: f32 = t.columns.iter().map(weight).sum();
        let spare = (width - min_w * n).max(0.0);
        let mut edges = vec![x];
        for c in &t.columns {
            let last = *edges.last().unwrap_or(&x);
            edges.push(last + min_w + spare * weight(c) / total);
        }
        let lh = size * 1.3;
        let m = font::metrics(Face::Regular);
        let baseline = (lh - size * (m.ascent - m.descent)) / 2.0 + size * m.ascent;
        let min_h = if t.min_row_height.is_finite() {
            t.min_row_height.clamp(0.0, self.max_height / 3.0)
        } else {
            0.0
        };

        let header_cells: Vec<String> = t.columns.iter().map(|c| c.title.clone()).collect();
        let header = self.row_items(
            &header_cells,
            t,
            &edges,
            Face::Bold,
            size,
            (lh, baseline),
            (0.0, self.max_height * 0.25),
            true,
        );
        // A header is one row; keep only its first chunk.
        let mut header = header.into_iter().next().unwrap_or_default();
        header.is_header = true;
        header.keep_with_next = true;
        let header_height = header.height;
        self.headers.push(header.clone());
        let hid = self.headers.len() - 1;
        self.gap(6.0);
        self.push(header);
        for row in &t.rows {
            // A row taller than a page is cut into pieces that fit under the header.
            let chunks = self.row_items(
                row,
                t,
                &edges,
                Face::Regular,
                size,
                (lh, baseline),
                (min_h, self.max_height - header_height - 1.0),
                false,
            );
            for mut it in chunks {
                it.table_header = Some(hid);
                self.push(it);
            }
        }
        self.gap(10.0);
    }

    /// One table row as one item, or several if it is taller than a page.
    #[allow(clippy::too_many_arguments)]
    fn row_items(
        &mut self,
        cells: &[String],
        t: &Table,
        edges: &[f32],
        face: Face,
        size: f32,
        (lh, baseline): (f32, f32),
        (min_h, max_h): (f32, f32),
        header: bool,
    ) -> Vec<Item> {
        let mut cell_lines = self.cell_lines(cells, t, edges, face, size, header);
        let rows = cell_lines.iter().map(Vec::len).max().unwrap_or(0).max(1);
        let per_chunk = ((max_h - 2.0 * CELL_PAD) / lh).floor().max(1.0) as usize;
        let min_h = min_h.min(max_h);
        let mut out = Vec::new();
        for c in 0..rows.div_ceil(per_chunk) {
            let from = c * per_chunk;
            let to = (from + per_chunk).min(rows);
            let h = ((to - from) as f32 * lh + 2.0 * CELL_PAD).max(min_h);
            let mut draws = Vec::new();
            if header {
                draws.push(Draw::Fill {
                    x: edges[0],
                    y: 0.0,
                    w: edges[edges.len() - 1] - edges[0],
                    h,
                    gray: HEADER_FILL_GRAY,
                });
            }
            for (i, lines) in cell_lines.iter_mut().enumerate() {
                let rows = lines.iter_mut().enumerate().take(to).skip(from);
                for (k, line) in rows {
                    let y = CELL_PAD + (k - from) as f32 * lh + baseline;
                    cell_line_draws(
                        &mut draws,
                        line,
                        (edges[i], edges[i + 1]),
                        t.columns[i].align,
                        y,
                        size,
                    );
                }
            }
            border_draws(&mut draws, edges, h);
            out.push(Item {
                height: h,
                draws,
                ..Item::default()
            });
        }
        out
    }

    /// Each cell's text broken into lines for its column (an empty cell
    /// has none); with `bold_first_line`, a body cell's first line is bold.
    fn cell_lines(
        &mut self,
        cells: &[String],
        t: &Table,
        edges: &[f32],
        face: Face,
        size: f32,
        header: bool,
    ) -> Vec<Vec<Line>> {
        let mut cell_lines: Vec<Vec<Line>> = Vec::new();
        for i in 0..t.columns.len() {
            let text = cells.get(i).cloned().unwrap_or_default();
            let w = (edges[i + 1] - edges[i] - 2.0 * CELL_PAD).max(8.0);
            let spans = match text.split_once('\n') {
                Some((first, rest)) if t.bold_first_line && !header => vec![
                    super::Span::bold(first),
                    super::Span {
                        text: format!("\n{rest}"),
                        face,
                    },
                ],
                _ => vec![super::Span { text, face }],
            };
            let lines = if spans.iter().all(|s| s.text.is_empty()) {
                Vec::new()
            } else {
                self.wrap(&spans, size, w)
            };
            cell_lines.push(lines);
        }
        cell_lines
    }

    fn qr(&mut self, data: &str, size: f32, beside: &[Block], x: f32, width: f32) {
        let size = if size.is_finite() {
            size.clamp(36.0, (width * 0.5).min(self.max_height / 2.0))
        } else {
            72.0
        };
        let key = (data.to_string(), size.to_bits());
        let modules = match self.qr_cache.0.get(&key) {
            Some(m) => m.clone(),
            None => {
                let m = std::rc::Rc::new(qr_draws(data, size));
                self.qr_cache.0.insert(key, m.clone());
                m
            }
        };
        let mut draws: Vec<Draw> = modules.iter().cloned().map(|d| d.shifted(x, 0.0)).collect();
        let gap = 14.0;
        let saved = std::mem::take(&mut self.items);
        let space = std::mem::take(&mut self.pending_space);
        for b in beside {
            self.block(b, x + size + gap, width - size - gap);
        }
        let inner = std::mem::replace(&mut self.items, saved);
        self.pending_space = space;
        let mut text_h = 0.0;
        let mut rest = Vec::new();
        for (i, it) in inner.into_iter().enumerate() {
            let top = if i == 0 {
                0.0
            } else {
                text_h + it.space_before
            };
            if top + it.height > self.max_height * 0.9 {
                rest.push(it);
                continue;
            }
            draws.extend(it.draws.into_iter().map(|d| d.shifted(0.0, top)));
            text_h = top + it.height;
        }
        self.gap(6.0);
        self.push(Item {
            height: size.max(text_h),
            draws,
            ..Item::default()
        });
        for it in rest {
            self.push(it);
        }
        self.gap(10.0);
    }
}

/// A line holding right-to-left letters (Hebrew, Arabic), put in the
/// order it is read on paper: each run in its direction, runs ordered by the
/// Unicode bidirectional algorithm. Letters are not joined or mirrored.
fn visual_order(line: Line, size: f32) -> Line {
    use unicode_bidi::{bidi_class, BidiClass, ParagraphBidiInfo};
    let text: String = line.pieces.iter().map(|(_, s, _)| s.as_str()).collect();
    if !text
        .chars()
        .any(|c| matches!(bidi_class(c), BidiClass::R | BidiClass::AL))
    {
        return line;
    }
    let mut faces = Vec::with_capacity(text.len());
    for (f, s, _) in &line.pieces {
        faces.extend(std::iter::repeat_n(*f, s.len()));
    }
    let info = ParagraphBidiInfo::new(&text, None);
    let (levels, runs) = info.visual_runs(0..text.len());
    let mut out = Line::empty();
    let mut push = |c: char, face: Face| match out.pieces.last_mut() {
        Some((f, s, _)) if *f == face => s.push(c),
        _ => out.pieces.push((face, c.to_string(), 0.0)),
    };
    for run in runs {
        let rtl = levels.get(run.start).is_some_and(|l| l.is_rtl());
        let Some(chunk) = text.get(run.clone()) else {
            continue;
        };
        let chars: Vec<(usize, char)> = chunk
            .char_indices()
            .map(|(i, c)| (run.start + i, c))
            .collect();
        let face_at = |i: usize| faces.get(i).copied().unwrap_or(Face::Regular);
        if rtl {
            for (i, c) in chars.into_iter().rev() {
                push(c, face_at(i));
            }
        } else {
            for (i, c) in chars {
                push(c, face_at(i));
            }
        }
    }
    let mut x = 0.0;
    for (f, s, px) in &mut out.pieces {
        *px = x;
        x += font::width(*f, s, size);
    }
    out.width = x - out
        .pieces
        .last()
        .map(|(f, s, _)| font::width(*f, &s[s.trim_end().len()..], size))
        .unwrap_or(0.0);
    out
}

fn place(line: &mut Line, word: Vec<(Face, String)>, at: f32, size: f32) {
    let mut x = at;
    let gap_from_prev = at - line.width;
    let mut first = true;
    for (face, text) in word {
        let w = font::width(face, &text, size);
        // Merge with the previous piece when the face matches, carrying the
        // gap as a space so the text layer reads as words.
        match line.pieces.last_mut() {
            Some((f, s, _)) if *f == face => {
                if first && gap_from_prev > 0.01 {
                    s.push(' ');
                }
                s.push_str(&text);
            }
            _ => {
                if first && gap_from_prev > 0.01 {
                    if let Some((_, s, _)) = line.pieces.last_mut() {
                        // Keep a space in the text layer between words of
                        // different faces, where the gap is.
                        s.push(' ');
                    }
                }
                line.pieces.push((face, text, x));
            }
        }
        first = false;
        x += w;
    }
    line.width = x;
}

/// Stacks items into one; `None` if the result would not fit on a page.
fn compose(items: &[Item], max_height: f32) -> Option<Item> {
    let mut draws = Vec::new();
    let mut h = 0.0;
    for (i, it) in items.iter().enumerate() {
        let top = if i == 0 { 0.0 } else { h + it.space_before };
        draws.extend(it.draws.iter().cloned().map(|d| d.shifted(0.0, top)));
        h = top + it.height;
    }
    if h > max_height || items.is_empty() {
        return None;
    }
    // Kept inside its box when all of it was in one (a whole box kept on
    // one page is still drawn as a box).
    let frame = items[0]
        .frame
        .filter(|f| items.iter().all(|it| it.frame == Some(*f)));
    Some(Item {
        space_before: items[0].space_before,
        height: h,
        page_break_before: items[0].page_break_before,
        frame,
        draws,
        ..Item::default()
    })
}

/// A QR code as filled runs of dark modules, with its quiet zone.
fn qr_draws(data: &str, size: f32) -> Vec<Draw> {
    let Some(code) = super::qr_runs(data) else {
        return Vec::new();
    };
    let module = size / code.side as f32;
    code.runs
        .into_iter()
        .map(|(row, col, len)| Draw::Fill {
            x: col as f32 * module,
            y: row as f32 * module,
            // A hair wider so runs and rows leave no seams.
            w: len as f32 * module + 0.05,
            h: module + 0.05,
            gray: 0.0,
        })
        .collect()
}

/// A word as pieces of one face each.
type Word = Vec<(Face, String)>;

/// How far past the line's end a word may reach and still fit (rounding).
const FIT_SLACK: f32 = 0.01;

/// Words in reading order, each with the width of the space after it;
/// `None` marks a forced line break.
#[derive(Default)]
struct Words {
    words: Vec<Option<Word>>,
    spaces_after: Vec<f32>,
    current: Word,
}

impl Words {
    /// Ends the word being read; runs of spaces count as the widest one.
    fn flush(&mut self, space: f32) {
        if !self.current.is_empty() {
            self.words.push(Some(std::mem::take(&mut self.current)));
            self.spaces_after.push(space);
        } else if let Some(last) = self.spaces_after.last_mut() {
            *last = last.max(space);
        }
    }

    fn hard_break(&mut self) {
        self.flush(0.0);
        self.words.push(None);
        self.spaces_after.push(0.0);
    }

    fn push_char(&mut self, face: Face, c: char) {
        match self.current.last_mut() {
            Some((f, s)) if *f == face => s.push(c),
            _ => self.current.push((face, c.to_string())),
        }
    }

    fn finish(mut self) -> impl Iterator<Item = (Option<Word>, f32)> {
        self.flush(0.0);
        self.words.into_iter().zip(self.spaces_after)
    }
}

/// Fills lines greedily, word by word.
struct Filler {
    lines: Vec<Line>,
    line: Line,
    pending_space: f32,
    size: f32,
    width: f32,
}

impl Filler {
    fn new(size: f32, width: f32) -> Filler {
        Filler {
            lines: Vec::new(),
            line: Line::empty(),
            pending_space: 0.0,
            size,
            width,
        }
    }

    /// Where the next word starts on the current line.
    fn start(&self) -> f32 {
        if self.line.pieces.is_empty() {
            0.0
        } else {
            self.line.width + self.pending_space
        }
    }

    fn new_line(&mut self) {
        self.lines
            .push(std::mem::replace(&mut self.line, Line::empty()));
    }

    fn hard_break(&mut self) {
        self.new_line();
        self.pending_space = 0.0;
    }

    fn word(&mut self, word: Word, space_after: f32) {
        let ww: f32 = word
            .iter()
            .map(|(f, s)| font::width(*f, s, self.size))
            .sum();
        let start = self.start();
        if start + ww <= self.width + FIT_SLACK {
            place(&mut self.line, word, start, self.size);
        } else if ww <= self.width {
            if !self.line.pieces.is_empty() {
                self.new_line();
            }
            place(&mut self.line, word, 0.0, self.size);
        } else {
            self.cut(word);
        }
        self.pending_space = space_after;
    }

    /// A word longer than a whole line: cut it where it fills the line.
    fn cut(&mut self, word: Word) {
        for (face, text) in word {
            for c in text.chars() {
                let cw = font::width(face, c.encode_utf8(&mut [0; 4]), self.size);
                if self.start() + cw > self.width + FIT_SLACK && !self.line.pieces.is_empty() {
                    self.new_line();
                    self.pending_space = 0.0;
                }
                let at = self.start();
                place(&mut self.line, vec![(face, c.to_string())], at, self.size);
                self.pending_space = 0.0;
            }
        }
    }

    fn finish(mut self) -> Vec<Line> {
        if !self.line.pieces.is_empty() || self.lines.is_empty() {
            self.lines.push(self.line);
        }
        let size = self.size;
        self.lines
            .into_iter()
            .map(|l| visual_order(l, size))
            .collect()
    }
}

/// The gray behind a table's header row.
const HEADER_FILL_GRAY: f32 = 0.9;
/// Table borders: their width and gray.
const TABLE_RULE: (f32, f32) = (0.6, 0.45);

/// One line of a table cell, aligned in its column (`left`, `right`).
fn cell_line_draws(
    draws: &mut Vec<Draw>,
    line: &mut Line,
    (left, right): (f32, f32),
    align: Align,
    y: f32,
    size: f32,
) {
    let w = right - left - 2.0 * CELL_PAD;
    let dx = match align {
        Align::Left => 0.0,
        Align::Center => ((w - line.width) / 2.0).max(0.0),
        Align::Right => (w - line.width).max(0.0),
    };
    for (face, text, px) in line.pieces.drain(..) {
        draws.push(Draw::Text {
            x: left + CELL_PAD + dx + px,
            y,
            face,
            size,
            tone: Tone::Ink,
            text,
        });
    }
}

/// A table row's borders: top, bottom, and every column edge.
fn border_draws(draws: &mut Vec<Draw>, edges: &[f32], h: f32) {
    let (width, gray) = TABLE_RULE;
    let (l, r) = (edges[0], edges[edges.len() - 1]);
    for y in [0.0, h] {
        draws.push(Draw::Line {
            x1: l,
            y1: y,
            x2: r,
            y2: y,
            width,
            gray,
        });
    }
    for e in edges {
        draws.push(Draw::Line {
            x1: *e,
            y1: 0.0,
            x2: *e,
            y2: h,
            width,
            gray,
        });
    }
}
