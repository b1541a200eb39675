//! The organization's local support list and its emergency number.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{support_services, support_settings};
use crate::db::DbConn;
use crate::error::AppError;

/// One place a parent can turn to.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = support_services)]
pub struct SupportService {
    pub id: i64,
    pub name: String,
    pub helps_with: String,
    pub phone: Option<String>,
    pub text_number: Option<String>,
    pub web: Option<String>,
    pub hours: Option<String>,
    pub created_at: NaiveDateTime,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = support_services)]
pub struct NewSupportService<'a> {
    pub name: &'a str,
    pub helps_with: &'a str,
    pub phone: Option<&'a str>,
    pub text_number: Option<&'a str>,
    pub web: Option<&'a str>,
    pub hours: Option<&'a str>,
    pub created_at: NaiveDateTime,
}

impl SupportService {
    /// The list, in the order it was written.
    pub fn all(conn: &mut DbConn) -> Result<Vec<SupportService>, AppError> {
        Ok(support_services::table
            .order(support_services::id.asc())
            .select(SupportService::as_select())
            .load(conn)?)
    }

    pub fn insert(conn: &mut DbConn, new: &NewSupportService<'_>) -> Result<(), AppError> {
        diesel::insert_into(support_services::table)
            .values(new)
            .execute(conn)?;
        Ok(())
    }

    /// Removes one; its name, or `None` if there was no such entry.
    pub fn delete(conn: &mut DbConn, id: i64) -> Result<Option<String>, AppError> {
        let name: Option<String> = support_services::table
            .find(id)
            .select(support_services::name)
            .load(conn)?
            .into_iter()
            .next();
        if name.is_some() {
            diesel::delete(support_services::table.find(id)).execute(conn)?;
        }
        Ok(name)
    }
}

/// The country and emergency number, if an administrator has set them.
pub fn settings(conn: &mut DbConn) -> Result<Option<(String, String)>, AppError> {
    Ok(support_settings::table
        .find(1_i64)
        .select((
            support_settings::country,
            support_settings::emergency_number,
        ))
        .load::<(String, String)>(conn)?
        .into_iter()
        .next())
}

/// Sets the country and its emergency number (one row, replaced).
pub fn set_settings(
    conn: &mut DbConn,
    country: &str,
    emergency_number: &str,
    at: NaiveDateTime,
) -> Result<(), AppError> {
    diesel::delete(support_settings::table).execute(conn)?;
    diesel::insert_into(support_settings::table)
        .values((
            support_settings::id.eq(1_i64),
            support_settings::country.eq(country),
            support_settings::emergency_number.eq(emergency_number),
            support_settings::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}
