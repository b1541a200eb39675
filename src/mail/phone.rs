//! Phone numbers: read as people type them, stored in E.164 (`+441614960000`)
//! with the `phonenumber` crate (Google's libphonenumber data). A number
//! typed without `+` is read in a default country: the group's
//! (`cohorts.phone_country`), else the organisation's, else the one its
//! time zone is in.

use phonenumber::country::Id;
use phonenumber::Mode;

/// Why a typed number was refused: the words name the format to use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneError(pub String);

impl std::fmt::Display for PhoneError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// How a number should be typed, with examples from `country`.
pub fn format_help(country: Option<&str>) -> String {
    let (local, international) = match country.map(str::to_ascii_uppercase).as_deref() {
        Some("US") | Some("CA") => ("(201) 555-0123", "+1 201 555 0123"),
        Some("AU") => ("0491 570 006", "+61 491 570 006"),
        Some("NZ") => ("021 123 4567", "+64 21 123 4567"),
        Some("IE") => ("085 123 4567", "+353 85 123 4567"),
        Some("IN") => ("098765 43210", "+91 98765 43210"),
        Some("ZA") => ("071 123 4567", "+27 71 123 4567"),
        _ => ("0161 496 0000", "+44 161 496 0000"),
    };
    format!("Type the number with its area code, like {local} or {international}.")
}

/// A two-letter country code phone numbers can be read in.
pub fn country_id(code: &str) -> Option<Id> {
    let code = code.trim().to_ascii_uppercase();
    if code.len() != 2 {
        return None;
    }
    code.parse::<Id>().ok()
}

/// The number in E.164, read in `country` when it has no `+`.
pub fn to_e164(raw: &str, country: Option<&str>) -> Result<String, PhoneError> {
    let refuse = || PhoneError(format_help(country));
    let typed = raw.trim();
    let digits = typed.chars().filter(char::is_ascii_digit).count();
    let allowed = typed
        .chars()
        .all(|c| c.is_ascii_digit() || " +-().".contains(c));
    if !allowed || !(6..=15).contains(&digits) || typed.len() > 40 {
        return Err(refuse());
    }
    let international = typed.starts_with('+') || typed.starts_with("00");
    let typed = match typed.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => typed.to_string(),
    };
    let region = if international {
        None
    } else {
        Some(country.and_then(country_id).ok_or_else(refuse)?)
    };
    let number = phonenumber::parse(region, &typed).map_err(|_| refuse())?;
    if !phonenumber::is_valid(&number) {
        return Err(refuse());
    }
    Ok(number.format().mode(Mode::E164).to_string())
}

/// A stored number as E.164 where it can be read (older rows were kept
/// as typed); `None` when it cannot: never an error on the way out.
pub fn normalise_stored(stored: &str, country: Option<&str>) -> Option<String> {
    to_e164(stored, country).ok()
}

/// A number as people read it (`+44 161 496 0000`), or as stored.
pub fn display(e164: &str) -> String {
    phonenumber::parse(None, e164)
        .map(|n| n.format().mode(Mode::International).to_string())
        .unwrap_or_else(|_| e164.to_string())
}

/// The country a time zone is in, for the zones groups commonly use.
pub fn country_of_zone(zone: &str) -> Option<&'static str> {
    const EXACT: &[(&str, &str)] = &[
        ("Europe/London", "GB"),
        ("Europe/Belfast", "GB"),
        ("Europe/Dublin", "IE"),
        ("Pacific/Auckland", "NZ"),
        ("Pacific/Honolulu", "US"),
        ("Asia/Kolkata", "IN"),
        ("Asia/Calcutta", "IN"),
        ("Africa/Johannesburg", "ZA"),
        ("Asia/Manila", "PH"),
        ("America/Mexico_City", "MX"),
        ("Europe/Paris", "FR"),
        ("Europe/Berlin", "DE"),
        ("Europe/Madrid", "ES"),
        ("Europe/Rome", "IT"),
        ("Europe/Amsterdam", "NL"),
        ("Asia/Singapore", "SG"),
    ];
    const CANADA: &[&str] = &[
        "Toronto",
        "Vancouver",
        "Edmonton",
        "Winnipeg",
        "Halifax",
        "St_Johns",
        "Regina",
        "Montreal",
        "Moncton",
    ];
    if let Some((_, c)) = EXACT.iter().find(|(z, _)| *z == zone) {
        return Some(c);
    }
    if zone.starts_with("Australia/") {
        return Some("AU");
    }
    if zone.starts_with("Canada/") {
        return Some("CA");
    }
    if zone.starts_with("US/") {
        return Some("US");
    }
    let city = zone.strip_prefix("America/")?;
    if CANADA.contains(&city) {
        return Some("CA");
    }
    const US: &[&str] = &[
        "New_York",
        "Chicago",
        "Denver",
        "Los_Angeles",
        "Phoenix",
        "Anchorage",
        "Detroit",
        "Boise",
        "Juneau",
        "Adak",
        "Nome",
        "Sitka",
        "Menominee",
        "Louisville",
    ];
    let us = US.contains(&city)
        || ["Indiana/", "Kentucky/", "North_Dakota/"]
            .iter()
            .any(|p| city.starts_with(p));
    us.then_some("US")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_typed_many_ways_are_stored_in_e164() {
        let gb = Some("GB");
        for typed in [
            "0161 496 0000",
            "+44 161 496 0000",
            "0044 161 496 0000",
            "(0161) 496-0000",
        ] {
            assert_eq!(to_e164(typed, gb).unwrap(), "+441614960000", "{typed}");
        }
        assert_eq!(to_e164("07911 123456", gb).unwrap(), "+447911123456");
        assert_eq!(
            to_e164("(201) 555-0123", Some("US")).unwrap(),
            "+12015550123"
        );
        assert_eq!(to_e164("+1 201 555 0123", None).unwrap(), "+12015550123");
    }

    #[test]
    fn bad_numbers_name_the_format() {
        for typed in [
            "123",
            "0161 496",
            "call me",
            "+44 161 496 0000 ext",
            "0000000000000000",
        ] {
            let e = to_e164(typed, Some("GB")).unwrap_err();
            assert!(
                e.0.contains("like 0161 496 0000 or +44 161 496 0000"),
                "{typed}: {e}"
            );
        }
        // Without a country, only international numbers can be read.
        assert!(to_e164("0161 496 0000", None).is_err());
        assert!(format_help(Some("US")).contains("+1 201 555 0123"));
    }

    #[test]
    fn stored_numbers_are_read_without_crashing() {
        assert_eq!(
            normalise_stored("0161 496 0000", Some("GB")).as_deref(),
            Some("+441614960000")
        );
        assert_eq!(normalise_stored("not a number", Some("GB")), None);
        assert_eq!(display("+441614960000"), "+44 161 496 0000");
        assert_eq!(display("garbage"), "garbage");
    }

    #[test]
    fn zones_give_countries() {
        assert_eq!(country_of_zone("Europe/London"), Some("GB"));
        assert_eq!(country_of_zone("America/Chicago"), Some("US"));
        assert_eq!(country_of_zone("America/Toronto"), Some("CA"));
        assert_eq!(country_of_zone("Australia/Sydney"), Some("AU"));
        assert_eq!(country_of_zone("America/Lima"), None);
    }
}
