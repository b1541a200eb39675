//! Turning a weekly plan in a cohort's time zone into meeting times in UTC.
//! Local clock time is what people live by, so DST never moves a meeting's
//! local time; a local time that does not exist (spring forward) or exists
//! twice (fall back) is resolved explicitly and said so.

use chrono::{Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedMeeting {
    pub session_number: u32,
    pub local: NaiveDateTime,
    pub starts_at_utc: NaiveDateTime,
    /// Set when the local time had to be resolved, for the facilitator.
    pub resolution: Option<String>,
}

pub fn parse_time_zone(name: &str) -> Result<Tz, AppError> {
    name.trim().parse::<Tz>().map_err(|_| {
        AppError::validation(format!(
            "'{name}' is not a time zone we know. Use a name like America/New_York or Europe/London."
        ))
    })
}

/// The UTC instant of a local date and time, resolving gaps and overlaps.
pub fn local_to_utc(tz: Tz, local: NaiveDateTime) -> (NaiveDateTime, Option<String>) {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => (t.naive_utc(), None),
        LocalResult::Ambiguous(first, _) => (
            first.naive_utc(),
            Some(format!(
                "{} happens twice on this day (clocks go back); the meeting is at the first one, {}.",
                local.format("%H:%M"),
                first.format("%H:%M %Z")
            )),
        ),
        LocalResult::None => {
            // Clocks jumped forward over this time: move to the first valid
            // minute after the gap (gaps are at most a few hours).
            let mut shifted = local;
            for _ in 0..(4 * 60) {
                shifted += Duration::minutes(1);
                if let LocalResult::Single(t) = tz.from_local_datetime(&shifted) {
                    return (
                        t.naive_utc(),
                        Some(format!(
                            "{} does not exist on this day (clocks go forward); the meeting starts at {}.",
                            local.format("%H:%M"),
                            shifted.format("%H:%M")
                        )),
                    );
                }
            }
            (local, Some("this local time could not be resolved".into()))
        }
    }
}

/// One meeting per session, every `every_days` days from `first`, at
/// `time` local, stepping over `skip` dates.
pub fn weekly(
    tz: Tz,
    first: NaiveDate,
    time: NaiveTime,
    sessions: u32,
    every_days: u32,
    skip: &[NaiveDate],
) -> Vec<PlannedMeeting> {
    let step = Duration::days(i64::from(every_days.max(1)));
    let mut date = first;
    let mut out = Vec::with_capacity(sessions as usize);
    let mut n = 1;
    // Bounded: every skipped date is consumed at most once.
    let mut guard = sessions as usize + skip.len() + 1;
    while n <= sessions && guard > 0 {
        guard -= 1;
        if !skip.contains(&date) {
            let local = date.and_time(time);
            let (utc, resolution) = local_to_utc(tz, local);
            out.push(PlannedMeeting {
                session_number: n,
                local,
                starts_at_utc: utc,
                resolution,
            });
            n += 1;
        }
        date += step;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn local_time_holds_across_dst() {
        let tz: Tz = "America/New_York".parse().unwrap();
        // 2026-03-08 is the spring-forward Sunday in New York.
        let plan = weekly(tz, d(2026, 3, 1), t(18, 30), 3, 7, &[]);
        let hours: Vec<String> = plan
            .iter()
            .map(|m| m.starts_at_utc.format("%H:%M").to_string())
            .collect();
        assert_eq!(hours, ["23:30", "22:30", "22:30"]);
        assert!(plan.iter().all(|m| m.local.time() == t(18, 30)));
    }

    #[test]
    fn gaps_and_overlaps_are_explained() {
        let tz: Tz = "Europe/London".parse().unwrap();
        let (utc, why) = local_to_utc(tz, d(2026, 3, 29).and_time(t(1, 30)));
        assert_eq!(utc, d(2026, 3, 29).and_time(t(1, 0)));
        assert!(why.unwrap().contains("02:00"));
        let (utc, why) = local_to_utc(tz, d(2026, 10, 25).and_time(t(1, 30)));
        assert_eq!(utc, d(2026, 10, 25).and_time(t(0, 30)));
        assert!(why.unwrap().contains("twice"));
    }

    #[test]
    fn skipped_dates_push_sessions_later() {
        let tz: Tz = "Asia/Kolkata".parse().unwrap();
        let plan = weekly(tz, d(2026, 1, 6), t(10, 0), 3, 7, &[d(2026, 1, 13)]);
        let dates: Vec<NaiveDate> = plan.iter().map(|m| m.local.date()).collect();
        assert_eq!(dates, [d(2026, 1, 6), d(2026, 1, 20), d(2026, 1, 27)]);
        assert_eq!(plan[2].session_number, 3);
    }
}

/// A UTC instant as people in `tz` read it: "Tue 24 Nov 2026, 18:30".
pub fn format_local(tz: Tz, utc: NaiveDateTime) -> String {
    tz.from_utc_datetime(&utc)
        .format("%a %-d %b %Y, %H:%M")
        .to_string()
}

/// The local date and time of a UTC instant in `tz`.
pub fn to_local(tz: Tz, utc: NaiveDateTime) -> NaiveDateTime {
    tz.from_utc_datetime(&utc).naive_local()
}

#[cfg(test)]
mod format_tests {
    use super::*;

    #[test]
    fn formats_in_the_cohort_zone() {
        let tz: Tz = "Australia/Lord_Howe".parse().unwrap();
        let utc = NaiveDate::from_ymd_opt(2026, 1, 5)
            .unwrap()
            .and_hms_opt(7, 0, 0)
            .unwrap();
        // Lord Howe is UTC+11 in January.
        assert_eq!(format_local(tz, utc), "Mon 5 Jan 2026, 18:00");
    }
}
