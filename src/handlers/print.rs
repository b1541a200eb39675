//! PDF downloads: handouts, plans, sign-in sheets, packets, certificates.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use crate::auth::participant::CurrentParticipant;
use crate::auth::{CsrfForm, CurrentUser};
use crate::db::ids::{CohortId, MeetingId};
use crate::db::models::User;
use crate::db::DbConn;
use crate::error::AppError;
use crate::pdf::Paper;
use crate::services::print::{self, Pdf};
use crate::services::support;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct PaperQuery {
    paper: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CertificateQuery {
    paper: Option<String>,
    min: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PacketForm {
    /// A session number, or "all" for the whole course.
    session: String,
    paper: Option<String>,
}

/// The file, opened in the browser to read or print (`inline`), with the
/// name it is saved under. Never cached: handouts for named parents carry
/// their personal links, and every printout is about a real group.
fn download(pdf: Pdf) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!("inline; filename=\"{}\"", pdf.filename),
        ))
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(pdf.bytes)
}

pub async fn curriculum_handout(
    state: web::Data<AppState>,
    path: web::Path<(String, u32)>,
    query: web::Query<PaperQuery>,
) -> Result<HttpResponse, AppError> {
    let (slug, number) = path.into_inner();
    let paper = print::paper(query.paper.as_deref())?;
    let base = state.config.base_url.clone();
    let help = state
        .db(move |conn| support::help_now(conn, Some(&base)))
        .await?;
    let state2 = state.clone();
    let pdf =
        web::block(move || print::curriculum_handout(&state2.library, &slug, number, help, paper))
            .await
            .map_err(|e| AppError::caused("a blocking task", e))??;
    Ok(download(pdf))
}

pub async fn my_handout(
    state: web::Data<AppState>,
    me: CurrentParticipant,
    path: web::Path<u32>,
    query: web::Query<PaperQuery>,
) -> Result<HttpResponse, AppError> {
    let number = path.into_inner();
    let paper = print::paper(query.paper.as_deref())?;
    let id = me.enrolment_id;
    let base = state.config.base_url.clone();
    let pdf = state
        .db(move |conn| print::my_handout(conn, id, number, &base, paper))
        .await?;
    Ok(download(pdf))
}

type MeetingPdf =
    fn(&mut DbConn, &User, CohortId, MeetingId, &str, Option<Paper>) -> Result<Pdf, AppError>;

/// The three meeting printouts: same checks, same answer.
async fn meeting_pdf(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, MeetingId)>,
    query: web::Query<PaperQuery>,
    make: MeetingPdf,
) -> Result<HttpResponse, AppError> {
    let (cohort, meeting) = path.into_inner();
    let paper = print::paper(query.paper.as_deref())?;
    let base = state.config.base_url.clone();
    let pdf = current
        .db(&state, move |conn, user| {
            make(conn, user, cohort, meeting, &base, paper)
        })
        .await?;
    Ok(download(pdf))
}

pub async fn meeting_handout(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, MeetingId)>,
    query: web::Query<PaperQuery>,
) -> Result<HttpResponse, AppError> {
    meeting_pdf(state, current, path, query, print::meeting_handout).await
}

pub async fn meeting_plan(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, MeetingId)>,
    query: web::Query<PaperQuery>,
) -> Result<HttpResponse, AppError> {
    meeting_pdf(state, current, path, query, print::meeting_plan).await
}

pub async fn meeting_sign_in(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, MeetingId)>,
    query: web::Query<PaperQuery>,
) -> Result<HttpResponse, AppError> {
    meeting_pdf(state, current, path, query, print::meeting_sign_in).await
}

/// A POST: it makes a new personal link for every parent in the packet.
pub async fn create_packet(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    form: CsrfForm<PacketForm>,
) -> Result<HttpResponse, AppError> {
    let cohort = path.into_inner();
    let form = form.into_inner();
    let paper = print::paper(form.paper.as_deref())?;
    let session = match form.session.trim() {
        "all" => None,
        n => Some(n.parse::<u32>().map_err(|_| {
            AppError::BadRequest("Choose a session number, or the whole course.".into())
        })?),
    };
    let (base, policy) = (state.config.base_url.clone(), state.mail.links);
    let pdf = current
        .db(&state, move |conn, user| {
            let printed = print::PrintedLinks {
                base_url: &base,
                policy,
            };
            print::packet_for(conn, user, printed, cohort, session, paper)
        })
        .await?;
    Ok(download(pdf))
}

/// The course guide and every session's plan, for the group's facilitators.
pub async fn facilitator_packet(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    query: web::Query<PaperQuery>,
) -> Result<HttpResponse, AppError> {
    let cohort = path.into_inner();
    let paper = print::paper(query.paper.as_deref())?;
    let base = state.config.base_url.clone();
    let pdf = current
        .db(&state, move |conn, user| {
            print::facilitator_packet(conn, user, cohort, &base, paper)
        })
        .await?;
    Ok(download(pdf))
}

pub async fn certificates(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<i64>,
    query: web::Query<CertificateQuery>,
) -> Result<HttpResponse, AppError> {
    let cohort = path.into_inner();
    let paper = print::paper(query.paper.as_deref())?;
    let minimum = match query
        .min
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
    {
        None => None,
        Some(m) => Some(m.parse::<u32>().map_err(|_| {
            AppError::BadRequest("The number of meetings must be a whole number.".into())
        })?),
    };
    let pdf = current
        .db(&state, move |conn, user| {
            print::certificates(conn, user, cohort, minimum, paper)
        })
        .await?;
    Ok(download(pdf))
}

/// Tonight's sheet, one page.
pub async fn meeting_sheet(
    state: web::Data<AppState>,
    current: CurrentUser,
    path: web::Path<(CohortId, MeetingId)>,
    query: web::Query<PaperQuery>,
) -> Result<HttpResponse, AppError> {
    meeting_pdf(state, current, path, query, print::tonight_sheet).await
}
