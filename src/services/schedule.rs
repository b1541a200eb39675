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

#[cfg(test)]
mod dst_tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    /// UTC start times of a weekly plan, as "HH:MM".
    fn utc_times(tz: &str, first: NaiveDate, time: NaiveTime, n: u32) -> Vec<String> {
        let tz: Tz = tz.parse().unwrap();
        let plan = weekly(tz, first, time, n, 7, &[]);
        assert!(plan
            .iter()
            .all(|m| m.local.time() == time && m.resolution.is_none()));
        plan.iter()
            .map(|m| m.starts_at_utc.format("%H:%M").to_string())
            .collect()
    }

    #[test]
    fn new_york_spring_and_autumn() {
        // Clocks change on Sun 8 Mar and Sun 1 Nov 2026.
        assert_eq!(
            utc_times("America/New_York", d(2026, 3, 1), t(18, 0), 3),
            ["23:00", "22:00", "22:00"]
        );
        assert_eq!(
            utc_times("America/New_York", d(2026, 10, 25), t(18, 0), 2),
            ["22:00", "23:00"]
        );
    }

    #[test]
    fn london_spring_and_autumn() {
        // Sun 29 Mar and Sun 25 Oct 2026.
        assert_eq!(
            utc_times("Europe/London", d(2026, 3, 22), t(10, 0), 2),
            ["10:00", "09:00"]
        );
        assert_eq!(
            utc_times("Europe/London", d(2026, 10, 18), t(10, 0), 2),
            ["09:00", "10:00"]
        );
    }

    #[test]
    fn lord_howe_moves_by_half_an_hour() {
        // Lord Howe: +11 in summer, +10:30 in winter; changes on Sun 5 Apr
        // and Sun 4 Oct 2026, at 02:00 local.
        assert_eq!(
            utc_times("Australia/Lord_Howe", d(2026, 3, 29), t(18, 0), 2),
            ["07:00", "07:30"]
        );
        assert_eq!(
            utc_times("Australia/Lord_Howe", d(2026, 9, 27), t(18, 0), 2),
            ["07:30", "07:00"]
        );
        let tz: Tz = "Australia/Lord_Howe".parse().unwrap();
        // 02:15 on 4 Oct does not exist (02:00 jumps to 02:30).
        let (utc, why) = local_to_utc(tz, d(2026, 10, 4).and_time(t(2, 15)));
        assert_eq!(to_local(tz, utc).time(), t(2, 30));
        assert!(why.unwrap().contains("02:30"));
        // 01:45 on 5 Apr happens twice (02:00 goes back to 01:30).
        let (utc, why) = local_to_utc(tz, d(2026, 4, 5).and_time(t(1, 45)));
        assert_eq!(
            utc,
            d(2026, 4, 4).and_time(t(14, 45)),
            "the first 01:45, at +11"
        );
        assert!(why.unwrap().contains("twice"));
    }

    #[test]
    fn kolkata_never_changes() {
        assert_eq!(
            utc_times("Asia/Kolkata", d(2026, 3, 1), t(19, 30), 40)
                .iter()
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            1
        );
    }

    const ZONES: [&str; 8] = [
        "America/New_York",
        "Europe/London",
        "Australia/Lord_Howe",
        "Asia/Kolkata",
        "America/Santiago",
        "Pacific/Auckland",
        "Europe/Dublin",
        "UTC",
    ];

    proptest! {
        /// Every session gets exactly one meeting, in order, a whole number
        /// of cadences apart; a date is passed over only when asked; and the
        /// local time is the planned one whenever that time exists.
        #[test]
        fn weekly_meetings_are_never_skipped_or_doubled(
            zone in 0usize..ZONES.len(),
            day_offset in 0i64..(365 * 15),
            hour in 0u32..24,
            minute in prop::sample::select(vec![0u32, 15, 30, 45]),
            sessions in 1u32..13,
            fortnightly in any::<bool>(),
            skip_weeks in prop::collection::vec(0i64..20, 0..5),
        ) {
            let tz: Tz = ZONES[zone].parse().unwrap();
            let first = d(2020, 1, 1) + Duration::days(day_offset);
            let time = t(hour, minute);
            let cadence = if fortnightly { 14 } else { 7 };
            let skip: Vec<NaiveDate> = skip_weeks
                .iter()
                .map(|w| first + Duration::days(w * i64::from(cadence)))
                .collect();
            let plan = weekly(tz, first, time, sessions, cadence, &skip);

            prop_assert_eq!(plan.len(), sessions as usize);
            let numbers: Vec<u32> = plan.iter().map(|m| m.session_number).collect();
            prop_assert_eq!(numbers, (1..=sessions).collect::<Vec<_>>());
            let mut expected = first;
            for m in &plan {
                while skip.contains(&expected) {
                    expected += Duration::days(i64::from(cadence));
                }
                prop_assert_eq!(m.local.date(), expected, "no date is skipped without being asked");
                prop_assert!(!skip.contains(&m.local.date()));
                match tz.from_local_datetime(&m.local) {
                    LocalResult::None => prop_assert!(m.resolution.is_some()),
                    _ => prop_assert_eq!(to_local(tz, m.starts_at_utc), m.local),
                }
                expected += Duration::days(i64::from(cadence));
            }
            let mut starts: Vec<_> = plan.iter().map(|m| m.starts_at_utc).collect();
            starts.dedup();
            prop_assert_eq!(starts.len(), plan.len(), "no two meetings at once");
        }
    }
}
