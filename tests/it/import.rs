//! The spreadsheet import loses nobody: rows shown as typed, a couple
//! sharing an address kept as two parents, every row left out named with a
//! way to fix it, the group's places a choice, and mistakes tied to the box.

use actix_web::http::StatusCode;
use attune::db::models::User;
use attune::db::schema::{cohorts, enrolments, outbox_messages, participants, roster_imports};
use diesel::prelude::*;

use crate::access::{enrol, make_cohort};
use crate::common::{add_user, Browser, Resp, TestApp, PASSWORD};

struct Group {
    app: TestApp,
    lead: User,
    cohort: i64,
}

fn group() -> Group {
    let app = TestApp::new();
    let lead = add_user(&app, "lead@example.org", false);
    let cohort = make_cohort(&app, &lead, "Thursday group");
    Group { app, lead, cohort }
}

impl Group {
    async fn browser(&self) -> Browser<'_> {
        let mut b = Browser::new(&self.app);
        b.sign_in("lead@example.org", PASSWORD).await;
        b.get(&format!("/cohorts/{}/import", self.cohort)).await;
        b
    }

    fn set_places(&self, places: i32) {
        let mut conn = self.app.state.pool.get().unwrap();
        diesel::update(cohorts::table.find(self.cohort))
            .set(cohorts::capacity.eq(Some(places)))
            .execute(&mut *conn)
            .unwrap();
    }

    /// (name, email, status) of everyone in the group, first added first.
    fn roster(&self) -> Vec<(String, String, String)> {
        let mut conn = self.app.state.pool.get().unwrap();
        enrolments::table
            .inner_join(participants::table)
            .filter(enrolments::cohort_id.eq(self.cohort))
            .order(enrolments::id.asc())
            .select((
                participants::name,
                participants::email.assume_not_null(),
                enrolments::status,
            ))
            .load(&mut *conn)
            .unwrap()
    }

    fn count_participants(&self) -> i64 {
        let mut conn = self.app.state.pool.get().unwrap();
        participants::table.count().get_result(&mut *conn).unwrap()
    }

    fn count_imports(&self) -> i64 {
        let mut conn = self.app.state.pool.get().unwrap();
        roster_imports::table
            .count()
            .get_result(&mut *conn)
            .unwrap()
    }

    /// (kind, to_name) of every email queued, in order.
    fn emails(&self) -> Vec<(String, Option<String>)> {
        let mut conn = self.app.state.pool.get().unwrap();
        outbox_messages::table
            .order(outbox_messages::id.asc())
            .select((outbox_messages::kind, outbox_messages::to_name))
            .load(&mut *conn)
            .unwrap()
    }
}

async fn paste(b: &mut Browser<'_>, cohort: i64, csv: &str) -> Resp {
    b.post_multipart(
        &format!("/cohorts/{cohort}/import"),
        &[("pasted", csv.as_bytes())],
    )
    .await
}

fn confirm_path(body: &str) -> String {
    let end = body.find("/confirm\"").expect("a confirm form") + "/confirm".len();
    let start = body[..end].rfind("/cohorts/").unwrap();
    body[start..end].to_string()
}

/// The text between `<textarea ...>` and `</textarea>`.
fn textarea(body: &str) -> String {
    let open = body.find("<textarea").expect("a textarea");
    let start = open + body[open..].find('>').unwrap() + 1;
    let end = body.find("</textarea>").unwrap();
    body[start..end].to_string()
}

#[actix_web::test]
async fn a_couple_sharing_an_email_become_two_parents_and_each_gets_their_link() {
    let g = group();
    let mut b = g.browser().await;
    let res = paste(
        &mut b,
        g.cohort,
        "name,email\r\nSam Lee,sam@example.org\r\nAlex Lee,Sam@Example.org\r\nsam  lee,sam@example.org\r\n",
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    assert!(
        res.body.contains(
            "Sam Lee and Alex Lee share sam@example.org: they will be added as two parents."
        ),
        "{}",
        res.body
    );
    assert!(res.body.contains("shares this email with Alex Lee"));
    assert!(
        res.body.contains("The same name and email as row 2."),
        "a true repeat is left out and says so: {}",
        res.body
    );
    assert!(res.body.contains("<strong>2</strong> will be added"));
    assert!(res
        .body
        .contains("<strong>1</strong> row repeats an earlier row and will be left out"));
    assert!(res.body.contains(">Add 2 parents</button>"));

    let res = b.post(&confirm_path(&res.body), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = b.get(&format!("/cohorts/{}", g.cohort)).await;
    assert!(
        page.body.contains(
            "Added 2 parents. Left out: row 4 (sam  lee): The same name and email as row 2."
        ),
        "{}",
        page.body
    );
    assert_eq!(
        g.roster(),
        [
            ("Sam Lee".into(), "sam@example.org".into(), "active".into()),
            ("Alex Lee".into(), "sam@example.org".into(), "active".into()),
        ]
    );
    assert_eq!(g.count_participants(), 2);

    // A third person at that address: named with the two already in.
    let res = paste(
        &mut b,
        g.cohort,
        "name,email\nAlex Lee,sam@example.org\nJo Lee,sam@example.org\n",
    )
    .await;
    assert!(
        res.body.contains("Jo Lee shares sam@example.org with Sam Lee and Alex Lee, who are already in the group: Jo Lee will be added as another parent."),
        "{}",
        res.body
    );
    assert!(res
        .body
        .contains("<strong>1</strong> is already in the group"));

    // "Email me my link": each parent at the address gets their own.
    let before = g.emails().len();
    {
        let mut conn = g.app.state.pool.get().unwrap();
        attune::services::parent_access::send_link(
            &mut conn,
            &g.app.state.mail,
            "sam@example.org",
            None,
        )
        .unwrap();
    }
    let mut links: Vec<Option<String>> = g.emails()[before..]
        .iter()
        .filter(|(kind, _)| kind == "new_link")
        .map(|(_, to)| to.clone())
        .collect();
    links.sort();
    assert_eq!(
        links,
        [Some("Alex Lee".to_string()), Some("Sam Lee".to_string())]
    );
}

#[actix_web::test]
async fn a_bad_row_shows_its_cells_as_typed() {
    let g = group();
    let mut b = g.browser().await;
    let res = paste(
        &mut b,
        g.cohort,
        "name,email\n=HYPERLINK(\"http://evil.example\";\"click\"),bad@example.org\nBo Lind,not-an-email\n,nameless@example.org\n",
    )
    .await;
    assert_eq!(res.status, StatusCode::OK);
    for cell in [
        "<td>&#x3D;HYPERLINK(&quot;http://evil.example&quot;;&quot;click&quot;)</td>",
        "<td>bad@example.org</td>",
        "<td>Bo Lind</td>",
        "<td>not-an-email</td>",
        "<td>nameless@example.org</td>",
    ] {
        assert!(res.body.contains(cell), "{cell} in {}", res.body);
    }
    assert!(res.body.contains("looks like a spreadsheet formula"));
    assert!(
        res.body
            .contains("That doesn&#x27;t look like an email address.")
            || res
                .body
                .contains("That doesn't look like an email address."),
        "{}",
        res.body
    );
    assert!(res
        .body
        .contains("<strong>3</strong> rows have a problem and will be left out"));
    assert!(!res.body.contains("<a href=\"http://evil"));
}

#[actix_web::test]
async fn rows_left_out_are_named_after_confirming_and_the_fix_link_brings_them_back() {
    let g = group();
    let mut b = g.browser().await;
    let csv = "Name,Email,Phone\nAna Ruiz,ana@example.org,+1 201 555 0101\n=SUM(A1),sum@example.org,\nBo Lind,not-an-email,+1 201 555 0102\n";
    let res = paste(&mut b, g.cohort, csv).await;
    let res = b.post(&confirm_path(&res.body), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = b.get(&format!("/cohorts/{}", g.cohort)).await;
    assert!(
        page.body.contains("Added 1 parent. Left out: row 3 (&#x3D;SUM(A1)): &quot;&#x3D;SUM(A1)&quot; looks like a spreadsheet formula."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains("Row 4 (Bo Lind): That doesn"),
        "{}",
        page.body
    );
    let start = page
        .body
        .find("/import?again&#x3D;")
        .unwrap_or_else(|| panic!("a link to fix them: {}", page.body));
    let href_start = page.body[..start].rfind('"').unwrap() + 1;
    let href_end = start + page.body[start..].find('"').unwrap();
    let href = page.body[href_start..href_end].replace("&#x3D;", "=");
    assert!(href.ends_with("#rows"), "{href}");
    assert!(page
        .body
        .contains(">Fix the 2 rows left out and add them</a>"));

    // The link opens the import page with just those rows in the box.
    let form = b.get(&href).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(
        textarea(&form.body).trim(),
        "Name,Email,Phone\n&#x3D;SUM(A1),sum@example.org,\nBo Lind,not-an-email,+1 201 555 0102"
    );
    assert!(form
        .body
        .contains("These are the rows left out of your last import."));

    // Fixed, they go in.
    let res = paste(
        &mut b,
        g.cohort,
        "Name,Email,Phone\nSue Mo,sum@example.org,\nBo Lind,bo@example.org,+1 201 555 0102\n",
    )
    .await;
    let res = b.post(&confirm_path(&res.body), &[]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = b.get(&format!("/cohorts/{}", g.cohort)).await;
    assert!(page.body.contains("Added 2 parents."), "{}", page.body);
    assert!(!page.body.contains("import?again"), "nothing left to fix");
    assert_eq!(g.roster().len(), 3);

    // Someone else's kept rows, or none, open an empty box.
    let other = add_user(&g.app, "other@example.org", false);
    let theirs = make_cohort(&g.app, &other, "Other group");
    let mut o = Browser::new(&g.app);
    o.sign_in("other@example.org", PASSWORD).await;
    let id = href
        .split("again=")
        .nth(1)
        .unwrap()
        .trim_end_matches("#rows");
    let res = o.get(&format!("/cohorts/{theirs}/import?again={id}")).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(textarea(&res.body).trim(), "");
    assert!(!res.body.contains("SUM"));
    for again in ["abc", "99999"] {
        let res = b
            .get(&format!("/cohorts/{}/import?again={again}", g.cohort))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{again}");
        assert_eq!(textarea(&res.body).trim(), "");
    }
}

#[actix_web::test]
async fn going_past_the_groups_places_is_a_choice_the_server_holds_to() {
    let g = group();
    g.set_places(3);
    enrol(&g.app, &g.lead, g.cohort, "Rosa Diaz", "rosa@example.org");
    let mut b = g.browser().await;
    let csv = "name,email\nA One,a@example.org\nB Two,b@example.org\nC Three,c@example.org\nD Four,d@example.org\n";
    let res = paste(&mut b, g.cohort, csv).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.body
            .contains("Add all 4 (the group will have 5 for 3 places)"),
        "{}",
        res.body
    );
    assert!(res
        .body
        .contains("Add up to the 3 places and put the other 2 on the waiting list"));
    assert!(!res.body.contains(" checked"), "no choice is made for them");
    assert!(res
        .body
        .contains("Add 2 parents and put 2 on the waiting list"));
    let confirm = confirm_path(&res.body);

    // No choice: refused, said beside the question, nothing changed.
    let emails_before = g.emails().len();
    let res = b.post(&confirm, &[]).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res
        .body
        .contains("<a href=\"#places-add-all\">Please choose whether to add everyone"));
    assert!(res.body.contains("aria-describedby=\"places-error\""));
    for junk in ["", "both"] {
        let res = b.post(&confirm, &[("places", junk)]).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{junk:?}");
        assert_eq!(g.roster().len(), 1, "{junk:?}: nobody added");
        assert_eq!(g.emails().len(), emails_before, "{junk:?}: nobody emailed");
    }
    assert_eq!(g.count_imports(), 1, "the file waits for a choice");
    let res = b.post(&confirm, &[("places", "add_all")]).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = b.get(&format!("/cohorts/{}", g.cohort)).await;
    assert!(page.body.contains("Added 4 parents."), "{}", page.body);
    assert_eq!(g.roster().len(), 5, "add all: everyone is in");
    assert!(g.roster().iter().all(|(_, _, s)| s == "active"));

    // Another group of 3 places, filled then a waiting list.
    let second = make_cohort(&g.app, &g.lead, "Friday group");
    {
        let mut conn = g.app.state.pool.get().unwrap();
        diesel::update(cohorts::table.find(second))
            .set(cohorts::capacity.eq(Some(3)))
            .execute(&mut *conn)
            .unwrap();
    }
    enrol(&g.app, &g.lead, second, "Rosa Diaz", "rosa@example.org");
    b.get(&format!("/cohorts/{second}/import")).await;
    let res = paste(&mut b, second, csv).await;
    let emails_before = g.emails().len();
    let res = b
        .post(&confirm_path(&res.body), &[("places", "fill_then_wait")])
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let page = b.get(&format!("/cohorts/{second}")).await;
    assert!(
        page.body
            .contains("Added 2 parents. 2 parents are on the waiting list."),
        "{}",
        page.body
    );
    let mut conn = g.app.state.pool.get().unwrap();
    let statuses: Vec<(String, String)> = enrolments::table
        .inner_join(participants::table)
        .filter(enrolments::cohort_id.eq(second))
        .order(enrolments::id.asc())
        .select((participants::name, enrolments::status))
        .load(&mut *conn)
        .unwrap();
    drop(conn);
    let want: Vec<(String, String)> = [
        ("Rosa Diaz", "active"),
        ("A One", "active"),
        ("B Two", "active"),
        ("C Three", "waitlisted"),
        ("D Four", "waitlisted"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(statuses, want);
    let welcomed: Vec<Option<String>> = g.emails()[emails_before..]
        .iter()
        .filter(|(kind, _)| kind == "welcome")
        .map(|(_, to)| to.clone())
        .collect();
    assert_eq!(
        welcomed,
        [Some("A One".to_string()), Some("B Two".to_string())],
        "only those with a place are welcomed"
    );
}

#[actix_web::test]
async fn a_mistake_keeps_what_was_pasted_and_points_at_the_box() {
    let g = group();
    let mut b = g.browser().await;
    let pasted = "name,phone\nAna <Ruiz>,555 0101";
    let res = paste(&mut b, g.cohort, pasted).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        textarea(&res.body).trim(),
        "name,phone\nAna &lt;Ruiz&gt;,555 0101"
    );
    assert!(res.body.contains(
        "<textarea id=\"rows\" name=\"pasted\" rows=\"6\" placeholder=\"name,email,phone&#10;Ana Ruiz,ana@example.org,555 0101\" aria-invalid=\"true\" aria-describedby=\"rows-error\">"
    ), "{}", res.body);
    assert!(res.body.contains(
        "<p class=\"field-error\" id=\"rows-error\">The first line must name the columns"
    ));
    assert!(res
        .body
        .contains("<li><a href=\"#rows\">The first line must name the columns"));
    assert!(res.body.contains("class=\"error-summary\" role=\"alert\""));
    assert_eq!(g.count_imports(), 0);

    // Nothing at all: the same, pointing at the box.
    let res = paste(&mut b, g.cohort, "  \n").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res
        .body
        .contains("<a href=\"#rows\">Please choose a CSV file, or paste the rows"));

    // A file's mistake points at the file, and the box keeps its text.
    let res = b
        .post_multipart(
            &format!("/cohorts/{}/import", g.cohort),
            &[("file", b"name,phone\nAna,555\n"), ("pasted", b"kept,text")],
        )
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res
        .body
        .contains("<a href=\"#file\">The first line must name"));
    assert!(res
        .body
        .contains("aria-invalid=\"true\" aria-describedby=\"file-error\""));
    assert_eq!(textarea(&res.body).trim(), "kept,text");
}
