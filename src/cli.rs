//! The command-line verbs. Exit codes: 0 done, 1 the work found problems or
//! failed, 2 a setting or argument is wrong (one line naming it).

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use actix_web::{web, HttpServer};
use clap::{Parser, Subcommand};

use crate::config::{Config, ConfigError};
use crate::curriculum::{self, Source};
use crate::db;
use crate::pdf::documents::HelpNow;
use crate::services;
use crate::state::{AppState, StartError};

#[derive(Debug, Parser)]
#[command(
    name = "attune",
    version,
    about = "Classes for parent educators: curricula, cohorts, handouts, reflections and follow-ups",
    after_help = "Settings come from environment variables: DATABASE_URL (default sqlite://data/attune.db), \
                  BIND, BASE_URL, SECRET_KEY, SMTP_URL, LOG, CURRICULA_DIR, TEMPLATES_DIR. See the README."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the web server.
    Serve {
        /// Address and port to listen on (overrides BIND).
        #[arg(long)]
        bind: Option<String>,
        /// Create the demo facilitator and cohort first (see `attune demo`).
        #[arg(long)]
        demo: bool,
    },
    /// Bring the database up to date (the server also does this at start).
    Migrate {
        /// Undo every migration, dropping all tables and data.
        #[arg(long)]
        revert_all: bool,
    },
    /// Create a demo facilitator and a demo cohort, and print the password.
    Demo {
        /// Instead, fill the database with N made-up parents (1 to 1000000).
        ///
        /// For load tests: groups of about 12 titled "Scale #…", one
        /// facilitator per 20 groups (all with one printed password),
        /// meetings, attendance and reflections. Follow-up emails are paused
        /// in these groups. It fills a database once: a second run refuses
        /// (exit 1) and changes nothing, so use a new DATABASE_URL. If
        /// demo@attune.local exists (`attune demo`), it co-facilitates the
        /// first group.
        #[arg(
            long,
            value_name = "N",
            value_parser = clap::value_parser!(u32)
                .range(1..=i64::from(services::demo_scale::MAX_PARTICIPANTS))
        )]
        scale: Option<u32>,
        /// With --scale: write fresh personal links for up to 64 parents
        /// whose reflection is open to FILE, one "/p/TOKEN SESSION" a line
        /// (for the load and crash drills in benches/).
        #[arg(long, value_name = "FILE", requires = "scale")]
        links_file: Option<std::path::PathBuf>,
    },
    /// Check or list the curricula.
    Curriculum {
        #[command(subcommand)]
        command: CurriculumCommand,
    },
    /// Send queued emails (`serve` does this too, unless OUTBOX_WORKER=off).
    Outbox {
        #[command(subcommand)]
        command: OutboxCommand,
    },
    /// Copy a live SQLite database to FILE, consistently (VACUUM INTO) and
    /// checked. For PostgreSQL use pg_dump.
    Backup {
        /// The new file to write (never overwritten).
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Print a session's handout to a PDF, straight from the curriculum
    /// files (no database needed).
    Handout {
        /// The course, as its folder name (see `attune curriculum list`).
        #[arg(long)]
        curriculum: String,
        #[arg(long)]
        session: u32,
        /// a4 (the default) or letter.
        #[arg(long, default_value = "a4")]
        paper: String,
        /// Where to write the PDF.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
        /// A folder of curricula (default: CURRICULA_DIR, or the ones built in).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Print every parent's own handout for a group, each with a new
    /// personal link and QR code, ready to print double-sided.
    Packet {
        /// The group's number (in its address: /cohorts/N).
        #[arg(long)]
        cohort: i64,
        /// One session; leave out for the whole course.
        #[arg(long)]
        session: Option<u32>,
        /// a4 (the default) or letter.
        #[arg(long, default_value = "a4")]
        paper: String,
        /// Where to write the PDF.
        #[arg(short = 'o', long = "output")]
        output: PathBuf,
    },
    /// Manage facilitator and admin accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum CurriculumCommand {
    /// Report every problem in the curricula, with file and line.
    Check {
        /// A folder of curricula or one curriculum folder (default: ./curricula).
        dir: Option<PathBuf>,
    },
    /// List the curricula with their versions and content hashes.
    List {
        /// A folder of curricula (default: ./curricula).
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum OutboxCommand {
    /// Send what is due; keep going until Ctrl-C, or stop when done with --once.
    Run {
        /// Send what is due now (with a progress bar), then stop.
        #[arg(long)]
        once: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a facilitator (or, with --admin, an administrator).
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        admin: bool,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Curriculum { command } => run_curriculum(command),
        Command::Serve { bind, demo } => with_config(true, |config| serve(config, bind, demo)),
        Command::Migrate { revert_all } => with_config(false, |config| migrate(config, revert_all)),
        Command::Demo { scale: None, .. } => with_config(false, demo),
        Command::Demo {
            scale: Some(n),
            links_file,
        } => with_config(false, |config| demo_scale(config, n, links_file.as_deref())),
        Command::Outbox {
            command: OutboxCommand::Run { once },
        } => with_config(true, |config| outbox_run(config, once)),
        Command::Backup { output } => with_config(false, |config| backup(config, &output)),
        Command::Handout {
            curriculum,
            session,
            paper,
            output,
            dir,
        } => {
            init_logging(&std::env::var("LOG").unwrap_or_else(|_| "warn".into()));
            finish(handout(&curriculum, session, &paper, &output, dir))
        }
        Command::Packet {
            cohort,
            session,
            paper,
            output,
        } => with_config(false, |config| {
            packet(config, cohort, session, &paper, &output)
        }),
        Command::User {
            command:
                UserCommand::Add {
                    email,
                    name,
                    admin,
                    password_stdin,
                },
        } => with_config(false, |config| {
            add_user(config, &email, &name, admin, password_stdin)
        }),
    }
}

/// What a verb can end with besides success.
enum Failure {
    /// A setting or argument is wrong: exit 2.
    Setting(ConfigError),
    /// The work failed: exit 1.
    Work(String),
}

impl From<ConfigError> for Failure {
    fn from(e: ConfigError) -> Self {
        Self::Setting(e)
    }
}

impl From<StartError> for Failure {
    fn from(e: StartError) -> Self {
        match e {
            StartError::Config(c) => Self::Setting(c),
            StartError::Other(m) => Self::Work(m),
        }
    }
}

fn finish(result: Result<(), Failure>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Setting(e)) => {
            eprintln!("attune: {e}");
            ExitCode::from(2)
        }
        Err(Failure::Work(m)) => {
            eprintln!("attune: {m}");
            ExitCode::FAILURE
        }
    }
}

fn backup(config: Config, output: &std::path::Path) -> Result<(), Failure> {
    match &config.database {
        db::DatabaseTarget::Sqlite { path } => {
            let bytes = db::backup_sqlite(path, output).map_err(Failure::Work)?;
            println!(
                "Backed up {} to {} ({} kB); its integrity check says ok.",
                path.display(),
                output.display(),
                bytes.div_ceil(1024)
            );
            Ok(())
        }
        db::DatabaseTarget::Postgres { .. } => Err(Failure::Setting(ConfigError::new(
            "DATABASE_URL",
            "attune backup copies SQLite databases; for PostgreSQL use pg_dump \
             (pg_dump --format=custom --file=attune.dump \"$DATABASE_URL\")",
        ))),
    }
}

fn paper_arg(paper: &str) -> Result<crate::pdf::Paper, Failure> {
    crate::pdf::Paper::parse(paper).ok_or_else(|| {
        Failure::Setting(ConfigError::new(
            "--paper",
            format!("\"{paper}\" is not a paper size; use a4 or letter"),
        ))
    })
}

fn write_pdf(output: &std::path::Path, pdf: &services::print::Pdf) -> Result<(), Failure> {
    std::fs::write(output, &pdf.bytes)
        .map_err(|e| Failure::Work(format!("cannot write {}: {e}", output.display())))?;
    println!(
        "Wrote {} ({} page{}, {} kB).",
        output.display(),
        pdf.pages,
        if pdf.pages == 1 { "" } else { "s" },
        pdf.bytes.len().div_ceil(1024)
    );
    Ok(())
}

fn handout(
    slug: &str,
    session: u32,
    paper: &str,
    output: &std::path::Path,
    dir: Option<PathBuf>,
) -> Result<(), Failure> {
    let paper = paper_arg(paper)?;
    let dir = dir.or_else(|| std::env::var_os("CURRICULA_DIR").map(PathBuf::from));
    let loaded = curriculum::load(&Source::from_config(dir.as_deref()));
    let pdf = services::print::curriculum_handout(
        &loaded.library,
        slug,
        session,
        HelpNow::without_list(services::support::default_emergency_number()),
        Some(paper),
    )
    .map_err(|e| {
        let known: Vec<String> = loaded
            .library
            .all()
            .iter()
            .map(|c| c.slug.clone())
            .collect();
        Failure::Setting(ConfigError::new(
            "--curriculum/--session",
            format!("{e} (courses here: {})", known.join(", ")),
        ))
    })?;
    write_pdf(output, &pdf)
}

fn packet(
    config: Config,
    cohort_id: i64,
    session: Option<u32>,
    paper: &str,
    output: &std::path::Path,
) -> Result<(), Failure> {
    let paper = paper_arg(paper)?;
    let state = AppState::init(config)?;
    let mut conn = state
        .pool
        .get()
        .map_err(|e| Failure::Work(db::one_line(&e.to_string())))?;
    let cohort = services::access::by_id(&mut conn, cohort_id).map_err(|_| {
        Failure::Setting(ConfigError::new(
            "--cohort",
            format!("there is no group number {cohort_id}"),
        ))
    })?;
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(0);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} handouts")
                .map_err(|e| Failure::Work(e.to_string()))?,
        );
        Some(bar)
    } else {
        None
    };
    let progress = |done: usize, total: usize| {
        if let Some(bar) = &bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    };
    let pdf = services::print::packet(
        &mut conn,
        &cohort,
        None,
        services::print::PrintedLinks {
            base_url: &state.config.base_url,
            policy: state.mail.links,
        },
        session,
        paper,
        &progress,
    )
    .map_err(|e| Failure::Work(e.to_string()))?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    write_pdf(output, &pdf)
}

/// Loads the configuration and runs `f`. One-shot verbs log only warnings
/// unless `LOG` asks for more; the server logs at `LOG` (default info).
fn with_config(server: bool, f: impl FnOnce(Config) -> Result<(), Failure>) -> ExitCode {
    let result = Config::from_env()
        .map_err(Failure::from)
        .and_then(|config| {
            let explicit = std::env::var_os("LOG").is_some();
            init_logging(if server || explicit {
                &config.log
            } else {
                "warn"
            });
            f(config)
        });
    finish(result)
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}

fn serve(config: Config, bind: Option<String>, with_demo: bool) -> Result<(), Failure> {
    let base_url_from_env = std::env::var_os("BASE_URL").is_some();
    let config = match bind {
        Some(b) => config.with_bind(&b, base_url_from_env)?,
        None => config,
    };
    let state = AppState::init(config)?;
    if with_demo {
        let mut conn = state
            .pool
            .get()
            .map_err(|e| Failure::Work(db::one_line(&e.to_string())))?;
        let report =
            services::demo::seed(&mut conn, &state.library, chrono::Local::now().date_naive())
                .map_err(|e| Failure::Work(format!("demo data: {e}")))?;
        print_demo(&report, &state.config.base_url);
    }
    let bind = state.config.bind;
    let base_url = state.config.base_url.clone();
    let worker = if state.config.outbox_worker {
        let transport = announce_transport(&state)?;
        Some(std::sync::Arc::new(
            state
                .worker(transport)
                .map_err(|e| Failure::Work(e.to_string()))?,
        ))
    } else {
        None
    };
    let pool_size = state.config.pool_size;
    let data = web::Data::new(state);
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mailer = worker.map(|w| tokio::spawn(w.run(stop_rx)));
        // Slow clients: 5 s to send a request's head, 2 s to close, and idle
        // keep-alive connections dropped after 15 s, so a trickle of slow
        // connections cannot hold the workers.
        // Blocking work (every query) runs on a few threads per worker, a
        // couple per pooled connection: under overload requests then wait
        // in a queue, not as hundreds of threads that each keep memory.
        let blocking_threads = (pool_size as usize * 2).max(16);
        let server = HttpServer::new(move || crate::build_app(data.clone()))
            .worker_max_blocking_threads(blocking_threads)
            .client_request_timeout(std::time::Duration::from_secs(5))
            .client_disconnect_timeout(std::time::Duration::from_secs(2))
            .keep_alive(std::time::Duration::from_secs(15))
            .bind(bind)
            .map_err(|e| {
                Failure::Setting(ConfigError::new(
                    "BIND",
                    format!("cannot listen on {bind}: {e}"),
                ))
            })?;
        tracing::info!(%bind, "listening");
        println!("attune is running at {base_url}  (stop with Ctrl-C)");
        let _ = std::io::stdout().flush();
        let served = server
            .run()
            .await
            .map_err(|e| Failure::Work(format!("server stopped: {e}")));
        // Let the mailer finish the message in hand and hand back the rest.
        let _ = stop_tx.send(true);
        if let Some(mailer) = mailer {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(15), mailer).await;
        }
        served
    })
}

/// Where the worker sends email, said once at start.
fn announce_transport(state: &AppState) -> Result<crate::mail::Transport, Failure> {
    let transport = state.transport()?;
    match &transport {
        crate::mail::Transport::Folder(dir) => tracing::warn!(
            folder = %dir.display(),
            "SMTP_URL is not set: emails are written to this folder instead of being sent"
        ),
        other => tracing::info!(to = %other.describe(), "sending email"),
    }
    Ok(transport)
}

fn outbox_run(config: Config, once: bool) -> Result<(), Failure> {
    let state = AppState::init(config)?;
    let transport = announce_transport(&state)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::Work(format!("cannot start: {e}")))?;
    let mut worker = state
        .worker(transport)
        .map_err(|e| Failure::Work(e.to_string()))?;
    if once {
        let due = {
            let mut conn = state
                .pool
                .get()
                .map_err(|e| Failure::Work(db::one_line(&e.to_string())))?;
            crate::db::models::OutboxMessage::due_count(&mut conn, crate::db::now())
                .map_err(|e| Failure::Work(e.to_string()))?
        };
        if std::io::stderr().is_terminal() && due > 0 {
            let bar = indicatif::ProgressBar::new(due as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} emails {msg}")
                    .map_err(|e| Failure::Work(e.to_string()))?,
            );
            worker = worker.with_progress(bar);
        }
        let worker = std::sync::Arc::new(worker);
        let report = runtime
            .block_on(worker.drain())
            .map_err(|e| Failure::Work(e.to_string()))?;
        println!(
            "Sent {}; {} will be tried again later; {} could not be sent (see the Emails page). {} came due.",
            report.sent,
            report.retrying,
            report.dead,
            services::forms::count(report.planned as usize, "follow-up", "follow-ups")
        );
        return Ok(());
    }
    let worker = std::sync::Arc::new(worker);
    runtime.block_on(async move {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let running = tokio::spawn(worker.run(stop_rx));
        println!("Sending emails as they come due (stop with Ctrl-C).");
        let _ = std::io::stdout().flush();
        let _ = tokio::signal::ctrl_c().await;
        let _ = stop_tx.send(true);
        if let Ok(Ok(report)) =
            tokio::time::timeout(std::time::Duration::from_secs(15), running).await
        {
            println!("Stopped. Sent {} while running.", report.sent);
        }
    });
    Ok(())
}

fn migrate(config: Config, revert_all: bool) -> Result<(), Failure> {
    let target = config.database;
    let applied =
        db::migrate(&target).map_err(|e| ConfigError::new("DATABASE_URL", e.to_string()))?;
    if revert_all {
        let mut conn =
            db::connect(&target).map_err(|e| ConfigError::new("DATABASE_URL", e.to_string()))?;
        let reverted =
            db::revert_all_migrations(&mut conn).map_err(|e| Failure::Work(e.to_string()))?;
        println!(
            "Reverted {} on {}; its tables and data are gone.",
            services::forms::count(reverted.len(), "migration", "migrations"),
            target.describe()
        );
    } else if applied.is_empty() {
        println!("{} is already up to date.", target.describe());
    } else {
        println!(
            "Applied {} to {}: {}",
            services::forms::count(applied.len(), "migration", "migrations"),
            target.describe(),
            applied.join(", ")
        );
    }
    Ok(())
}

fn demo(config: Config) -> Result<(), Failure> {
    let state = AppState::init(config)?;
    let mut conn = state
        .pool
        .get()
        .map_err(|e| Failure::Work(db::one_line(&e.to_string())))?;
    let report = services::demo::seed(&mut conn, &state.library, chrono::Local::now().date_naive())
        .map_err(|e| Failure::Work(format!("demo data: {e}")))?;
    print_demo(&report, &state.config.base_url);
    Ok(())
}

fn demo_scale(
    config: Config,
    participants: u32,
    links_file: Option<&std::path::Path>,
) -> Result<(), Failure> {
    let started = std::time::Instant::now();
    let state = AppState::init(config)?;
    let mut conn = state
        .pool
        .get()
        .map_err(|e| Failure::Work(db::one_line(&e.to_string())))?;
    let bar = if std::io::stderr().is_terminal() {
        let bar = indicatif::ProgressBar::new(u64::from(participants));
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} parents {elapsed}")
                .map_err(|e| Failure::Work(e.to_string()))?,
        );
        Some(bar)
    } else {
        None
    };
    let progress = |done: usize, _total: usize| {
        if let Some(bar) = &bar {
            bar.set_position(done as u64);
        }
    };
    let seeded = services::demo_scale::seed(
        &mut conn,
        &state.library,
        chrono::Local::now().date_naive(),
        participants,
        &progress,
    );
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let report = seeded.map_err(|e| Failure::Work(format!("demo --scale: {e}")))?;
    print_scale_report(&report, &state.config.base_url, started.elapsed());
    if let Some(path) = links_file {
        let links = services::demo_scale::load_test_links(&mut conn, 64)
            .map_err(|e| Failure::Work(format!("demo --scale: links: {e}")))?;
        let text: String = links
            .iter()
            .map(|(token, session)| format!("/p/{token} {session}\n"))
            .collect();
        std::fs::write(path, text)
            .map_err(|e| Failure::Work(format!("cannot write {}: {e}", path.display())))?;
        println!(
            "  {} personal links with an open reflection written to {}",
            links.len(),
            path.display()
        );
    }
    Ok(())
}

/// What `demo --scale` made, and how to look at it.
fn print_scale_report(
    report: &services::demo_scale::ScaleReport,
    base_url: &str,
    took: std::time::Duration,
) {
    println!(
        "Scale demo data ready in {:.1} s: {} groups, {} parents, {} facilitators, {} meetings, \
         {} attendance marks, {} reflections.",
        took.as_secs_f64(),
        report.cohorts,
        report.participants,
        report.facilitators,
        report.meetings,
        report.attendance,
        report.reflections
    );
    println!(
        "  Sign in at {base_url} as {} (facilitator1 to facilitator{} share the password)",
        report.facilitator_email, report.facilitators
    );
    println!("  Password:  {}", report.password);
    println!(
        "  Their group \"{}\": {base_url}/cohorts/{}",
        report.cohort_title, report.cohort_id
    );
    println!(
        "  A parent's view: {}'s personal link is {base_url}/p/{}",
        report.parent_name, report.parent_token
    );
    if report.demo_user_added {
        println!("  demo@attune.local co-facilitates that group too.");
    }
}

fn print_demo(report: &services::demo::DemoReport, base_url: &str) {
    if report.created {
        println!(
            "Demo data ready: \"{}\" with {} parents and {} meetings.",
            report.cohort_title, report.participants, report.meetings
        );
    } else {
        println!(
            "Demo data was already there (\"{}\"); the demo password is renewed.",
            report.cohort_title
        );
    }
    println!("  Sign in at {base_url} as {}", report.email);
    println!("  Password:  {}", report.password);
    if let Some((name, token)) = &report.parent {
        println!("  A parent's view: {name}'s personal link is {base_url}/p/{token}");
    }
}

fn add_user(
    config: Config,
    email: &str,
    name: &str,
    admin: bool,
    password_stdin: bool,
) -> Result<(), Failure> {
    let password = if password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::Work(format!("reading the password: {e}")))?;
        line.trim_end_matches(['\r', '\n']).to_string()
    } else {
        if !std::io::stdin().is_terminal() {
            return Err(Failure::Setting(ConfigError::new(
                "--password-stdin",
                "there is no terminal to ask for a password; pipe it in with --password-stdin",
            )));
        }
        let first = rpassword::prompt_password("Password for the new account: ")
            .map_err(|e| Failure::Work(format!("reading the password: {e}")))?;
        let again = rpassword::prompt_password("Same password again: ")
            .map_err(|e| Failure::Work(format!("reading the password: {e}")))?;
        if first != again {
            return Err(Failure::Work(
                "the two passwords differ; nothing was changed".into(),
            ));
        }
        first
    };
    db::migrate(&config.database).map_err(|e| ConfigError::new("DATABASE_URL", e.to_string()))?;
    let mut conn = db::connect(&config.database)
        .map_err(|e| ConfigError::new("DATABASE_URL", e.to_string()))?;
    let user = services::users::create_user(
        &mut conn,
        &services::users::NewAccount {
            email,
            name,
            password: &password,
            is_admin: admin,
        },
    )
    .map_err(|e| Failure::Work(e.to_string()))?;
    println!(
        "Added {} <{}> as {}.",
        user.name,
        user.email,
        if user.is_admin {
            "an administrator"
        } else {
            "a facilitator"
        }
    );
    Ok(())
}

fn run_curriculum(command: CurriculumCommand) -> ExitCode {
    let (dir, listing) = match command {
        CurriculumCommand::Check { dir } => (dir, false),
        CurriculumCommand::List { dir } => (dir, true),
    };
    let source = match dir {
        Some(d) if !d.is_dir() => {
            eprintln!("attune: DIR: {} is not a folder", d.display());
            return ExitCode::from(2);
        }
        Some(d) => Source::Dir(d),
        None if Path::new("curricula").is_dir() => Source::Dir(PathBuf::from("curricula")),
        None => Source::Embedded,
    };
    let mut loaded = curriculum::load(&source);
    if !listing {
        for c in loaded.library.all() {
            for mut p in crate::pdf::documents::help_now_problems(c) {
                if let Source::Dir(d) = &source {
                    p.path = d.join(&p.path).display().to_string();
                }
                loaded.problems.push(p);
            }
        }
    }
    for p in &loaded.problems {
        println!("{p}");
    }
    for c in loaded.library.all() {
        if listing {
            println!(
                "{:<24} {:<8} {:>2} sessions × {:>3} min  {}  {}",
                c.slug,
                c.version,
                c.sessions.len(),
                c.session_minutes,
                c.short_hash(),
                c.title
            );
        } else {
            let worst = c.worst_handout_grade();
            println!(
                "ok  {}: {} of {} min, version {} ({}), handouts at grade {:.1} or lower",
                c.slug,
                services::forms::count(c.sessions.len(), "session", "sessions"),
                c.session_minutes,
                c.version,
                c.short_hash(),
                worst
            );
        }
    }
    if loaded.problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        println!(
            "{} in {}",
            services::forms::count(loaded.problems.len(), "problem", "problems"),
            source.describe()
        );
        ExitCode::FAILURE
    }
}
