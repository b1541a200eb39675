//! How long a text message is on the wire. A text of GSM 03.38 characters
//! travels in 7-bit septets (160 in one message, 153 per part once it is
//! split; `€ [ ] { } ^ ~ | \` and form feed take two, an escape first);
//! any other character sends the whole text as UCS-2 (70, then 67 per
//! part). Carriers charge, and phones show, per part.

use serde::Serialize;

/// GSM 03.38's basic character set (the escape, 0x1B, is left out: it is
/// not a character anyone types).
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Its extension table: each costs two septets.
const GSM_EXTENSION: &str = "^{}\\[~]|€\u{0C}";

/// The part limits a text is cut to.
pub const GSM_SINGLE: usize = 160;
pub const GSM_PART: usize = 153;
pub const UCS2_SINGLE: usize = 70;
pub const UCS2_PART: usize = 67;

/// Every kind's text must fit this many parts.
pub const MAX_SEGMENTS: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

/// A text's encoding, its length in that encoding's units and its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Length {
    pub encoding: Encoding,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2).
    pub units: usize,
    pub segments: usize,
}

fn gsm_septets(c: char) -> Option<usize> {
    if GSM_BASIC.contains(c) {
        Some(1)
    } else if GSM_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// Measures a text as a phone will send it.
pub fn measure(text: &str) -> Length {
    let septets: Option<usize> = text.chars().map(gsm_septets).sum();
    let (encoding, units, single, part) = match septets {
        Some(n) => (Encoding::Gsm7, n, GSM_SINGLE, GSM_PART),
        None => (
            Encoding::Ucs2,
            text.encode_utf16().count(),
            UCS2_SINGLE,
            UCS2_PART,
        ),
    };
    let segments = match units {
        0 => 0,
        n if n <= single => 1,
        n => n.div_ceil(part),
    };
    Length {
        encoding,
        units,
        segments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gsm_texts_count_septets() {
        let one = "a".repeat(160);
        assert_eq!(
            measure(&one),
            Length {
                encoding: Encoding::Gsm7,
                units: 160,
                segments: 1
            }
        );
        assert_eq!(measure(&"a".repeat(161)).segments, 2);
        assert_eq!(measure(&"a".repeat(306)).segments, 2);
        assert_eq!(measure(&"a".repeat(307)).segments, 3);
        assert_eq!(measure("").segments, 0);
        // The extension table costs two each.
        assert_eq!(measure("€[]").units, 6);
        assert_eq!(measure(&"{".repeat(80)).segments, 1);
        assert_eq!(measure(&"{".repeat(81)).segments, 2);
        // Accented letters in the basic set stay GSM-7.
        assert_eq!(measure("Café à Zoë? ¿Año?").encoding, Encoding::Ucs2);
        assert_eq!(measure("Café ñ ü £5").encoding, Encoding::Gsm7);
    }

    #[test]
    fn one_other_character_makes_it_ucs2() {
        let text = format!("{}’", "a".repeat(69));
        let m = measure(&text);
        assert_eq!((m.encoding, m.units, m.segments), (Encoding::Ucs2, 70, 1));
        assert_eq!(measure(&format!("{}’", "a".repeat(70))).segments, 2);
        assert_eq!(measure(&"ä".repeat(134)).encoding, Encoding::Gsm7);
        assert_eq!(measure(&"ł".repeat(134)).segments, 2);
        assert_eq!(measure(&"ł".repeat(135)).segments, 3);
        // An emoji is two UTF-16 units.
        assert_eq!(measure("👍").units, 2);
    }
}
