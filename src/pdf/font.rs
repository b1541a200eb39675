//! The embedded typeface (DejaVu Sans: regular, bold, oblique; licence in
//! `fonts/LICENSE`): real advance widths for measuring, the fallback for
//! characters it lacks, and a per-document subset for embedding.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

use printpdf::ParsedFont;

static REGULAR: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("fonts/DejaVuSans-Bold.ttf");
static ITALIC: &[u8] = include_bytes!("fonts/DejaVuSans-Oblique.ttf");

/// What is drawn in place of a character no face has (CJK, say): visible
/// on paper, searchable in the text layer, and logged.
pub const REPLACEMENT: char = '\u{FFFD}';

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Face {
    Regular,
    Bold,
    Italic,
}

impl Face {
    pub const ALL: [Face; 3] = [Face::Regular, Face::Bold, Face::Italic];

    fn index(self) -> usize {
        self as usize
    }

    fn bytes(self) -> &'static [u8] {
        match self {
            Face::Regular => REGULAR,
            Face::Bold => BOLD,
            Face::Italic => ITALIC,
        }
    }

    pub fn postscript_name(self) -> &'static str {
        match self {
            Face::Regular => "DejaVuSans",
            Face::Bold => "DejaVuSans-Bold",
            Face::Italic => "DejaVuSans-Oblique",
        }
    }
}

/// Advances of the characters below this code point live in a flat table;
/// the rest in a map.
const FAST: usize = 0x2200;

/// One face's metrics, read once per process.
pub struct Metrics {
    units_per_em: f32,
    /// Advance in em for chars below `FAST`; `NAN` where the face has no glyph.
    fast: Vec<f32>,
    slow: BTreeMap<u32, f32>,
    cmap: BTreeMap<u32, u16>,
    pub ascent: f32,
    pub descent: f32,
}

impl Metrics {
    fn load(face: Face) -> Metrics {
        let mut warnings = Vec::new();
        let Some(parsed) = ParsedFont::from_bytes(face.bytes(), 0, &mut warnings) else {
            // The fonts are compiled in; a test (`fonts_parse`) proves they parse.
            tracing::error!(face = face.postscript_name(), "embedded font did not parse");
            return Metrics {
                units_per_em: 1000.0,
                fast: vec![f32::NAN; FAST],
                slow: BTreeMap::new(),
                cmap: BTreeMap::new(),
                ascent: 0.8,
                descent: -0.2,
            };
        };
        let upem = f32::from(parsed.units_per_em.max(1));
        let mut fast = vec![f32::NAN; FAST];
        let mut slow = BTreeMap::new();
        for (&cp, &gid) in &parsed.codepoint_to_glyph {
            let advance = f32::from(parsed.get_glyph_width(gid).unwrap_or(0)) / upem;
            match fast.get_mut(cp as usize) {
                Some(slot) => *slot = advance,
                None => {
                    slow.insert(cp, advance);
                }
            }
        }
        Metrics {
            units_per_em: upem,
            fast,
            slow,
            cmap: parsed.codepoint_to_glyph.clone(),
            ascent: f32::from(parsed.font_metrics.ascent) / upem,
            descent: f32::from(parsed.font_metrics.descent) / upem,
        }
    }

    /// Advance of `c` in em, or `None` if the face has no glyph for it.
    pub fn advance(&self, c: char) -> Option<f32> {
        let cp = c as usize;
        let a = if cp < FAST {
            self.fast[cp]
        } else {
            *self.slow.get(&(c as u32))?
        };
        (!a.is_nan()).then_some(a)
    }

    pub fn has(&self, c: char) -> bool {
        self.advance(c).is_some()
    }

    pub fn units_per_em(&self) -> f32 {
        self.units_per_em
    }
}

static METRICS: LazyLock<[Metrics; 3]> = LazyLock::new(|| Face::ALL.map(Metrics::load));

pub fn metrics(face: Face) -> &'static Metrics {
    &METRICS[face.index()]
}

/// Width of `text` in `face` at `size` points. Characters the face lacks
/// count as the replacement character (see [`prepare`]).
pub fn width(face: Face, text: &str, size: f32) -> f32 {
    let m = metrics(face);
    let em: f32 = text
        .chars()
        .map(|c| m.advance(c).unwrap_or_else(|| replacement_advance(m)))
        .sum();
    em * size
}

fn replacement_advance(m: &Metrics) -> f32 {
    m.advance(REPLACEMENT).unwrap_or(0.6)
}

/// Characters a document could not draw as written, for one log line per
/// document rather than one per character.
#[derive(Debug, Default)]
pub struct Missing {
    pub count: usize,
    pub examples: BTreeSet<char>,
}

impl Missing {
    fn note(&mut self, c: char) {
        self.count += 1;
        if self.examples.len() < 8 {
            self.examples.insert(c);
        }
    }

    pub fn log(&self, title: &str) {
        if self.count > 0 {
            let examples: Vec<String> = self
                .examples
                .iter()
                .map(|c| format!("U+{:04X}", *c as u32))
                .collect();
            tracing::warn!(
                document = title,
                count = self.count,
                examples = %examples.join(" "),
                "characters the font lacks were printed as \u{FFFD}"
            );
        }
    }
}

/// Splits `text` (meant for `face`) into runs that each face can draw:
/// a character the face lacks but Regular has (Arabic in the oblique face)
/// moves to Regular; one no face has becomes [`REPLACEMENT`]. Control
/// characters other than newline are dropped; tabs become spaces.
pub fn prepare(face: Face, text: &str, missing: &mut Missing) -> Vec<(Face, String)> {
    let own = metrics(face);
    let regular = metrics(Face::Regular);
    let mut runs: Vec<(Face, String)> = Vec::new();
    for c in text.chars() {
        let (f, c) = if c == '\n' {
            (face, c)
        } else if c == '\t' {
            (face, ' ')
        } else if c.is_control() || is_invisible_format(c) {
            continue;
        } else if own.has(c) {
            (face, c)
        } else if face != Face::Regular && regular.has(c) {
            (Face::Regular, c)
        } else {
            missing.note(c);
            (face, REPLACEMENT)
        };
        match runs.last_mut() {
            Some((last, s)) if *last == f => s.push(c),
            _ => runs.push((f, c.to_string())),
        }
    }
    runs
}

/// Zero-width and direction marks: no glyph, nothing to print.
fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}'
    )
}

/// The faces a document used and the characters of each: enough to build
/// the subset that is embedded.
#[derive(Debug, Default)]
pub struct Usage {
    chars: [BTreeSet<char>; 3],
}

impl Usage {
    pub fn add(&mut self, face: Face, text: &str) {
        self.chars[face.index()].extend(text.chars().filter(|c| *c != ' '));
        // The space glyph is needed wherever words are.
        if text.contains(' ') {
            self.chars[face.index()].insert(' ');
        }
    }

    pub fn used(&self, face: Face) -> bool {
        !self.chars[face.index()].is_empty()
    }

    /// A font holding only the glyphs this document uses, named with the
    /// `ABCDEF+` subset tag that PDF readers expect of a subset.
    pub fn subset(&self, face: Face) -> Result<ParsedFont, String> {
        use allsorts::binary::read::ReadScope;
        use allsorts::font_data::FontData;
        use allsorts::subset::{subset, CmapTarget, SubsetProfile};

        let m = metrics(face);
        let mut gids: BTreeSet<u16> = BTreeSet::new();
        for c in &self.chars[face.index()] {
            if let Some(g) = m.cmap.get(&(*c as u32)) {
                gids.insert(*g);
            }
        }
        gids.remove(&0);
        // Glyph 0 (.notdef) must come first.
        let ids: Vec<u16> = std::iter::once(0).chain(gids.iter().copied()).collect();
        let key = (face, ids);
        if let Some(hit) = SUBSETS.lock().ok().and_then(|cache| {
            cache
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(_, font)| font.clone())
        }) {
            return Ok(hit);
        }
        let ids = &key.1;

        let scope = ReadScope::new(face.bytes());
        let data = scope.read::<FontData<'_>>().map_err(|e| e.to_string())?;
        let provider = data.table_provider(0).map_err(|e| e.to_string())?;
        let bytes = subset(&provider, ids, &SubsetProfile::Pdf, CmapTarget::Unicode)
            .map_err(|e| e.to_string())?;

        let mut warnings = Vec::new();
        let mut font = ParsedFont::from_bytes(&bytes, 0, &mut warnings)
            .ok_or_else(|| format!("the {} subset did not parse", face.postscript_name()))?;
        font.font_name = Some(format!("{}+{}", subset_tag(ids), face.postscript_name()));
        if let Ok(mut cache) = SUBSETS.lock() {
            if cache.len() >= SUBSET_CACHE {
                cache.pop_front();
            }
            cache.push_back((key.clone(), font.clone()));
        }
        Ok(font)
    }
}

/// Subsets made lately, by face and glyph set. Subsetting reads the whole
/// font (about a millisecond a face), and the same handout is printed again
/// and again: each parent's copy of a session uses the same letters but for
/// the names. A few dozen entries of 20-40 kB each.
const SUBSET_CACHE: usize = 32;
type SubsetKey = (Face, Vec<u16>);
static SUBSETS: LazyLock<std::sync::Mutex<std::collections::VecDeque<(SubsetKey, ParsedFont)>>> =
    LazyLock::new(Default::default);

/// Six capital letters derived from the glyph set, so the same glyphs give
/// the same tag (PDF 32000-1, 9.6.4).
fn subset_tag(ids: &[u16]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for id in ids {
        for b in id.to_le_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    (0..6)
        .map(|i| char::from(b'A' + ((h >> (i * 8)) % 26) as u8))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fonts_parse_with_real_advances() {
        for face in Face::ALL {
            let m = metrics(face);
            assert!(m.cmap.len() > 3000, "{face:?}");
            assert!(m.ascent > 0.5 && m.descent < 0.0);
        }
        // A wide letter is wider than a narrow one; bold is wider still.
        assert!(width(Face::Regular, "W", 10.0) > width(Face::Regular, "i", 10.0) * 2.0);
        assert!(width(Face::Bold, "Hello", 10.0) > width(Face::Regular, "Hello", 10.0));
        // Scales with size.
        let w = width(Face::Regular, "abc", 10.0);
        assert!((width(Face::Regular, "abc", 20.0) - 2.0 * w).abs() < 1e-3);
    }

    #[test]
    fn prepare_replaces_what_no_face_has_and_borrows_from_regular() {
        let mut missing = Missing::default();
        let runs = prepare(Face::Italic, "a\u{4E2D}b\u{0627}\tc\u{7}", &mut missing);
        assert_eq!(
            runs,
            vec![
                (Face::Italic, "a\u{FFFD}b".to_string()),
                (Face::Regular, "\u{0627}".to_string()),
                (Face::Italic, " c".to_string()),
            ]
        );
        assert_eq!(missing.count, 1);
        assert!(missing.examples.contains(&'\u{4E2D}'));
    }

    #[test]
    fn subset_is_small_tagged_and_maps_the_used_characters() {
        let mut usage = Usage::default();
        usage.add(Face::Regular, "Hello world");
        let font = usage.subset(Face::Regular).expect("subset");
        assert!(
            font.original_bytes.len() < 40_000,
            "{}",
            font.original_bytes.len()
        );
        let name = font.font_name.clone().unwrap_or_default();
        assert!(
            name.ends_with("+DejaVuSans") && name.len() == 7 + 10,
            "{name}"
        );
        for c in "Helowrd ".chars() {
            assert!(font.lookup_glyph_index(c as u32).is_some(), "{c}");
        }
        assert!(font.lookup_glyph_index('z' as u32).is_none());
        // The same letters again come from the cache, the same font.
        let again = usage.subset(Face::Regular).expect("subset");
        assert_eq!(again.original_bytes, font.original_bytes);
        assert_eq!(again.font_name, font.font_name);
    }
}
