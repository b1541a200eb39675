//! Importing a roster from a spreadsheet saved as CSV: read every row, say
//! what would happen to each (and why a row is refused) before anything is
//! saved, then add the good rows in one transaction.

use std::collections::HashMap;

use serde::Serialize;

use crate::db::ids::{CohortId, ImportId, UserId};
use crate::db::models::roster_import::RosterImport;
use crate::db::models::{Enrolment, Participant, User};
use crate::db::status::EnrolmentStatus;
use crate::db::{now, write_tx, DbConn};
use crate::error::AppError;
use crate::services::roster::{self, Added, ParticipantForm, ParticipantInput};

pub const MAX_BYTES: usize = 4 * 1024 * 1024;
pub const MAX_ROWS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Name,
    FirstName,
    LastName,
    Email,
    Phone,
    PreferredName,
    Notes,
}

fn column_for(header: &str) -> Option<Column> {
    let key: String = header
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    Some(match key.as_str() {
        "name" | "fullname" | "parentname" | "parent" | "participant" | "participantname" => {
            Column::Name
        }
        "firstname" | "givenname" | "forename" => Column::FirstName,
        "lastname" | "surname" | "familyname" => Column::LastName,
        "email" | "emailaddress" | "mail" => Column::Email,
        "phone" | "phonenumber" | "telephone" | "mobile" | "cell" | "cellphone" => Column::Phone,
        "preferredname" | "nickname" | "goesby" | "knownas" => Column::PreferredName,
        "notes" | "note" | "comments" | "comment" => Column::Notes,
        _ => return None,
    })
}

/// One data row: its line in the file and what we read, or why not.
#[derive(Debug, Clone)]
pub struct ParsedRow {
    pub line: u64,
    pub result: Result<ParticipantInput, String>,
}

#[derive(Debug)]
pub struct Parsed {
    pub rows: Vec<ParsedRow>,
    pub ignored_columns: Vec<String>,
}

/// A cell that a spreadsheet would run as a formula when the roster is
/// opened again (=, @, or +/- followed by an expression). Phone numbers
/// like +44 20 ... and notes like "- likes mornings" are fine.
fn looks_like_formula(cell: &str) -> bool {
    let c = cell.trim_start();
    match c.chars().next() {
        Some('=') | Some('@') => true,
        Some('+') | Some('-') => {
            let rest = &c[1..];
            rest.contains('(')
                || rest.contains(['+', '*', '/', '='])
                || rest.trim_start().starts_with('-')
        }
        Some('\t') | Some('\r') => true,
        _ => false,
    }
}

/// Reads the file. Problems with the whole file (not CSV, no name or email
/// column, too big) are errors; problems with a row are kept on that row.
pub fn parse(bytes: &[u8]) -> Result<Parsed, AppError> {
    if bytes.len() > MAX_BYTES {
        return Err(AppError::validation(
            "That file is larger than 4 MB. Please split it into smaller files.",
        ));
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(AppError::validation("That file is empty."));
    }
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(bytes))
        .flexible(true)
        .has_headers(true)
        .from_reader(bytes);
    let headers = reader
        .byte_headers()
        .map_err(|_| {
            AppError::validation("We couldn't read the first line of that file as column names.")
        })?
        .clone();
    let (columns, ignored, found) = columns_of(&headers);
    let has_name = columns.contains_key(&Column::Name)
        || (columns.contains_key(&Column::FirstName) && columns.contains_key(&Column::LastName));
    if !has_name || !columns.contains_key(&Column::Email) {
        return Err(AppError::validation(format!(
            "The first line must name the columns, including \"name\" and \"email\" (phone, preferred name and notes are optional). We found: {}.",
            if found.iter().all(String::is_empty) { "no column names".to_string() } else { found.join(", ") }
        )));
    }

    let mut rows = Vec::new();
    for record in reader.byte_records() {
        if rows.len() >= MAX_ROWS {
            return Err(AppError::validation(format!(
                "That file has more than {MAX_ROWS} rows. Please split it into smaller files."
            )));
        }
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                rows.push(ParsedRow {
                    line,
                    result: Err("This row couldn't be read; check its quotes.".into()),
                });
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        rows.push(ParsedRow {
            line,
            result: read_row(&record, &columns),
        });
    }
    Ok(Parsed {
        rows,
        ignored_columns: ignored,
    })
}

/// The file's separator, from its first line: spreadsheets in many
/// countries save with semicolons, some with tabs.
fn delimiter(bytes: &[u8]) -> u8 {
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or(b"");
    if first_line.contains(&b';') && !first_line.contains(&b',') {
        b';'
    } else if first_line.contains(&b'\t') && !first_line.contains(&b',') {
        b'\t'
    } else {
        b','
    }
}

/// Which column holds what (the first of each kind), the names we do not
/// use, and every name found.
fn columns_of(headers: &csv::ByteRecord) -> (HashMap<Column, usize>, Vec<String>, Vec<String>) {
    let mut columns: HashMap<Column, usize> = HashMap::new();
    let mut ignored = Vec::new();
    let mut found = Vec::new();
    for (i, raw) in headers.iter().enumerate() {
        let name = String::from_utf8_lossy(raw).trim().to_string();
        found.push(name.clone());
        match column_for(&name) {
            Some(col) => {
                columns.entry(col).or_insert(i);
            }
            None if name.is_empty() => {}
            None => ignored.push(name),
        }
    }
    (columns, ignored, found)
}

fn read_row(
    record: &csv::ByteRecord,
    columns: &HashMap<Column, usize>,
) -> Result<ParticipantInput, String> {
    let cell = |col: Column| -> Result<String, String> {
        let Some(i) = columns.get(&col) else {
            return Ok(String::new());
        };
        let raw = record.get(*i).unwrap_or(b"");
        let text = std::str::from_utf8(raw).map_err(|_| {
            "This row has characters we can't read. In your spreadsheet, save as \"CSV UTF-8\" and try again.".to_string()
        })?;
        let trimmed = text.trim_start();
        if looks_like_formula(text)
            && !(col == Column::Phone
                && trimmed.starts_with('+')
                && trimmed[1..]
                    .chars()
                    .all(|c| c.is_ascii_digit() || " -().".contains(c)))
        {
            return Err(format!(
                "\"{}\" looks like a spreadsheet formula. Please type the plain value.",
                text.chars().take(40).collect::<String>()
            ));
        }
        Ok(text.to_string())
    };
    let name = match columns.contains_key(&Column::Name) {
        true => cell(Column::Name)?,
        false => format!(
            "{} {}",
            cell(Column::FirstName)?.trim(),
            cell(Column::LastName)?.trim()
        ),
    };
    let form = ParticipantForm {
        name,
        email: cell(Column::Email)?,
        phone: cell(Column::Phone)?,
        preferred_name: cell(Column::PreferredName)?,
        notes: cell(Column::Notes)?,
    };
    if form.email.trim().is_empty() {
        return Err("This row has no email address.".into());
    }
    match roster::check(&form) {
        Ok(input) => Ok(input),
        Err(AppError::Invalid(errors)) => {
            Err(errors.0.values().cloned().collect::<Vec<_>>().join(" "))
        }
        Err(e) => Err(e.to_string()),
    }
}

#[derive(Debug, Serialize)]
pub struct PreviewRow {
    pub line: u64,
    pub name: String,
    pub email: String,
    pub outcome: String,
    pub ok: bool,
}

#[derive(Debug, Serialize)]
pub struct Preview {
    pub import_id: i64,
    pub cohort_id: i64,
    pub cohort_title: String,
    pub to_add: usize,
    pub to_readmit: usize,
    pub already_in: usize,
    pub merged: usize,
    pub problems: usize,
    pub rows: Vec<PreviewRow>,
    pub ignored_columns: Vec<String>,
    pub capacity_note: Option<String>,
    /// The confirm button's words, or `None` when there is nothing to add.
    pub confirm_label: Option<String>,
}

fn confirm_label(add: usize, readmit: usize) -> Option<String> {
    let parents = |n: usize| {
        if n == 1 {
            "1 parent".to_string()
        } else {
            format!("{n} parents")
        }
    };
    match (add, readmit) {
        (0, 0) => None,
        (a, 0) => Some(format!("Add {}", parents(a))),
        (0, r) => Some(format!("Re-admit {}", parents(r))),
        (a, r) => Some(format!("Add {} and re-admit {r}", parents(a))),
    }
}

enum Plan {
    Add,
    Readmit,
    AlreadyIn,
    Merged(u64),
    Problem(String),
}

/// What each row would do, against the cohort as it is now.
fn plan(
    conn: &mut DbConn,
    cohort_id: i64,
    parsed: &Parsed,
) -> Result<Vec<(ParsedRow, Plan)>, AppError> {
    let emails: Vec<String> = parsed
        .rows
        .iter()
        .filter_map(|r| r.result.as_ref().ok().and_then(|i| i.email.clone()))
        .collect();
    let known: HashMap<String, i64> = Participant::ids_by_email(conn, &emails)?;
    let statuses: HashMap<i64, EnrolmentStatus> = Enrolment::for_cohort(conn, cohort_id)?
        .into_iter()
        .map(|e| (e.participant_id, e.status))
        .collect();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    let mut out = Vec::with_capacity(parsed.rows.len());
    for row in &parsed.rows {
        let decision = match &row.result {
            Err(why) => Plan::Problem(why.clone()),
            Ok(input) => {
                let email = input.email.clone().unwrap_or_default();
                if let Some(first) = first_line.get(&email) {
                    Plan::Merged(*first)
                } else {
                    first_line.insert(email.clone(), row.line);
                    match known.get(&email).and_then(|pid| statuses.get(pid)) {
                        Some(EnrolmentStatus::Withdrawn) => Plan::Readmit,
                        Some(_) => Plan::AlreadyIn,
                        None => Plan::Add,
                    }
                }
            }
        };
        out.push((row.clone(), decision));
    }
    Ok(out)
}

/// Keeps the file for confirmation and says what would happen. Nothing is
/// added to the roster.
pub fn stage(
    conn: &mut DbConn,
    user: &User,
    cohort_id: i64,
    bytes: &[u8],
) -> Result<Preview, AppError> {
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    let parsed = parse(bytes)?;
    let import_id = write_tx(conn, |conn| {
        // Files nobody confirmed within a day are dropped.
        let at = now();
        RosterImport::stage(
            conn,
            CohortId(cohort.id),
            UserId(user.id),
            bytes,
            at,
            at - chrono::Duration::days(1),
        )
    })?;
    let planned = plan(conn, cohort.id, &parsed)?;
    let count = |f: fn(&Plan) -> bool| planned.iter().filter(|(_, p)| f(p)).count();
    let to_add = count(|p| matches!(p, Plan::Add));
    let to_readmit = count(|p| matches!(p, Plan::Readmit));
    let active_now = Enrolment::for_cohort(conn, cohort.id)?
        .iter()
        .filter(|e| e.status == EnrolmentStatus::Active)
        .count();
    let capacity_note = cohort.capacity.and_then(|cap| {
        let after = active_now + to_add + to_readmit;
        (after > cap as usize)
            .then(|| format!("This would put the group at {after} people for {cap} places."))
    });
    Ok(Preview {
        import_id,
        cohort_id: cohort.id,
        cohort_title: cohort.title,
        to_add,
        to_readmit,
        already_in: count(|p| matches!(p, Plan::AlreadyIn)),
        merged: count(|p| matches!(p, Plan::Merged(_))),
        problems: count(|p| matches!(p, Plan::Problem(_))),
        rows: planned
            .into_iter()
            .map(|(row, p)| {
                let (name, email) = match &row.result {
                    Ok(i) => (i.name.clone(), i.email.clone().unwrap_or_default()),
                    Err(_) => (String::new(), String::new()),
                };
                let (outcome, ok) = match p {
                    Plan::Add => ("Will be added".to_string(), true),
                    Plan::Readmit => ("Had left the group; will be re-admitted".to_string(), true),
                    Plan::AlreadyIn => ("Already in the group; left as is".to_string(), true),
                    Plan::Merged(first) => {
                        (format!("Same email as line {first}; counted once"), true)
                    }
                    Plan::Problem(why) => (why, false),
                };
                PreviewRow {
                    line: row.line,
                    name,
                    email,
                    outcome,
                    ok,
                }
            })
            .collect(),
        ignored_columns: parsed.ignored_columns,
        capacity_note,
        confirm_label: confirm_label(to_add, to_readmit),
    })
}

#[derive(Debug, Serialize)]
pub struct Imported {
    pub added: usize,
    pub readmitted: usize,
    pub skipped: usize,
}

/// Adds the good rows of a staged file, all or nothing.
pub fn confirm(
    conn: &mut DbConn,
    mail: &crate::mail::Composer,
    user: &User,
    cohort_id: CohortId,
    import_id: ImportId,
) -> Result<Imported, AppError> {
    let (cohort_id, import_id) = (cohort_id.0, import_id.0);
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    let content = RosterImport::content(
        conn,
        ImportId(import_id),
        CohortId(cohort.id),
        UserId(user.id),
    )?
    .ok_or_else(|| {
        AppError::Gone(
            "This import has already been added or has expired. Please upload the file again."
                .into(),
        )
    })?;
    let parsed = parse(&content)?;
    write_tx(conn, |conn| {
        let planned = plan(conn, cohort.id, &parsed)?;
        let mut result = Imported {
            added: 0,
            readmitted: 0,
            skipped: 0,
        };
        let mut welcome = Vec::new();
        for (row, p) in planned {
            match (p, row.result) {
                (Plan::Add | Plan::Readmit, Ok(input)) => {
                    let (enrolment, added) =
                        roster::add_in_tx(conn, Some(user), cohort.id, &input, "csv")?;
                    welcome.push(enrolment.id);
                    match added {
                        Added::New => result.added += 1,
                        Added::Readmitted => result.readmitted += 1,
                    }
                }
                _ => result.skipped += 1,
            }
        }
        crate::services::follow_ups::queue_welcomes(
            conn,
            mail,
            cohort.id,
            &welcome,
            crate::db::now(),
        )?;
        RosterImport::delete(conn, import_id)?;
        Ok(result)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(csv: &str) -> Vec<Result<ParticipantInput, String>> {
        parse(csv.as_bytes())
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.result)
            .collect()
    }

    #[test]
    fn reads_columns_by_any_common_name_and_order() {
        let r =
            rows("E-mail Address,Full Name,Mobile\nana@example.org,Ana Ruiz,+44 20 7946 0958\n");
        let ana = r[0].as_ref().unwrap();
        assert_eq!(ana.name, "Ana Ruiz");
        assert_eq!(ana.email.as_deref(), Some("ana@example.org"));
        assert_eq!(ana.phone.as_deref(), Some("+44 20 7946 0958"));
        let r = rows("First name;Last name;Email\nBo;Lind;bo@example.org\n");
        assert_eq!(r[0].as_ref().unwrap().name, "Bo Lind");
    }

    #[test]
    fn the_button_says_what_it_does() {
        assert_eq!(confirm_label(2, 0).unwrap(), "Add 2 parents");
        assert_eq!(confirm_label(1, 1).unwrap(), "Add 1 parent and re-admit 1");
        assert_eq!(confirm_label(0, 3).unwrap(), "Re-admit 3 parents");
        assert_eq!(confirm_label(0, 0), None);
    }

    #[test]
    fn missing_columns_refuse_the_file() {
        let err = parse(b"name,phone\nAna,123\n").unwrap_err();
        assert!(err.to_string().contains("\"email\""), "{err}");
        assert!(err.to_string().contains("We found: name, phone"), "{err}");
        assert!(parse(b"").is_err());
    }

    #[test]
    fn formulas_are_refused_but_phones_and_dash_notes_pass() {
        assert!(looks_like_formula("=HYPERLINK(\"http://x\",\"y\")"));
        assert!(looks_like_formula("@SUM(A1)"));
        assert!(looks_like_formula("+cmd|' /C calc'!A0"));
        assert!(looks_like_formula("-2+3"));
        assert!(!looks_like_formula("+44 20 7946 0958"));
        assert!(!looks_like_formula("- likes mornings"));
        let r = rows("name,email,notes\n=HYPERLINK(\"http://evil\";\"x\"),a@example.org,\nBo,b@example.org,- prefers texts\n");
        assert!(r[0].as_ref().unwrap_err().contains("formula"));
        assert!(r[1].is_ok());
    }

    #[test]
    fn phones_after_leading_spaces_are_read_not_sliced_mid_character() {
        // A no-break space before a phone's `+` once made this check slice
        // inside that character and panic (fuzz/fuzz_targets/csv_import.rs).
        let r = rows("name,email,phone\nAna,a@example.org,\u{a0}+1(2)\nBo,b@example.org, +44 (20) 7946\nCy,c@example.org,\u{3000}+1+1\n");
        assert_eq!(r.len(), 3);
        assert!(r[0].is_ok(), "{:?}", r[0]);
        assert_eq!(
            r[1].as_ref().unwrap().phone.as_deref(),
            Some("+44 (20) 7946")
        );
        assert!(r[2].as_ref().unwrap_err().contains("formula"), "{:?}", r[2]);
    }

    #[test]
    fn bad_bytes_spoil_only_their_row() {
        let mut csv = b"name,email\nAna,ana@example.org\n".to_vec();
        csv.extend_from_slice(b"B\xff\xfeo,bo@example.org\nCy,cy@example.org\n");
        let parsed = parse(&csv).unwrap();
        let results: Vec<bool> = parsed.rows.iter().map(|r| r.result.is_ok()).collect();
        assert_eq!(results, [true, false, true]);
        assert_eq!(parsed.rows[1].line, 3);
    }
}
