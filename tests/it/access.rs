//! Who may use which route: every route of the route table against every
//! kind of visitor. Adding a route without a row here fails the test.

use actix_web::http::StatusCode;
use attune::db::ids::{CohortId, MeetingId};
use attune::db::models::{Meeting, User};
use attune::services::cohorts::{self, CohortForm};
use attune::services::roster::{self, ParticipantForm};

use crate::common::{add_user, Browser, TestApp, PASSWORD};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// Allowed: anything but 401/403/404 or a trip to the sign-in page.
    Ok,
    /// Sent to sign in.
    Login,
    /// Told nothing exists (someone else's group).
    NotFound,
    /// Refused outright.
    Forbidden,
    /// A server error: never expected, so any 5xx fails the matrix.
    ServerError,
}
use Expect::*;

const ROLES: [&str; 9] = [
    "anonymous",
    "lead",
    "other",
    "co",
    "admin",
    "disabled",
    "parent_a",
    "parent_b",
    "coordinator",
];

/// Cohort routes: the lead, co-facilitators and admins; others see nothing.
const COHORT: [Expect; 9] = [Login, Ok, NotFound, Ok, Ok, Login, Login, Login, NotFound];
/// Any signed-in, active account.
const SIGNED_IN: [Expect; 9] = [Login, Ok, Ok, Ok, Ok, Login, Login, Login, Ok];
const ADMIN: [Expect; 9] = [
    Login, Forbidden, Forbidden, Forbidden, Ok, Login, Login, Login, Forbidden,
];
const PUBLIC: [Expect; 9] = [Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok, Ok];
/// Anyone, through a form: the switched-off account's form token died with
/// its sessions.
const PUBLIC_FORM: [Expect; 9] = [Ok, Ok, Ok, Ok, Ok, Forbidden, Ok, Ok, Ok];
/// Parents' pages: only a parent's own session opens them; everyone else
/// is asked for their link (401). That each sees only their own data:
/// tests/it/participants.rs.
const PARENT: [Expect; 9] = [Login, Login, Login, Login, Login, Login, Ok, Ok, Login];

/// An offer's answer: the link decides; the switched-off account's form
/// token died with its sessions.
const OFFER_POST: [Expect; 9] = [
    NotFound, NotFound, NotFound, NotFound, NotFound, Forbidden, NotFound, NotFound, NotFound,
];

/// method, path pattern, expected per role, form fields
type Row = (
    &'static str,
    &'static str,
    [Expect; 9],
    &'static [(&'static str, &'static str)],
);

fn matrix() -> Vec<Row> {
    vec![
        ("get", "/", PUBLIC, &[]),
        ("get", "/healthz", PUBLIC, &[]),
        ("get", "/help", PUBLIC, &[]),
        ("get", "/assets/{file}", PUBLIC, &[]),
        ("get", "/curricula", PUBLIC, &[]),
        ("get", "/curricula/{slug}", PUBLIC, &[]),
        ("get", "/curricula/{slug}/sessions/{number}", PUBLIC, &[]),
        (
            "get",
            "/curricula/{slug}/sessions/{number}/handout.pdf",
            PUBLIC,
            &[],
        ),
        ("get", "/join/{token}", PUBLIC, &[]),
        (
            "post",
            "/join/{token}",
            [Ok, Ok, Ok, Ok, Ok, Forbidden, Ok, Ok, Ok],
            &[("name", "Jo Joiner"), ("email", "jo.joiner@example.org")],
        ),
        ("get", "/calendar/{file}", PUBLIC, &[]),
        ("get", "/u/{token}", PUBLIC, &[]),
        // One-click unsubscribe: no cookie, no form token (RFC 8058).
        (
            "post",
            "/u/{token}",
            PUBLIC,
            &[("List-Unsubscribe", "One-Click")],
        ),
        ("get", "/p/lost", PUBLIC, &[]),
        (
            "post",
            "/p/lost",
            PUBLIC_FORM,
            &[("email", "pat@example.org")],
        ),
        ("get", "/p/code", PUBLIC, &[]),
        (
            "post",
            "/p/code",
            PUBLIC_FORM,
            &[("email", "pat@example.org")],
        ),
        // No code was sent, so none opens anything. A facilitator's browser
        // is told to sign out first (409) and the code is not tried.
        (
            "post",
            "/p/code/enter",
            [Login, Ok, Ok, Ok, Ok, Forbidden, Login, Login, Ok],
            &[("email", "pat@example.org"), ("code", "000000")],
        ),
        ("get", "/p/{token}", PUBLIC, &[]),
        ("get", "/me", PARENT, &[]),
        ("post", "/me/consent", PARENT, &[]),
        ("get", "/me/sessions/{number}", PARENT, &[]),
        ("get", "/me/sessions/{number}/handout.pdf", PARENT, &[]),
        (
            "post",
            "/me/sessions/{number}/reflection",
            PARENT,
            &[("answer_0", "x")],
        ),
        ("post", "/me/sign-out", PARENT, &[]),
        ("post", "/me/emails", PARENT, &[("emails", "off")]),
        ("get", "/me/checkin/{phase}", PARENT, &[]),
        ("post", "/me/checkin/{phase}", PARENT, &[("item_0", "3")]),
        ("get", "/me/data", PARENT, &[]),
        ("get", "/me/data/export.json", PARENT, &[]),
        ("get", "/me/data/export", PARENT, &[]),
        ("post", "/me/data/delete", PARENT, &[("confirm", "yes")]),
        // A parent with no meeting ahead is told so (409); nothing changes.
        (
            "post",
            "/me/rsvp",
            PARENT,
            &[("answer", "coming"), ("meeting", "1")],
        ),
        // The fixture's token is no RSVP link: 404 for everyone, before
        // anything else is looked at (tests/it/rsvp.rs has the live ones).
        ("get", "/r/{token}", [NotFound; 9], &[]),
        ("post", "/r/{token}", [NotFound; 9], &[("note", "x")]),
        ("get", "/me/messages", PARENT, &[]),
        (
            "post",
            "/me/messages",
            PARENT,
            &[("reminder", "email_only")],
        ),
        ("post", "/me/texts/stop", PARENT, &[]),
        // The text gateway's webhooks: off here (no SMS_GATEWAY_URL), so
        // nothing for anyone; signatures are checked in tests/it/sms.rs.
        (
            "post",
            "/sms/inbound/twilio",
            [NotFound; 9],
            &[("From", "+15005550006"), ("Body", "STOP")],
        ),
        ("post", "/sms/inbound", [NotFound; 9], &[]),
        ("get", "/login", PUBLIC, &[]),
        // The switched-off account's form token died with its sessions.
        (
            "post",
            "/login",
            [Ok, Ok, Ok, Ok, Ok, Forbidden, Ok, Ok, Ok],
            &[("email", "lead@example.org"), ("password", PASSWORD)],
        ),
        ("get", "/login/link", PUBLIC, &[]),
        (
            "post",
            "/login/link",
            PUBLIC_FORM,
            &[("email", "lead@example.org")],
        ),
        // No sign-in link was sent, so none signs anybody in.
        ("get", "/login/link/{token}", [Login; 9], &[]),
        (
            "post",
            "/login/link/{token}",
            [
                Login, Login, Login, Login, Login, Forbidden, Login, Login, Login,
            ],
            &[],
        ),
        // No place was offered, so no offer link opens anything.
        ("get", "/offer/{token}/accept", [NotFound; 9], &[]),
        ("post", "/offer/{token}/accept", OFFER_POST, &[]),
        ("get", "/offer/{token}/decline", [NotFound; 9], &[]),
        ("post", "/offer/{token}/decline", OFFER_POST, &[]),
        ("post", "/logout", SIGNED_IN, &[]),
        ("get", "/account/password", SIGNED_IN, &[]),
        (
            "post",
            "/account/password",
            SIGNED_IN,
            &[("current", "wrong"), ("new", "x"), ("confirm", "x")],
        ),
        ("get", "/dashboard", SIGNED_IN, &[]),
        ("get", "/resume", SIGNED_IN, &[]),
        ("post", "/resume/discard", SIGNED_IN, &[]),
        ("get", "/cohorts/new", SIGNED_IN, &[]),
        ("post", "/cohorts", SIGNED_IN, &[("title", "")]),
        ("get", "/cohorts/{id}", COHORT, &[]),
        ("get", "/cohorts/{id}/guide", COHORT, &[]),
        (
            "post",
            "/cohorts/{id}/facilitators",
            COHORT,
            &[("email", "spare@example.org")],
        ),
        (
            "post",
            "/cohorts/{id}/facilitators/{user}/remove",
            COHORT,
            &[],
        ),
        (
            "post",
            "/cohorts/{id}/meetings",
            COHORT,
            &[
                ("session_number", "1"),
                ("date", "2027-01-05"),
                ("time", "10:00"),
            ],
        ),
        ("get", "/cohorts/{id}/meetings/{meeting}", COHORT, &[]),
        ("get", "/cohorts/{id}/meetings/{meeting}/sheet", COHORT, &[]),
        (
            "get",
            "/cohorts/{id}/meetings/{meeting}/sheet.pdf",
            COHORT,
            &[],
        ),
        (
            "get",
            "/cohorts/{id}/meetings/{meeting}/handout.pdf",
            COHORT,
            &[],
        ),
        (
            "get",
            "/cohorts/{id}/meetings/{meeting}/plan.pdf",
            COHORT,
            &[],
        ),
        (
            "get",
            "/cohorts/{id}/meetings/{meeting}/sign-in.pdf",
            COHORT,
            &[],
        ),
        // Makes a new personal link for every parent of the group.
        ("post", "/cohorts/{id}/packet", COHORT, &[("session", "1")]),
        // The fixture's parent came to enough meetings for a certificate.
        ("get", "/cohorts/{id}/certificates.pdf", COHORT, &[]),
        ("get", "/cohorts/{id}/facilitator-packet.pdf", COHORT, &[]),
        (
            "post",
            "/cohorts/{id}/meetings/{meeting}/attendance",
            COHORT,
            &[("mark_{enrolment}", "present")],
        ),
        (
            "post",
            "/cohorts/{id}/meetings/{meeting}/fidelity",
            COHORT,
            &[("segment_0", "1")],
        ),
        (
            "post",
            "/cohorts/{id}/meetings/{meeting}/reschedule",
            COHORT,
            &[("date", "2027-02-02"), ("time", "18:00")],
        ),
        (
            "get",
            "/cohorts/{id}/meetings/{meeting}/cancel",
            COHORT,
            &[],
        ),
        (
            "post",
            "/cohorts/{id}/meetings/{meeting}/cancel",
            COHORT,
            &[],
        ),
        (
            "post",
            "/cohorts/{id}/meetings/{meeting}/restore",
            COHORT,
            &[],
        ),
        (
            "post",
            "/cohorts/{id}/meetings/{meeting}/message",
            COHORT,
            &[("message", "Room 4 tonight"), ("step", "check")],
        ),
        (
            "post",
            "/cohorts/{id}/meetings/{meeting}/message/undo",
            COHORT,
            &[],
        ),
        ("get", "/cohorts/{id}/participants/new", COHORT, &[]),
        ("get", "/cohorts/{id}/import", COHORT, &[]),
        ("get", "/cohorts/{id}/checkins", COHORT, &[]),
        ("get", "/cohorts/{id}/emails", COHORT, &[]),
        (
            "post",
            "/cohorts/{id}/emails/settings",
            COHORT,
            &[
                ("send_welcome", "on"),
                ("send_reminder", "on"),
                ("reminder_hours_before", "24"),
                ("recap_hours_after", "3"),
                ("nudge_hours_after", "72"),
            ],
        ),
        ("post", "/cohorts/{id}/emails/pause", COHORT, &[]),
        ("post", "/cohorts/{id}/emails/resume", COHORT, &[]),
        ("get", "/cohorts/{id}/emails/preview/{kind}", COHORT, &[]),
        (
            "get",
            "/cohorts/{id}/emails/preview/{kind}/html",
            COHORT,
            &[],
        ),
        ("post", "/cohorts/{id}/emails/{message}/resend", COHORT, &[]),
        (
            "post",
            "/cohorts/{id}/meetings/{meeting}/recap-note",
            COHORT,
            &[("recap_note", "See you next week.")],
        ),
        // Pat came to this meeting and has no alert: refused (409), not
        // hidden, for those who may see the group.
        (
            "post",
            "/cohorts/{id}/meetings/{meeting}/enrolments/{enrolment}/caught-up",
            COHORT,
            &[("caught_up", "yes")],
        ),
        (
            "post",
            "/cohorts/{id}/enrolments/{enrolment}/called",
            COHORT,
            &[("called_note", "Left a message.")],
        ),
        (
            "post",
            "/cohorts/{id}/enrolments/{enrolment}/link",
            COHORT,
            &[],
        ),
        (
            "get",
            "/cohorts/{id}/enrolments/{enrolment}/link",
            COHORT,
            &[],
        ),
        (
            "post",
            "/cohorts/{id}/enrolments/{enrolment}/link/email",
            COHORT,
            &[],
        ),
        (
            "post",
            "/cohorts/{id}/enrolments/{enrolment}/links/revoke",
            COHORT,
            &[],
        ),
        (
            "get",
            "/cohorts/{id}/enrolments/{enrolment}/reflections",
            COHORT,
            &[],
        ),
        (
            "get",
            "/cohorts/{id}/meetings/{meeting}/reflections",
            COHORT,
            &[],
        ),
        (
            "post",
            "/cohorts/{id}/reflections/{reflection}/reply",
            COHORT,
            &[("reply", "Thank you")],
        ),
        ("post", "/cohorts/{id}/invite", COHORT, &[]),
        ("post", "/cohorts/{id}/invite/off", COHORT, &[]),
        ("post", "/cohorts/{id}/calendar", COHORT, &[]),
        ("post", "/cohorts/{id}/import", COHORT, &[]),
        ("post", "/cohorts/{id}/import/{import}/confirm", COHORT, &[]),
        (
            "post",
            "/cohorts/{id}/participants",
            COHORT,
            &[("name", "Sam Parent")],
        ),
        ("get", "/cohorts/{id}/enrolments/{enrolment}", COHORT, &[]),
        (
            "post",
            "/cohorts/{id}/enrolments/{enrolment}/withdraw",
            COHORT,
            &[],
        ),
        (
            "post",
            "/cohorts/{id}/enrolments/{enrolment}/readmit",
            COHORT,
            &[],
        ),
        (
            "post",
            "/cohorts/{id}/enrolments/{enrolment}/text-consent",
            COHORT,
            &[("wording", "Signed the paper form.")],
        ),
        (
            "post",
            "/cohorts/{id}/waitlist/settings",
            COHORT,
            &[("capacity", "20"), ("offer_hours", "48")],
        ),
        // The fixture's parent is in the group, not waiting: refused (409).
        (
            "post",
            "/cohorts/{id}/waitlist/{enrolment}/offer",
            COHORT,
            &[],
        ),
        ("get", "/admin/users", ADMIN, &[]),
        (
            "post",
            "/admin/users",
            ADMIN,
            &[("name", "New Person"), ("email", "new.person@example.org")],
        ),
        ("post", "/admin/users/{user}/reset-password", ADMIN, &[]),
        ("post", "/admin/users/{user}/disable", ADMIN, &[]),
        ("post", "/admin/users/{user}/enable", ADMIN, &[]),
        ("get", "/admin/outbox", ADMIN, &[]),
        ("post", "/admin/outbox/{message}/resend", ADMIN, &[]),
        ("get", "/admin/support", ADMIN, &[]),
        (
            "post",
            "/admin/support",
            ADMIN,
            &[
                ("name", "A Line"),
                ("helps_with", "Talking"),
                ("phone", "988"),
            ],
        ),
        (
            "post",
            "/admin/support/country",
            ADMIN,
            &[("country", "GB")],
        ),
        ("post", "/admin/support/{service}/remove", ADMIN, &[]),
    ]
}

#[test]
fn every_route_is_in_the_matrix() {
    let rows: Vec<(&str, &str)> = matrix().iter().map(|r| (r.0, r.1)).collect();
    for route in attune::routes::ROUTES {
        assert!(
            rows.contains(route),
            "route {route:?} has no row in the access matrix"
        );
    }
    for row in &rows {
        assert!(
            attune::routes::ROUTES.contains(row),
            "matrix row {row:?} is not a route"
        );
    }
}

/// A group with a lead, a co-facilitator, a meeting and a parent; another
/// facilitator with a group of their own; an admin; a switched-off account.
pub struct Fixture {
    pub app: TestApp,
    pub cohort_a: i64,
    pub cohort_b: i64,
    pub meeting_a: i64,
    pub meeting_b: i64,
    pub enrolment_a: i64,
    pub enrolment_b: i64,
    /// A co-facilitator of A per role, for that role to remove.
    pub spare_co: Vec<(&'static str, i64)>,
    pub target: i64,
    /// A CSV file the lead uploaded to A and has not confirmed.
    pub import_a: i64,
    pub invite_a: String,
    pub calendar_a: String,
    /// A parent of A's personal link, and a reflection they sent.
    pub parent_link_a: String,
    pub parent_link_b: String,
    pub reflection_a: i64,
    /// A's parent's stop-emails token, and an email queued for them.
    pub unsubscribe_a: String,
    pub message_a: i64,
    /// A service on the support list.
    pub service_a: i64,
}

pub fn make_cohort(app: &TestApp, owner: &User, title: &str) -> i64 {
    let first = chrono::NaiveDate::from_ymd_opt(2026, 9, 1).unwrap();
    make_group(
        app,
        owner,
        (title, "secure-base"),
        ("Europe/London", first, "18:30"),
    )
}

/// A group whose first meeting is `days_from_today` away (negative: in
/// the past), weekly at 00:05 UTC.
pub fn cohort_from(app: &TestApp, owner: &User, curriculum: &str, days_from_today: i64) -> i64 {
    let first = chrono::Utc::now().date_naive() + chrono::Duration::days(days_from_today);
    let title = format!("Group of {first}");
    make_group(app, owner, (&title, curriculum), ("UTC", first, "00:05"))
}

/// A weekly group of a course, as (title, curriculum), first meeting
/// (time zone, date, local start time), made through the service.
pub fn make_group(
    app: &TestApp,
    owner: &User,
    (title, curriculum): (&str, &str),
    (time_zone, first, start): (&str, chrono::NaiveDate, &str),
) -> i64 {
    let form = CohortForm {
        curriculum: curriculum.into(),
        title: title.into(),
        time_zone: time_zone.into(),
        first_date: first.format("%Y-%m-%d").to_string(),
        start_time: start.into(),
        ..Default::default()
    };
    let plan = cohorts::check_form(&form, &app.state.library).unwrap();
    let mut conn = app.state.pool.get().unwrap();
    cohorts::create(&mut conn, owner, &plan).unwrap().id
}

pub fn enrol(app: &TestApp, owner: &User, cohort: i64, name: &str, email: &str) -> i64 {
    let input = roster::check(&ParticipantForm {
        name: name.into(),
        email: email.into(),
        ..Default::default()
    })
    .unwrap();
    let mut conn = app.state.pool.get().unwrap();
    roster::add(&mut conn, &app.state.mail, owner, cohort, &input, "manual")
        .unwrap()
        .0
        .id
}

impl Fixture {
    pub fn new() -> Self {
        let app = TestApp::new();
        let lead = add_user(&app, "lead@example.org", false);
        let other = add_user(&app, "other@example.org", false);
        add_user(&app, "co@example.org", false);
        add_user(&app, "admin@example.org", true);
        add_user(&app, "disabled@example.org", false);
        crate::common::add_coordinator(&app, "coordinator@example.org");
        add_user(&app, "spare@example.org", false);
        let spare_co: Vec<(&str, i64)> = ROLES
            .iter()
            .map(|r| {
                (
                    *r,
                    add_user(&app, &format!("spare.co.{r}@example.org"), false).id,
                )
            })
            .collect();
        let target = add_user(&app, "target@example.org", false).id;
        let cohort_a = make_cohort(&app, &lead, "Group A");
        let cohort_b = make_cohort(&app, &other, "Group B");
        {
            let mut conn = app.state.pool.get().unwrap();
            for email in ["co@example.org", "disabled@example.org"] {
                cohorts::add_facilitator(&mut conn, &lead, cohort_a, email).unwrap();
            }
            for role in ROLES {
                let email = format!("spare.co.{role}@example.org");
                cohorts::add_facilitator(&mut conn, &lead, cohort_a, &email).unwrap();
            }
        }
        let enrolment_a = enrol(&app, &lead, cohort_a, "Pat Parent", "pat@example.org");
        let enrolment_b = enrol(&app, &other, cohort_b, "Bo Parent", "bo@example.org");
        let mut conn = app.state.pool.get().unwrap();
        let meetings_a = Meeting::for_cohort(&mut conn, cohort_a).unwrap();
        let meeting_a = meetings_a[0].id;
        // Pat came to enough meetings for a certificate (three in four).
        let enough = attune::services::print::default_certificate_minimum(meetings_a.len());
        for m in meetings_a.iter().take(enough as usize) {
            attune::services::meetings::record_attendance(
                &mut conn,
                &app.state.mail,
                &lead,
                (CohortId(cohort_a), MeetingId(m.id)),
                &[(enrolment_a, attune::db::models::AttendanceStatus::Present)],
            )
            .unwrap();
        }
        let meeting_b = Meeting::for_cohort(&mut conn, cohort_b).unwrap()[0].id;
        let import_a = attune::services::roster_import::stage(
            &mut conn,
            &lead,
            cohort_a,
            b"name,email\nJo Parent,jo@example.org\n",
        )
        .unwrap()
        .import_id;
        let invite_a = attune::services::invites::renew(&mut conn, &lead, cohort_a).unwrap();
        let calendar_a = attune::services::calendar::renew(&mut conn, &lead, cohort_a).unwrap();
        let parent_link_a =
            attune::services::participants::issue_link(&mut conn, enrolment_a).unwrap();
        let parent_link_b =
            attune::services::participants::issue_link(&mut conn, enrolment_b).unwrap();
        let at = attune::db::now();
        attune::db::models::Reflection::insert(
            &mut conn,
            &attune::db::models::NewReflection {
                enrolment_id: enrolment_a,
                session_number: 1,
                answers: "[\"a\"]",
                visibility: "facilitators",
                status: "submitted",
                submitted_at: Some(at),
                created_at: at,
                updated_at: at,
            },
        )
        .unwrap();
        let reflection_a: i64 = {
            use attune::db::schema::reflections;
            use diesel::prelude::*;
            reflections::table
                .select(reflections::id)
                .first(&mut *conn)
                .unwrap()
        };
        let unsubscribe_a = {
            let url = app.state.mail.unsubscribe_url(enrolment_a).unwrap();
            url.rsplit('/').next().unwrap().to_string()
        };
        let message_a: i64 = {
            use attune::db::schema::outbox_messages;
            use diesel::prelude::*;
            outbox_messages::table
                .filter(outbox_messages::enrolment_id.eq(enrolment_a))
                .select(outbox_messages::id)
                .first(&mut *conn)
                .unwrap()
        };
        attune::services::support::seed_sample(&mut conn).unwrap();
        let service_a: i64 = {
            use attune::db::schema::support_services;
            use diesel::prelude::*;
            support_services::table
                .select(support_services::id)
                .first(&mut *conn)
                .unwrap()
        };
        drop(conn);
        Fixture {
            app,
            cohort_a,
            cohort_b,
            meeting_a,
            meeting_b,
            enrolment_a,
            enrolment_b,
            spare_co,
            target,
            import_a,
            invite_a,
            calendar_a,
            parent_link_a,
            parent_link_b,
            reflection_a,
            unsubscribe_a,
            message_a,
            service_a,
        }
    }

    pub fn fill(&self, path: &str, role: &str) -> String {
        let file = if path.starts_with("/calendar") {
            format!("{}.ics", self.calendar_a)
        } else {
            "app.css".to_string()
        };
        let spare = self
            .spare_co
            .iter()
            .find(|(r, _)| *r == role)
            .map(|(_, id)| *id);
        let user = if path.starts_with("/admin") {
            self.target
        } else {
            spare.unwrap_or(self.target)
        };
        path.replace("{id}", &self.cohort_a.to_string())
            .replace("{meeting}", &self.meeting_a.to_string())
            .replace("{enrolment}", &self.enrolment_a.to_string())
            .replace("{import}", &self.import_a.to_string())
            .replace(
                "{token}",
                if path.starts_with("/p/") {
                    &self.parent_link_a
                } else if path.starts_with("/u/") {
                    &self.unsubscribe_a
                } else {
                    &self.invite_a
                },
            )
            .replace("{message}", &self.message_a.to_string())
            .replace("{service}", &self.service_a.to_string())
            .replace("{kind}", "welcome")
            .replace("{reflection}", &self.reflection_a.to_string())
            .replace("{phase}", "start")
            .replace("{user}", &user.to_string())
            .replace("{slug}", "secure-base")
            .replace("{number}", "1")
            .replace("{file}", &file)
    }

    /// A browser for the role, with a fresh form token.
    pub async fn browser(&self, role: &str) -> Browser<'_> {
        let mut b = Browser::new(&self.app);
        match role {
            "parent_a" | "parent_b" => {
                let link = if role == "parent_a" {
                    &self.parent_link_a
                } else {
                    &self.parent_link_b
                };
                b.get(&format!("/p/{link}")).await;
                b.get("/me").await;
            }
            "anonymous" => {
                b.get("/login").await;
            }
            "disabled" => {
                b.sign_in("disabled@example.org", PASSWORD).await;
                b.get("/dashboard").await;
                let mut conn = self.app.state.pool.get().unwrap();
                let admin = User::find_by_email(&mut conn, "admin@example.org")
                    .unwrap()
                    .unwrap();
                let me = User::find_by_email(&mut conn, "disabled@example.org")
                    .unwrap()
                    .unwrap();
                attune::services::admin::set_disabled(&mut conn, &admin, me.id, true).unwrap();
            }
            r => {
                let res = b.sign_in(&format!("{r}@example.org"), PASSWORD).await;
                assert_eq!(res.status, StatusCode::SEE_OTHER, "{r} signs in");
                b.get("/dashboard").await;
            }
        }
        b
    }
}

fn category(status: StatusCode, location: &str) -> Expect {
    match status.as_u16() {
        // Sent to sign in (a sign-out's own redirect is a success).
        303 if location == "/login" || location.starts_with("/login?next=") => Login,
        401 => Login,
        403 => Forbidden,
        404 => NotFound,
        500..=599 => ServerError,
        _ => Ok,
    }
}

/// Checks every `of`-th row of the matrix, starting at `part`; four tests
/// share the rows so they run on both cores.
async fn check_rows(part: usize, of: usize) {
    let mut failures = Vec::new();
    for (method, pattern, expected, fields) in matrix().into_iter().skip(part).step_by(of) {
        // A fresh world per route: one route's change can't hide another's.
        let f = Fixture::new();
        for (role, want) in ROLES.iter().zip(expected) {
            let path = f.fill(pattern, role);
            let mut b = f.browser(role).await;
            let fields: Vec<(String, String)> = fields
                .iter()
                .map(|(k, v)| (f.fill(k, role), v.to_string()))
                .collect();
            let fields: Vec<(&str, &str)> = fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            let res = if method == "get" {
                b.get(&path).await
            } else {
                b.post(&path, &fields).await
            };
            let got = category(res.status, res.header("location"));
            if got != want {
                failures.push(format!(
                    "{method} {pattern} as {role}: expected {want:?}, got {got:?} ({})",
                    res.status
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "access matrix:\n{}",
        failures.join("\n")
    );
}

#[actix_web::test]
async fn every_route_answers_each_visitor_as_it_should_part_1() {
    check_rows(0, 4).await;
}

#[actix_web::test]
async fn every_route_answers_each_visitor_as_it_should_part_2() {
    check_rows(1, 4).await;
}

#[actix_web::test]
async fn every_route_answers_each_visitor_as_it_should_part_3() {
    check_rows(2, 4).await;
}

#[actix_web::test]
async fn every_route_answers_each_visitor_as_it_should_part_4() {
    check_rows(3, 4).await;
}

/// Ids of another group's meetings and parents, under one's own group's
/// path, are not found; nothing changes.
#[actix_web::test]
async fn another_groups_ids_are_not_found_even_in_my_own_group_path() {
    let f = Fixture::new();
    let mut lead = f.browser("lead").await;
    let a = f.cohort_a;
    for path in [
        format!("/cohorts/{a}/meetings/{}", f.meeting_b),
        format!("/cohorts/{}/meetings/{}", f.cohort_b, f.meeting_b),
        format!("/cohorts/{}", f.cohort_a + 1000),
    ] {
        assert_eq!(
            lead.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let withdraw = format!("/cohorts/{a}/enrolments/{}/withdraw", f.enrolment_b);
    assert_eq!(
        lead.post(&withdraw, &[]).await.status,
        StatusCode::NOT_FOUND
    );
    let mark = format!("mark_{}", f.enrolment_b);
    let res = lead
        .post(
            &format!("/cohorts/{a}/meetings/{}/attendance", f.meeting_a),
            &[(&mark, "present")],
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    let mut conn = f.app.state.pool.get().unwrap();
    use attune::db::schema::{attendance, enrolments};
    use diesel::prelude::*;
    let status: String = enrolments::table
        .find(f.enrolment_b)
        .select(enrolments::status)
        .first(&mut *conn)
        .unwrap();
    assert_eq!(status, "active");
    let marks: i64 = attendance::table
        .filter(attendance::enrolment_id.eq(f.enrolment_b))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(marks, 0);
}
