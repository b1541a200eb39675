//! Text messages, the rules: a parent's consent and choices (email, text,
//! both or none per kind), STOP/START/HELP from the gateway's webhook, and
//! the phone country numbers are read in.

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::db::ids::{CohortId, EnrolmentId};
use crate::db::models::contact_preference::{ContactChoice, ContactPreference, CHOOSABLE_KINDS};
use crate::db::models::{Audit, Cohort, OutboxMessage, Participant, User};
use crate::db::{write_tx, DbConn};
use crate::error::{AppError, FieldErrors};
use crate::mail::phone;

/// The words a parent agrees to when they tick the box; stored with the
/// time, exactly as shown.
pub const CONSENT_WORDING: &str = "Yes, you may text me about my parenting group: reminders, \
     changes to meetings and notes from the facilitators. I can reply STOP at any time to stop all texts.";

/// What a facilitator's paper form usually says (they may change it to
/// match their form).
pub const PAPER_CONSENT_WORDING: &str =
    "Signed the group's paper form agreeing to texts about the group (reply STOP to stop).";

/// The country numbers typed without `+` are read in for a group: its
/// own, else the organisation's, else its time zone's.
pub fn phone_country(conn: &mut DbConn, cohort: &Cohort) -> Result<Option<String>, AppError> {
    if let Some(c) = cohort
        .phone_country
        .as_deref()
        .filter(|c| !c.trim().is_empty())
    {
        return Ok(Some(c.trim().to_ascii_uppercase()));
    }
    if let Some((country, _)) = crate::db::models::support::settings(conn)? {
        if phone::country_id(&country).is_some() {
            return Ok(Some(country));
        }
    }
    Ok(phone::country_of_zone(&cohort.time_zone).map(str::to_string))
}

/// A typed phone number checked and put in E.164 for `field`: blank is
/// none, a number that can't be read is a field error naming the format.
pub fn check_phone(
    e: &mut FieldErrors,
    field: &str,
    typed: &str,
    country: Option<&str>,
) -> Option<String> {
    if typed.trim().is_empty() {
        return None;
    }
    match phone::to_e164(typed, country) {
        Ok(n) => Some(n),
        Err(err) => {
            e.add(field, err.0);
            None
        }
    }
}

/// One kind's choice on the parent's page.
#[derive(Debug, Clone, Serialize)]
pub struct KindChoice {
    pub kind: &'static str,
    pub label: &'static str,
    /// No choice made: email.
    pub choice: ContactChoice,
    /// In words, for the facilitator's page.
    pub choice_words: &'static str,
    /// The buttons the parent may pick from (text ones only when texting
    /// is on).
    pub options: Vec<ChoiceOption>,
    /// What was wrong with what they picked, shown again.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChoiceOption {
    pub value: ContactChoice,
    pub label: &'static str,
    pub checked: bool,
}

/// A choice in the words pages use.
pub fn choice_words(c: ContactChoice) -> &'static str {
    match c {
        ContactChoice::EmailOnly => "Email",
        ContactChoice::TextOnly => "Text",
        ContactChoice::Both => "Both",
        ContactChoice::Nothing => "None",
    }
}

fn kind_choice(
    kind: &'static str,
    label: &'static str,
    choice: ContactChoice,
    texting_on: bool,
) -> KindChoice {
    let options = ContactChoice::ALL
        .iter()
        .filter(|c| texting_on || !wants_texts(**c))
        .map(|c| ChoiceOption {
            value: *c,
            label: choice_words(*c),
            checked: *c == choice
                || (!texting_on && wants_texts(choice) && *c == ContactChoice::EmailOnly),
        })
        .collect();
    KindChoice {
        kind,
        label,
        choice,
        choice_words: choice_words(choice),
        options,
        error: None,
    }
}

impl Reaching {
    /// The page again with what the parent typed (after a mistake).
    pub fn with_typed(mut self, form: &ChoicesForm, errors: &FieldErrors) -> Self {
        let on = self.texting_on;
        for k in &mut self.kinds {
            if let Some(c) = ContactChoice::parse(form.typed(k.kind).trim()) {
                *k = kind_choice(k.kind, k.label, c, on);
            }
            k.error = errors.0.get(k.kind).cloned();
        }
        self
    }
}

/// How a parent is reached: their page, and the facilitator's view of it.
#[derive(Debug, Clone, Serialize)]
pub struct Reaching {
    pub texting_on: bool,
    pub phone: Option<String>,
    /// As people read it (`+44 161 496 0000`).
    pub phone_shown: Option<String>,
    pub has_email: bool,
    pub consented: bool,
    pub consent_at: Option<String>,
    pub consent_wording: Option<String>,
    pub stopped: bool,
    pub kinds: Vec<KindChoice>,
    pub consent_text: &'static str,
    pub paper_wording: &'static str,
}

fn reaching(
    conn: &mut DbConn,
    enrolment_id: i64,
    p: &Participant,
    texting_on: bool,
) -> Result<Reaching, AppError> {
    let made = ContactPreference::for_enrolment(conn, enrolment_id)?;
    let kinds = CHOOSABLE_KINDS
        .iter()
        .map(|(kind, label)| {
            let choice = made
                .iter()
                .find(|m| m.kind == *kind)
                .map(|m| m.choice)
                .unwrap_or(ContactChoice::EmailOnly);
            kind_choice(kind, label, choice, texting_on)
        })
        .collect();
    Ok(Reaching {
        texting_on,
        phone_shown: p.phone.as_deref().map(phone::display),
        phone: p.phone.clone(),
        has_email: p.email.is_some(),
        consented: p.text_consent_at.is_some(),
        consent_at: p.text_consent_at.map(|t| t.format("%-d %B %Y").to_string()),
        consent_wording: p.text_consent_wording.clone(),
        stopped: p.texts_stopped_at.is_some(),
        kinds,
        consent_text: CONSENT_WORDING,
        paper_wording: PAPER_CONSENT_WORDING,
    })
}

/// The parent's own page of choices.
pub fn my_choices(
    conn: &mut DbConn,
    enrolment_id: i64,
    texting_on: bool,
) -> Result<Reaching, AppError> {
    let me = crate::services::access::me(conn, enrolment_id)?;
    reaching(conn, enrolment_id, &me.participant, texting_on)
}

/// What a facilitator sees of a parent's choices (never changes them).
pub fn parent_choices(
    conn: &mut DbConn,
    user: &User,
    ids: (CohortId, EnrolmentId),
    texting_on: bool,
) -> Result<Reaching, AppError> {
    let (_, enrolment) = crate::services::access::find_visible_enrolment(conn, user, ids.0, ids.1)?;
    let p = Participant::find(conn, enrolment.participant_id)?;
    reaching(conn, enrolment.id, &p, texting_on)
}

/// The parent's form: their number, the consent box and a choice per kind.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ChoicesForm {
    pub phone: String,
    pub text_consent: String,
    pub reminder: String,
    pub recap: String,
    pub missed_you: String,
    pub reflection_reply: String,
    pub nudge: String,
}

impl ChoicesForm {
    fn typed(&self, kind: &str) -> &str {
        match kind {
            "reminder" => &self.reminder,
            "recap" => &self.recap,
            "missed_you" => &self.missed_you,
            "reflection_reply" => &self.reflection_reply,
            "nudge" => &self.nudge,
            _ => "",
        }
    }
}

fn wants_texts(c: ContactChoice) -> bool {
    matches!(c, ContactChoice::TextOnly | ContactChoice::Both)
}

/// Saves a parent's choices: a number (checked, stored in E.164), consent
/// (with the time and the words), and a choice per kind. Texts chosen
/// without a number or consent are field errors; nothing is saved then.
pub fn save_my_choices(
    conn: &mut DbConn,
    enrolment_id: i64,
    form: &ChoicesForm,
    texting_on: bool,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let me = crate::services::access::me(conn, enrolment_id)?;
    let country = phone_country(conn, &me.cohort)?;
    let mut e = FieldErrors::default();
    let phone = check_phone(&mut e, "phone", &form.phone, country.as_deref());
    let mut choices = Vec::new();
    for (kind, _) in CHOOSABLE_KINDS {
        let typed = form.typed(kind).trim();
        match ContactChoice::parse(typed) {
            Some(c) if wants_texts(c) && !texting_on => e.add(
                kind,
                "Texting is off on this server, so please choose email or none.",
            ),
            Some(c) => choices.push((kind, c)),
            None if typed.is_empty() => choices.push((kind, ContactChoice::EmailOnly)),
            None => e.add(kind, "Please choose email, text, both or none."),
        }
    }
    let consenting = form.text_consent == "yes";
    let consented = me.participant.text_consent_at.is_some() || consenting;
    if choices.iter().any(|(_, c)| wants_texts(*c)) {
        if !consented {
            e.add(
                "text_consent",
                "To get texts, please tick the box to say we may text you.",
            );
        }
        if phone.is_none() && !form.phone.trim().is_empty() {
            // The number's own error says what to type.
        } else if phone.is_none() {
            e.add("phone", "To get texts, please type your mobile number.");
        }
    }
    e.check()?;
    write_tx(conn, |conn| {
        let pid = me.participant.id;
        if phone != me.participant.phone {
            Participant::set_phone(conn, pid, phone.as_deref(), at)?;
        }
        let stopped = me.participant.texts_stopped_at.is_some();
        if consenting && (me.participant.text_consent_at.is_none() || stopped) {
            Participant::record_text_consent(conn, pid, CONSENT_WORDING, at)?;
            audit_parent(
                conn,
                pid,
                &me.enrolment,
                "participant.texts_consented",
                Some("on their page"),
            )?;
        }
        for (kind, choice) in &choices {
            ContactPreference::set(conn, enrolment_id, kind, *choice, at)?;
        }
        audit_parent(conn, pid, &me.enrolment, "participant.choices_saved", None)
    })
}

fn audit_parent(
    conn: &mut DbConn,
    participant_id: i64,
    enrolment: &crate::db::models::Enrolment,
    action: &str,
    detail: Option<&str>,
) -> Result<(), AppError> {
    Audit::by_participant(participant_id)
        .did(action)
        .on_enrolment(enrolment.id)
        .in_cohort(enrolment.cohort_id)
        .detail(detail)
        .record(conn)
}

/// "Stop all texts" from the parent's page: the same as replying STOP.
pub fn stop_my_texts(
    conn: &mut DbConn,
    enrolment_id: i64,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let me = crate::services::access::me(conn, enrolment_id)?;
    write_tx(conn, |conn| {
        stop_people(
            conn,
            std::slice::from_ref(&me.participant),
            "on their page",
            at,
        )
    })
}

/// A facilitator records consent a parent gave on paper, with the words of
/// that form.
pub fn record_paper_consent(
    conn: &mut DbConn,
    user: &User,
    ids: (CohortId, EnrolmentId),
    wording: &str,
    at: NaiveDateTime,
) -> Result<String, AppError> {
    let (_, enrolment) = crate::services::access::find_visible_enrolment(conn, user, ids.0, ids.1)?;
    let wording = wording.trim();
    if wording.is_empty() || wording.chars().count() > 500 {
        return Err(AppError::validation(
            "Please copy the words of the paper form the parent signed (up to 500 characters).",
        ));
    }
    let p = Participant::find(conn, enrolment.participant_id)?;
    if p.phone.is_none() {
        return Err(AppError::validation(
            "This parent has no phone number yet, so there is nothing to text.",
        ));
    }
    write_tx(conn, |conn| {
        Participant::record_text_consent(conn, p.id, &format!("On paper: {wording}"), at)?;
        Audit::by_user(user.id)
            .did("participant.texts_consented")
            .on_enrolment(enrolment.id)
            .in_cohort(enrolment.cohort_id)
            .detail(Some("on paper"))
            .record(conn)
    })?;
    Ok(format!("Texting consent recorded for {}.", p.name))
}

/// What an inbound text asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    Stop,
    Start,
    Help,
    Other,
}

/// The keyword of a text (trimmed, any case, alone on the message).
pub fn keyword(body: &str) -> Keyword {
    let word = body
        .trim()
        .trim_end_matches(['.', '!'])
        .to_ascii_uppercase();
    match word.as_str() {
        "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" => Keyword::Stop,
        "START" | "YES" | "UNSTOP" => Keyword::Start,
        "HELP" | "INFO" => Keyword::Help,
        _ => Keyword::Other,
    }
}

/// Handles a (verified) inbound text: STOP stops every text to everyone
/// with that number at once, START resumes them (for people who agreed to
/// texts), HELP is answered. Returns the reply to send back, if any.
pub fn inbound(
    conn: &mut DbConn,
    from: &str,
    body: &str,
    organisation: &str,
    at: NaiveDateTime,
) -> Result<Option<String>, AppError> {
    let word = keyword(body);
    if word == Keyword::Help {
        return Ok(Some(format!(
            "{organisation}: texts about your parenting group. For help, ask your group's \
             facilitator or reply to their email. Reply STOP to stop."
        )));
    }
    let Ok(number) = phone::to_e164(from, None) else {
        return Ok(None);
    };
    let people = Participant::with_phone(conn, &number)?;
    if people.is_empty() {
        return Ok(None);
    }
    match word {
        Keyword::Stop => {
            write_tx(conn, |conn| stop_people(conn, &people, "by text", at))?;
            Ok(Some(format!(
                "{organisation}: you won't get any more texts from us. Reply START to get them again."
            )))
        }
        Keyword::Start => {
            let resumed = write_tx(conn, |conn| start_people(conn, &people, at))?;
            Ok((resumed > 0)
                .then(|| format!("{organisation}: texts are back on. Reply STOP to stop.")))
        }
        Keyword::Help | Keyword::Other => Ok(None),
    }
}

fn stop_people(
    conn: &mut DbConn,
    people: &[Participant],
    how: &str,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    let ids: Vec<i64> = people.iter().map(|p| p.id).collect();
    for p in people {
        Participant::set_texts_stopped(conn, p.id, Some(at), at)?;
        Audit::by_participant(p.id)
            .did("participant.texts_stopped")
            .detail(Some(how))
            .at(at)
            .record(conn)?;
    }
    let enrolments = Participant::enrolment_ids(conn, &ids)?;
    OutboxMessage::cancel_texts_for(conn, &enrolments, "They replied STOP: no more texts.", at)?;
    Ok(())
}

fn start_people(
    conn: &mut DbConn,
    people: &[Participant],
    at: NaiveDateTime,
) -> Result<usize, AppError> {
    let mut resumed = 0;
    for p in people.iter().filter(|p| p.text_consent_at.is_some()) {
        Participant::set_texts_stopped(conn, p.id, None, at)?;
        Audit::by_participant(p.id)
            .did("participant.texts_started")
            .detail(Some("by text"))
            .at(at)
            .record(conn)?;
        resumed += 1;
    }
    Ok(resumed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_read_in_any_case_alone() {
        for w in [
            "STOP",
            "stop",
            " Stop ",
            "STOPALL",
            "unsubscribe",
            "Cancel",
            "END",
            "quit",
            "stop.",
        ] {
            assert_eq!(keyword(w), Keyword::Stop, "{w}");
        }
        for w in ["START", "yes", "Unstop"] {
            assert_eq!(keyword(w), Keyword::Start, "{w}");
        }
        assert_eq!(keyword("help"), Keyword::Help);
        for w in [
            "please stop texting at night",
            "stopp",
            "",
            "see you tuesday",
        ] {
            assert_eq!(keyword(w), Keyword::Other, "{w}");
        }
    }
}
