//! Printable documents: a small layout engine on printpdf's ops API.
//!
//! Pure functions: a [`Document`] (blocks of text, lists, tables, boxes
//! with writing lines, QR codes) goes in, PDF bytes come out. Text is
//! measured with the embedded font's real advances, wrapped, and paginated
//! so that a heading never ends a page, a paragraph never leaves one line
//! behind, table headers repeat, and every page has its header and
//! "Page X of Y" footer. Only the glyphs a document uses are embedded.
//!
//! What text is supported: every character DejaVu Sans has (Latin,
//! Greek, Cyrillic, Hebrew, Arabic letters, many symbols). Characters it
//! lacks (CJK, most emoji) print as U+FFFD and are logged. Right-to-left
//! runs are put in visual order per line (Unicode bidi algorithm); Arabic
//! letters are not joined, and brackets are not mirrored.

pub mod documents;
pub mod font;
mod layout;
pub mod markdown;
mod render;

pub use font::Face;
pub use render::RenderError;

/// Paper sizes in points (1/72 inch).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paper {
    #[default]
    A4,
    Letter,
}

impl Paper {
    pub fn parse(s: &str) -> Option<Paper> {
        match s.trim().to_ascii_lowercase().as_str() {
            "a4" => Some(Paper::A4),
            "letter" | "us-letter" | "usletter" => Some(Paper::Letter),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Paper::A4 => "a4",
            Paper::Letter => "letter",
        }
    }

    /// Width and height in points, portrait.
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.276, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// Ink colours: printed on office printers, often in black and white.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tone {
    #[default]
    Ink,
    Muted,
    Accent,
}

/// A run of text in one face.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub text: String,
    pub face: Face,
}

impl Span {
    pub fn regular(text: impl Into<String>) -> Span {
        Span {
            text: text.into(),
            face: Face::Regular,
        }
    }
    pub fn bold(text: impl Into<String>) -> Span {
        Span {
            text: text.into(),
            face: Face::Bold,
        }
    }
    pub fn italic(text: impl Into<String>) -> Span {
        Span {
            text: text.into(),
            face: Face::Italic,
        }
    }
}

/// Text wrapped to the width it is given. A `\n` in a span breaks the line.
#[derive(Debug, Clone, PartialEq)]
pub struct Paragraph {
    pub spans: Vec<Span>,
    /// Points.
    pub size: f32,
    pub align: Align,
    pub tone: Tone,
    /// Extra space above, in points (collapses at the top of a page).
    pub space_before: f32,
}

impl Paragraph {
    pub fn new(spans: Vec<Span>) -> Paragraph {
        Paragraph {
            spans,
            size: style::BODY,
            align: Align::Left,
            tone: Tone::Ink,
            space_before: 0.0,
        }
    }
    pub fn size(mut self, size: f32) -> Paragraph {
        self.size = size;
        self
    }
    pub fn align(mut self, align: Align) -> Paragraph {
        self.align = align;
        self
    }
    pub fn tone(mut self, tone: Tone) -> Paragraph {
        self.tone = tone;
        self
    }
    pub fn space_before(mut self, pt: f32) -> Paragraph {
        self.space_before = pt;
        self
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub title: String,
    /// Share of the table's width, relative to the other columns.
    pub weight: f32,
    pub align: Align,
}

impl Column {
    pub fn new(title: impl Into<String>, weight: f32) -> Column {
        Column {
            title: title.into(),
            weight,
            align: Align::Left,
        }
    }
    pub fn align(mut self, align: Align) -> Column {
        self.align = align;
        self
    }
}

/// Rows never split across pages unless one row is taller than a page;
/// the header row repeats on every page the table reaches.
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<String>>,
    pub size: f32,
    /// Points; sign-in sheets want room for a signature.
    pub min_row_height: f32,
    /// Print each cell's first line (up to a `\n`) in bold: a title over notes.
    pub bold_first_line: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Levels 1-3 (deeper levels print as 3). Never the last thing on a page.
    Heading {
        level: u8,
        text: String,
    },
    Paragraph(Paragraph),
    List {
        ordered: bool,
        start: u64,
        items: Vec<Vec<Block>>,
    },
    Table(Table),
    /// Ruled lines to write on by hand.
    WritingLines {
        count: usize,
    },
    /// A bordered box, which may continue on the next page.
    Boxed {
        title: Option<String>,
        blocks: Vec<Block>,
    },
    /// A QR code with text beside it, kept on one page.
    Qr {
        data: String,
        /// Points.
        size: f32,
        beside: Vec<Block>,
    },
    /// Blocks kept on one page if they fit on one.
    KeepTogether(Vec<Block>),
    /// Lines to sign on, side by side, each with its caption underneath.
    SignatureLines(Vec<String>),
    /// Blocks centred in a bordered box that fills the page (a certificate).
    FullPage(Vec<Block>),
    Spacer {
        pt: f32,
    },
    Rule,
    PageBreak,
}

impl Block {
    pub fn heading(level: u8, text: impl Into<String>) -> Block {
        Block::Heading {
            level,
            text: text.into(),
        }
    }
    pub fn text(text: impl Into<String>) -> Block {
        Block::Paragraph(Paragraph::new(vec![Span::regular(text)]))
    }
    pub fn para(p: Paragraph) -> Block {
        Block::Paragraph(p)
    }
    pub fn bullets<I: IntoIterator<Item = S>, S: Into<String>>(items: I) -> Block {
        Block::List {
            ordered: false,
            start: 1,
            items: items.into_iter().map(|s| vec![Block::text(s)]).collect(),
        }
    }
}

/// One stretch of a document with its own header, footer and page numbers:
/// one parent's handout inside a packet, say.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Part {
    /// Small text at the top of every page.
    pub header: String,
    /// Small text at the bottom left of every page ("Page X of Y" is on the right).
    pub footer: String,
    /// An entry in the PDF viewer's outline.
    pub bookmark: Option<String>,
    /// Begin on a right-hand (odd) page when printed double-sided.
    pub start_on_odd_page: bool,
    /// No header, footer or page number (a certificate).
    pub plain: bool,
    /// Scales every type size and gap; 1.0 (or 0.0, the default) is normal.
    pub scale: f32,
    pub blocks: Vec<Block>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Document {
    pub title: String,
    pub paper: Paper,
    pub landscape: bool,
    pub parts: Vec<Part>,
}

/// Sizes in points: the one place the look of every document is set.
pub mod style {
    pub const BODY: f32 = 11.0;
    pub const SMALL: f32 = 9.0;
    pub const LEADING: f32 = 1.4;
    pub const MARGIN_X: f32 = 51.0; // 18 mm
    pub const MARGIN_TOP: f32 = 57.0; // 20 mm
    pub const MARGIN_BOTTOM: f32 = 57.0;
    pub const HEADING: [f32; 3] = [19.0, 14.5, 12.0];
    pub const WRITING_LINE: f32 = 25.0; // about 9 mm: room for handwriting
    /// Writing lines up to this many move to the next page as one block.
    pub const WRITING_LINES_KEPT_TOGETHER: usize = 8;
}

/// Renders a document to PDF bytes. Never panics on any text or structure;
/// characters the font lacks are replaced and logged.
pub fn render(doc: &Document) -> Result<Vec<u8>, RenderError> {
    Ok(render::render(doc, &|_, _| {})?.0)
}

/// [`render`], telling `progress` (parts done, parts) as it goes, and
/// returning the page count too.
pub fn render_with_progress(
    doc: &Document,
    progress: &dyn Fn(usize, usize),
) -> Result<(Vec<u8>, usize), RenderError> {
    render::render(doc, progress)
}

/// A QR code as printed: error correction M, a 4-module quiet zone.
pub struct QrRuns {
    /// Modules across, quiet zone included.
    pub side: usize,
    /// Dark runs as (row, column, length), quiet zone included.
    pub runs: Vec<(usize, usize, usize)>,
}

/// `data`'s QR code as an SVG image for a web page (`role="img"` with
/// `label`), or `None` if it is too long for one.
pub fn qr_svg(data: &str, label: &str) -> Option<String> {
    let qr = qr_runs(data)?;
    let esc = label
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;");
    let mut path = String::new();
    for (row, col, len) in &qr.runs {
        path.push_str(&format!("M{col} {row}h{len}v1h-{len}z"));
    }
    Some(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {s} {s}\" width=\"220\" height=\"220\" role=\"img\" aria-label=\"{esc}\" shape-rendering=\"crispEdges\"><rect width=\"{s}\" height=\"{s}\" fill=\"#fff\"/><path fill=\"#000\" d=\"{path}\"/></svg>",
        s = qr.side
    ))
}

/// The dark runs of `data`'s QR code, or `None` (and a warning) if it is
/// too long for one.
pub fn qr_runs(data: &str) -> Option<QrRuns> {
    let code = match qrcode::QrCode::with_error_correction_level(data, qrcode::EcLevel::M) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "QR code could not be made");
            return None;
        }
    };
    let n = code.width();
    let colors = code.to_colors();
    let quiet = 4;
    let mut runs = Vec::new();
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if colors[row * n + col] == qrcode::Color::Dark {
                let start = col;
                while col < n && colors[row * n + col] == qrcode::Color::Dark {
                    col += 1;
                }
                runs.push((row + quiet, start + quiet, col - start));
            } else {
                col += 1;
            }
        }
    }
    Some(QrRuns {
        side: n + 2 * quiet,
        runs,
    })
}

/// The words on each page of `doc` (see [`render::page_texts`]).
pub fn page_texts(doc: &Document) -> Vec<String> {
    render::page_texts(doc)
}

/// How many pages [`render`] would make of `doc`.
pub fn page_count(doc: &Document) -> usize {
    render::page_count(doc)
}

/// A file name safe in a Content-Disposition header and on every file system:
/// ASCII letters, digits and dashes, ending in `.pdf`.
pub fn safe_filename(parts: &[&str]) -> String {
    let mut out = String::new();
    for part in parts {
        for c in part.chars() {
            let c = if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            };
            if c == '-' && (out.is_empty() || out.ends_with('-')) {
                continue;
            }
            out.push(c);
        }
        if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let mut out: String = out.trim_end_matches('-').chars().take(80).collect();
    if out.is_empty() {
        out.push_str("document");
    }
    out.push_str(".pdf");
    out
}

#[cfg(test)]
mod tests;
