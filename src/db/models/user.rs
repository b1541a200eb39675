use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::users;
use crate::db::DbConn;
use crate::error::AppError;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub is_admin: bool,
    pub disabled_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// Sees every group's schedule, roster, attendance, fidelity and
    /// reports across the organisation; never reflection text or one
    /// parent's answers (`services::access::find_overseen`).
    pub is_coordinator: bool,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub is_admin: bool,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl User {
    pub fn find_by_email(conn: &mut DbConn, email: &str) -> Result<Option<User>, AppError> {
        Ok(users::table
            .filter(users::email.eq(email))
            .select(User::as_select())
            .load(conn)?
            .into_iter()
            .next())
    }

    pub fn insert(conn: &mut DbConn, new: &NewUser<'_>) -> Result<User, AppError> {
        diesel::insert_into(users::table)
            .values(new)
            .execute(conn)?;
        Self::find_by_email(conn, new.email)?
            .ok_or_else(|| AppError::internal("user vanished after insert"))
    }

    pub fn set_password_hash(conn: &mut DbConn, id: i64, hash: &str) -> Result<(), AppError> {
        diesel::update(users::table.find(id))
            .set((
                users::password_hash.eq(hash),
                users::updated_at.eq(crate::db::now()),
            ))
            .execute(conn)?;
        Ok(())
    }
}

impl User {
    pub fn find(conn: &mut DbConn, id: i64) -> Result<Option<User>, AppError> {
        Ok(users::table
            .find(id)
            .select(User::as_select())
            .load(conn)?
            .into_iter()
            .next())
    }

    pub fn is_active(&self) -> bool {
        self.disabled_at.is_none()
    }
}

impl User {
    pub fn all(conn: &mut DbConn) -> Result<Vec<User>, AppError> {
        Ok(users::table
            .order((users::disabled_at.is_not_null(), users::name.asc()))
            .select(User::as_select())
            .load(conn)?)
    }

    pub fn set_disabled(
        conn: &mut DbConn,
        id: i64,
        at: Option<chrono::NaiveDateTime>,
    ) -> Result<(), AppError> {
        diesel::update(users::table.find(id))
            .set((
                users::disabled_at.eq(at),
                users::updated_at.eq(crate::db::now()),
            ))
            .execute(conn)?;
        Ok(())
    }
}

impl User {
    /// Makes an account a coordinator, or a facilitator again.
    pub fn set_coordinator(conn: &mut DbConn, id: i64, on: bool) -> Result<(), AppError> {
        diesel::update(users::table.find(id))
            .set((
                users::is_coordinator.eq(on),
                users::updated_at.eq(crate::db::now()),
            ))
            .execute(conn)?;
        Ok(())
    }
}
