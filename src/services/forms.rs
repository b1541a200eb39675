//! Reading what people type into forms: trimmed, bounded, one line where it
//! must be, with a message a facilitator understands.

use chrono::{NaiveDate, NaiveTime};

use crate::error::FieldErrors;

/// A required single line of at most `max` characters.
pub fn required_line(
    errors: &mut FieldErrors,
    field: &str,
    value: &str,
    max: usize,
    what: &str,
) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.add(field, format!("Please enter {what}."));
    } else {
        check_line(errors, field, v, max);
    }
    v.to_string()
}

/// An optional single line; `None` when blank.
pub fn optional_line(
    errors: &mut FieldErrors,
    field: &str,
    value: &str,
    max: usize,
) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    check_line(errors, field, v, max);
    Some(v.to_string())
}

/// A non-empty value must fit `max` characters and one line.
fn check_line(errors: &mut FieldErrors, field: &str, v: &str, max: usize) {
    if v.chars().count() > max {
        errors.add(field, format!("Please keep this to {max} characters."));
    } else if v.chars().any(char::is_control) {
        errors.add(field, "Please put this on one line.");
    }
}

/// Optional text that may span lines (notes).
pub fn optional_text(
    errors: &mut FieldErrors,
    field: &str,
    value: &str,
    max: usize,
) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if v.chars().count() > max {
        errors.add(field, format!("Please keep this to {max} characters."));
    }
    Some(v.replace("\r\n", "\n"))
}

/// A number with its noun: "1 session", "6 sessions", "0 parents".
pub fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

pub fn date(errors: &mut FieldErrors, field: &str, value: &str) -> Option<NaiveDate> {
    let v = value.trim();
    if v.is_empty() {
        errors.add(field, "Please choose a date.");
        return None;
    }
    match parse_date(v) {
        Some(d) => Some(d),
        None => {
            errors.add(
                field,
                format!("'{v}' is not a date we can read. Please use the form 2026-01-31."),
            );
            None
        }
    }
}

pub fn parse_date(v: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)))
}

pub fn time(errors: &mut FieldErrors, field: &str, value: &str) -> Option<NaiveTime> {
    let v = value.trim();
    if v.is_empty() {
        errors.add(field, "Please choose a time.");
        return None;
    }
    match NaiveTime::parse_from_str(v, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(v, "%H:%M:%S"))
    {
        Ok(t) => Some(t),
        Err(_) => {
            errors.add(
                field,
                format!("'{v}' is not a time we can read. Please use the form 18:30."),
            );
            None
        }
    }
}

/// An optional whole number in `min..=max`.
pub fn optional_number(
    errors: &mut FieldErrors,
    field: &str,
    value: &str,
    min: i32,
    max: i32,
) -> Option<i32> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    match v.parse::<i32>() {
        Ok(n) if (min..=max).contains(&n) => Some(n),
        _ => {
            errors.add(
                field,
                format!("Please enter a whole number from {min} to {max}, or leave it empty."),
            );
            None
        }
    }
}

/// An optional web address (http or https).
pub fn optional_url(errors: &mut FieldErrors, field: &str, value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    let lower = v.to_ascii_lowercase();
    let ok = (lower.starts_with("https://") || lower.starts_with("http://"))
        && v.len() <= 500
        && !v.contains(char::is_whitespace)
        && v.split("://").nth(1).is_some_and(|rest| !rest.is_empty());
    if !ok {
        errors.add(
            field,
            "Please enter a full web address starting with https://",
        );
    }
    Some(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_refuses() {
        let mut e = FieldErrors::default();
        assert_eq!(
            required_line(&mut e, "t", "  Tuesday group ", 50, "a title"),
            "Tuesday group"
        );
        assert!(e.is_empty());
        required_line(&mut e, "blank", "   ", 50, "a title");
        required_line(&mut e, "long", &"x".repeat(51), 50, "a title");
        required_line(&mut e, "lines", "a\nb", 50, "a title");
        assert_eq!(date(&mut e, "d", "2026-02-30"), None);
        assert_eq!(time(&mut e, "tm", "25:00"), None);
        assert_eq!(optional_number(&mut e, "n", "0", 1, 10), None);
        optional_url(&mut e, "u", "javascript:alert(1)");
        assert_eq!(e.0.len(), 7, "{e:?}");
        assert_eq!(
            optional_line(&mut FieldErrors::default(), "x", "  ", 5),
            None
        );
    }
}
