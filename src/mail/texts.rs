//! Text messages (SMS): the words every text ends with, the quiet hours
//! no text is sent in, and keeping each text within two parts.

use chrono::{Duration, NaiveDateTime, NaiveTime, TimeZone, Timelike};
use chrono_tz::Tz;

use crate::mail::segments::{self, MAX_SEGMENTS};

/// Every text ends with this (carriers require it, and it is the promise
/// that one word stops them all).
pub const STOP_LINE: &str = "Reply STOP to stop";

/// No texts from 21:00 until 08:00 in the group's time zone.
pub const QUIET_FROM_HOUR: u32 = 21;
pub const QUIET_UNTIL_HOUR: u32 = 8;

/// The first moment at or after `at` (UTC) that is outside quiet hours in
/// `tz`: `at` itself in the day, else the next 08:00 local.
pub fn outside_quiet_hours(at: NaiveDateTime, tz: Tz) -> NaiveDateTime {
    let local = tz.from_utc_datetime(&at);
    let hour = local.hour();
    if (QUIET_UNTIL_HOUR..QUIET_FROM_HOUR).contains(&hour) {
        return at;
    }
    let day = if hour >= QUIET_FROM_HOUR {
        local.date_naive() + Duration::days(1)
    } else {
        local.date_naive()
    };
    let morning = day.and_time(NaiveTime::from_hms_opt(QUIET_UNTIL_HOUR, 0, 0).unwrap_or_default());
    tz.from_local_datetime(&morning)
        .earliest()
        .map(|d| d.naive_utc())
        // 08:00 skipped by a clock change: an hour later is surely real.
        .unwrap_or_else(|| at + Duration::hours(1))
}

/// A zone by name; an unknown one is read as UTC (never an error on the
/// way out).
pub fn zone(name: &str) -> Tz {
    name.trim().parse::<Tz>().unwrap_or(Tz::UTC)
}

/// Typographic characters that would make a whole text UCS-2 (70 a part
/// instead of 160), swapped for their plain GSM-7 look-alikes.
fn plain(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' => "'".to_string(),
            '\u{201C}' | '\u{201D}' | '\u{2033}' => "\"".to_string(),
            '\u{2013}' | '\u{2014}' | '\u{2212}' => "-".to_string(),
            '\u{2026}' => "...".to_string(),
            '\u{00A0}' | '\u{202F}' => " ".to_string(),
            other => other.to_string(),
        })
        .collect()
}

/// The body as sent: plain characters, cut (with "...") to fit two parts
/// with the STOP line, and the STOP line last.
pub fn finish_body(body: &str) -> String {
    let body = plain(body.trim());
    let whole = |b: &str| format!("{b}\n{STOP_LINE}");
    if segments::measure(&whole(&body)).segments <= MAX_SEGMENTS {
        return whole(&body);
    }
    let mut chars: Vec<char> = body.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let cut: String = chars.iter().collect::<String>().trim_end().to_string() + "...";
        if segments::measure(&whole(&cut)).segments <= MAX_SEGMENTS {
            return whole(&cut);
        }
    }
    STOP_LINE.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn quiet_hours_wait_until_eight_local() {
        let london: Tz = "Europe/London".parse().unwrap();
        // 14:00 in London in December: goes at once.
        assert_eq!(
            outside_quiet_hours(utc(2026, 12, 8, 14, 0), london),
            utc(2026, 12, 8, 14, 0)
        );
        // 22:00: the next morning at 08:00.
        assert_eq!(
            outside_quiet_hours(utc(2026, 12, 8, 22, 0), london),
            utc(2026, 12, 9, 8, 0)
        );
        // 03:00: the same morning.
        assert_eq!(
            outside_quiet_hours(utc(2026, 12, 9, 3, 0), london),
            utc(2026, 12, 9, 8, 0)
        );
        // 21:00 is quiet, 20:59 is not; in summer London is UTC+1.
        assert_eq!(
            outside_quiet_hours(utc(2026, 7, 1, 19, 59), london),
            utc(2026, 7, 1, 19, 59)
        );
        assert_eq!(
            outside_quiet_hours(utc(2026, 7, 1, 20, 0), london),
            utc(2026, 7, 2, 7, 0)
        );
        let chicago: Tz = "America/Chicago".parse().unwrap();
        // 22:00 in Chicago is 04:00 UTC; 08:00 there is 14:00 UTC.
        assert_eq!(
            outside_quiet_hours(utc(2026, 12, 9, 4, 0), chicago),
            utc(2026, 12, 9, 14, 0)
        );
    }

    #[test]
    fn bodies_end_with_stop_and_fit_two_parts() {
        let b = finish_body("Hi Ana, we meet Tuesday.");
        assert_eq!(b, "Hi Ana, we meet Tuesday.\nReply STOP to stop");
        // Curly quotes do not turn the text into UCS-2.
        let b = finish_body("We can’t wait – “see you”…");
        assert_eq!(segments::measure(&b).encoding, segments::Encoding::Gsm7);
        let long = finish_body(&"word ".repeat(200));
        assert!(long.ends_with("...\nReply STOP to stop"), "{long}");
        assert!(segments::measure(&long).segments <= 2);
        let long = finish_body(&"słowo ".repeat(200));
        assert!(segments::measure(&long).segments <= 2);
        assert!(long.ends_with(STOP_LINE));
    }
}
