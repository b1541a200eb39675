//! Items to pages, pages to printpdf ops, ops to bytes.

use std::collections::BTreeMap;

use printpdf::{
    Color, FontId, Line, LinePoint, Mm, Op, PaintMode, PdfDocument, PdfFontHandle, PdfPage,
    PdfSaveOptions, Point, Pt, Rect, Rgb, TextItem, TextMatrix,
};

use super::font::{self, Face, Missing, Usage};
use super::layout::{self, Draw, Item, Layout, QrCache};
use super::{style, Document, Tone};

/// An item placed on a page: its index (or a repeated header) and its top.
enum Placed {
    Item(usize, f32),
    Header(usize, f32),
}

struct PageOut {
    placed: Vec<Placed>,
}

/// Stacks items onto pages of `content_h` points.
fn paginate(l: &Layout, content_h: f32) -> Vec<PageOut> {
    let items = &l.items;
    let mut pages = vec![PageOut { placed: Vec::new() }];
    let mut y = 0.0f32;
    // Whether the current page holds anything but a repeated header.
    let mut has_content = false;
    for (i, it) in items.iter().enumerate() {
        let sb = if has_content { it.space_before } else { 0.0 };
        // The run of items tied to this one by keep-with-next.
        let mut need = sb + it.height;
        let mut j = i;
        while items[j].keep_with_next && j + 1 < items.len() && !items[j + 1].page_break_before {
            need += items[j + 1].space_before + items[j + 1].height;
            j += 1;
            if need > content_h {
                break;
            }
        }
        let fits_here = y + need <= content_h + 0.01;
        let item_fits_here = y + sb + it.height <= content_h + 0.01;
        let chain_fits_a_page = need <= content_h;
        let must_break =
            it.page_break_before || !item_fits_here || (!fits_here && chain_fits_a_page);
        if has_content && must_break {
            pages.push(PageOut { placed: Vec::new() });
            y = 0.0;
            has_content = false;
            if let Some(h) = it.table_header {
                if let Some(header) = l.headers.get(h) {
                    if let Some(p) = pages.last_mut() {
                        p.placed.push(Placed::Header(h, 0.0));
                    }
                    y = header.height;
                }
            }
        }
        let sb = if has_content { it.space_before } else { 0.0 };
        if let Some(page) = pages.last_mut() {
            page.placed.push(Placed::Item(i, y + sb));
        }
        y += sb + it.height;
        has_content = true;
    }
    pages
}

/// Tests: every item ends inside the content box and every text starts
/// inside the page.
#[cfg(test)]
pub fn check_bounds(doc: &Document) -> Result<(), String> {
    let g = geometry(doc);
    for part in &doc.parts {
        let l = layout::layout(
            &part.blocks,
            g.content_w,
            g.content_h,
            part.scale,
            &mut Missing::default(),
            &mut QrCache::default(),
        );
        for (n, page) in paginate(&l, g.content_h).iter().enumerate() {
            for p in &page.placed {
                let (it, top) = match p {
                    Placed::Item(i, top) => (&l.items[*i], *top),
                    Placed::Header(h, top) => (&l.headers[*h], *top),
                };
                if top + it.height > g.content_h + 0.5 {
                    return Err(format!(
                        "page {n}: item of {} at {top} overflows {}",
                        it.height, g.content_h
                    ));
                }
                for d in &it.draws {
                    if let Draw::Text { x, .. } = d {
                        if *x < -0.5 || *x > g.content_w + 0.5 {
                            return Err(format!("page {n}: text at x={x}"));
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

struct Geometry {
    w: f32,
    h: f32,
    content_w: f32,
    content_h: f32,
}

fn geometry(doc: &Document) -> Geometry {
    let (pw, ph) = doc.paper.size();
    let (w, h) = if doc.landscape { (ph, pw) } else { (pw, ph) };
    Geometry {
        w,
        h,
        content_w: w - 2.0 * style::MARGIN_X,
        content_h: h - style::MARGIN_TOP - style::MARGIN_BOTTOM,
    }
}

/// Draws collected for one page, before fonts are known.
struct PageDraws {
    graphics: Vec<Draw>,
    text: Vec<Draw>,
    /// Header, footer and page label; none on a blank back page.
    furniture: Option<(String, String, String)>,
}

pub fn render(
    doc: &Document,
    progress: &dyn Fn(usize, usize),
) -> Result<(Vec<u8>, usize), RenderError> {
    let g = geometry(doc);
    let (pages, bookmarks) = pages(doc, &g, progress);
    let count = pages.len();
    Ok((to_pdf(doc, &g, pages, bookmarks)?, count))
}

/// How many pages `doc` takes.
pub fn page_count(doc: &Document) -> usize {
    pages(doc, &geometry(doc), &|_, _| {}).0.len()
}

/// The words on each page, in drawing order, lines joined by spaces: what
/// a reader of the printout would find there (checks use it).
pub fn page_texts(doc: &Document) -> Vec<String> {
    pages(doc, &geometry(doc), &|_, _| {})
        .0
        .iter()
        .map(|p| {
            p.text
                .iter()
                .filter_map(|d| match d {
                    Draw::Text { text, .. } => Some(text.as_str()),
                    _ => None,
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

type Bookmarks = Vec<(String, usize)>;

fn pages(
    doc: &Document,
    g: &Geometry,
    progress: &dyn Fn(usize, usize),
) -> (Vec<PageDraws>, Bookmarks) {
    let mut missing = Missing::default();
    let mut qr_cache = QrCache::default();
    let mut pages: Vec<PageDraws> = Vec::new();
    let mut bookmarks: Vec<(String, usize)> = Vec::new();

    let parts: Vec<super::Part> = if doc.parts.is_empty() {
        vec![super::Part::default()]
    } else {
        doc.parts.clone()
    };
    for (done, part) in parts.iter().enumerate() {
        progress(done, parts.len());
        if part.start_on_odd_page && pages.len() % 2 == 1 {
            // A blank back so the part starts on a right-hand page.
            pages.push(PageDraws {
                graphics: Vec::new(),
                text: Vec::new(),
                furniture: None,
            });
        }
        let l = layout::layout(
            &part.blocks,
            g.content_w,
            g.content_h,
            part.scale,
            &mut missing,
            &mut qr_cache,
        );
        let laid = paginate(&l, g.content_h);
        let total = laid.len();
        if let Some(b) = &part.bookmark {
            bookmarks.push((b.clone(), pages.len()));
        }
        for (n, page) in laid.iter().enumerate() {
            let furniture = (!part.plain).then(|| {
                (
                    part.header.clone(),
                    part.footer.clone(),
                    format!("Page {} of {}", n + 1, total),
                )
            });
            pages.push(page_draws(&l, page, furniture));
        }
    }
    progress(parts.len(), parts.len());
    missing.log(&doc.title);
    (pages, bookmarks)
}

/// One laid-out page as drawing operations: its items moved onto the
/// page, and the boxes they sit in drawn under them.
fn page_draws(
    l: &Layout,
    page: &PageOut,
    furniture: Option<(String, String, String)>,
) -> PageDraws {
    let mut out = PageDraws {
        graphics: Vec::new(),
        text: Vec::new(),
        furniture,
    };
    // Frames: from the top of their first item to the bottom of their last.
    let mut frames: BTreeMap<usize, (f32, f32)> = BTreeMap::new();
    for p in &page.placed {
        let (it, top): (&Item, f32) = match p {
            Placed::Item(i, top) => (&l.items[*i], *top),
            Placed::Header(h, top) => match l.headers.get(*h) {
                Some(it) => (it, *top),
                None => continue,
            },
        };
        if let Some(f) = it.frame {
            let e = frames.entry(f).or_insert((top, top + it.height));
            e.0 = e.0.min(top);
            e.1 = e.1.max(top + it.height);
        }
        for d in &it.draws {
            let shifted = shift(d.clone(), style::MARGIN_X, style::MARGIN_TOP + top);
            match shifted {
                Draw::Text { .. } => out.text.push(shifted),
                _ => out.graphics.push(shifted),
            }
        }
    }
    // Box backgrounds go under everything else.
    let mut graphics = frame_draws(l, frames);
    graphics.append(&mut out.graphics);
    out.graphics = graphics;
    out
}

/// Box backgrounds and borders, from each frame's top to its bottom on
/// the page; a full-page frame (a certificate) is a strong outer line and
/// a fine inner one.
fn frame_draws(l: &Layout, frames: BTreeMap<usize, (f32, f32)>) -> Vec<Draw> {
    let mut draws = Vec::new();
    for (f, (top, bottom)) in frames {
        let Some(fr) = l.frames.get(f) else { continue };
        let (x, y) = (style::MARGIN_X + fr.x, style::MARGIN_TOP + top);
        let (w, h) = (fr.width, (bottom - top).max(1.0));
        if fr.page {
            for (inset, width) in [(0.0, 2.4), (5.0, 0.6)] {
                let r = (x + inset, y + inset, w - 2.0 * inset, h - 2.0 * inset);
                draws.extend(outline(r, width, 0.3));
            }
            continue;
        }
        draws.push(Draw::Fill {
            x,
            y,
            w,
            h,
            gray: 0.965,
        });
        draws.extend(outline((x, y, w, h), 0.8, 0.55));
    }
    draws
}

/// The four sides of a rectangle (x, y from the top, w, h).
fn outline((x, y, w, h): (f32, f32, f32, f32), width: f32, gray: f32) -> [Draw; 4] {
    [
        (x, y, x + w, y),
        (x, y + h, x + w, y + h),
        (x, y, x, y + h),
        (x + w, y, x + w, y + h),
    ]
    .map(|(x1, y1, x2, y2)| Draw::Line {
        x1,
        y1,
        x2,
        y2,
        width,
        gray,
    })
}

fn shift(d: Draw, dx: f32, dy: f32) -> Draw {
    match d {
        Draw::Text {
            x,
            y,
            face,
            size,
            tone,
            text,
        } => Draw::Text {
            x: x + dx,
            y: y + dy,
            face,
            size,
            tone,
            text,
        },
        Draw::Line {
            x1,
            y1,
            x2,
            y2,
            width,
            gray,
        } => Draw::Line {
            x1: x1 + dx,
            y1: y1 + dy,
            x2: x2 + dx,
            y2: y2 + dy,
            width,
            gray,
        },
        Draw::Fill { x, y, w, h, gray } => Draw::Fill {
            x: x + dx,
            y: y + dy,
            w,
            h,
            gray,
        },
    }
}

fn tone_rgb(t: Tone) -> (f32, f32, f32) {
    match t {
        Tone::Ink => (0.11, 0.13, 0.16),
        Tone::Muted => (0.36, 0.40, 0.45),
        Tone::Accent => (0.09, 0.33, 0.36),
    }
}

fn rgb(r: f32, g: f32, b: f32) -> Color {
    Color::Rgb(Rgb::new(r, g, b, None))
}

/// Why a document could not be made into a PDF.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("could not make the {face:?} font subset: {reason}")]
    Subset { face: Face, reason: String },
    #[error("could not write the PDF")]
    Save(#[source] std::io::Error),
}

/// Type size of page headers and footers (points).
const FURNITURE_SIZE: f32 = 8.5;

fn to_pdf(
    doc: &Document,
    g: &Geometry,
    mut pages: Vec<PageDraws>,
    bookmarks: Bookmarks,
) -> Result<Vec<u8>, RenderError> {
    for page in &mut pages {
        furnish(page, g);
    }
    let mut pdf = PdfDocument::new(&doc.title);
    pdf.metadata.info.creator = "attune".into();
    pdf.metadata.info.producer = "attune (printpdf)".into();
    let fonts = embed_fonts(&mut pdf, &pages)?;
    let out_pages = pages
        .into_iter()
        .map(|page| {
            let mut ops = Vec::with_capacity(page.graphics.len() + page.text.len() * 3 + 8);
            graphics_ops(page.graphics, g, &mut ops);
            text_ops(page.text, g, &fonts, &mut ops);
            PdfPage::new(Mm::from(Pt(g.w)), Mm::from(Pt(g.h)), ops)
        })
        .collect();
    pdf.with_pages(out_pages);
    for (name, page) in bookmarks {
        pdf.add_bookmark(&name, page + 1);
    }
    save(&pdf)
}

/// Puts a page's header and footer (small, muted) on it.
fn furnish(page: &mut PageDraws, g: &Geometry) {
    let Some((header, left, right)) = page.furniture.take() else {
        return;
    };
    let mut missing = Missing::default();
    let size = FURNITURE_SIZE;
    let fy = g.h - style::MARGIN_BOTTOM / 2.0 + 3.0;
    let hy = style::MARGIN_TOP / 2.0 + 3.0;
    let max_w = g.content_w * 0.7;
    let items = [(header, style::MARGIN_X, hy), (left, style::MARGIN_X, fy)];
    for (text, x, y) in items {
        let text = fit(&text, size, max_w);
        if text.is_empty() {
            continue;
        }
        for (face, t) in font::prepare(Face::Regular, &text, &mut missing) {
            page.text.push(Draw::Text {
                x,
                y,
                face,
                size,
                tone: Tone::Muted,
                text: t,
            });
        }
    }
    let rw = font::width(Face::Regular, &right, size);
    page.text.push(Draw::Text {
        x: g.w - style::MARGIN_X - rw,
        y: fy,
        face: Face::Regular,
        size,
        tone: Tone::Muted,
        text: right,
    });
}

/// A subset of each face the pages use, added to `pdf`. A face that
/// cannot be subset fails the document: a PDF missing its letters is no
/// printout.
fn embed_fonts(
    pdf: &mut PdfDocument,
    pages: &[PageDraws],
) -> Result<BTreeMap<Face, FontId>, RenderError> {
    let mut usage = Usage::default();
    for page in pages {
        for d in &page.text {
            if let Draw::Text { face, text, .. } = d {
                usage.add(*face, text);
            }
        }
    }
    let mut fonts = BTreeMap::new();
    for face in Face::ALL.into_iter().filter(|f| usage.used(*f)) {
        let subset = usage
            .subset(face)
            .map_err(|reason| RenderError::Subset { face, reason })?;
        fonts.insert(face, pdf.add_font(&subset));
    }
    Ok(fonts)
}

fn point(x: f32, y: f32, g: &Geometry) -> LinePoint {
    LinePoint {
        p: Point {
            x: Pt(x),
            y: Pt(g.h - y),
        },
        bezier: false,
    }
}

/// Lines and filled boxes, with colour and width set only when they change.
fn graphics_ops(draws: Vec<Draw>, g: &Geometry, ops: &mut Vec<Op>) {
    let mut stroke_gray = -1.0f32;
    let mut fill_gray = -1.0f32;
    let mut width = -1.0f32;
    for d in draws {
        match d {
            Draw::Line {
                x1,
                y1,
                x2,
                y2,
                width: w,
                gray,
            } => {
                if gray != stroke_gray {
                    ops.push(Op::SetOutlineColor {
                        col: rgb(gray, gray, gray),
                    });
                    stroke_gray = gray;
                }
                if w != width {
                    ops.push(Op::SetOutlineThickness { pt: Pt(w) });
                    width = w;
                }
                ops.push(Op::DrawLine {
                    line: Line {
                        points: vec![point(x1, y1, g), point(x2, y2, g)],
                        is_closed: false,
                    },
                });
            }
            Draw::Fill { x, y, w, h, gray } => {
                if gray != fill_gray {
                    ops.push(Op::SetFillColor {
                        col: rgb(gray, gray, gray),
                    });
                    fill_gray = gray;
                }
                ops.push(Op::DrawRectangle {
                    rectangle: Rect {
                        x: Pt(x),
                        y: Pt(g.h - y - h),
                        width: Pt(w),
                        height: Pt(h),
                        mode: Some(PaintMode::Fill),
                        winding_order: None,
                    },
                });
            }
            Draw::Text { .. } => {}
        }
    }
}

/// The page's text in one text section, font and colour set only when
/// they change.
fn text_ops(draws: Vec<Draw>, g: &Geometry, fonts: &BTreeMap<Face, FontId>, ops: &mut Vec<Op>) {
    if draws.is_empty() {
        return;
    }
    ops.push(Op::StartTextSection);
    let mut cur_font: Option<(Face, f32)> = None;
    let mut cur_tone: Option<Tone> = None;
    for d in draws {
        let Draw::Text {
            x,
            y,
            face,
            size,
            tone,
            text,
        } = d
        else {
            continue;
        };
        let Some(id) = fonts.get(&face) else { continue };
        if cur_font != Some((face, size)) {
            ops.push(Op::SetFont {
                font: PdfFontHandle::External(id.clone()),
                size: Pt(size),
            });
            cur_font = Some((face, size));
        }
        if cur_tone != Some(tone) {
            let (r, gg, b) = tone_rgb(tone);
            ops.push(Op::SetFillColor { col: rgb(r, gg, b) });
            cur_tone = Some(tone);
        }
        ops.push(Op::SetTextMatrix {
            matrix: TextMatrix::Translate(Pt(x), Pt(g.h - y)),
        });
        ops.push(Op::ShowText {
            items: vec![TextItem::Text(text)],
        });
    }
    ops.push(Op::EndTextSection);
}

/// The finished document as bytes, its streams deflated.
fn save(pdf: &PdfDocument) -> Result<Vec<u8>, RenderError> {
    let mut warnings = Vec::new();
    let opts = PdfSaveOptions {
        // attune embeds its own subsets; printpdf's subsetter needs its
        // `text_layout` feature.
        subset_fonts: false,
        image_optimization: None,
        // printpdf's optimiser deflates at level 9: half the time of a
        // handout for no smaller file than level 6. attune deflates itself.
        optimize: false,
        ..PdfSaveOptions::default()
    };
    let mut lo = pdf.to_lopdf_document(&opts, &mut warnings);
    deflate_streams(&mut lo);
    let mut bytes = Vec::new();
    lo.save_to(&mut bytes).map_err(RenderError::Save)?;
    for w in warnings.iter().take(5) {
        tracing::debug!(warning = ?w, "printpdf");
    }
    Ok(bytes)
}

/// Deflates every stream not yet compressed, at zlib's fastest level: a
/// packet of 720 pages saves in about half the time of level 9 and the
/// file grows by about a third (benches/README.md).
fn deflate_streams(doc: &mut lopdf::Document) {
    use std::io::Write as _;
    for obj in doc.objects.values_mut() {
        let lopdf::Object::Stream(stream) = obj else {
            continue;
        };
        if !stream.allows_compression || stream.dict.get(b"Filter").is_ok() {
            continue;
        }
        let mut z = flate2::write::ZlibEncoder::new(
            Vec::with_capacity(stream.content.len() / 2),
            flate2::Compression::fast(),
        );
        if z.write_all(&stream.content).is_err() {
            continue;
        }
        if let Ok(packed) = z.finish() {
            if packed.len() + 20 < stream.content.len() {
                stream.dict.set("Filter", "FlateDecode");
                stream.set_content(packed);
            }
        }
    }
}

/// Shortens `text` with an ellipsis so it fits `max_w` points.
fn fit(text: &str, size: f32, max_w: f32) -> String {
    let text: String = text.chars().filter(|c| !c.is_control()).collect();
    if font::width(Face::Regular, &text, size) <= max_w {
        return text;
    }
    let mut out = String::new();
    let budget = max_w - font::width(Face::Regular, "\u{2026}", size);
    let mut w = 0.0;
    for c in text.chars() {
        let cw = font::width(Face::Regular, c.encode_utf8(&mut [0; 4]), size);
        if w + cw > budget {
            break;
        }
        w += cw;
        out.push(c);
    }
    out.push('\u{2026}');
    out
}
