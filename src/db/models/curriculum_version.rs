use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::curriculum::Curriculum;
use crate::db::schema::curriculum_versions;
use crate::db::{now, DbConn};
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = curriculum_versions)]
pub struct CurriculumVersion {
    pub id: i64,
    pub slug: String,
    pub version: String,
    pub content_hash: String,
    pub title: String,
    pub session_count: i32,
    pub document: String,
    pub imported_at: NaiveDateTime,
}

impl CurriculumVersion {
    /// Stores this exact version (by content hash) if it is not stored yet,
    /// and returns its row and whether it was new. Existing rows are never
    /// changed: cohorts pin them.
    pub fn import(
        conn: &mut DbConn,
        c: &Curriculum,
    ) -> Result<(CurriculumVersion, bool), AppError> {
        let document = serde_json::to_string(c).map_err(|e| AppError::caused("writing JSON", e))?;
        let sessions =
            i32::try_from(c.sessions.len()).map_err(|e| AppError::caused("writing JSON", e))?;
        let insert = diesel::insert_into(curriculum_versions::table)
            .values((
                curriculum_versions::slug.eq(&c.slug),
                curriculum_versions::version.eq(&c.version),
                curriculum_versions::content_hash.eq(&c.content_hash),
                curriculum_versions::title.eq(&c.title),
                curriculum_versions::session_count.eq(sessions),
                curriculum_versions::document.eq(&document),
                curriculum_versions::imported_at.eq(now()),
            ))
            .on_conflict_do_nothing();
        let inserted = crate::on_backend!(conn, |c| insert.execute(c))?;
        Ok((Self::by_hash(conn, &c.content_hash)?, inserted == 1))
    }

    pub fn by_hash(conn: &mut DbConn, hash: &str) -> Result<CurriculumVersion, AppError> {
        Ok(curriculum_versions::table
            .filter(curriculum_versions::content_hash.eq(hash))
            .select(CurriculumVersion::as_select())
            .first(conn)?)
    }

    /// When version `id` was first stored: the day its text was first used.
    pub fn imported_at(conn: &mut DbConn, id: i64) -> Result<NaiveDateTime, AppError> {
        curriculum_versions::table
            .find(id)
            .select(curriculum_versions::imported_at)
            .load::<NaiveDateTime>(conn)?
            .into_iter()
            .next()
            .ok_or_else(|| AppError::not_found("We can't find that version of the course."))
    }

    pub fn find(conn: &mut DbConn, id: i64) -> Result<CurriculumVersion, AppError> {
        Ok(curriculum_versions::table
            .find(id)
            .select(CurriculumVersion::as_select())
            .first(conn)?)
    }

    /// The curriculum of version `id`, parsed once per process. A version
    /// never changes once stored, and its content hash names it the same in
    /// every database, so pages need not parse the stored document (tens of
    /// kilobytes of JSON) on every request.
    pub fn load_curriculum(conn: &mut DbConn, id: i64) -> Result<Arc<Curriculum>, AppError> {
        static PARSED: OnceLock<Mutex<HashMap<String, Arc<Curriculum>>>> = OnceLock::new();
        let cache = PARSED.get_or_init(Default::default);
        let hash: String = curriculum_versions::table
            .find(id)
            .select(curriculum_versions::content_hash)
            .load(conn)?
            .into_iter()
            .next()
            .ok_or(diesel::result::Error::NotFound)?;
        if let Some(found) = cache.lock().ok().and_then(|m| m.get(&hash).cloned()) {
            return Ok(found);
        }
        let parsed = Arc::new(Self::find(conn, id)?.curriculum()?);
        if let Ok(mut map) = cache.lock() {
            // Versions are few; a runaway set (tests with made-up
            // curricula) just starts over.
            if map.len() >= 256 {
                map.clear();
            }
            map.insert(hash, parsed.clone());
        }
        Ok(parsed)
    }

    /// The curriculum exactly as it was imported.
    pub fn curriculum(&self) -> Result<Curriculum, AppError> {
        serde_json::from_str(&self.document)
            .map_err(|e| AppError::internal(format!("stored curriculum {}: {e}", self.id)))
    }
}
