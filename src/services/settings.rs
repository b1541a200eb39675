use crate::db::models::app_setting;
use crate::db::DbConn;
use crate::error::AppError;

/// The key that signs cookies and links: `SECRET_KEY` when set, otherwise
/// one generated on first run and kept in the database, so every server on
/// the same database agrees.
pub fn secret_key(conn: &mut DbConn, configured: Option<&str>) -> Result<Vec<u8>, AppError> {
    if let Some(key) = configured {
        return Ok(key.as_bytes().to_vec());
    }
    let generated = hex::encode(crate::crypto::random_bytes::<64>()?);
    let stored = app_setting::get_or_insert(conn, "secret_key", || generated)?;
    hex::decode(stored.trim()).map_err(|e| AppError::caused("stored secret key", e))
}
