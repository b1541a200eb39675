//! The places an organisation's groups meet (`sites`).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::sites;
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = sites)]
pub struct Site {
    pub id: i64,
    pub name: String,
    pub address: Option<String>,
    pub created_at: NaiveDateTime,
}

impl Site {
    /// Every site, by name.
    pub fn all(conn: &mut DbConn) -> Result<Vec<Site>, AppError> {
        Ok(sites::table
            .order(sites::name.asc())
            .select(Site::as_select())
            .load(conn)?)
    }
}
