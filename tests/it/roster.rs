//! Rosters: adding parents by hand and from a spreadsheet.

use actix_web::http::StatusCode;
use attune::db::ids::{CohortId, EnrolmentId};
use attune::db::models::User;
use attune::db::schema::{enrolments, participants, roster_imports};
use diesel::prelude::*;

use crate::access::{enrol, make_cohort};
use crate::common::{add_user, Browser, TestApp, PASSWORD};

struct Setup {
    app: TestApp,
    cohort: i64,
}

fn setup() -> (Setup, User) {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = make_cohort(&app, &lead, "Thursday group");
    (Setup { app, cohort }, lead)
}

fn count(app: &TestApp, table: &str) -> i64 {
    let mut conn = app.state.pool.get().unwrap();
    match table {
        "enrolments" => enrolments::table.count().get_result(&mut *conn).unwrap(),
        "participants" => participants::table.count().get_result(&mut *conn).unwrap(),
        "roster_imports" => roster_imports::table
            .count()
            .get_result(&mut *conn)
            .unwrap(),
        _ => unreachable!(),
    }
}

async fn signed_in(app: &TestApp) -> Browser<'_> {
    let mut b = Browser::new(app);
    b.sign_in("lead@example.org", PASSWORD).await;
    b
}

fn import_id(body: &str) -> String {
    let start = body.find("/import/").expect("a confirm form") + "/import/".len();
    body[start..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

#[actix_web::test]
async fn a_preview_saves_nothing_and_shows_every_row() {
    let (s, _) = setup();
    let mut b = signed_in(&s.app).await;
    b.get(&format!("/cohorts/{}/import", s.cohort)).await;
    let mut csv = b"Name,Email,Phone,Notes,Shoe size\n".to_vec();
    csv.extend_from_slice(b"Ana Ruiz,ana@example.org,+1 201 555 0101,,38\n");
    csv.extend_from_slice(b"\"Okafor, Maya\",maya@example.org,,- prefers texts,40\n");
    csv.extend_from_slice(b"=HYPERLINK(\"http://evil.example\";\"click\"),evil@example.org,,,\n");
    csv.extend_from_slice(b"ANA RUIZ,Ana@Example.org,,,\n");
    csv.extend_from_slice(b"No Email,,,,\n");
    csv.extend_from_slice(b"Bad \xff\xfe Bytes,bytes@example.org,,,\n");
    csv.extend_from_slice(b"Sam,not-an-email,,,\n");
    let res = b
        .post_multipart(&format!("/cohorts/{}/import", s.cohort), &[("file", &csv)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body.contains("<strong>2</strong> will be added"),
        "{}",
        res.body
    );
    assert!(res
        .body
        .contains("<strong>1</strong> row repeats an earlier row and will be left out"));
    assert!(res.body.contains("<strong>4</strong> rows have a problem"));
    assert!(res.body.contains("looks like a spreadsheet formula"));
    assert!(res.body.contains("has no email address"));
    assert!(res.body.contains("save as &quot;CSV UTF-8&quot;"));
    assert!(res.body.contains("The same name and email as row 2."));
    assert!(res.body.contains("Shoe size"), "ignored columns are named");
    assert!(
        !res.body.contains("<a href=\"http://evil"),
        "nothing of the formula is live"
    );
    assert_eq!(count(&s.app, "enrolments"), 0, "nothing saved yet");

    let id = import_id(&res.body);
    let confirm = format!("/cohorts/{}/import/{id}/confirm", s.cohort);
    let res = b.post(&confirm, &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = b.get(&format!("/cohorts/{}", s.cohort)).await;
    assert!(
        page.body
            .contains("Added 2 parents. Left out: row 4 (&#x3D;HYPERLINK("),
        "{}",
        page.body
    );
    for named in [
        "Row 5 (ANA RUIZ): The same name and email as row 2.",
        "Row 6 (No Email): This row has no email address.",
        "Row 8 (Sam): That doesn&#x27;t look like an email address.",
    ] {
        assert!(page.body.contains(named), "{named}: {}", page.body);
    }
    assert!(page.body.contains("Okafor, Maya"));
    assert_eq!(count(&s.app, "enrolments"), 2);
    assert_eq!(
        count(&s.app, "participants"),
        2,
        "the repeated email is one person"
    );

    // Confirming again does nothing and says so.
    let again = b.post(&confirm, &[]).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert_eq!(count(&s.app, "enrolments"), 2);
}

#[actix_web::test]
async fn people_already_known_are_merged_not_doubled() {
    let (s, lead) = setup();
    let withdrawn = enrol(&s.app, &lead, s.cohort, "Kim Lee", "kim@example.org");
    enrol(&s.app, &lead, s.cohort, "Rosa Diaz", "rosa@example.org");
    {
        let mut conn = s.app.state.pool.get().unwrap();
        attune::services::roster::set_active(
            &mut conn,
            &s.app.state.mail,
            &lead,
            CohortId(s.cohort),
            EnrolmentId(withdrawn),
            false,
        )
        .unwrap();
    }
    let mut b = signed_in(&s.app).await;
    b.get(&format!("/cohorts/{}/import", s.cohort)).await;
    let csv = "name,email\nKim Lee,KIM@example.org\nRosa Diaz,rosa@example.org\nNew Person,new@example.org\n";
    let res = b
        .post_multipart(
            &format!("/cohorts/{}/import", s.cohort),
            &[("pasted", csv.as_bytes())],
        )
        .await;
    assert!(res.body.contains("<strong>1</strong> will be added"));
    assert!(res.body.contains("<strong>1</strong> had left"));
    assert!(res
        .body
        .contains("<strong>1</strong> is already in the group"));
    let res = b
        .post(
            &format!(
                "/cohorts/{}/import/{}/confirm",
                s.cohort,
                import_id(&res.body)
            ),
            &[],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(count(&s.app, "participants"), 3);
    assert_eq!(count(&s.app, "enrolments"), 3);
}

#[actix_web::test]
async fn files_without_name_or_email_columns_are_refused_whole() {
    let (s, _) = setup();
    let mut b = signed_in(&s.app).await;
    b.get(&format!("/cohorts/{}/import", s.cohort)).await;
    for csv in [
        "name,phone\nAna,555\n",
        "Ana Ruiz,ana@example.org\n",
        "   \n",
    ] {
        let res = b
            .post_multipart(
                &format!("/cohorts/{}/import", s.cohort),
                &[("file", csv.as_bytes())],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{csv:?}");
        assert!(res.body.contains("role=\"alert\""));
    }
    assert_eq!(count(&s.app, "roster_imports"), 0);
    assert_eq!(count(&s.app, "enrolments"), 0);
}

#[actix_web::test]
async fn an_upload_without_the_form_token_is_refused() {
    let (s, _) = setup();
    let mut b = signed_in(&s.app).await;
    b.last_token = Some("forged".into());
    let res = b
        .post_multipart(
            &format!("/cohorts/{}/import", s.cohort),
            &[("file", b"name,email\nA,a@example.org\n")],
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&s.app, "roster_imports"), 0);
}

#[actix_web::test]
async fn five_thousand_rows_import_in_one_go() {
    let (s, _) = setup();
    let mut csv = String::from("name,email,phone\n");
    for i in 0..5000 {
        csv.push_str(&format!(
            "Parent {i},parent{i}@example.org,+1 201 555 {i:04}\n"
        ));
    }
    let mut b = signed_in(&s.app).await;
    b.get(&format!("/cohorts/{}/import", s.cohort)).await;
    let res = b
        .post_multipart(
            &format!("/cohorts/{}/import", s.cohort),
            &[("file", csv.as_bytes())],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.body.contains("<strong>5000</strong> will be added"));
    let res = b
        .post(
            &format!(
                "/cohorts/{}/import/{}/confirm",
                s.cohort,
                import_id(&res.body)
            ),
            &[],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(count(&s.app, "enrolments"), 5000);
}

#[actix_web::test]
async fn adding_by_hand_merges_by_email_and_refuses_doubles() {
    let (s, _) = setup();
    let mut b = signed_in(&s.app).await;
    let path = format!("/cohorts/{}/participants", s.cohort);
    b.get(&format!("{path}/new")).await;
    let res = b
        .post(&path, &[("name", "Ana Ruiz"), ("email", "ana@example.org")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    b.get(&format!("{path}/new")).await;
    let res = b
        .post(&path, &[("name", "Ana R."), ("email", "ANA@example.org")])
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert!(res.body.contains("Ana Ruiz is already in this group."));
    let res = b.post(&path, &[("name", ""), ("email", "nope")]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.body.contains("Please enter the parent"));
    assert!(res.body.contains("doesn&#x27;t look like an email"));
    assert_eq!(count(&s.app, "participants"), 1);
}
