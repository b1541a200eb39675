//! Criterion benchmarks of the PDF engine (src/pdf/): one named parent's
//! handout, one facilitator plan, and a packet of 30 parents x 8 sessions;
//! then, in the same run, the same content rendered by WeasyPrint and
//! Typst (benches/pdf_compare.py), `pdffonts` on our files, and the peak
//! memory of rendering the packet in a fresh process. Not a pass/fail
//! test: see benches/README.md.
//!
//!     cargo bench --bench pdf_render
//!
//! BENCH_COMPARE=0 skips everything after Criterion; BENCH_WEASYPRINT_PACKET=0
//! skips only WeasyPrint's packet (half a minute here); BENCH_OUT_DIR keeps the
//! PDFs and the content JSON there instead of in a deleted temp dir.
//!
//! The content: secure-base session 3 for the handout and the plan. The
//! curriculum has 7 sessions; the packet's 8th is a copy of session 7
//! numbered 8. Each parent has a personal link, so every handout carries
//! a QR code: ours draws it as filled runs, WeasyPrint and Typst get the
//! same modules as an inline SVG.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use attune::curriculum::{self, Curriculum, Session, Source};
use attune::pdf::documents::{self, Handout, HelpLine, HelpNow, Plan, Recipient};
use attune::pdf::{self, style, Paper};
use criterion::{Criterion, SamplingMode};
use serde::Serialize;

const GROUP: &str = "Tuesday evenings at St Anne's";
const LOST: &str = "https://attune.example.org/p/lost";
const PARENTS: usize = 30;
const SESSIONS: usize = 8;
/// Set in the child process that measures peak memory.
const PEAK_ENV: &str = "PDF_RENDER_PEAK_CHILD";

fn main() {
    if std::env::var_os(PEAK_ENV).is_some() {
        if let Err(e) = peak_child() {
            eprintln!("pdf_render (peak memory child): {e}");
            std::process::exit(1);
        }
        return;
    }
    if let Err(e) = run() {
        eprintln!("pdf_render: {e}");
        std::process::exit(1);
    }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// secure-base with an 8th session (a copy of the 7th), and 30 parents.
struct Inputs {
    curriculum: Curriculum,
    parents: Vec<(String, String)>,
}

impl Inputs {
    fn load() -> Result<Inputs, String> {
        let loaded = curriculum::load(&Source::Embedded);
        let c = loaded
            .library
            .get("secure-base")
            .ok_or("the embedded curricula have no secure-base")?;
        let mut curriculum: Curriculum = (**c).clone();
        if curriculum.sessions.len() < 7 {
            return Err(format!(
                "secure-base has {} sessions, expected 7",
                curriculum.sessions.len()
            ));
        }
        while curriculum.sessions.len() < SESSIONS {
            let mut extra = curriculum.sessions[6].clone();
            extra.number = curriculum.sessions.len() as u32 + 1;
            curriculum.sessions.push(extra);
        }
        Ok(Inputs {
            curriculum,
            parents: parents(),
        })
    }

    fn session(&self, number: u32) -> Result<&Session, String> {
        self.curriculum
            .sessions
            .iter()
            .find(|s| s.number == number)
            .ok_or_else(|| format!("no session {number}"))
    }

    /// (a) Ana's handout for session 3: named, with her link as a QR code.
    fn handout(&self) -> Result<Handout<'_>, String> {
        let (name, link) = &self.parents[0];
        Ok(Handout {
            curriculum: &self.curriculum,
            session: self.session(3)?,
            group: Some(GROUP.into()),
            when: Some(when(2)),
            recipient: Some(Recipient {
                name: name.clone(),
                link: Some(link.clone()),
            }),
            lost_link_url: Some(LOST.into()),
            help: help(),
        })
    }

    /// (b) The facilitator plan for the same meeting.
    fn plan(&self) -> Result<Plan<'_>, String> {
        Ok(Plan {
            curriculum: &self.curriculum,
            session: self.session(3)?,
            group: GROUP.into(),
            when: when(2),
            start: chrono::NaiveTime::from_hms_opt(18, 30, 0).ok_or("time")?,
            location: Some("St Anne's church hall".into()),
            facilitators: vec!["Maria Jensen".into(), "Sam Okafor".into()],
            help: Some(help()),
        })
    }

    /// (c) Every parent's handout for every session, meeting by meeting.
    fn packet(&self) -> Vec<Handout<'_>> {
        let mut out = Vec::with_capacity(PARENTS * SESSIONS);
        for (i, s) in self.curriculum.sessions.iter().take(SESSIONS).enumerate() {
            for (name, link) in &self.parents {
                out.push(Handout {
                    curriculum: &self.curriculum,
                    session: s,
                    group: Some(GROUP.into()),
                    when: Some(when(i as i64)),
                    recipient: Some(Recipient {
                        name: name.clone(),
                        link: Some(link.clone()),
                    }),
                    lost_link_url: Some(LOST.into()),
                    help: help(),
                });
            }
        }
        out
    }

    fn packet_title(&self) -> String {
        format!(
            "{} \u{2013} {GROUP} \u{2013} all handouts",
            self.curriculum.title
        )
    }
}

/// "Tue 24 Nov 2026, 18:30" for the meeting `week` weeks after the first.
fn when(week: i64) -> String {
    let first = chrono::NaiveDate::from_ymd_opt(2026, 11, 24).unwrap_or_default();
    let d = first + chrono::Duration::weeks(week);
    format!("{}, 18:30", d.format("%a %-d %b %Y"))
}

/// 30 names (some beyond ASCII) with personal links of the real length.
fn parents() -> Vec<(String, String)> {
    const FIRST: [&str; 10] = [
        "Ana", "Bjørn", "Chidi", "Dana", "Émile", "Fatima", "Grace", "Hiroshi", "Ines", "Jonas",
    ];
    const LAST: [&str; 3] = ["López", "Okafor", "Nowak-Schmidt"];
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..PARENTS)
        .map(|i| {
            let name = format!("{} {}", FIRST[i % 10], LAST[i / 10 % 3]);
            let token: String = (0..24)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    char::from(ALPHABET[(seed % ALPHABET.len() as u64) as usize])
                })
                .collect();
            (name, format!("https://attune.example.org/p/{token}"))
        })
        .collect()
}

fn run() -> Result<(), String> {
    let started = SystemTime::now();
    let inputs = Inputs::load()?;
    let handout = inputs.handout()?;
    let plan = inputs.plan()?;
    let packet = inputs.packet();
    let packet_title = inputs.packet_title();

    let mut c = Criterion::default().configure_from_args();
    {
        let mut g = c.benchmark_group("pdf_render");
        g.warm_up_time(Duration::from_secs(2))
            .measurement_time(Duration::from_secs(5));
        g.bench_function("handout", |b| {
            b.iter(|| documents::handout(black_box(&handout), Paper::A4))
        });
        g.bench_function("plan", |b| {
            b.iter(|| documents::plan(black_box(&plan), Paper::A4))
        });
        // Most of a second an iteration: ten samples of a few iterations.
        g.sample_size(10)
            .sampling_mode(SamplingMode::Flat)
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(10));
        g.bench_function("packet_30x8", |b| {
            b.iter(|| {
                pdf::render(&documents::packet(
                    &packet_title,
                    black_box(&packet),
                    Paper::A4,
                ))
            })
        });
        g.finish();
    }
    c.final_summary();

    // `cargo test --benches` runs each benchmark once without `--bench`:
    // that checks they run, and is no place for minutes of WeasyPrint.
    // Nor are `--profile-time` (for perf) and `--list`.
    let args: Vec<String> = std::env::args().collect();
    let benchmarking = args.iter().any(|a| a == "--bench")
        && !args
            .iter()
            .any(|a| a.starts_with("--profile-time") || a == "--list" || a == "--test");
    if !benchmarking || std::env::var("BENCH_COMPARE").is_ok_and(|v| v == "0") {
        return Ok(());
    }
    compare(&inputs, started)
}

/// Everything after Criterion: the same content in WeasyPrint and Typst,
/// the table, pdffonts and peak memory.
fn compare(inputs: &Inputs, started: SystemTime) -> Result<(), String> {
    let temp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let dir = match std::env::var_os("BENCH_OUT_DIR") {
        Some(d) => {
            let d = PathBuf::from(d);
            std::fs::create_dir_all(&d).map_err(|e| e.to_string())?;
            d
        }
        None => temp.path().to_path_buf(),
    };
    println!();
    println!("pdf_render: comparing in {}", dir.display());

    let handout = inputs.handout()?;
    let plan = inputs.plan()?;
    let packet = inputs.packet();
    let packet_title = inputs.packet_title();

    // Our three files, and Criterion's medians (or our own, if Criterion
    // ran with a filter or wrote elsewhere).
    let ours: [(&str, &str, Render<'_>); 3] = [
        (
            "handout",
            "handout",
            Box::new(|| documents::handout(&handout, Paper::A4)),
        ),
        (
            "plan",
            "plan",
            Box::new(|| documents::plan(&plan, Paper::A4)),
        ),
        (
            "packet",
            "packet_30x8",
            Box::new(|| pdf::render(&documents::packet(&packet_title, &packet, Paper::A4))),
        ),
    ];
    let mut our_ms: BTreeMap<&str, (f64, &str)> = BTreeMap::new();
    for (doc, id, render) in &ours {
        let bytes = render().map_err(|e| format!("{doc}: {e}"))?;
        write(&dir.join(format!("attune-{doc}.pdf")), &bytes)?;
        let ms = match criterion_median_ms(id, started) {
            Some(ms) => (ms, "criterion median"),
            None => {
                let runs = if *doc == "packet" { 3 } else { 20 };
                (median_ms(runs, || drop(black_box(render()))), "own median")
            }
        };
        our_ms.insert(doc, ms);
    }

    // The same content for WeasyPrint and Typst.
    let content = Content::new(inputs, &dir)?;
    let json_path = dir.join("content.json");
    write(
        &json_path,
        &serde_json::to_vec(&content).map_err(|e| e.to_string())?,
    )?;
    println!("pdf_render: running benches/pdf_compare.py (WeasyPrint's packet takes a while)");
    let others = match run_compare(&json_path) {
        Ok(v) => v,
        Err(e) => {
            // Our own figures, pdffonts and memory are still worth printing.
            println!("pdf_render: no comparison: {e}");
            serde_json::json!({})
        }
    };

    print_table(&dir, &our_ms, &others);
    pdffonts(&dir)?;
    peak_memory()?;
    Ok(())
}

/// Runs benches/pdf_compare.py on `json` and returns the JSON it prints last.
fn run_compare(json: &Path) -> Result<serde_json::Value, String> {
    let out = Command::new("python3")
        .arg(root().join("benches/pdf_compare.py"))
        .arg(json)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .rev()
        .find_map(|l| serde_json::from_str(l).ok())
        .ok_or_else(|| format!("pdf_compare.py printed no JSON ({}): {stdout}", out.status))
}

/// One of our documents, rendered.
type Render<'a> = Box<dyn Fn() -> Result<Vec<u8>, pdf::RenderError> + 'a>;

fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(path, bytes).map_err(|e| format!("{}: {e}", path.display()))
}

fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    f();
    let mut ms: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    ms[ms.len() / 2]
}

/// Where Criterion keeps its results, by Criterion's own rule: CRITERION_HOME,
/// CARGO_TARGET_DIR, the target directory when run by cargo (Criterion asks
/// `cargo metadata`; this binary lives in target/release/deps), else
/// ./target/criterion.
fn criterion_home() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return Some(PathBuf::from(home));
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(target).join("criterion"));
    }
    if std::env::var_os("CARGO").is_some() {
        let exe = std::env::current_exe().ok()?;
        return Some(exe.parent()?.parent()?.parent()?.join("criterion"));
    }
    Some(PathBuf::from("target/criterion"))
}

/// This run's median for `id`: only if Criterion wrote it after `since`
/// (a filtered run leaves older results in place).
fn criterion_median_ms(id: &str, since: SystemTime) -> Option<f64> {
    let path = criterion_home()?
        .join("pdf_render")
        .join(id)
        .join("new")
        .join("estimates.json");
    if std::fs::metadata(&path).ok()?.modified().ok()? < since {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
    Some(v["median"]["point_estimate"].as_f64()? / 1e6)
}

fn pages(path: &Path) -> Option<u32> {
    let out = Command::new("pdfinfo").arg(path).output().ok()?;
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|p| p.trim().parse().ok())
}

fn kib(path: &Path) -> String {
    std::fs::metadata(path)
        .map(|m| format!("{:.0} kB", m.len() as f64 / 1000.0))
        .unwrap_or_else(|_| "-".into())
}

fn print_table(dir: &Path, ours: &BTreeMap<&str, (f64, &str)>, others: &serde_json::Value) {
    println!();
    println!("pdf_render: milliseconds per document (median), A4, DejaVu Sans subset");
    println!(
        "{:<10} {:>16} {:>16} {:>16} {:>10} {:>12}",
        "document", "attune", "Typst", "WeasyPrint", "Typst/us", "Weasy/us"
    );
    for doc in ["handout", "plan", "packet"] {
        let Some(&(mine, _)) = ours.get(doc) else {
            continue;
        };
        let cell = |engine: &str| -> (String, Option<f64>) {
            let r = &others[engine][doc];
            match r["median_ms"].as_f64() {
                Some(ms) => (
                    format!("{ms:.1} ({} runs)", r["runs"].as_u64().unwrap_or(0)),
                    Some(ms),
                ),
                None => ("skipped".into(), None),
            }
        };
        let (typst, t) = cell("typst");
        let (weasy, w) = cell("weasyprint");
        let ratio = |x: Option<f64>| match x {
            Some(x) => format!("{:.1}x", x / mine),
            None => "-".into(),
        };
        println!(
            "{doc:<10} {:>16} {typst:>16} {weasy:>16} {:>10} {:>12}",
            format!("{mine:.2}"),
            ratio(t),
            ratio(w),
        );
    }
    let how: Vec<String> = ours.iter().map(|(d, (_, h))| format!("{d}: {h}")).collect();
    println!("attune timings: {}", how.join(", "));
    for engine in ["typst", "weasyprint"] {
        if let Some(why) = others[engine]["skipped"].as_str() {
            println!("{engine} skipped: {why}");
        }
        for doc in ["handout", "plan", "packet"] {
            if let Some(why) = others[engine][doc]["skipped"].as_str() {
                println!("{engine} {doc} skipped: {why}");
            }
        }
    }
    for engine in ["typst", "weasyprint"] {
        let spread: Vec<String> = ["handout", "plan", "packet"]
            .iter()
            .filter_map(|doc| {
                let r = &others[engine][doc];
                Some(format!(
                    "{doc} {:.1}-{:.1}",
                    r["min_ms"].as_f64()?,
                    r["max_ms"].as_f64()?
                ))
            })
            .collect();
        if !spread.is_empty() {
            println!("{engine} fastest-slowest run, ms: {}", spread.join(", "));
        }
    }
    if let Some(ms) = others["typst"]["handout"]["repeat_median_ms"].as_f64() {
        println!(
            "Typst recompiling the identical handout source (its memo cache hits): {ms:.1} ms"
        );
    }

    println!();
    println!("pdf_render: the files (pages, size; peak RSS of the process that rendered them)");
    println!(
        "{:<10} {:>20} {:>20} {:>20}",
        "document", "attune", "Typst", "WeasyPrint"
    );
    for doc in ["handout", "plan", "packet"] {
        let mut cells = Vec::new();
        for engine in ["attune", "typst", "weasyprint"] {
            let path = dir.join(format!("{engine}-{doc}.pdf"));
            cells.push(match pages(&path) {
                Some(p) => {
                    let rss = others[engine][doc]["peak_rss_mb"]
                        .as_f64()
                        .map(|m| format!(", {m:.0} MB"))
                        .unwrap_or_default();
                    format!("{p} p, {}{rss}", kib(&path))
                }
                None => "-".into(),
            });
        }
        println!(
            "{doc:<10} {:>20} {:>20} {:>20}",
            cells[0], cells[1], cells[2]
        );
    }
    for engine in ["typst", "weasyprint"] {
        if let Some(v) = others[engine]["version"].as_str() {
            println!("{engine} {v}");
        }
    }
}

/// The `emb` and `sub` columns of `pdffonts` for our files.
fn pdffonts(dir: &Path) -> Result<(), String> {
    println!();
    println!("pdf_render: pdffonts (name, emb, sub)");
    for doc in ["handout", "plan", "packet"] {
        let path = dir.join(format!("attune-{doc}.pdf"));
        let out = match Command::new("pdffonts").arg(&path).output() {
            Ok(o) => o,
            Err(e) => {
                println!("pdffonts: {e} (apt-get install poppler-utils)");
                return Ok(());
            }
        };
        let text = String::from_utf8_lossy(&out.stdout);
        // name type encoding emb sub uni object ID; the type may hold spaces,
        // so read emb and sub from the right.
        let mut all = true;
        let mut rows = Vec::new();
        for line in text.lines().skip(2) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() < 7 {
                continue;
            }
            let (emb, sub) = (cols[cols.len() - 5], cols[cols.len() - 4]);
            all &= emb == "yes" && sub == "yes";
            rows.push(format!("{} emb {emb} sub {sub}", cols[0]));
        }
        println!(
            "{doc:<8} {} font(s), all embedded and subset: {}",
            rows.len(),
            if all && !rows.is_empty() { "yes" } else { "NO" }
        );
        for r in rows {
            println!("         {r}");
        }
    }
    Ok(())
}

/// Renders the packet once in a fresh copy of this binary and reports its
/// peak resident set (VmHWM).
fn peak_memory() -> Result<(), String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let out = Command::new(exe)
        .env(PEAK_ENV, "1")
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    println!();
    println!("pdf_render: peak memory, packet rendered once in a fresh process");
    println!("{}", text.trim());
    Ok(())
}

fn vm_hwm_kb() -> Result<u64, String> {
    let status = std::fs::read_to_string("/proc/self/status").map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmHWM in /proc/self/status".into())
}

fn peak_child() -> Result<(), String> {
    let inputs = Inputs::load()?;
    let packet = inputs.packet();
    let title = inputs.packet_title();
    let before = vm_hwm_kb()?;
    let t = Instant::now();
    let bytes =
        pdf::render(&documents::packet(&title, &packet, Paper::A4)).map_err(|e| e.to_string())?;
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let after = vm_hwm_kb()?;
    println!(
        "VmHWM {:.1} MB after loading the curriculum, {:.1} MB after rendering \
         ({} handouts, {:.1} MB of PDF, {ms:.0} ms cold)",
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        packet.len(),
        bytes.len() as f64 / 1e6,
    );
    Ok(())
}

// ---------------------------------------------------------------------------
// What pdf_compare.py renders: the content of each document as attune lays
// it out (src/pdf/documents.rs), with the Markdown left as Markdown.

#[derive(Serialize)]
struct Content {
    fonts_dir: String,
    out_dir: String,
    page: PageSpec,
    colors: BTreeMap<&'static str, [f32; 3]>,
    runs: BTreeMap<&'static str, BTreeMap<&'static str, u32>>,
    skip_weasyprint_packet: bool,
    handout: HandoutDoc,
    plan: PlanDoc,
    packet: HandoutDoc,
}

#[derive(Serialize)]
struct PageSpec {
    width: f32,
    height: f32,
    margin_x: f32,
    margin_top: f32,
    margin_bottom: f32,
    body: f32,
    small: f32,
    leading: f32,
    headings: [f32; 3],
    writing_line: f32,
    furniture: f32,
}

#[derive(Serialize)]
struct HandoutDoc {
    title: String,
    parts: Vec<HandoutPart>,
}

#[derive(Serialize)]
struct HandoutPart {
    header: String,
    footer: String,
    title: String,
    meta: String,
    qr: Option<Qr>,
    /// The session's parent handout, Markdown; its `#` prints as level 2.
    markdown: String,
    home_practice_title: String,
    home_practice_markdown: String,
    reflections_heading: String,
    reflections_intro: String,
    prompts: Vec<String>,
    writing_lines: usize,
    lost_link: Option<String>,
}

#[derive(Serialize)]
struct Qr {
    /// The code's modules with a 4-module quiet zone, one path of runs.
    svg: String,
    size: f32,
    lead: String,
    explain: String,
    link: String,
    keep: String,
}

#[derive(Serialize)]
struct PlanDoc {
    title: String,
    header: String,
    footer: String,
    scale: f32,
    kicker: String,
    heading: String,
    meta_bold: String,
    meta_rest: String,
    facilitators: String,
    objectives_heading: String,
    objectives: Vec<String>,
    agenda_heading: String,
    columns: Vec<(String, f32)>,
    /// Time, length, part, title, notes.
    agenda: Vec<[String; 5]>,
    materials_heading: String,
    materials: Vec<String>,
    discussion_heading: String,
    discussion: Vec<String>,
    home_practice_heading: String,
    home_practice_markdown: String,
    reflections_heading: String,
    reflections: Vec<String>,
    notes_heading: String,
    notes_markdown: String,
}

impl Content {
    fn new(inputs: &Inputs, dir: &Path) -> Result<Content, String> {
        let (width, height) = Paper::A4.size();
        let handout = inputs.handout()?;
        let colors = BTreeMap::from([
            ("ink", [0.11, 0.13, 0.16]),
            ("muted", [0.36, 0.40, 0.45]),
            ("accent", [0.09, 0.33, 0.36]),
        ]);
        let weasy_packet = std::env::var("BENCH_WEASYPRINT_PACKET").is_ok_and(|v| v == "0");
        Ok(Content {
            fonts_dir: root().join("src/pdf/fonts").display().to_string(),
            out_dir: dir.display().to_string(),
            page: PageSpec {
                width,
                height,
                margin_x: style::MARGIN_X,
                margin_top: style::MARGIN_TOP,
                margin_bottom: style::MARGIN_BOTTOM,
                body: style::BODY,
                small: style::SMALL,
                leading: style::LEADING,
                headings: style::HEADING,
                writing_line: style::WRITING_LINE,
                furniture: 8.5,
            },
            colors,
            runs: BTreeMap::from([
                (
                    "typst",
                    BTreeMap::from([("handout", 30), ("plan", 30), ("packet", 3)]),
                ),
                (
                    "weasyprint",
                    BTreeMap::from([("handout", 5), ("plan", 5), ("packet", 1)]),
                ),
            ]),
            skip_weasyprint_packet: weasy_packet,
            handout: HandoutDoc {
                title: format!(
                    "{} \u{2013} Session {}: {}",
                    inputs.curriculum.title, handout.session.number, handout.session.title
                ),
                parts: vec![handout_part(&handout)?],
            },
            plan: plan_doc(&inputs.plan()?),
            packet: HandoutDoc {
                title: inputs.packet_title(),
                parts: inputs
                    .packet()
                    .iter()
                    .map(handout_part)
                    .collect::<Result<_, _>>()?,
            },
        })
    }
}

/// The words of `Handout::part` (src/pdf/documents.rs), copied.
fn handout_part(h: &Handout<'_>) -> Result<HandoutPart, String> {
    let s = h.session;
    let title = format!("Session {}: {}", s.number, s.title);
    let r = h
        .recipient
        .as_ref()
        .ok_or("the bench's handouts are named")?;
    let mut meta = vec![format!("For {}", r.name)];
    meta.extend(h.group.clone());
    meta.extend(h.when.clone());
    let qr = match &r.link {
        Some(link) => Some(Qr {
            svg: qr_svg(link)?,
            size: 96.0,
            lead: format!("{}, your own page for this class", r.name),
            explain: "Point your phone's camera at the square to open it. You can read the \
                      handouts and write your reflections there too. Or type this address:"
                .into(),
            link: link.clone(),
            keep: "This link is just for you. Please keep this page somewhere safe.".into(),
        }),
        None => None,
    };
    Ok(HandoutPart {
        header: h.curriculum.title.clone(),
        footer: format!("{} \u{00B7} {title}", r.name),
        title,
        meta: meta.join("  \u{00B7}  "),
        qr,
        markdown: s.parent_handout.clone(),
        home_practice_title: format!("Try this at home: {}", s.home_practice.title),
        home_practice_markdown: s.home_practice.text.clone(),
        reflections_heading: "Your reflections".into(),
        reflections_intro: "Take a few quiet minutes. Write as much or as little as you like. \
                            This page is yours: nobody sees it unless you show them."
            .into(),
        prompts: s
            .reflection_prompts
            .iter()
            .enumerate()
            .map(|(i, p)| format!("{}. {p}", i + 1))
            .collect(),
        writing_lines: 5,
        // Printed only for a parent without a link.
        lost_link: None,
    })
}

/// The words of `plan_document` (src/pdf/documents.rs), copied.
fn plan_doc(p: &Plan<'_>) -> PlanDoc {
    let s = p.session;
    let title = format!("Session {}: {}", s.number, s.title);
    let end = p.start + chrono::Duration::minutes(i64::from(s.minutes));
    let mut rest = format!(
        "  \u{00B7}  {}\u{2013}{} ({} minutes)",
        p.when,
        end.format("%H:%M"),
        s.minutes
    );
    if let Some(l) = &p.location {
        rest.push_str(&format!("  \u{00B7}  {l}"));
    }
    let mut clock = p.start;
    let mut agenda = Vec::new();
    for seg in &s.agenda {
        agenda.push([
            clock.format("%H:%M").to_string(),
            format!("{} min", seg.minutes),
            seg.kind.label().to_string(),
            seg.title.clone(),
            seg.notes
                .as_deref()
                .map(str::trim)
                .unwrap_or_default()
                .to_string(),
        ]);
        clock += chrono::Duration::minutes(i64::from(seg.minutes));
    }
    agenda.push([
        clock.format("%H:%M").to_string(),
        String::new(),
        "End".into(),
        String::new(),
        String::new(),
    ]);
    PlanDoc {
        title: format!("{title} \u{2013} facilitator plan"),
        header: format!("{} \u{00B7} facilitator plan", p.curriculum.title),
        footer: format!("{} \u{00B7} {title}", p.group),
        scale: 0.9,
        kicker: format!("Facilitator plan \u{00B7} {}", p.curriculum.title),
        heading: title,
        meta_bold: p.group.clone(),
        meta_rest: rest,
        facilitators: format!("Facilitators: {}", p.facilitators.join(", ")),
        objectives_heading: "By the end, parents will".into(),
        objectives: s.objectives.clone(),
        agenda_heading: "Agenda".into(),
        columns: vec![
            ("Time".into(), 1.1),
            ("Length".into(), 1.2),
            ("Part".into(), 1.3),
            ("What to do".into(), 7.0),
        ],
        agenda,
        materials_heading: "Bring".into(),
        materials: s
            .materials
            .iter()
            .map(|m| format!("\u{2610}  {m}"))
            .collect(),
        discussion_heading: "Questions for the group".into(),
        discussion: s.discussion_prompts.clone(),
        home_practice_heading: format!("Home practice: {}", s.home_practice.title),
        home_practice_markdown: s.home_practice.text.clone(),
        reflections_heading: "Parents reflect on".into(),
        reflections: s.reflection_prompts.clone(),
        notes_heading: "Notes".into(),
        notes_markdown: s.facilitator_notes.clone(),
    }
}

/// The QR code attune prints (error correction M, 4-module quiet zone) as
/// one SVG path of the same dark runs src/pdf/layout.rs fills.
fn qr_svg(data: &str) -> Result<String, String> {
    let code = attune::pdf::qr_runs(data).ok_or("the link is too long for a QR code")?;
    let d: String = code
        .runs
        .iter()
        .map(|(row, col, len)| format!("M{col} {row}h{len}v1h-{len}z"))
        .collect();
    let side = code.side;
    Ok(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {side} {side}\" \
         shape-rendering=\"crispEdges\"><path fill=\"#000\" d=\"{d}\"/></svg>"
    ))
}

/// A support list like an organization's.
fn help() -> HelpNow {
    HelpNow {
        emergency_number: "911".into(),
        services: vec![HelpLine {
            name: "988 Suicide & Crisis Lifeline".into(),
            helps_with: "Someone to talk to in a crisis".into(),
            reach: "Call 988  \u{00B7}  Text 988  \u{00B7}  988lifeline.org".into(),
        }],
        page_url: Some("https://attune.example.org/help".into()),
    }
}
