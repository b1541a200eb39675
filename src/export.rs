//! Files people open in a spreadsheet: text cells that cannot run as a
//! formula, and pseudonymous ids that stay the same within one report but
//! say nothing about who a parent is.

use std::borrow::Cow;

use crate::crypto::{self, CryptoError};

/// A text cell for CSV. A cell starting with `=`, `+`, `-`, `@`, a tab or
/// a carriage return is a formula to Excel, LibreOffice and Sheets
/// (OWASP's "CSV injection"); it gets a leading `'` so it shows as typed.
/// Write numbers as numbers, not through this: `-0.5` is a figure.
pub fn text_cell(value: &str) -> Cow<'_, str> {
    match value.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{value}")),
        _ => Cow::Borrowed(value),
    }
}

/// A stable pseudonymous id for one parent's place (`enrolment_id`) within
/// one report (`scope`, for example the report's dates and filters): the
/// same parent gets the same id each time that report is made, another
/// report gives them another, and nobody without the app's secret can
/// tell who it is. Eight characters without look-alikes, after "P-".
pub fn pseudonym(secret: &[u8], scope: &str, enrolment_id: i64) -> Result<String, CryptoError> {
    use hmac::Mac;
    const ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";
    let mac = crypto::keyed_mac(secret, &format!("pseudonym:{scope}:{enrolment_id}"))?;
    let bytes = mac.finalize().into_bytes();
    let id: String = bytes
        .iter()
        .take(8)
        .map(|b| ALPHABET[usize::from(b % 32)] as char)
        .collect();
    Ok(format!("P-{id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_plain_text_is_not() {
        for bad in ["=1+1", "+44 20", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(text_cell(bad).starts_with('\''), "{bad}");
        }
        assert_eq!(text_cell("Maple Room"), "Maple Room");
        assert_eq!(text_cell(""), "");
    }

    #[test]
    fn pseudonyms_are_stable_per_report_and_differ_between_reports() {
        let a = pseudonym(b"secret", "2026-01-01..2026-12-31", 7).unwrap();
        assert_eq!(
            a,
            pseudonym(b"secret", "2026-01-01..2026-12-31", 7).unwrap()
        );
        assert_ne!(
            a,
            pseudonym(b"secret", "2026-01-01..2026-06-30", 7).unwrap()
        );
        assert_ne!(
            a,
            pseudonym(b"secret", "2026-01-01..2026-12-31", 8).unwrap()
        );
        assert_eq!(a.len(), 10);
        assert!(a.starts_with("P-"));
    }
}
