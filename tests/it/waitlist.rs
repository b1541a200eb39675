//! A waiting list that moves: a freed place is offered to the first
//! person waiting, by email with accept and decline links; an offer not
//! answered in time, or declined, passes to the next; nobody is offered
//! twice; every step is audited.

use actix_web::http::StatusCode;
use attune::db::models::waitlist_offer::{OfferStatus, WaitlistOffer};
use attune::db::models::{Cohort, Enrolment, User};
use attune::db::schema::{audit_log, enrolments, outbox_messages};
use attune::db::status::EnrolmentStatus;
use attune::services::invites::{self, JoinForm};
use attune::services::waitlist;
use chrono::Duration;
use diesel::prelude::*;

use crate::access::{enrol, make_cohort};
use crate::common::{add_user, Browser, TestApp, PASSWORD};
use crate::mail::{fast_config, smtp_worker, Sink};

struct World {
    app: TestApp,
    lead: User,
    cohort: i64,
    /// The parents in the group, in the order added.
    active: Vec<i64>,
    /// The people waiting, in the order they joined.
    waiting: Vec<i64>,
}

const WAITING: [(&str, &str); 3] = [
    ("Ana Waits", "ana.waits@example.org"),
    ("Ben Waits", "ben.waits@example.org"),
    ("Cy Waits", "cy.waits@example.org"),
];

/// A group of two places, both taken, and three people who joined its
/// waiting list through the invite link.
fn world() -> World {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = make_cohort(&app, &lead, "Thursday group");
    let active = vec![
        enrol(&app, &lead, cohort, "Pat Parent", "pat@example.org"),
        enrol(&app, &lead, cohort, "Lou Parent", "lou@example.org"),
    ];
    let mut conn = app.state.pool.get().unwrap();
    Cohort::set_places(&mut conn, cohort, Some(2), 48).unwrap();
    let token = invites::renew(&mut conn, &lead, cohort).unwrap();
    for (name, email) in WAITING {
        let form = JoinForm {
            name: name.into(),
            email: email.into(),
            ..Default::default()
        };
        let joined = invites::join(&mut conn, &app.state.mail, &token, &form).unwrap();
        assert_eq!(joined, invites::Joined::Waitlisted);
    }
    let waiting = WAITING
        .iter()
        .map(|(_, email)| enrolment_of(&mut conn, cohort, email))
        .collect();
    drop(conn);
    World {
        app,
        lead,
        cohort,
        active,
        waiting,
    }
}

fn enrolment_of(conn: &mut attune::db::DbConn, cohort: i64, email: &str) -> i64 {
    let p = attune::db::models::Participant::find_by_email(conn, email)
        .unwrap()
        .unwrap();
    Enrolment::find_for(
        conn,
        attune::db::ids::CohortId(cohort),
        attune::db::ids::ParticipantId(p.id),
    )
    .unwrap()
    .unwrap()
    .id
}

impl World {
    fn offers(&self) -> Vec<(i64, OfferStatus)> {
        let mut conn = self.app.state.pool.get().unwrap();
        WaitlistOffer::for_cohort(&mut conn, self.cohort)
            .unwrap()
            .into_iter()
            .map(|o| (o.enrolment_id, o.status))
            .collect()
    }

    fn status(&self, enrolment: i64) -> EnrolmentStatus {
        let mut conn = self.app.state.pool.get().unwrap();
        Enrolment::find(&mut conn, enrolment)
            .unwrap()
            .unwrap()
            .status
    }

    /// The offer emails queued, in order: (enrolment, address, text).
    fn offer_emails(&self) -> Vec<(Option<i64>, String, String)> {
        let mut conn = self.app.state.pool.get().unwrap();
        outbox_messages::table
            .filter(outbox_messages::kind.eq("waitlist_offer"))
            .order(outbox_messages::id.asc())
            .select((
                outbox_messages::enrolment_id,
                outbox_messages::to_address,
                outbox_messages::text_body,
            ))
            .load(&mut *conn)
            .unwrap()
    }

    fn welcomes(&self, enrolment: i64) -> i64 {
        let mut conn = self.app.state.pool.get().unwrap();
        outbox_messages::table
            .filter(outbox_messages::kind.eq("welcome"))
            .filter(outbox_messages::enrolment_id.eq(enrolment))
            .count()
            .get_result(&mut *conn)
            .unwrap()
    }

    /// The waiting-list steps audited, in order: (action, enrolment).
    fn steps(&self) -> Vec<(String, Option<i64>)> {
        let mut conn = self.app.state.pool.get().unwrap();
        audit_log::table
            .filter(audit_log::action.like("waitlist.%"))
            .filter(audit_log::subject_kind.eq("enrolment"))
            .order(audit_log::id.asc())
            .select((audit_log::action, audit_log::subject_id))
            .load(&mut *conn)
            .unwrap()
    }

    /// The worker's planner step, run at `hours` from now.
    fn advance(&self, hours: i64) -> usize {
        let mut conn = self.app.state.pool.get().unwrap();
        let at = attune::db::now() + Duration::hours(hours);
        waitlist::advance(&mut conn, &self.app.state.mail, at).unwrap()
    }

    async fn lead(&self) -> Browser<'_> {
        let mut b = Browser::new(&self.app);
        b.sign_in("lead@example.org", PASSWORD).await;
        b.get(&format!("/cohorts/{}", self.cohort)).await;
        b
    }

    async fn withdraw(&self, enrolment: i64) {
        let mut b = self.lead().await;
        let res = b
            .post(
                &format!("/cohorts/{}/enrolments/{enrolment}/withdraw", self.cohort),
                &[],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    }

    fn table_counts(&self) -> (i64, i64, i64) {
        let mut conn = self.app.state.pool.get().unwrap();
        let offers: i64 = attune::db::schema::waitlist_offers::table
            .filter(attune::db::schema::waitlist_offers::status.eq(OfferStatus::Open.as_str()))
            .count()
            .get_result(&mut *conn)
            .unwrap();
        let active: i64 = enrolments::table
            .filter(enrolments::status.eq(EnrolmentStatus::Active.as_str()))
            .count()
            .get_result(&mut *conn)
            .unwrap();
        let mail: i64 = outbox_messages::table
            .count()
            .get_result(&mut *conn)
            .unwrap();
        (offers, active, mail)
    }
}

/// The accept and decline links in an offer email's text.
fn links_in(text: &str) -> (String, String) {
    let start = text.find("/offer/").expect("an offer link") + "/offer/".len();
    let token: String = text[start..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    assert_eq!(token.len(), 64, "{text}");
    let (accept, decline) = (
        format!("/offer/{token}/accept"),
        format!("/offer/{token}/decline"),
    );
    assert!(text.contains(&accept) && text.contains(&decline), "{text}");
    (accept, decline)
}

fn link_for(w: &World, enrolment: i64) -> (String, String) {
    let emails = w.offer_emails();
    let (_, _, text) = emails
        .iter()
        .find(|(e, _, _)| *e == Some(enrolment))
        .expect("an offer email");
    links_in(text)
}

/// Soft line breaks and `=3D` of quoted-printable undone, enough to find
/// a link in a message as the SMTP server got it.
fn unfold(data: &str) -> String {
    data.replace("=\r\n", "").replace("=3D", "=")
}

#[actix_web::test]
async fn a_freed_place_moves_down_the_list_until_someone_takes_it() {
    let w = world();
    let [ana, ben, cy] = [w.waiting[0], w.waiting[1], w.waiting[2]];
    assert!(w.offers().is_empty(), "the group is full: nobody offered");

    // A parent leaves: the first to join the list is offered the place.
    w.withdraw(w.active[0]).await;
    assert_eq!(w.offers(), [(ana, OfferStatus::Open)]);
    let emails = w.offer_emails();
    assert_eq!(emails.len(), 1);
    assert_eq!(emails[0].1, "ana.waits@example.org");
    assert!(emails[0]
        .2
        .contains("We are keeping the place for you until"));
    let (ana_accept, _) = links_in(&emails[0].2);

    // The email reaches a real SMTP server with both links.
    if let Some(sink) = Sink::start(&["--keep-data"]) {
        smtp_worker(&w.app, &sink.url(), fast_config())
            .drain()
            .await
            .unwrap();
        let got = sink.received();
        let offer = got
            .iter()
            .find(|m| m["rcpt_tos"] == serde_json::json!(["ana.waits@example.org"]))
            .expect("Ana's offer arrived");
        let data = unfold(offer["data"].as_str().unwrap());
        assert!(data.contains(&ana_accept), "{data}");
        assert!(data.contains(&ana_accept.replace("/accept", "/decline")));
    }

    // Ana doesn't answer in time: her offer lapses and Ben is offered.
    assert_eq!(w.advance(47), 0, "not yet");
    assert_eq!(w.advance(49), 1);
    assert_eq!(
        w.offers(),
        [(ana, OfferStatus::Lapsed), (ben, OfferStatus::Open)]
    );
    assert_eq!(w.advance(50), 0, "the planner is idempotent");
    let res = w.app.get(&ana_accept).await;
    assert_eq!(res.status, StatusCode::GONE);
    assert!(res.body.contains("This offer has ended"), "{}", res.body);

    // Ben says no thanks: Cy is offered.
    let (_, ben_decline) = link_for(&w, ben);
    let mut b = Browser::new(&w.app);
    let page = b.get(&ben_decline).await;
    assert_eq!(page.status, StatusCode::OK);
    let res = b.post(&ben_decline, &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(res.body.contains("Thank you for letting us know"));
    assert_eq!(
        w.offers(),
        [
            (ana, OfferStatus::Lapsed),
            (ben, OfferStatus::Declined),
            (cy, OfferStatus::Open)
        ]
    );

    // Cy takes the place and lands on their own page, welcomed.
    let (cy_accept, _) = link_for(&w, cy);
    let mut c = Browser::new(&w.app);
    c.get(&cy_accept).await;
    let res = c.post(&cy_accept, &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(res.header("location"), "/me");
    let home = c.get("/me").await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.body.contains("The place is yours"), "{}", home.body);
    assert_eq!(w.status(cy), EnrolmentStatus::Active);
    assert_eq!(w.welcomes(cy), 1, "a welcome, as any new parent gets");

    // Nobody was offered twice, and the list stops: nobody left to offer.
    assert_eq!(w.offer_emails().len(), 3);
    assert_eq!(w.advance(200), 0);
    assert_eq!(w.status(ana), EnrolmentStatus::Waitlisted);
    assert_eq!(w.status(ben), EnrolmentStatus::Waitlisted);
    assert_eq!(
        w.steps(),
        [
            ("waitlist.offer".to_string(), Some(ana)),
            ("waitlist.lapse".to_string(), Some(ana)),
            ("waitlist.offer".to_string(), Some(ben)),
            ("waitlist.decline".to_string(), Some(ben)),
            ("waitlist.offer".to_string(), Some(cy)),
            ("waitlist.accept".to_string(), Some(cy)),
        ]
    );

    // The group page shows each one's state.
    let mut lead = w.lead().await;
    let page = lead.get(&format!("/cohorts/{}", w.cohort)).await;
    assert!(page.body.contains("id=\"waiting-list\""));
    assert!(
        page.body.contains("didn&#x27;t answer in time"),
        "{}",
        page.body
    );
    assert!(page.body.contains("said no thanks"));
}

#[actix_web::test]
async fn two_more_places_are_checked_then_offered_to_the_next_two() {
    let w = world();
    let mut b = w.lead().await;
    let path = format!("/cohorts/{}/waitlist/settings", w.cohort);
    let fields = [("capacity", "4"), ("offer_hours", "24")];
    let check = b.post(&path, &fields).await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.body);
    assert!(check.body.contains("Check before offers go out"));
    assert!(check.body.contains("Ana Waits") && check.body.contains("Ben Waits"));
    assert!(!check.body.contains("Cy Waits"));
    assert!(
        w.offers().is_empty(),
        "nothing saved or sent before the check"
    );

    let saved = b
        .post(
            &path,
            &[("capacity", "4"), ("offer_hours", "24"), ("confirm", "yes")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(
        w.offers(),
        [
            (w.waiting[0], OfferStatus::Open),
            (w.waiting[1], OfferStatus::Open)
        ]
    );
    assert!(w.offer_emails()[0].2.contains("(24 hours)"));
    let page = b.get(&format!("/cohorts/{}", w.cohort)).await;
    assert!(page.body.contains("2 people were offered a place by email"));
    assert_eq!(w.advance(1), 0, "both places are held by the open offers");

    // Bad numbers: a clear message, nothing changed.
    for (capacity, hours) in [("4", "0"), ("4", "169"), ("four", "48"), ("4", "")] {
        let res = b
            .post(&path, &[("capacity", capacity), ("offer_hours", hours)])
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{capacity} {hours}"
        );
        assert!(res.body.contains("field-error"));
    }
    let mut conn = w.app.state.pool.get().unwrap();
    let cohort = Cohort::find(&mut conn, w.cohort).unwrap().unwrap();
    assert_eq!((cohort.capacity, cohort.offer_hours), (Some(4), 24));
}

#[actix_web::test]
async fn opening_an_offer_link_changes_nothing() {
    let w = world();
    w.withdraw(w.active[0]).await;
    let (accept, decline) = link_for(&w, w.waiting[0]);
    let before = (w.offers(), w.table_counts(), w.steps());
    for link in [&accept, &decline] {
        for _ in 0..2 {
            let res = w.app.get(link).await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            assert!(res.body.contains("<form method=\"post\""));
        }
    }
    assert!(w
        .app
        .get(&accept)
        .await
        .body
        .contains("Yes, I'd like the place"));
    assert!(w
        .app
        .get(&decline)
        .await
        .body
        .contains("No thanks, I can't come"));
    assert_eq!((w.offers(), w.table_counts(), w.steps()), before);
    assert_eq!(w.status(w.waiting[0]), EnrolmentStatus::Waitlisted);
}

#[actix_web::test]
async fn ended_used_and_forged_links_change_nothing() {
    let w = world();
    w.withdraw(w.active[0]).await;
    let (accept, decline) = link_for(&w, w.waiting[0]);

    // Forged or cut short: not found.
    let mut b = Browser::new(&w.app);
    for forged in [
        format!("/offer/{}/accept", "ab".repeat(32)),
        "/offer/123/accept".to_string(),
        accept[..accept.len() - 10].to_string() + "/accept",
    ] {
        b.get("/login").await;
        let res = b.post(&forged, &[]).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{forged}");
        assert!(res.body.contains("This link didn"), "{}", res.body);
    }
    assert_eq!(w.offers(), [(w.waiting[0], OfferStatus::Open)]);

    // Used: the second yes (or a later no) changes nothing.
    b.get(&accept).await;
    assert_eq!(b.post(&accept, &[]).await.status, StatusCode::SEE_OTHER);
    let after = (w.offers(), w.table_counts(), w.steps());
    let mut other = Browser::new(&w.app);
    for link in [&accept, &decline] {
        other.get("/login").await;
        let res = other.post(link, &[]).await;
        assert_eq!(res.status, StatusCode::GONE, "{link}");
        assert!(
            res.body.contains("You have already said yes"),
            "{}",
            res.body
        );
    }
    assert_eq!((w.offers(), w.table_counts(), w.steps()), after);

    // Ended: the next person's offer after its time is up.
    w.withdraw(w.active[1]).await;
    let (ben_accept, _) = link_for(&w, w.waiting[1]);
    assert_eq!(w.advance(49), 1, "Ben's lapses, Cy is offered");
    let before = (w.offers(), w.table_counts());
    let mut c = Browser::new(&w.app);
    let page = c.get(&ben_accept).await;
    assert_eq!(page.status, StatusCode::GONE);
    assert!(
        page.body.contains("Ask lead if a place is still free"),
        "{}",
        page.body
    );
    c.get("/login").await;
    assert_eq!(c.post(&ben_accept, &[]).await.status, StatusCode::GONE);
    assert_eq!((w.offers(), w.table_counts()), before);
    assert_eq!(w.status(w.waiting[1]), EnrolmentStatus::Waitlisted);
}

#[actix_web::test]
async fn taking_someone_off_the_list_takes_back_their_offer() {
    let w = world();
    w.withdraw(w.active[0]).await;
    let (accept, _) = link_for(&w, w.waiting[0]);
    w.withdraw(w.waiting[0]).await;
    assert_eq!(
        w.offers(),
        [
            (w.waiting[0], OfferStatus::Voided),
            (w.waiting[1], OfferStatus::Open)
        ]
    );
    assert_eq!(w.app.get(&accept).await.status, StatusCode::GONE);
    let steps = w.steps();
    assert!(steps.contains(&("waitlist.void".to_string(), Some(w.waiting[0]))));

    // Admitted by hand while offered: the offer is taken back, and the
    // place the parent took is not offered again.
    let mut b = w.lead().await;
    let res = b
        .post(
            &format!("/cohorts/{}/enrolments/{}/readmit", w.cohort, w.waiting[1]),
            &[],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(w.status(w.waiting[1]), EnrolmentStatus::Active);
    assert_eq!(
        w.offers(),
        [
            (w.waiting[0], OfferStatus::Voided),
            (w.waiting[1], OfferStatus::Voided)
        ]
    );
}

#[actix_web::test]
async fn open_offers_hold_their_places_against_the_invite_link() {
    let w = world();
    // One place free, offered to Ana; nobody else waiting.
    w.withdraw(w.active[0]).await;
    w.withdraw(w.waiting[1]).await;
    w.withdraw(w.waiting[2]).await;
    assert_eq!(w.offers(), [(w.waiting[0], OfferStatus::Open)]);
    let dee = {
        let mut conn = w.app.state.pool.get().unwrap();
        let token = invites::renew(&mut conn, &w.lead, w.cohort).unwrap();
        let form = JoinForm {
            name: "Dee Late".into(),
            email: "dee@example.org".into(),
            ..Default::default()
        };
        let joined = invites::join(&mut conn, &w.app.state.mail, &token, &form).unwrap();
        assert_eq!(
            joined,
            invites::Joined::Waitlisted,
            "Ana's offer holds the place"
        );
        enrolment_of(&mut conn, w.cohort, "dee@example.org")
    };
    assert_eq!(w.status(dee), EnrolmentStatus::Waitlisted);
    assert_eq!(w.advance(1), 0, "still held");

    // Ana says no: the place goes to Dee, who joined the list after her.
    let (_, decline) = link_for(&w, w.waiting[0]);
    let mut b = Browser::new(&w.app);
    b.get(&decline).await;
    assert_eq!(b.post(&decline, &[]).await.status, StatusCode::OK);
    assert_eq!(
        w.offers(),
        [
            (w.waiting[0], OfferStatus::Declined),
            (dee, OfferStatus::Open)
        ]
    );
}

#[actix_web::test]
async fn while_emails_are_paused_a_place_is_offered_with_one_button() {
    let w = world();
    {
        let mut conn = w.app.state.pool.get().unwrap();
        attune::services::emails::set_paused(&mut conn, &w.lead, w.cohort, true).unwrap();
    }
    w.withdraw(w.active[0]).await;
    assert!(w.offers().is_empty(), "no offer goes by itself");
    assert_eq!(w.advance(1), 0);
    let mut b = w.lead().await;
    let page = b.get(&format!("/cohorts/{}", w.cohort)).await;
    assert!(page.body.contains("Offer a place now"), "{}", page.body);
    assert!(page
        .body
        .contains("Ana Waits gets one email offering the place"));

    // Only the first person waiting, and only while a place is free.
    let offer = |e: i64| format!("/cohorts/{}/waitlist/{e}/offer", w.cohort);
    assert_eq!(
        b.post(&offer(w.waiting[1]), &[]).await.status,
        StatusCode::CONFLICT
    );
    let res = b.post(&offer(w.waiting[0]), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    assert_eq!(w.offers(), [(w.waiting[0], OfferStatus::Open)]);
    assert_eq!(w.offer_emails().len(), 1);
    b.get(&format!("/cohorts/{}", w.cohort)).await;
    assert_eq!(
        b.post(&offer(w.waiting[1]), &[]).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(w.offers().len(), 1);
}

#[actix_web::test]
async fn another_facilitator_sees_nothing_and_a_facilitator_browser_stays_theirs() {
    let w = world();
    w.withdraw(w.active[0]).await;
    add_user(&w.app, "other@example.org", false);
    let mut other = Browser::new(&w.app);
    other.sign_in("other@example.org", PASSWORD).await;
    other.get("/dashboard").await;
    for (path, fields) in [
        (
            format!("/cohorts/{}/waitlist/settings", w.cohort),
            vec![("capacity", "9"), ("offer_hours", "48"), ("confirm", "yes")],
        ),
        (
            format!("/cohorts/{}/waitlist/{}/offer", w.cohort, w.waiting[1]),
            vec![],
        ),
    ] {
        let res = other.post(&path, &fields).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{path}");
    }
    let page = other.get(&format!("/cohorts/{}", w.cohort)).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("Ana Waits"));
    assert_eq!(w.offers(), [(w.waiting[0], OfferStatus::Open)]);

    // The lead opens Ana's link in their own browser: asked to sign out
    // first, and nothing is accepted.
    let (accept, _) = link_for(&w, w.waiting[0]);
    let mut lead = w.lead().await;
    assert_eq!(lead.get(&accept).await.status, StatusCode::CONFLICT);
    assert_eq!(lead.post(&accept, &[]).await.status, StatusCode::CONFLICT);
    assert_eq!(w.offers(), [(w.waiting[0], OfferStatus::Open)]);
}

#[test]
fn the_demo_group_has_a_waiting_list_of_three_the_first_offered() {
    let app = TestApp::new();
    let mut conn = app.state.pool.get().unwrap();
    let today = chrono::Utc::now().date_naive();
    let demo = attune::services::demo::seed(&mut conn, &app.state.library, today).unwrap();
    let waiting: i64 = enrolments::table
        .filter(enrolments::cohort_id.eq(demo.cohort_id))
        .filter(enrolments::status.eq(EnrolmentStatus::Waitlisted.as_str()))
        .count()
        .get_result(&mut *conn)
        .unwrap();
    assert_eq!(waiting, 3);
    let offers = WaitlistOffer::for_cohort(&mut conn, demo.cohort_id).unwrap();
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].status, OfferStatus::Open);
    // Full: the open offer holds the last place, so nothing more moves.
    assert_eq!(
        waitlist::advance(&mut conn, &app.state.mail, attune::db::now()).unwrap(),
        0
    );
}

/// Group A of the access fixture with one place more than its parent and
/// someone waiting, who is offered it: the offer's accept link (for the
/// accessibility walk, which then also sees the group's waiting list).
pub fn offer_in_group_a(f: &crate::access::Fixture) -> String {
    let mut conn = f.app.state.pool.get().unwrap();
    let lead = User::find_by_email(&mut conn, "lead@example.org")
        .unwrap()
        .unwrap();
    Cohort::set_places(&mut conn, f.cohort_a, Some(1), 48).unwrap();
    for (name, email) in WAITING {
        let form = JoinForm {
            name: name.into(),
            email: email.into(),
            ..Default::default()
        };
        invites::join(&mut conn, &f.app.state.mail, &f.invite_a, &form).unwrap();
    }
    let form = waitlist::PlacesForm {
        capacity: "2".into(),
        offer_hours: "48".into(),
        confirm: String::new(),
    };
    waitlist::update_places(&mut conn, &f.app.state.mail, &lead, f.cohort_a, &form).unwrap();
    let text: String = outbox_messages::table
        .filter(outbox_messages::kind.eq("waitlist_offer"))
        .select(outbox_messages::text_body)
        .load(&mut *conn)
        .unwrap()
        .remove(0);
    links_in(&text).0
}

#[test]
fn two_planners_at_once_fill_each_free_place_once() {
    let w = world();
    {
        // Two more places, saved without offering (as if set elsewhere).
        let mut conn = w.app.state.pool.get().unwrap();
        Cohort::set_places(&mut conn, w.cohort, Some(4), 48).unwrap();
    }
    let made: usize = std::thread::scope(|s| {
        let runs: Vec<_> = (0..4)
            .map(|_| {
                s.spawn(|| {
                    let mut conn = w.app.state.pool.get().unwrap();
                    waitlist::advance(&mut conn, &w.app.state.mail, attune::db::now()).unwrap()
                })
            })
            .collect();
        runs.into_iter().map(|r| r.join().unwrap()).sum()
    });
    assert_eq!(made, 2);
    assert_eq!(
        w.offers(),
        [
            (w.waiting[0], OfferStatus::Open),
            (w.waiting[1], OfferStatus::Open)
        ]
    );
    assert_eq!(w.offer_emails().len(), 2);
}
