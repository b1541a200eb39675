//! Importing a roster from a spreadsheet saved as CSV: read every row, say
//! what would happen to each (and why a row is refused) before anything is
//! saved, then add the good rows in one transaction.

use std::collections::HashMap;

use serde::Serialize;

use crate::db::ids::{CohortId, ImportId, UserId};
use crate::db::models::participant::{name_key, same_name};
use crate::db::models::roster_import::RosterImport;
use crate::db::models::{Audit, Cohort, Enrolment, Participant, User};
use crate::db::status::EnrolmentStatus;
use crate::db::{now, write_tx, DbConn};
use crate::error::AppError;
use crate::services::roster::{self, Added, ParticipantForm, ParticipantInput, SamePerson};

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

/// One data row: its line in the file (the spreadsheet's row number),
/// its name and email as typed, its cells, and what we read, or why not.
#[derive(Debug, Clone)]
pub struct ParsedRow {
    pub line: u64,
    pub typed_name: String,
    pub typed_email: String,
    pub cells: csv::ByteRecord,
    pub result: Result<ParticipantInput, String>,
}

#[derive(Debug)]
pub struct Parsed {
    pub headers: csv::ByteRecord,
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
    let normal = one_newline(bytes);
    let bytes = normal.as_slice();
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
                    typed_name: String::new(),
                    typed_email: String::new(),
                    cells: csv::ByteRecord::new(),
                    result: Err("This row couldn't be read; check its quotes.".into()),
                });
                continue;
            }
        };
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        let (typed_name, typed_email) = typed(&record, &columns);
        rows.push(ParsedRow {
            line,
            typed_name,
            typed_email,
            result: read_row(&record, &columns),
            cells: record,
        });
    }
    Ok(Parsed {
        headers,
        rows,
        ignored_columns: ignored,
    })
}

/// The file with every line ending as `\n`. Browsers send a pasted box
/// with `\r\n`, and old spreadsheets save with `\r`; the reader counts
/// only `\n`, and a row must be named by its number in the spreadsheet.
fn one_newline(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes.iter().peekable();
    while let Some(&b) = rest.next() {
        if b == b'\r' {
            rest.next_if_eq(&&b'\n');
            out.push(b'\n');
        } else {
            out.push(b);
        }
    }
    out
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

/// The longest a typed cell is shown.
const SHOWN_CHARS: usize = 60;

/// The row's name and email cells as typed (not tidied), shortened to show.
fn typed(record: &csv::ByteRecord, columns: &HashMap<Column, usize>) -> (String, String) {
    let cell = |col: Column| -> String {
        let raw = columns
            .get(&col)
            .and_then(|i| record.get(*i))
            .unwrap_or(b"");
        String::from_utf8_lossy(raw).trim().to_string()
    };
    let name = if columns.contains_key(&Column::Name) {
        cell(Column::Name)
    } else {
        format!("{} {}", cell(Column::FirstName), cell(Column::LastName))
            .trim()
            .to_string()
    };
    (shorten(&name), shorten(&cell(Column::Email)))
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= SHOWN_CHARS {
        return text.to_string();
    }
    let cut: String = text.chars().take(SHOWN_CHARS - 1).collect();
    format!("{cut}…")
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

/// The rows' phones in E.164 (read in the group's phone country); a row
/// whose number can't be read is left out with the format to use.
fn with_phones(
    conn: &mut DbConn,
    cohort: &crate::db::models::Cohort,
    mut parsed: Parsed,
) -> Result<Parsed, AppError> {
    let country = crate::services::texts::phone_country(conn, cohort)?;
    for row in &mut parsed.rows {
        if let Ok(input) = &mut row.result {
            if let Err(AppError::Invalid(e)) = roster::normalise_phone(input, country.as_deref()) {
                row.result = Err(e.0.values().cloned().collect::<Vec<_>>().join(" "));
            }
        }
    }
    Ok(parsed)
}

/// What importing a row would do, against the group as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Plan {
    /// New to the group.
    Add,
    /// Had left the group; comes back.
    Readmit,
    /// In the group already, or on its waiting list: left as is.
    AlreadyIn,
    /// The same name and email as an earlier row.
    Duplicate(u64),
    /// Cannot be read as a parent.
    Problem(String),
}

impl Plan {
    fn joins(&self) -> bool {
        matches!(self, Plan::Add | Plan::Readmit)
    }

    /// Why the row is left out, if it is.
    fn left_out(&self) -> Option<String> {
        match self {
            Plan::Duplicate(first) => Some(format!("The same name and email as row {first}.")),
            Plan::Problem(why) => Some(why.clone()),
            _ => None,
        }
    }
}

/// The people attune knows by each address in the file: their name and
/// their place in this group, if they have one.
type Known = HashMap<String, Vec<(String, Option<EnrolmentStatus>)>>;

fn known(conn: &mut DbConn, cohort_id: i64, parsed: &Parsed) -> Result<Known, AppError> {
    let emails: Vec<String> = parsed
        .rows
        .iter()
        .filter_map(|r| r.result.as_ref().ok().and_then(|i| i.email.clone()))
        .collect();
    let statuses: HashMap<i64, EnrolmentStatus> = Enrolment::for_cohort(conn, cohort_id)?
        .into_iter()
        .map(|e| (e.participant_id, e.status))
        .collect();
    let mut known = Known::new();
    for p in Participant::with_emails(conn, &emails)? {
        let Some(email) = p.email else { continue };
        known
            .entry(email)
            .or_default()
            .push((p.name, statuses.get(&p.id).copied()));
    }
    Ok(known)
}

/// One row against the group and the rows before it. A person is an email
/// and a name: a couple sharing an address are two parents.
fn decide(
    known: &Known,
    first_row: &mut HashMap<(String, String), u64>,
    line: u64,
    input: &ParticipantInput,
) -> Plan {
    let email = input.email.clone().unwrap_or_default();
    let key = (email.clone(), name_key(&input.name));
    if let Some(first) = first_row.get(&key) {
        return Plan::Duplicate(*first);
    }
    first_row.insert(key, line);
    let status = known
        .get(&email)
        .into_iter()
        .flatten()
        .filter(|(name, _)| same_name(name, &input.name))
        .find_map(|(_, status)| *status);
    match status {
        Some(EnrolmentStatus::Withdrawn) => Plan::Readmit,
        Some(_) => Plan::AlreadyIn,
        None => Plan::Add,
    }
}

struct Planned {
    rows: Vec<(ParsedRow, Plan)>,
    known: Known,
}

/// What each row would do, against the cohort as it is now.
fn plan(conn: &mut DbConn, cohort_id: i64, parsed: &Parsed) -> Result<Planned, AppError> {
    let known = known(conn, cohort_id, parsed)?;
    let mut first_row = HashMap::new();
    let rows = parsed
        .rows
        .iter()
        .map(|row| {
            let decision = match &row.result {
                Err(why) => Plan::Problem(why.clone()),
                Ok(input) => decide(&known, &mut first_row, row.line, input),
            };
            (row.clone(), decision)
        })
        .collect();
    Ok(Planned { rows, known })
}

impl Planned {
    fn count(&self, f: impl Fn(&Plan) -> bool) -> usize {
        self.rows.iter().filter(|(_, p)| f(p)).count()
    }

    fn joining(&self) -> usize {
        self.count(Plan::joins)
    }

    /// The names joining with each shared address, in file order, and the
    /// people of other names already in the group with it.
    fn sharing(&self) -> Vec<(String, Vec<String>, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>, Vec<String>)> = Vec::new();
        for (row, plan) in &self.rows {
            let (true, Ok(input)) = (plan.joins(), &row.result) else {
                continue;
            };
            let email = input.email.clone().unwrap_or_default();
            match out.iter_mut().find(|(e, _, _)| *e == email) {
                Some((_, names, _)) => names.push(input.name.clone()),
                None => out.push((email, vec![input.name.clone()], Vec::new())),
            }
        }
        for (email, names, members) in &mut out {
            *members = self
                .known
                .get(email.as_str())
                .into_iter()
                .flatten()
                .filter(|(n, s)| {
                    s.is_some_and(|s| s != EnrolmentStatus::Withdrawn)
                        && !names.iter().any(|x| same_name(x, n))
                })
                .map(|(n, _)| n.clone())
                .collect();
        }
        out.retain(|(_, names, members)| names.len() + members.len() > 1);
        out
    }
}

fn parents(n: usize) -> String {
    crate::services::forms::count(n, "parent", "parents")
}

/// "two", for the counts a person reads as words.
fn number_word(n: usize) -> String {
    const WORDS: [&str; 9] = [
        "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ];
    n.checked_sub(2)
        .and_then(|i| WORDS.get(i))
        .map_or_else(|| n.to_string(), |w| w.to_string())
}

/// "Sam", "Sam and Alex", "Sam, Alex and Jo".
fn and_list(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// What the preview says about one shared address.
fn shared_line(email: &str, joining: &[String], members: &[String]) -> String {
    let n = joining.len();
    if members.is_empty() {
        return format!(
            "{} share {email}: they will be added as {} parents.",
            and_list(joining),
            number_word(n)
        );
    }
    format!(
        "{} {} {email} with {}, {} already in the group: {} will be added as {}.",
        and_list(joining),
        if n == 1 { "shares" } else { "share" },
        and_list(members),
        if members.len() == 1 {
            "who is"
        } else {
            "who are"
        },
        if n == 1 { joining[0].as_str() } else { "they" },
        if n == 1 {
            "another parent".to_string()
        } else {
            format!("{} more parents", number_word(n))
        }
    )
}

/// The group's places against the parents a file would add.
#[derive(Debug, Clone, Copy)]
struct Places {
    capacity: usize,
    taken: usize,
    joining: usize,
}

impl Places {
    /// Those who fit in the places left.
    fn fit(&self) -> usize {
        self.capacity.saturating_sub(self.taken).min(self.joining)
    }

    fn waiting(&self) -> usize {
        self.joining - self.fit()
    }
}

/// The group's places, when the file would go past them.
fn places_over(
    conn: &mut DbConn,
    cohort: &Cohort,
    joining: usize,
) -> Result<Option<Places>, AppError> {
    let Some(capacity) = cohort.capacity else {
        return Ok(None);
    };
    let taken = Enrolment::for_cohort(conn, cohort.id)?
        .iter()
        .filter(|e| e.status == EnrolmentStatus::Active)
        .count();
    let places = Places {
        capacity: capacity.max(0) as usize,
        taken,
        joining,
    };
    Ok((taken + joining > places.capacity).then_some(places))
}

/// What to do when a file has more parents than the group has places:
/// the facilitator says, every time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverCapacity {
    /// Everyone joins; the group goes past its places.
    AddAll,
    /// The places are filled in file order; the rest wait.
    FillThenWait,
}

impl OverCapacity {
    pub const ADD_ALL: &'static str = "add_all";
    pub const FILL_THEN_WAIT: &'static str = "fill_then_wait";

    /// The form's value; anything else is no choice.
    pub fn parse(raw: &str) -> Option<OverCapacity> {
        match raw.trim() {
            Self::ADD_ALL => Some(OverCapacity::AddAll),
            Self::FILL_THEN_WAIT => Some(OverCapacity::FillThenWait),
            _ => None,
        }
    }
}

/// The preview's question about places, with both answers in words.
#[derive(Debug, Serialize)]
pub struct PlacesQuestion {
    pub question: String,
    pub add_all: String,
    pub add_all_button: String,
    pub fill: String,
    pub fill_button: String,
    pub add_all_value: &'static str,
    pub fill_value: &'static str,
    /// Why the confirm was refused: no choice was made.
    pub error: Option<String>,
}

const CHOOSE_PLACES: &str =
    "Please choose whether to add everyone or to fill the places and put the rest on the waiting list.";

fn places_question(p: Places, error: Option<String>) -> PlacesQuestion {
    let question = match p.taken {
        0 => format!(
            "The group has {} places, and this file has {} to add.",
            p.capacity,
            parents(p.joining)
        ),
        t => format!(
            "The group has {} places, {t} already taken, and this file has {} to add.",
            p.capacity,
            parents(p.joining)
        ),
    };
    let (fill, fill_button) = match p.fit() {
        0 => (
            format!(
                "Put all {} on the waiting list (the {} places are taken)",
                p.waiting(),
                p.capacity
            ),
            format!("Put {} on the waiting list", parents(p.waiting())),
        ),
        fit => (
            format!(
                "Add up to the {} places and put the other {} on the waiting list",
                p.capacity,
                p.waiting()
            ),
            format!(
                "Add {} and put {} on the waiting list",
                parents(fit),
                p.waiting()
            ),
        ),
    };
    PlacesQuestion {
        question,
        add_all: format!(
            "Add all {} (the group will have {} for {} places)",
            p.joining,
            p.taken + p.joining,
            p.capacity
        ),
        add_all_button: format!("Add all {}", parents(p.joining)),
        fill,
        fill_button,
        add_all_value: OverCapacity::ADD_ALL,
        fill_value: OverCapacity::FILL_THEN_WAIT,
        error,
    }
}

/// One row of the preview: its cells as typed, and what happens to it.
#[derive(Debug, Serialize)]
pub struct PreviewRow {
    pub line: u64,
    pub name: String,
    pub email: String,
    pub outcome: String,
    /// Left out of the group (a problem, or a repeat).
    pub left_out: bool,
}

/// A count in the preview's summary ("2 will be added").
#[derive(Debug, Serialize)]
pub struct SummaryLine {
    pub count: usize,
    pub words: String,
    pub bad: bool,
}

#[derive(Debug, Serialize)]
pub struct Preview {
    pub import_id: i64,
    pub cohort_id: i64,
    pub cohort_title: String,
    pub summary: Vec<SummaryLine>,
    /// "Sam Lee and Alex Lee share sam@example.org: ..."
    pub shared: Vec<String>,
    pub rows: Vec<PreviewRow>,
    pub ignored_columns: Vec<String>,
    /// Asked when the file would go past the group's places.
    pub places: Option<PlacesQuestion>,
    /// The confirm button's words, or `None` when there is nothing to add.
    pub confirm_label: Option<String>,
}

fn confirm_label(add: usize, readmit: usize) -> Option<String> {
    match (add, readmit) {
        (0, 0) => None,
        (a, 0) => Some(format!("Add {}", parents(a))),
        (0, r) => Some(format!("Re-admit {}", parents(r))),
        (a, r) => Some(format!("Add {} and re-admit {r}", parents(a))),
    }
}

fn summary(planned: &Planned) -> Vec<SummaryLine> {
    let plural = |n: usize, one: &str, many: &str| if n == 1 { one } else { many }.to_string();
    let to_add = planned.count(|p| *p == Plan::Add);
    let readmit = planned.count(|p| *p == Plan::Readmit);
    let already = planned.count(|p| *p == Plan::AlreadyIn);
    let repeats = planned.count(|p| matches!(p, Plan::Duplicate(_)));
    let problems = planned.count(|p| matches!(p, Plan::Problem(_)));
    let mut out = vec![SummaryLine {
        count: to_add,
        words: "will be added".into(),
        bad: false,
    }];
    let mut line = |count: usize, words: String, bad: bool| {
        if count > 0 {
            out.push(SummaryLine { count, words, bad });
        }
    };
    line(readmit, "had left and will be re-admitted".into(), false);
    line(
        already,
        plural(
            already,
            "is already in the group",
            "are already in the group",
        ),
        false,
    );
    line(
        repeats,
        plural(
            repeats,
            "row repeats an earlier row and will be left out",
            "rows repeat an earlier row and will be left out",
        ),
        true,
    );
    line(
        problems,
        plural(
            problems,
            "row has a problem and will be left out",
            "rows have a problem and will be left out",
        ),
        true,
    );
    out
}

fn preview_rows(planned: &Planned) -> Vec<PreviewRow> {
    let sharing = planned.sharing();
    planned
        .rows
        .iter()
        .map(|(row, plan)| {
            let shares_with = |name: &str, email: &str| -> Vec<String> {
                sharing
                    .iter()
                    .filter(|(e, _, _)| e == email)
                    .flat_map(|(_, names, members)| names.iter().chain(members))
                    .filter(|n| !same_name(n, name))
                    .cloned()
                    .collect()
            };
            let outcome = match (plan, &row.result) {
                (Plan::Add, Ok(input)) => {
                    let email = input.email.as_deref().unwrap_or_default();
                    match shares_with(&input.name, email).as_slice() {
                        [] => "Will be added".to_string(),
                        others => format!(
                            "Will be added as a parent of their own; shares this email with {}",
                            and_list(others)
                        ),
                    }
                }
                (Plan::Readmit, _) => "Had left the group; will be re-admitted".to_string(),
                (Plan::AlreadyIn, _) => "Already in the group; left as is".to_string(),
                (p, _) => p.left_out().unwrap_or_default(),
            };
            PreviewRow {
                line: row.line,
                name: row.typed_name.clone(),
                email: row.typed_email.clone(),
                outcome,
                left_out: plan.left_out().is_some(),
            }
        })
        .collect()
}

/// Says what the staged file would do now; nothing is saved.
fn preview(
    conn: &mut DbConn,
    cohort: &Cohort,
    import_id: i64,
    parsed: &Parsed,
    places_error: Option<String>,
) -> Result<Preview, AppError> {
    let planned = plan(conn, cohort.id, parsed)?;
    let places = places_over(conn, cohort, planned.joining())?;
    Ok(Preview {
        import_id,
        cohort_id: cohort.id,
        cohort_title: cohort.title.clone(),
        summary: summary(&planned),
        shared: planned
            .sharing()
            .iter()
            .map(|(email, names, members)| shared_line(email, names, members))
            .collect(),
        rows: preview_rows(&planned),
        ignored_columns: parsed.ignored_columns.clone(),
        places: places.map(|p| places_question(p, places_error)),
        confirm_label: confirm_label(
            planned.count(|p| *p == Plan::Add),
            planned.count(|p| *p == Plan::Readmit),
        ),
    })
}

/// Keeps a file (or the rows left out of one) for a day, for its uploader.
fn keep(conn: &mut DbConn, cohort_id: i64, user_id: i64, bytes: &[u8]) -> Result<i64, AppError> {
    // Files nobody confirmed within a day are dropped.
    let at = now();
    RosterImport::stage(
        conn,
        CohortId(cohort_id),
        UserId(user_id),
        bytes,
        at,
        at - chrono::Duration::days(1),
    )
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
    let parsed = with_phones(conn, &cohort, parse(bytes)?)?;
    let import_id = write_tx(conn, |conn| keep(conn, cohort.id, user.id, bytes))?;
    preview(conn, &cohort, import_id, &parsed, None)
}

/// The import page: the group, and any rows left out of the last import
/// to fix (`again`), or whether they are no longer kept.
#[derive(Debug, Serialize)]
pub struct ImportForm {
    pub cohort_id: i64,
    pub cohort_title: String,
    pub pasted: String,
    pub again: bool,
    pub again_gone: bool,
}

pub fn import_form(
    conn: &mut DbConn,
    user: &User,
    cohort_id: i64,
    again: Option<ImportId>,
) -> Result<ImportForm, AppError> {
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    let kept = match again {
        Some(id) => RosterImport::content(conn, id, CohortId(cohort.id), UserId(user.id))?,
        None => None,
    };
    Ok(ImportForm {
        cohort_id: cohort.id,
        cohort_title: cohort.title,
        again: kept.is_some(),
        again_gone: again.is_some() && kept.is_none(),
        pasted: kept
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .unwrap_or_default(),
    })
}

/// A row left out of an import, named for the facilitator.
#[derive(Debug, Serialize)]
pub struct LeftOut {
    pub line: u64,
    pub label: String,
    pub why: String,
}

#[derive(Debug, Default, Serialize)]
pub struct Imported {
    pub added: usize,
    pub readmitted: usize,
    /// Put on the waiting list (new or back), by the facilitator's choice.
    pub waiting: usize,
    pub already_in: usize,
    pub left_out: Vec<LeftOut>,
    /// The rows with a problem, kept to fix and import again.
    pub again: Option<i64>,
    pub to_fix: usize,
}

/// Rows named in the message after an import; the rest are counted.
const NAMED_LEFT_OUT: usize = 5;

impl Imported {
    /// The group page's notice: what happened, and every row left out by
    /// its number and what it said.
    pub fn message(&self) -> String {
        let mut m = match (self.added, self.readmitted, self.waiting) {
            (0, 0, 0) => "Nobody new was added.".to_string(),
            (0, _, _) => String::new(),
            (a, _, _) => format!("Added {}.", parents(a)),
        };
        let mut say = |text: String| {
            if !m.is_empty() {
                m.push(' ');
            }
            m.push_str(&text);
        };
        if self.readmitted > 0 {
            say(format!("{} came back after leaving.", self.readmitted));
        }
        match self.waiting {
            0 => {}
            1 => say("1 parent is on the waiting list.".into()),
            n => say(format!("{n} parents are on the waiting list.")),
        }
        match self.already_in {
            0 => {}
            1 => say("1 was already in the group.".into()),
            n => say(format!("{n} were already in the group.")),
        }
        let named: Vec<String> = self
            .left_out
            .iter()
            .take(NAMED_LEFT_OUT)
            .enumerate()
            .map(|(i, r)| {
                let row = if i == 0 { "Left out: row" } else { "Row" };
                format!("{row} {} ({}): {}", r.line, r.label, r.why)
            })
            .collect();
        if !named.is_empty() {
            say(named.join(" "));
        }
        match self.left_out.len().saturating_sub(NAMED_LEFT_OUT) {
            0 => {}
            1 => say("And 1 more row.".into()),
            n => say(format!("And {n} more rows.")),
        }
        m
    }

    /// The words of the link to fix the rows with a problem.
    pub fn fix_label(&self) -> String {
        match self.to_fix {
            1 => "Fix the row left out and add it".to_string(),
            n => format!("Fix the {n} rows left out and add them"),
        }
    }
}

/// The rows with a problem as a CSV file under the file's own column
/// names, for the facilitator to fix and import again.
fn left_out_csv(headers: &csv::ByteRecord, rows: &[&csv::ByteRecord]) -> Result<Vec<u8>, AppError> {
    let mut out = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for record in std::iter::once(headers).chain(rows.iter().copied()) {
        out.write_byte_record(record)
            .map_err(|e| AppError::caused("writing the rows left out", e))?;
    }
    out.into_inner()
        .map_err(|e| AppError::caused("writing the rows left out", e.into_error()))
}

fn left_out(planned: &Planned) -> Vec<LeftOut> {
    planned
        .rows
        .iter()
        .filter_map(|(row, plan)| {
            let why = plan.left_out()?;
            let label = [&row.typed_name, &row.typed_email]
                .into_iter()
                .find(|t| !t.is_empty())
                .cloned()
                .unwrap_or_else(|| "empty".to_string());
            Some(LeftOut {
                line: row.line,
                label,
                why,
            })
        })
        .collect()
}

/// Adds the rows that join, in file order: the first `fit` take places
/// and hear welcome, the rest go on the waiting list.
fn add_rows(
    conn: &mut DbConn,
    mail: &crate::mail::Composer,
    user: &User,
    cohort_id: i64,
    planned: &Planned,
    fit: usize,
) -> Result<Imported, AppError> {
    let mut done = Imported {
        already_in: planned.count(|p| *p == Plan::AlreadyIn),
        ..Imported::default()
    };
    let mut welcome = Vec::new();
    for (row, plan) in &planned.rows {
        let (true, Ok(input)) = (plan.joins(), &row.result) else {
            continue;
        };
        let (enrolment, added) = roster::add_person_in_tx(
            conn,
            Some(user),
            cohort_id,
            input,
            "csv",
            SamePerson::EmailAndName,
        )?;
        if welcome.len() >= fit {
            Enrolment::set_status(conn, enrolment.id, EnrolmentStatus::Waitlisted)?;
            Audit::actor("user", Some(user.id))
                .did("enrolment.waitlist")
                .on_enrolment(enrolment.id)
                .in_cohort(cohort_id)
                .detail(Some("csv"))
                .at(now())
                .record(conn)?;
            done.waiting += 1;
            continue;
        }
        welcome.push(enrolment.id);
        match added {
            Added::New => done.added += 1,
            Added::Readmitted => done.readmitted += 1,
        }
    }
    crate::services::follow_ups::queue_welcomes(conn, mail, cohort_id, &welcome, now())?;
    Ok(done)
}

/// What confirming did, or the preview again when the file would go past
/// the group's places and nobody said what to do.
#[derive(Debug)]
pub enum Confirmed {
    Done(Imported),
    Choose(Box<Preview>),
}

/// Adds the good rows of a staged file, all or nothing, and keeps the rows
/// with a problem to fix.
pub fn confirm(
    conn: &mut DbConn,
    mail: &crate::mail::Composer,
    user: &User,
    ids: (CohortId, ImportId),
    choice: Option<OverCapacity>,
) -> Result<Confirmed, AppError> {
    let (cohort_id, import_id) = (ids.0 .0, ids.1 .0);
    let cohort = crate::services::access::find_visible(conn, user, cohort_id)?;
    let content = RosterImport::content(conn, ids.1, CohortId(cohort.id), UserId(user.id))?
        .ok_or_else(|| {
            AppError::Gone(
                "This import has already been added or has expired. Please upload the file again."
                    .into(),
            )
        })?;
    let parsed = with_phones(conn, &cohort, parse(&content)?)?;
    let done = write_tx(conn, |conn| -> Result<Option<Imported>, AppError> {
        let planned = plan(conn, cohort.id, &parsed)?;
        let fit = match (places_over(conn, &cohort, planned.joining())?, choice) {
            (None, _) | (Some(_), Some(OverCapacity::AddAll)) => usize::MAX,
            (Some(p), Some(OverCapacity::FillThenWait)) => p.fit(),
            (Some(_), None) => return Ok(None),
        };
        let mut done = add_rows(conn, mail, user, cohort.id, &planned, fit)?;
        done.left_out = left_out(&planned);
        let to_fix: Vec<&csv::ByteRecord> = planned
            .rows
            .iter()
            .filter(|(row, plan)| matches!(plan, Plan::Problem(_)) && !row.cells.is_empty())
            .map(|(row, _)| &row.cells)
            .collect();
        done.to_fix = to_fix.len();
        if !to_fix.is_empty() {
            let csv = left_out_csv(&parsed.headers, &to_fix)?;
            done.again = Some(keep(conn, cohort.id, user.id, &csv)?);
        }
        RosterImport::delete(conn, import_id)?;
        Ok(Some(done))
    })?;
    match done {
        Some(done) => Ok(Confirmed::Done(done)),
        None => Ok(Confirmed::Choose(Box::new(preview(
            conn,
            &cohort,
            import_id,
            &parsed,
            Some(CHOOSE_PLACES.to_string()),
        )?))),
    }
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
    fn shared_addresses_are_said_plainly() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            shared_line("sam@example.org", &names(&["Sam", "Alex"]), &[]),
            "Sam and Alex share sam@example.org: they will be added as two parents."
        );
        assert_eq!(
            shared_line("sam@example.org", &names(&["Jo"]), &names(&["Sam", "Alex"])),
            "Jo shares sam@example.org with Sam and Alex, who are already in the group: Jo will be added as another parent."
        );
        assert_eq!(
            shared_line("a@example.org", &names(&["A", "B", "C"]), &names(&["D"])),
            "A, B and C share a@example.org with D, who is already in the group: they will be added as three more parents."
        );
    }

    #[test]
    fn the_places_question_counts_right() {
        let q = places_question(
            Places {
                capacity: 4,
                taken: 0,
                joining: 5,
            },
            None,
        );
        assert_eq!(q.add_all, "Add all 5 (the group will have 5 for 4 places)");
        assert_eq!(
            q.fill,
            "Add up to the 4 places and put the other 1 on the waiting list"
        );
        assert_eq!(q.fill_button, "Add 4 parents and put 1 on the waiting list");
        let q = places_question(
            Places {
                capacity: 2,
                taken: 2,
                joining: 1,
            },
            None,
        );
        assert_eq!(
            q.fill,
            "Put all 1 on the waiting list (the 2 places are taken)"
        );
        assert_eq!(q.fill_button, "Put 1 parent on the waiting list");
        assert_eq!(q.add_all_button, "Add all 1 parent");
    }

    #[test]
    fn the_message_after_an_import_counts_in_words() {
        let row = |line, why: &str| LeftOut {
            line,
            label: format!("P{line}"),
            why: why.into(),
        };
        let done = Imported {
            added: 1,
            waiting: 2,
            already_in: 1,
            left_out: (2..9).map(|l| row(l, "Why.")).collect(),
            to_fix: 1,
            ..Imported::default()
        };
        assert_eq!(
            done.message(),
            "Added 1 parent. 2 parents are on the waiting list. 1 was already in the group. Left out: row 2 (P2): Why. Row 3 (P3): Why. Row 4 (P4): Why. Row 5 (P5): Why. Row 6 (P6): Why. And 2 more rows."
        );
        assert_eq!(done.fix_label(), "Fix the row left out and add it");
        assert_eq!(Imported::default().message(), "Nobody new was added.");
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
    fn rows_are_numbered_as_in_the_spreadsheet_whatever_the_line_endings() {
        for csv in [
            "name,email\nAna,a@example.org\nBo,b@example.org\n",
            "name,email\r\nAna,a@example.org\r\nBo,b@example.org\r\n",
            "name,email\rAna,a@example.org\rBo,b@example.org\r",
        ] {
            let parsed = parse(csv.as_bytes()).unwrap();
            let lines: Vec<u64> = parsed.rows.iter().map(|r| r.line).collect();
            assert_eq!(lines, [2, 3], "{csv:?}");
            assert_eq!(parsed.rows[1].typed_email, "b@example.org", "{csv:?}");
        }
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
