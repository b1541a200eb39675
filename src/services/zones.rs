//! Time zones as people name them: a short list of common zones with
//! friendly labels for the new-group form, a typed city ("Chicago", "new
//! york") found among the IANA names, and the paper size a zone's country
//! prints on.

use chrono_tz::Tz;
use serde::Serialize;

use crate::pdf::Paper;

/// One zone in the picker: its IANA name and what people call it.
#[derive(Debug, Clone, Copy)]
pub struct Zone {
    pub name: &'static str,
    pub label: &'static str,
}

/// The picker's groups, in the order they are shown.
pub const REGIONS: &[(&str, &[Zone])] = &[
    ("United States and Canada", NORTH_AMERICA),
    ("Mexico, Central and South America", LATIN_AMERICA),
    ("Europe", EUROPE),
    ("Africa", AFRICA),
    ("Asia", ASIA),
    ("Australia and New Zealand", OCEANIA),
    ("Other", OTHER),
];

const fn z(name: &'static str, label: &'static str) -> Zone {
    Zone { name, label }
}

const NORTH_AMERICA: &[Zone] = &[
    z("America/New_York", "New York (Eastern time, US)"),
    z("America/Chicago", "Chicago (Central time, US)"),
    z("America/Denver", "Denver (Mountain time, US)"),
    z("America/Phoenix", "Phoenix (Arizona, no daylight saving)"),
    z("America/Los_Angeles", "Los Angeles (Pacific time, US)"),
    z("America/Anchorage", "Anchorage (Alaska)"),
    z("Pacific/Honolulu", "Honolulu (Hawaii)"),
    z("America/Puerto_Rico", "San Juan (Puerto Rico)"),
    z("America/Halifax", "Halifax (Atlantic time, Canada)"),
    z("America/St_Johns", "St. John's (Newfoundland, Canada)"),
    z("America/Toronto", "Toronto (Eastern time, Canada)"),
    z("America/Winnipeg", "Winnipeg (Central time, Canada)"),
    z("America/Regina", "Regina (Saskatchewan, Canada)"),
    z("America/Edmonton", "Edmonton (Mountain time, Canada)"),
    z("America/Vancouver", "Vancouver (Pacific time, Canada)"),
];

const LATIN_AMERICA: &[Zone] = &[
    z("America/Mexico_City", "Mexico City (Mexico)"),
    z("America/Tijuana", "Tijuana (Mexico)"),
    z("America/Guatemala", "Guatemala City (Guatemala)"),
    z("America/Bogota", "Bogotá (Colombia)"),
    z("America/Lima", "Lima (Peru)"),
    z("America/Caracas", "Caracas (Venezuela)"),
    z("America/Santiago", "Santiago (Chile)"),
    z("America/Argentina/Buenos_Aires", "Buenos Aires (Argentina)"),
    z("America/Sao_Paulo", "São Paulo (Brazil)"),
];

const EUROPE: &[Zone] = &[
    z("Europe/London", "London (UK)"),
    z("Europe/Dublin", "Dublin (Ireland)"),
    z("Europe/Lisbon", "Lisbon (Portugal)"),
    z("Europe/Madrid", "Madrid (Spain)"),
    z("Europe/Paris", "Paris (France)"),
    z("Europe/Brussels", "Brussels (Belgium)"),
    z("Europe/Amsterdam", "Amsterdam (Netherlands)"),
    z("Europe/Berlin", "Berlin (Germany)"),
    z("Europe/Zurich", "Zurich (Switzerland)"),
    z("Europe/Rome", "Rome (Italy)"),
    z("Europe/Vienna", "Vienna (Austria)"),
    z("Europe/Copenhagen", "Copenhagen (Denmark)"),
    z("Europe/Oslo", "Oslo (Norway)"),
    z("Europe/Stockholm", "Stockholm (Sweden)"),
    z("Europe/Helsinki", "Helsinki (Finland)"),
    z("Europe/Warsaw", "Warsaw (Poland)"),
    z("Europe/Prague", "Prague (Czechia)"),
    z("Europe/Athens", "Athens (Greece)"),
    z("Europe/Bucharest", "Bucharest (Romania)"),
    z("Europe/Kyiv", "Kyiv (Ukraine)"),
    z("Europe/Istanbul", "Istanbul (Türkiye)"),
];

const AFRICA: &[Zone] = &[
    z("Africa/Casablanca", "Casablanca (Morocco)"),
    z("Africa/Lagos", "Lagos (Nigeria)"),
    z("Africa/Accra", "Accra (Ghana)"),
    z("Africa/Cairo", "Cairo (Egypt)"),
    z("Africa/Nairobi", "Nairobi (Kenya)"),
    z("Africa/Johannesburg", "Johannesburg (South Africa)"),
];

const ASIA: &[Zone] = &[
    z("Asia/Dubai", "Dubai (United Arab Emirates)"),
    z("Asia/Karachi", "Karachi (Pakistan)"),
    z("Asia/Kolkata", "Kolkata (India)"),
    z("Asia/Dhaka", "Dhaka (Bangladesh)"),
    z("Asia/Bangkok", "Bangkok (Thailand)"),
    z("Asia/Jakarta", "Jakarta (Indonesia)"),
    z("Asia/Singapore", "Singapore"),
    z("Asia/Manila", "Manila (Philippines)"),
    z("Asia/Hong_Kong", "Hong Kong"),
    z("Asia/Shanghai", "Shanghai (China)"),
    z("Asia/Seoul", "Seoul (South Korea)"),
    z("Asia/Tokyo", "Tokyo (Japan)"),
];

const OCEANIA: &[Zone] = &[
    z("Australia/Perth", "Perth (Western Australia)"),
    z("Australia/Darwin", "Darwin (Northern Territory)"),
    z("Australia/Adelaide", "Adelaide (South Australia)"),
    z("Australia/Brisbane", "Brisbane (Queensland)"),
    z("Australia/Sydney", "Sydney (New South Wales)"),
    z("Australia/Melbourne", "Melbourne (Victoria)"),
    z("Australia/Hobart", "Hobart (Tasmania)"),
    z("Pacific/Auckland", "Auckland (New Zealand)"),
];

const OTHER: &[Zone] = &[z("UTC", "UTC (no daylight saving)")];

/// The picker as a page shows it, with `selected` chosen.
#[derive(Debug, Serialize)]
pub struct RegionChoice {
    pub region: &'static str,
    pub zones: Vec<ZoneChoice>,
}

#[derive(Debug, Serialize)]
pub struct ZoneChoice {
    pub name: String,
    pub label: String,
    pub selected: bool,
}

/// The common zones grouped by region. A `selected` zone that is not in
/// the list (typed before, or a group's own) is shown first, so it stays
/// chosen.
pub fn picker(selected: &str) -> Vec<RegionChoice> {
    let mut out = Vec::new();
    let listed = REGIONS
        .iter()
        .flat_map(|(_, zones)| zones.iter())
        .any(|z| z.name == selected);
    if !listed {
        if let Ok(tz) = selected.parse::<Tz>() {
            out.push(RegionChoice {
                region: "Chosen before",
                zones: vec![ZoneChoice {
                    name: tz.name().to_string(),
                    label: format!("{} ({})", city_of(tz.name()), tz.name()),
                    selected: true,
                }],
            });
        }
    }
    out.extend(REGIONS.iter().map(|(region, zones)| {
        RegionChoice {
            region,
            zones: zones
                .iter()
                .map(|z| ZoneChoice {
                    name: z.name.to_string(),
                    label: z.label.to_string(),
                    selected: z.name == selected,
                })
                .collect(),
        }
    }));
    out
}

/// The friendly label of `name`, or its city when it has none.
pub fn label(name: &str) -> String {
    REGIONS
        .iter()
        .flat_map(|(_, zones)| zones.iter())
        .find(|z| z.name == name)
        .map_or_else(|| city_of(name), |z| z.label.to_string())
}

/// The zone a facilitator most likely means before they choose: the zone
/// of their latest group, else one guessed from the browser's language
/// (`en-US`, `es-MX`), else London.
pub fn likely(latest_group: Option<&str>, accept_language: Option<&str>) -> &'static str {
    if let Some(tz) = latest_group.and_then(|z| z.parse::<Tz>().ok()) {
        return tz.name();
    }
    let regions = accept_language
        .unwrap_or("")
        .split(',')
        .filter_map(|tag| tag.split(';').next())
        .filter_map(|tag| tag.trim().split(['-', '_']).nth(1))
        .map(|r| r.to_ascii_uppercase());
    for region in regions {
        if let Some(zone) = zone_of_country(&region) {
            return zone;
        }
    }
    "Europe/London"
}

/// The usual zone of a country code people's browsers send.
fn zone_of_country(code: &str) -> Option<&'static str> {
    Some(match code {
        "US" => "America/New_York",
        "CA" => "America/Toronto",
        "MX" => "America/Mexico_City",
        "GB" | "UK" => "Europe/London",
        "IE" => "Europe/Dublin",
        "ES" => "Europe/Madrid",
        "FR" => "Europe/Paris",
        "DE" => "Europe/Berlin",
        "PT" => "Europe/Lisbon",
        "BR" => "America/Sao_Paulo",
        "AR" => "America/Argentina/Buenos_Aires",
        "CO" => "America/Bogota",
        "AU" => "Australia/Sydney",
        "NZ" => "Pacific/Auckland",
        "IN" => "Asia/Kolkata",
        "PH" => "Asia/Manila",
        "ZA" => "Africa/Johannesburg",
        _ => return None,
    })
}

/// Why a typed zone was not found, and the nearest names we know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFound {
    pub suggestions: Vec<String>,
}

impl NotFound {
    /// What the facilitator reads under the field.
    pub fn message(&self, typed: &str) -> String {
        let typed: String = typed.trim().chars().take(60).collect();
        let start = format!("We don't know a time zone called \"{typed}\".");
        match self.suggestions.as_slice() {
            [] => format!("{start} Choose one from the list, or type a big city near you, like Chicago or London."),
            [one] => format!("{start} Did you mean {one}? Or choose one from the list."),
            many => format!(
                "{start} Did you mean {}? Or choose one from the list.",
                join_or(many)
            ),
        }
    }
}

fn join_or(words: &[String]) -> String {
    match words.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => words.join(""),
    }
}

/// A zone from what a person typed: an IANA name in any case
/// ("america/chicago"), or a city: the last part of an IANA name
/// ("Chicago", "new york", "Sao_Paulo") or of a label in the picker
/// ("São Paulo", "Kolkata").
pub fn find(typed: &str) -> Result<Tz, NotFound> {
    let wanted = simplify(typed);
    if wanted.is_empty() {
        return Err(NotFound {
            suggestions: Vec::new(),
        });
    }
    if let Ok(tz) = typed.trim().parse::<Tz>() {
        return Ok(tz);
    }
    let mut found = chrono_tz::TZ_VARIANTS
        .iter()
        .filter(|tz| simplify(tz.name()) == wanted || simplify(&city_of(tz.name())) == wanted);
    let picked = REGIONS
        .iter()
        .flat_map(|(_, zones)| zones.iter())
        .find(|z| simplify(label_city(z.label)) == wanted)
        .and_then(|z| z.name.parse::<Tz>().ok());
    // A city first in the picker's list, else a canonical name (a
    // continent's) over an old alias such as US/Eastern.
    let canonical = found.clone().find(|tz| is_canonical(tz.name())).copied();
    match picked.or(canonical).or_else(|| found.next().copied()) {
        Some(tz) => Ok(tz),
        None => Err(NotFound {
            suggestions: suggestions(&wanted),
        }),
    }
}

/// Up to three cities close to `wanted` (a letter or two off, or
/// containing it), as "Chicago (America/Chicago)".
fn suggestions(wanted: &str) -> Vec<String> {
    let mut scored: Vec<(usize, &str)> = chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter(|name| is_canonical(name))
        .filter_map(|name| {
            let city = simplify(&city_of(name));
            let distance = edit_distance(&city, wanted);
            let near = distance <= 1 + wanted.chars().count() / 4;
            let inside = wanted.chars().count() >= 3 && city.contains(wanted);
            (near || inside).then_some((if inside { 0 } else { distance }, name))
        })
        .collect();
    scored.sort();
    // Only the closest few: one letter off beats three.
    let best = scored.first().map_or(0, |(d, _)| *d);
    scored
        .into_iter()
        .take_while(|(d, _)| *d <= best + 1)
        .take(3)
        .map(|(_, name)| format!("{} ({name})", city_of(name)))
        .collect()
}

fn is_canonical(name: &str) -> bool {
    const CONTINENTS: [&str; 9] = [
        "Africa/",
        "America/",
        "Antarctica/",
        "Asia/",
        "Atlantic/",
        "Australia/",
        "Europe/",
        "Indian/",
        "Pacific/",
    ];
    CONTINENTS.iter().any(|c| name.starts_with(c))
}

/// "America/Argentina/Buenos_Aires" -> "Buenos Aires".
fn city_of(name: &str) -> String {
    name.rsplit('/').next().unwrap_or(name).replace('_', " ")
}

/// "São Paulo (Brazil)" -> "São Paulo".
fn label_city(label: &str) -> &str {
    label.split(" (").next().unwrap_or(label)
}

/// Lower case, spaces for underscores and runs of space, no dots or
/// apostrophes: how two spellings of a city compare.
fn simplify(s: &str) -> String {
    s.trim()
        .to_lowercase()
        .replace(['_', '-'], " ")
        .replace(['.', '\''], "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Countries outside the US and Canada that print on US Letter, by their
/// zones.
const LETTER_ZONES: &[&str] = &[
    "America/Mexico_City",
    "America/Cancun",
    "America/Merida",
    "America/Monterrey",
    "America/Matamoros",
    "America/Chihuahua",
    "America/Ciudad_Juarez",
    "America/Ojinaga",
    "America/Mazatlan",
    "America/Bahia_Banderas",
    "America/Hermosillo",
    "America/Tijuana",
    "America/Santiago",
    "America/Punta_Arenas",
    "America/Bogota",
    "America/Caracas",
    "America/Costa_Rica",
    "America/Guatemala",
    "America/El_Salvador",
    "America/Managua",
    "America/Panama",
    "America/Santo_Domingo",
    "America/Puerto_Rico",
    "Asia/Manila",
];

/// The old alias names of zones in countries that print on US Letter.
const LETTER_PREFIXES: &[&str] = &["US/", "Canada/", "Mexico/", "Chile/"];

/// The paper a group in `zone` most likely has: US Letter in the US,
/// Canada, Mexico, the Philippines and the other countries that use it;
/// A4 everywhere else.
pub fn paper_for(zone: &str) -> Paper {
    let Ok(tz) = zone.trim().parse::<Tz>() else {
        return Paper::A4;
    };
    let name = tz.name();
    let letter = LETTER_ZONES.contains(&name)
        || LETTER_PREFIXES.iter().any(|p| name.starts_with(p))
        || name == "Pacific/Honolulu"
        || is_us_or_canada(name);
    if letter {
        Paper::Letter
    } else {
        Paper::A4
    }
}

/// Whether a group in `zone` prints on US Letter (the pages' paper
/// choice starts there).
pub fn prints_on_letter(zone: &str) -> bool {
    paper_for(zone) == Paper::Letter
}

/// The IANA zones of the United States and Canada under "America/".
fn is_us_or_canada(name: &str) -> bool {
    const NESTED: [&str; 3] = [
        "America/Indiana/",
        "America/Kentucky/",
        "America/North_Dakota/",
    ];
    const CITIES: &[&str] = &[
        // United States
        "New_York",
        "Detroit",
        "Louisville",
        "Fort_Wayne",
        "Indianapolis",
        "Chicago",
        "Menominee",
        "Denver",
        "Boise",
        "Phoenix",
        "Los_Angeles",
        "Anchorage",
        "Juneau",
        "Sitka",
        "Metlakatla",
        "Yakutat",
        "Nome",
        "Adak",
        "Atka",
        // Canada
        "St_Johns",
        "Halifax",
        "Glace_Bay",
        "Moncton",
        "Goose_Bay",
        "Toronto",
        "Montreal",
        "Nipigon",
        "Thunder_Bay",
        "Iqaluit",
        "Pangnirtung",
        "Atikokan",
        "Coral_Harbour",
        "Winnipeg",
        "Rainy_River",
        "Rankin_Inlet",
        "Resolute",
        "Regina",
        "Swift_Current",
        "Edmonton",
        "Cambridge_Bay",
        "Yellowknife",
        "Inuvik",
        "Creston",
        "Dawson_Creek",
        "Fort_Nelson",
        "Whitehorse",
        "Dawson",
        "Vancouver",
        "Blanc-Sablon",
    ];
    NESTED.iter().any(|p| name.starts_with(p))
        || name
            .strip_prefix("America/")
            .is_some_and(|city| CITIES.contains(&city))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_zone_is_a_real_one() {
        for (_, zones) in REGIONS {
            for z in *zones {
                assert!(z.name.parse::<Tz>().is_ok(), "{}", z.name);
            }
        }
    }

    #[test]
    fn typed_cities_are_found() {
        assert_eq!(find("Chicago").unwrap().name(), "America/Chicago");
        assert_eq!(find("  new york ").unwrap().name(), "America/New_York");
        assert_eq!(
            find("america/los_angeles").unwrap().name(),
            "America/Los_Angeles"
        );
        assert_eq!(find("São Paulo").unwrap().name(), "America/Sao_Paulo");
        assert_eq!(
            find("buenos aires").unwrap().name(),
            "America/Argentina/Buenos_Aires"
        );
        assert_eq!(find("St Johns").unwrap().name(), "America/St_Johns");
        assert_eq!(find("Europe/London").unwrap().name(), "Europe/London");
        assert_eq!(find("UTC").unwrap().name(), "UTC");
    }

    #[test]
    fn an_unknown_city_gets_near_names() {
        let missed = find("Chicgo").unwrap_err();
        assert_eq!(missed.suggestions[0], "Chicago (America/Chicago)");
        let message = missed.message("Chicgo");
        assert!(message.contains("\"Chicgo\"") && message.contains("Did you mean Chicago"));
        let nothing = find("Qqqqqqqqq").unwrap_err();
        assert!(nothing.suggestions.is_empty());
        assert!(nothing
            .message("Qqqqqqqqq")
            .contains("like Chicago or London"));
        assert!(find("   ").is_err());
    }

    #[test]
    fn paper_follows_the_country() {
        for letter in [
            "America/New_York",
            "America/Chicago",
            "America/Indiana/Indianapolis",
            "Pacific/Honolulu",
            "America/Toronto",
            "America/Vancouver",
            "America/Mexico_City",
            "Asia/Manila",
            "US/Eastern",
        ] {
            assert_eq!(paper_for(letter), Paper::Letter, "{letter}");
        }
        for a4 in [
            "Europe/London",
            "Europe/Paris",
            "America/Sao_Paulo",
            "America/Argentina/Buenos_Aires",
            "Australia/Sydney",
            "UTC",
            "nonsense",
        ] {
            assert_eq!(paper_for(a4), Paper::A4, "{a4}");
        }
    }

    #[test]
    fn the_likely_zone() {
        assert_eq!(
            likely(Some("America/Denver"), Some("en-GB")),
            "America/Denver"
        );
        assert_eq!(likely(None, Some("en-US,en;q=0.9")), "America/New_York");
        assert_eq!(likely(None, Some("es-MX")), "America/Mexico_City");
        assert_eq!(likely(None, Some("en")), "Europe/London");
        assert_eq!(likely(Some("nonsense"), None), "Europe/London");
        let boise = picker("America/Boise");
        assert_eq!(boise[0].zones[0].name, "America/Boise");
        assert!(boise[0].zones[0].selected);
        assert!(picker("America/Chicago")[0]
            .zones
            .iter()
            .any(|z| z.selected));
    }
}
