//! The organisation this installation serves (one per installation): its
//! name and the settings its reports follow. Stored in `app_settings`.

use serde::Serialize;

use crate::db::models::app_setting;
use crate::db::DbConn;
use crate::error::AppError;
use crate::stats::MinCell;

const NAME: &str = "org_name";
const MIN_CELL: &str = "org_min_cell";
const COMPLETION: &str = "org_completion_percent";

/// What the organisation has set, with the defaults for what it has not.
#[derive(Debug, Clone, Serialize)]
pub struct OrgSettings {
    /// Shown on reports and certificates; "" until an admin names it.
    pub name: String,
    /// No figure from fewer parents than this (5 unless set; never below 3).
    pub min_cell: MinCell,
    /// A parent "completed" a course who attended at least this share of
    /// its sessions (75 unless set; 1 to 100).
    pub completion_percent: u32,
}

impl Default for OrgSettings {
    fn default() -> Self {
        Self {
            name: String::new(),
            min_cell: MinCell::default(),
            completion_percent: 75,
        }
    }
}

impl OrgSettings {
    /// Sessions a parent must have attended, of `sessions`, to count as
    /// having completed the course (rounded up; at least one).
    pub fn sessions_to_complete(&self, sessions: usize) -> usize {
        let need = (sessions * self.completion_percent as usize).div_ceil(100);
        need.max(1)
    }
}

pub fn load(conn: &mut DbConn) -> Result<OrgSettings, AppError> {
    let d = OrgSettings::default();
    let number = |v: Option<String>| v.and_then(|s| s.trim().parse::<u32>().ok());
    Ok(OrgSettings {
        name: app_setting::get(conn, NAME)?.unwrap_or(d.name),
        min_cell: number(app_setting::get(conn, MIN_CELL)?)
            .map(|n| MinCell::new(n as usize))
            .unwrap_or(d.min_cell),
        completion_percent: number(app_setting::get(conn, COMPLETION)?)
            .filter(|p| (1..=100).contains(p))
            .unwrap_or(d.completion_percent),
    })
}

/// Stores settings already checked by the caller (the admin's form).
pub fn store(conn: &mut DbConn, s: &OrgSettings) -> Result<(), AppError> {
    app_setting::set(conn, NAME, s.name.trim())?;
    app_setting::set(conn, MIN_CELL, &s.min_cell.get().to_string())?;
    app_setting::set(conn, COMPLETION, &s.completion_percent.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completion_rounds_up() {
        let s = OrgSettings::default();
        assert_eq!(s.sessions_to_complete(7), 6);
        assert_eq!(s.sessions_to_complete(8), 6);
        assert_eq!(s.sessions_to_complete(1), 1);
        assert_eq!(s.sessions_to_complete(0), 1);
    }
}
