//! The curriculum's Markdown subset as print blocks: headings, paragraphs
//! with bold and italic, nested lists, block quotes (as boxes), tables,
//! rules. Links print their text with the address after it; raw HTML and
//! images print nothing but the image's description.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::{style, Block, Column, Face, Paragraph, Span, Table};

/// How deep headings in a handout start: a handout's `#` sits under the
/// document's own title, so it prints as level 2.
pub fn to_blocks(markdown: &str, heading_offset: u8) -> Vec<Block> {
    let parser = Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    );
    let mut b = Builder {
        stack: vec![Container::Root(Vec::new())],
        spans: Vec::new(),
        bold: 0,
        italic: 0,
        link: None,
        heading: None,
        heading_offset,
        table: None,
        in_image: 0,
    };
    for event in parser {
        b.event(event);
    }
    b.finish()
}

enum Container {
    Root(Vec<Block>),
    List {
        ordered: bool,
        start: u64,
        items: Vec<Vec<Block>>,
    },
    Item(Vec<Block>),
    Quote(Vec<Block>),
}

impl Container {
    fn blocks(&mut self) -> Option<&mut Vec<Block>> {
        match self {
            Container::Root(b) | Container::Item(b) | Container::Quote(b) => Some(b),
            Container::List { .. } => None,
        }
    }
}

struct TableState {
    columns: Vec<Column>,
    rows: Vec<Vec<String>>,
    cell: String,
    row: Vec<String>,
    in_head: bool,
}

struct Builder {
    stack: Vec<Container>,
    spans: Vec<Span>,
    bold: u32,
    italic: u32,
    link: Option<String>,
    heading: Option<u8>,
    heading_offset: u8,
    table: Option<TableState>,
    in_image: u32,
}

impl Builder {
    fn face(&self) -> Face {
        if self.bold > 0 || self.heading.is_some() {
            Face::Bold
        } else if self.italic > 0 {
            Face::Italic
        } else {
            Face::Regular
        }
    }

    fn text(&mut self, t: &str) {
        if let Some(table) = &mut self.table {
            table.cell.push_str(t);
            return;
        }
        let face = self.face();
        match self.spans.last_mut() {
            Some(s) if s.face == face => s.text.push_str(t),
            _ => self.spans.push(Span {
                text: t.to_string(),
                face,
            }),
        }
    }

    fn emit(&mut self, block: Block) {
        // Push into the innermost container that holds blocks; an item of
        // a list whose text came without a paragraph (a tight list) gets one.
        for c in self.stack.iter_mut().rev() {
            if let Some(blocks) = c.blocks() {
                blocks.push(block);
                return;
            }
        }
    }

    fn flush_paragraph(&mut self) {
        if self.spans.iter().all(|s| s.text.trim().is_empty()) {
            self.spans.clear();
            return;
        }
        let mut spans = std::mem::take(&mut self.spans);
        if let Some(first) = spans.first_mut() {
            first.text = first.text.trim_start().to_string();
        }
        self.emit(Block::Paragraph(Paragraph::new(spans)));
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) | Event::Code(t) => self.text(&t),
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => self.text("\n"),
            Event::Rule => {
                self.flush_paragraph();
                self.emit(Block::Rule);
            }
            Event::TaskListMarker(done) => self.text(if done { "\u{2611} " } else { "\u{2610} " }),
            // Raw HTML, footnotes and maths are not part of the subset.
            _ => {}
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => self.flush_paragraph(),
            Tag::Heading { level, .. } => {
                self.flush_paragraph();
                let n = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    _ => 4,
                };
                self.heading = Some(n);
            }
            Tag::BlockQuote(_) => {
                self.flush_paragraph();
                self.stack.push(Container::Quote(Vec::new()));
            }
            Tag::List(start) => {
                self.flush_paragraph();
                self.stack.push(Container::List {
                    ordered: start.is_some(),
                    start: start.unwrap_or(1),
                    items: Vec::new(),
                });
            }
            Tag::Item => {
                self.flush_paragraph();
                self.stack.push(Container::Item(Vec::new()));
            }
            Tag::Emphasis => self.italic += 1,
            Tag::Strong => self.bold += 1,
            Tag::Link { dest_url, .. } => self.link = Some(dest_url.to_string()),
            Tag::Image { .. } => {
                self.in_image += 1;
                self.text("[");
            }
            Tag::Table(aligns) => {
                self.flush_paragraph();
                let columns = aligns
                    .iter()
                    .map(|a| {
                        Column::new("", 1.0).align(match a {
                            pulldown_cmark::Alignment::Right => super::Align::Right,
                            pulldown_cmark::Alignment::Center => super::Align::Center,
                            _ => super::Align::Left,
                        })
                    })
                    .collect();
                self.table = Some(TableState {
                    columns,
                    rows: Vec::new(),
                    cell: String::new(),
                    row: Vec::new(),
                    in_head: false,
                });
            }
            Tag::TableHead => {
                if let Some(t) = &mut self.table {
                    t.in_head = true;
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph => self.flush_paragraph(),
            TagEnd::Heading(_) => self.end_heading(),
            TagEnd::BlockQuote(_) | TagEnd::Item | TagEnd::List(_) => self.end_container(tag),
            TagEnd::Emphasis => self.italic = self.italic.saturating_sub(1),
            TagEnd::Strong => self.bold = self.bold.saturating_sub(1),
            TagEnd::Link => self.end_link(),
            TagEnd::Image => {
                self.in_image = self.in_image.saturating_sub(1);
                self.text("]");
            }
            TagEnd::TableCell | TagEnd::TableHead | TagEnd::TableRow => self.end_table_part(tag),
            TagEnd::Table => self.end_table(),
            _ => {}
        }
    }

    fn end_heading(&mut self) {
        let text: String = self.spans.drain(..).map(|s| s.text).collect();
        let level = self.heading.take().unwrap_or(2);
        let level = level.saturating_add(self.heading_offset).clamp(1, 3);
        if !text.trim().is_empty() {
            self.emit(Block::Heading {
                level,
                text: text.trim().to_string(),
            });
        }
    }

    /// The end of a quote, a list item or a list: its blocks go to the
    /// container around it.
    fn end_container(&mut self, tag: TagEnd) {
        self.flush_paragraph();
        match (tag, self.stack.pop()) {
            (TagEnd::BlockQuote(_), Some(Container::Quote(blocks))) => self.emit(Block::Boxed {
                title: None,
                blocks,
            }),
            (TagEnd::Item, Some(Container::Item(blocks))) => {
                if let Some(Container::List { items, .. }) = self.stack.last_mut() {
                    items.push(blocks);
                }
            }
            (
                TagEnd::List(_),
                Some(Container::List {
                    ordered,
                    start,
                    items,
                }),
            ) => self.emit(Block::List {
                ordered,
                start,
                items,
            }),
            _ => {}
        }
    }

    fn end_link(&mut self) {
        let Some(url) = self.link.take() else {
            return;
        };
        // On paper an address is only useful if it is whole.
        if url.starts_with("http://") || url.starts_with("https://") {
            let shown = url
                .trim_start_matches("https://")
                .trim_start_matches("http://");
            let already = self.spans.last().is_some_and(|s| s.text.ends_with(shown));
            if !already {
                self.text(&format!(" ({shown})"));
            }
        }
    }

    /// The end of a table cell, the header row or a body row.
    fn end_table_part(&mut self, tag: TagEnd) {
        let Some(t) = &mut self.table else {
            return;
        };
        match tag {
            TagEnd::TableCell => {
                let cell = std::mem::take(&mut t.cell);
                t.row.push(cell.trim().to_string());
            }
            TagEnd::TableHead => {
                let row = std::mem::take(&mut t.row);
                for (c, title) in t.columns.iter_mut().zip(row) {
                    c.weight = (title.chars().count() as f32).clamp(4.0, 30.0);
                    c.title = title;
                }
                t.in_head = false;
            }
            TagEnd::TableRow => {
                let row = std::mem::take(&mut t.row);
                t.rows.push(row);
            }
            _ => {}
        }
    }

    fn end_table(&mut self) {
        let Some(t) = self.table.take() else {
            return;
        };
        // Wider text, wider column.
        let mut columns = t.columns;
        for (i, c) in columns.iter_mut().enumerate() {
            let longest = t
                .rows
                .iter()
                .filter_map(|r| r.get(i))
                .map(|s| s.chars().count() as f32)
                .fold(c.weight, f32::max);
            c.weight = longest.clamp(4.0, 40.0);
        }
        if !columns.is_empty() {
            self.emit(Block::Table(Table {
                columns,
                rows: t.rows,
                size: style::BODY - 1.0,
                min_row_height: 0.0,
                bold_first_line: false,
            }));
        }
    }

    fn finish(mut self) -> Vec<Block> {
        self.flush_paragraph();
        // Close anything left open (pulldown-cmark closes everything, but a
        // builder that trusts that is one bug away from losing text).
        while self.stack.len() > 1 {
            match self.stack.pop() {
                Some(Container::Item(blocks)) | Some(Container::Quote(blocks)) => {
                    for b in blocks {
                        self.emit(b);
                    }
                }
                Some(Container::List {
                    ordered,
                    start,
                    items,
                }) => self.emit(Block::List {
                    ordered,
                    start,
                    items,
                }),
                _ => {}
            }
        }
        match self.stack.pop() {
            Some(Container::Root(blocks)) => blocks,
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_paragraphs_lists_and_emphasis() {
        let blocks = to_blocks(
            "# Big\n\nSome **bold** and *soft* words.\n\n- one\n- two\n  1. inner\n\n> a quote\n\n---\n",
            1,
        );
        assert_eq!(blocks[0], Block::heading(2, "Big"));
        let Block::Paragraph(p) = &blocks[1] else {
            panic!("{:?}", blocks[1])
        };
        assert_eq!(p.spans[1], Span::bold("bold"));
        assert_eq!(p.spans[3], Span::italic("soft"));
        let Block::List { ordered, items, .. } = &blocks[2] else {
            panic!("{:?}", blocks[2])
        };
        assert!(!ordered);
        assert_eq!(items.len(), 2);
        assert!(matches!(
            items[1].last(),
            Some(Block::List { ordered: true, .. })
        ));
        assert!(matches!(blocks[3], Block::Boxed { .. }));
        assert_eq!(blocks[4], Block::Rule);
    }

    #[test]
    fn links_print_their_address_and_tables_keep_cells() {
        let blocks = to_blocks(
            "See [the guide](https://example.org/guide).\n\n| Day | What |\n|---|--:|\n| Mon | Walk |\n",
            0,
        );
        let Block::Paragraph(p) = &blocks[0] else {
            panic!()
        };
        let text: String = p.spans.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(text, "See the guide (example.org/guide).");
        let Block::Table(t) = &blocks[1] else {
            panic!()
        };
        assert_eq!(t.columns[0].title, "Day");
        assert_eq!(t.columns[1].align, super::super::Align::Right);
        assert_eq!(t.rows, vec![vec!["Mon".to_string(), "Walk".to_string()]]);
    }

    #[test]
    fn raw_html_prints_nothing() {
        let blocks = to_blocks("<script>alert(1)</script>\n\nHello <b>there</b>", 0);
        let text = format!("{blocks:?}");
        assert!(!text.contains("script") && !text.contains("<b>"), "{text}");
        assert!(text.contains("Hello"));
    }
}
