//! Everything a request handler needs, built once at start-up.

use std::sync::Arc;

use crate::config::{Config, ConfigError};
use crate::curriculum::{self, Library};
use crate::db::{self, DbConn, Pool};
use crate::error::AppError;
use crate::mail::{Composer, Transport};
use crate::render::Templates;
use crate::services;

#[derive(Clone)]
pub struct AppState {
    pub pool: Pool,
    pub templates: Arc<Templates>,
    pub library: Arc<Library>,
    pub config: Arc<Config>,
    pub secret_key: Arc<Vec<u8>>,
    /// Renders and queues emails.
    pub mail: Arc<Composer>,
    /// Bounds the requests worked on at once (shared by every worker).
    pub gate: Arc<crate::web::middleware::overload::Gate>,
}

/// Why the app could not start. `Config` errors name a variable and exit 2.
#[derive(Debug)]
pub enum StartError {
    Config(ConfigError),
    Other(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Config(e) => e.fmt(f),
            Self::Other(m) => f.write_str(m),
        }
    }
}

impl From<ConfigError> for StartError {
    fn from(e: ConfigError) -> Self {
        Self::Config(e)
    }
}

impl AppState {
    /// Opens the database (migrating it), loads curricula and templates,
    /// and imports every curriculum version into the database.
    pub fn init(config: Config) -> Result<Self, StartError> {
        // The database first: if it is unreachable, that is the one line
        // to print.
        let pool = Self::open_pool(&config)?;
        let (library, templates) = Self::load_files(&config)?;
        Self::assemble(config, pool, library, templates)
    }

    fn open_pool(config: &Config) -> Result<Pool, StartError> {
        Ok(
            db::open_pool(&config.database, config.pool_size, config.pool_wait)
                .map_err(|e| ConfigError::new("DATABASE_URL", e.to_string()))?,
        )
    }

    /// Loads the curricula and templates the configuration names.
    pub fn load_files(config: &Config) -> Result<(Arc<Library>, Arc<Templates>), StartError> {
        let templates = Templates::load(config.templates_dir.as_deref())
            .map_err(|e| ConfigError::new("TEMPLATES_DIR", e))?;
        let source = curriculum::Source::from_config(config.curricula_dir.as_deref());
        let loaded = curriculum::load(&source);
        for p in &loaded.problems {
            tracing::warn!(problem = %p, "curriculum problem");
        }
        if !loaded.rejected.is_empty() {
            tracing::warn!(
                rejected = ?loaded.rejected,
                "some curricula have problems and are not offered; run `attune curriculum check`"
            );
        }
        tracing::info!(
            curricula = loaded.library.len(),
            source = %source.describe(),
            "curricula loaded"
        );
        Ok((Arc::new(loaded.library), Arc::new(templates)))
    }

    /// Opens the database (migrating it) and imports the curricula, with
    /// files already loaded (tests share one copy).
    pub fn with_files(
        config: Config,
        library: Arc<Library>,
        templates: Arc<Templates>,
    ) -> Result<Self, StartError> {
        let pool = Self::open_pool(&config)?;
        Self::assemble(config, pool, library, templates)
    }

    fn assemble(
        config: Config,
        pool: Pool,
        library: Arc<Library>,
        templates: Arc<Templates>,
    ) -> Result<Self, StartError> {
        let mut conn = pool
            .get()
            .map_err(|e| ConfigError::new("DATABASE_URL", db::one_line(&e.to_string())))?;
        let imported = services::curricula::import_library(&mut conn, &library)
            .map_err(|e| StartError::Other(format!("importing curricula: {e}")))?;
        if imported > 0 {
            tracing::info!(new_versions = imported, "curriculum versions stored");
        }
        let secret_key = services::settings::secret_key(&mut conn, config.secret_key.as_deref())
            .map_err(|e| StartError::Other(format!("secret key: {e}")))?;
        drop(conn);
        let secret_key = Arc::new(secret_key);
        let mail = Arc::new(
            Composer::new(
                templates.emails.clone(),
                &config.base_url,
                config.mail_from.clone(),
                secret_key.clone(),
                crate::config::LinkPolicy {
                    days_after_course: config.parent_link_days,
                },
            )
            .with_texts(config.sms.is_some()),
        );
        let gate = Arc::new(crate::web::middleware::overload::Gate::new(
            config.max_in_flight,
            &templates,
        ));
        Ok(Self {
            gate,
            pool,
            templates,
            library,
            config: Arc::new(config),
            secret_key,
            mail,
        })
    }

    /// Where the worker sends email, as configured.
    pub fn transport(&self) -> Result<Transport, ConfigError> {
        Ok(match &self.config.smtp {
            Some(settings) => Transport::Smtp(Arc::new(
                crate::mail::smtp::SmtpClient::new(settings.clone(), self.mail.from.email.domain())
                    .map_err(|e| ConfigError::new("SMTP_URL", e))?,
            )),
            None => Transport::Folder(self.config.mail_dir.clone()),
        })
    }

    /// A mailer worker on this state's database (sending texts too, when
    /// a text gateway is configured).
    pub fn worker(&self, transport: Transport) -> Result<crate::mail::worker::Worker, AppError> {
        let worker = crate::mail::worker::Worker::new(
            self.pool.clone(),
            transport,
            self.mail.clone(),
            self.config.outbox.clone(),
        )?;
        Ok(match self.text_sender()? {
            Some(texts) => worker.with_texts(Arc::new(texts)),
            None => worker,
        })
    }

    /// The text sender, when `SMS_GATEWAY_URL` is set.
    pub fn text_sender(&self) -> Result<Option<crate::mail::text_sender::TextSender>, AppError> {
        let Some(settings) = &self.config.sms else {
            return Ok(None);
        };
        let outbox = &self.config.outbox;
        let gateway =
            crate::mail::gateway::from_settings(settings, outbox.connections, outbox.send_timeout);
        crate::mail::text_sender::TextSender::new(
            self.pool.clone(),
            Arc::from(gateway),
            outbox.clone(),
        )
        .map(Some)
    }

    /// Runs blocking database work off the async threads.
    pub async fn db<T, F>(&self, f: F) -> Result<T, AppError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConn) -> Result<T, AppError> + Send + 'static,
    {
        let pool = self.pool.clone();
        actix_web::web::block(move || {
            let mut conn = pool.get()?;
            f(&mut conn)
        })
        .await?
    }
}
