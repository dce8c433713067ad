//! `tongxin`: the one binary — serve, demo city, users, tokens, grid import and export.

mod config;

use clap::{Parser, Subcommand};
use config::{CommonOpts, ServeOpts, Settings};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use tongxin_core::access::Actor;
use tongxin_core::people::protect::DataKeys;
use tongxin_demo::load::cases::{EnterpriseFigures, HistoryRequest};
use tongxin_demo::{DEFAULT_SEED, DEMO_PASSWORD, DemoOptions, DemoSize};
use tongxin_server::access::{NewTokenRequest, NewUserRequest, RoleRequest};
use tongxin_server::people::spreadsheets::SheetFormat as tongxin_sheets_format;
use tongxin_server::{AppState, ServerConfig};
use tongxin_store::protect::Protector;
use tongxin_store::{Store, access};

// Bulk work (ledger imports, the demo city) allocates and frees millions of small strings
// across the async and database threads, where glibc's allocator spent a third of the time
// (ADR 0015).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "tongxin",
    version,
    about = "同心 Tongxin — grassroots governance platform"
)]
struct Cli {
    #[command(flatten)]
    common: CommonOpts,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the platform over HTTP.
    Serve(ServeOpts),
    /// Build a synthetic demo city (if the database is empty) and serve it.
    Demo {
        /// default (Nanning-sized: 260 communities, 6,764 grids) or small (for tests).
        #[arg(long, default_value = "default")]
        size: String,
        #[arg(long, default_value_t = DEFAULT_SEED)]
        seed: u64,
        /// Residents to generate (default 200,000; 2,000 with --size small).
        #[arg(long)]
        residents: Option<usize>,
        /// Cases in the year of history (default 1,000,000; 2,000 with --size small).
        #[arg(long)]
        cases: Option<usize>,
        /// Build the city and exit without serving.
        #[arg(long)]
        no_serve: bool,
        #[command(flatten)]
        serve: ServeOpts,
    },
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage integration tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Create a division (city, district, street, community).
    #[command(subcommand)]
    Division(DivisionCommand),
    /// Import data (all-or-nothing).
    #[command(subcommand)]
    Import(ImportCommand),
    /// Manage the data key that seals ID and phone numbers.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Export data.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Check the disclosure hash chains; exits non-zero naming the first broken link.
    Verify {
        /// Only the communities under this territory code.
        #[arg(long)]
        within: Option<String>,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user. The password is asked for unless --password or TONGXIN_NEW_PASSWORD is given.
    Add {
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        /// ROLE@NODE, repeatable, e.g. grid_worker@450103001001001
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        #[arg(long, env = "TONGXIN_NEW_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// List users (optionally only those bound under a node).
    List {
        #[arg(long)]
        within: Option<String>,
    },
    /// Disable a user and end their sessions.
    Disable { username: String },
    /// Enable a disabled user.
    Enable { username: String },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issue a bearer token acting as USER (printed once).
    Create {
        #[arg(long)]
        user: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        days: Option<i64>,
        /// open311: the token works only as an Open311 api_key.
        #[arg(long)]
        scope: Option<String>,
    },
}

#[derive(Subcommand)]
enum DivisionCommand {
    Add {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// city, district, development_zone, street, town, community, village
        #[arg(long)]
        kind: String,
        #[arg(long)]
        parent: Option<String>,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Re-seal every ID and phone number under a new random key, in one transaction. The new
    /// key is written beside the old one first (DATA/data.key.new), so it is never lost.
    Rotate,
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Grids from a GeoJSON FeatureCollection.
    Grids {
        file: std::path::PathBuf,
        /// Check and report only.
        #[arg(long)]
        dry_run: bool,
    },
    /// Residents from an XLSX or CSV ledger (UTF-8 or GBK).
    Residents(LedgerArgs),
    /// Buildings from an XLSX or CSV ledger.
    Buildings(LedgerArgs),
    /// Organisations from an XLSX or CSV ledger.
    Organisations(LedgerArgs),
}

#[derive(clap::Args)]
struct LedgerArgs {
    file: std::path::PathBuf,
    /// Check and report only.
    #[arg(long)]
    dry_run: bool,
    /// Import the good rows and report the rest (default: nothing unless all rows are good).
    #[arg(long)]
    partial: bool,
}

#[derive(Subcommand)]
enum ExportCommand {
    /// Residents as an XLSX or CSV ledger (ID and phone numbers masked unless --unmasked).
    Residents {
        #[arg(long)]
        within: Option<String>,
        #[arg(short, long)]
        output: std::path::PathBuf,
        /// Plain ID and phone numbers (audited).
        #[arg(long)]
        unmasked: bool,
    },
    /// Grids as GeoJSON (to stdout, or -o FILE).
    Grids {
        #[arg(long)]
        within: Option<String>,
        #[arg(short, long)]
        output: Option<std::path::PathBuf>,
    },
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Stores opened by this command, closed (and their WAL checkpointed) before the process ends.
static OPENED: std::sync::Mutex<Vec<Store>> = std::sync::Mutex::new(Vec::new());

async fn close_opened() {
    let stores: Vec<Store> = std::mem::take(&mut *OPENED.lock().expect("stores lock"));
    for store in stores {
        store.close().await;
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = run(cli).await;
    close_opened().await;
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("错误 / error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn open_store(settings: &Settings) -> Result<Store, String> {
    if settings.is_sqlite() {
        std::fs::create_dir_all(&settings.data).map_err(|e| {
            format!(
                "cannot create data directory {}: {e}",
                settings.data.display()
            )
        })?;
    }
    let store = Store::open(&settings.database_url)
        .await
        .map_err(|e| format!("cannot open database: {e}"))?;
    OPENED.lock().expect("stores lock").push(store.clone());
    Ok(store)
}

/// The data key: configured, or read from DATA/data.key, or created there on first use.
fn load_data_keys(settings: &Settings) -> Result<DataKeys, String> {
    if let Some(text) = &settings.data_key {
        return DataKeys::parse_master(text)
            .map_err(|e| format!("TONGXIN_DATA_KEY / data_key: {e}"));
    }
    let path = settings.key_file();
    if path.exists() {
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        return DataKeys::parse_master(&text).map_err(|e| format!("{}: {e}", path.display()));
    }
    std::fs::create_dir_all(&settings.data)
        .map_err(|e| format!("cannot create {}: {e}", settings.data.display()))?;
    let mut master = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut master);
    write_private(&path, &DataKeys::encode_master(&master))?;
    eprintln!(
        "created a new data key at {} — back it up with the database: without it, personal data cannot be read",
        path.display()
    );
    Ok(DataKeys::from_master(&master))
}

fn write_private(path: &std::path::Path, text: &str) -> Result<(), String> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
    f.write_all(text.as_bytes()).map_err(|e| e.to_string())
}

/// A new data key: written to DATA/data.key.new before any row changes, then every sealed
/// number re-sealed under it in one transaction, then (for a key kept in DATA/data.key) the
/// files swapped, the old key kept as data.key.old-<time> for backups sealed under it.
async fn rotate_keys(settings: &Settings) -> Result<(), String> {
    let store = open_store(settings).await?;
    let old = Protector::new(load_data_keys(settings)?);
    let mut master = [0u8; 32];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut master);
    let staged = settings.data.join("data.key.new");
    if staged.exists() {
        return Err(format!(
            "{} exists: an earlier rotation did not finish. If the database already opens with it, move it to data.key; otherwise delete it and run again",
            staged.display()
        ));
    }
    write_private(&staged, &DataKeys::encode_master(&master))?;
    let new = Protector::new(DataKeys::from_master(&master));
    let done = tongxin_server::people::keys::rotate(&store, &old, &new).await?;
    println!(
        "re-sealed {} residents, {} organisations and {} free-text originals under the new key",
        done.residents, done.organisations, done.texts
    );
    let current = settings.key_file();
    if settings.data_key.is_some() || !current.exists() {
        println!(
            "the key is configured outside DATA: set TONGXIN_DATA_KEY / data_key to the contents of {} now",
            staged.display()
        );
        return Ok(());
    }
    let kept = settings
        .data
        .join(format!("data.key.old-{}", tongxin_store::now_millis()));
    std::fs::rename(&current, &kept).map_err(|e| e.to_string())?;
    std::fs::rename(&staged, &current).map_err(|e| e.to_string())?;
    println!(
        "{} is the new key; the old one is kept at {} for backups made before now — delete it when they expire",
        current.display(),
        kept.display()
    );
    Ok(())
}

async fn open_state(settings: &Settings) -> Result<AppState, String> {
    let store = open_store(settings).await?;
    let protector = Protector::new(load_data_keys(settings)?);
    tongxin_server::people::keys::check_key(&store, &protector).await?;
    let config = ServerConfig {
        session_ttl_ms: settings.session_ttl_hours * 3_600_000,
        secure_cookies: settings.secure_cookies,
        protector,
        media_dir: settings.data.join("media"),
        map_tiles: settings.map_tiles.clone(),
        ..ServerConfig::default()
    };
    tongxin_server::state_for(store, config)
        .await
        .map_err(|e| format!("cannot load the grid index: {e}"))
}

/// A problem as text for the terminal: the detail, then each complaint (at most 50 of them).
fn problem_text(e: tongxin_server::error::ApiError) -> String {
    const SHOWN: usize = 50;
    let mut text = e.detail.clone();
    for f in e.errors.iter().take(SHOWN) {
        let place = match (f.index, &f.field, &f.code) {
            (Some(i), Some(field), _) => format!("row {i}, {field}"),
            (Some(i), None, Some(code)) => format!("#{i} {code}"),
            (Some(i), None, None) => format!("#{i}"),
            (None, Some(field), _) => field.clone(),
            _ => String::new(),
        };
        text.push_str(&format!("\n  - {place}: {}", f.reason));
    }
    if e.errors.len() > SHOWN {
        text.push_str(&format!("\n  … and {} more", e.errors.len() - SHOWN));
    }
    text
}

async fn run(cli: Cli) -> Result<(), String> {
    let no_serve = ServeOpts::default();
    let serve_opts = match &cli.command {
        Command::Serve(s) => s,
        Command::Demo { serve, .. } => serve,
        _ => &no_serve,
    };
    let settings = Settings::resolve(&cli.common, serve_opts)?;
    init_logging(&settings.log);
    match cli.command {
        Command::Serve(opts) => {
            let state = open_state(&settings).await?;
            ensure_first_admin(&state, &opts).await?;
            serve(state, &settings.listen).await
        }
        Command::Demo {
            size,
            seed,
            residents,
            cases,
            no_serve,
            serve: opts,
        } => {
            let size = DemoSize::parse(&size)
                .ok_or_else(|| format!("--size must be small or default, not {size:?}"))?;
            let residents = residents.unwrap_or(match size {
                DemoSize::Small => 2_000,
                DemoSize::Default => tongxin_demo::DEFAULT_RESIDENTS,
            });
            let cases = cases.unwrap_or(match size {
                DemoSize::Small => 2_000,
                DemoSize::Default => tongxin_demo::cases::DEFAULT_CASES,
            });
            let state = open_state(&settings).await?;
            build_demo(&state, size, seed, residents, cases).await?;
            if no_serve {
                return Ok(());
            }
            ensure_first_admin(&state, &opts).await?;
            serve(state, &settings.listen).await
        }
        Command::User(cmd) => user_command(&open_state(&settings).await?, cmd).await,
        Command::Keys(KeysCommand::Rotate) => rotate_keys(&settings).await,
        Command::Verify { within } => {
            verify_chains(
                &open_store(&settings).await?,
                within.as_deref().unwrap_or(""),
            )
            .await
        }
        Command::Token(TokenCommand::Create {
            user,
            name,
            days,
            scope,
        }) => {
            let state = open_state(&settings).await?;
            let id = user_id(&state, &user).await?;
            let req = NewTokenRequest {
                user_id: id,
                name,
                expires_in_days: days,
                scope,
            };
            let token = tongxin_server::access::issue_token(&state, &Actor::system(), &req, None)
                .await
                .map_err(problem_text)?;
            println!("{}", token.token.unwrap_or_default());
            eprintln!(
                "token #{} for {user}; shown once, store it safely",
                token.id
            );
            Ok(())
        }
        Command::Division(DivisionCommand::Add {
            code,
            name,
            kind,
            parent,
        }) => {
            let state = open_state(&settings).await?;
            let req = tongxin_server::territory::NewDivisionRequest {
                code,
                name,
                kind,
                parent_code: parent,
                geometry: None,
            };
            let row =
                tongxin_server::territory::create_division(&state, &Actor::system(), &req, None)
                    .await
                    .map_err(problem_text)?;
            println!("created {} {} ({})", row.code, row.name, row.level);
            Ok(())
        }
        Command::Import(ImportCommand::Grids { file, dry_run }) => {
            let state = open_state(&settings).await?;
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let report = tongxin_server::territory::grids::import_grids(
                &state,
                &Actor::system(),
                &text,
                dry_run,
                None,
            )
            .await
            .map_err(problem_text)?;
            for w in &report.warnings {
                eprintln!("warning: {} {}", w.community_code, w.reason);
            }
            println!(
                "{}{} features: {} new, {} updated",
                if dry_run { "dry run: " } else { "" },
                report.features,
                report.created,
                report.updated
            );
            Ok(())
        }
        Command::Import(ImportCommand::Residents(args)) => {
            import_ledger(&settings, "residents", args).await
        }
        Command::Import(ImportCommand::Buildings(args)) => {
            import_ledger(&settings, "buildings", args).await
        }
        Command::Import(ImportCommand::Organisations(args)) => {
            import_ledger(&settings, "organisations", args).await
        }
        Command::Export(ExportCommand::Residents {
            within,
            output,
            unmasked,
        }) => {
            let state = open_state(&settings).await?;
            let system = Actor::system();
            let prefixes = tongxin_server::util::reach_within(
                &system,
                tongxin_core::access::Action::ViewPeople,
                within.as_deref(),
            )
            .map_err(problem_text)?;
            let format = match output.extension().and_then(|e| e.to_str()) {
                Some("csv") => tongxin_sheets_format::Csv,
                _ => tongxin_sheets_format::Xlsx,
            };
            let file = tongxin_server::people::spreadsheets::export_residents(
                &state, prefixes, unmasked, format,
            )
            .await
            .map_err(problem_text)?;
            std::fs::write(&output, file.bytes)
                .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
            eprintln!(
                "wrote {}{}",
                output.display(),
                if unmasked {
                    " (UNMASKED: handle as personal data)"
                } else {
                    ""
                }
            );
            Ok(())
        }
        Command::Export(ExportCommand::Grids { within, output }) => {
            let state = open_state(&settings).await?;
            let prefixes = tongxin_server::util::reach_within(
                &Actor::system(),
                tongxin_core::access::Action::ViewTerritory,
                within.as_deref(),
            )
            .map_err(problem_text)?;
            let text = tongxin_server::territory::grids::export_grids(&state, &prefixes)
                .await
                .map_err(problem_text)?;
            match output {
                Some(path) => std::fs::write(&path, text)
                    .map_err(|e| format!("cannot write {}: {e}", path.display())),
                None => std::io::stdout()
                    .write_all(text.as_bytes())
                    .map_err(|e| e.to_string()),
            }
        }
    }
}

async fn import_ledger(settings: &Settings, kind: &str, args: LedgerArgs) -> Result<(), String> {
    let state = open_state(settings).await?;
    let bytes = std::fs::read(&args.file)
        .map_err(|e| format!("cannot read {}: {e}", args.file.display()))?;
    let opts = tongxin_server::people::spreadsheets::ImportOptions {
        filename: args
            .file
            .file_name()
            .map(|n| n.to_string_lossy().to_string()),
        partial: args.partial,
        dry_run: args.dry_run,
    };
    let system = Actor::system();
    let started = std::time::Instant::now();
    let report = match kind {
        "residents" => {
            tongxin_server::people::spreadsheets::import_residents(
                &state, &system, &bytes, &opts, None,
            )
            .await
        }
        "buildings" => {
            tongxin_server::people::spreadsheets::import_buildings(
                &state, &system, &bytes, &opts, None,
            )
            .await
        }
        _ => {
            tongxin_server::people::spreadsheets::import_organisations(
                &state, &system, &bytes, &opts, None,
            )
            .await
        }
    }
    .map_err(problem_text)?;
    for e in &report.rejected {
        eprintln!(
            "  row {}: {}: {}",
            e.index.unwrap_or(0),
            e.field.clone().unwrap_or_default(),
            e.reason
        );
    }
    println!(
        "{}{} rows ({}{}): {} imported, {} rejected in {:.2} s",
        if args.dry_run { "dry run: " } else { "" },
        report.rows,
        report.format,
        report
            .encoding
            .map(|e| format!(", {e}"))
            .unwrap_or_default(),
        report.imported,
        report.rejected.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

async fn serve(state: AppState, listen: &str) -> Result<(), String> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let grids = state.locator().grid_count();
    eprintln!(
        "同心 Tongxin serving http://{addr}/  ({grids} grids indexed; API docs at http://{addr}/api/v1/docs/)"
    );
    tongxin_server::spawn_housekeeping(state.clone());
    let app = tongxin_server::app(state);
    axum_serve(listener, app).await
}

async fn axum_serve(
    listener: tokio::net::TcpListener,
    app: tongxin_server::Router,
) -> Result<(), String> {
    tongxin_server::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            eprintln!("shutting down");
        })
        .await
        .map_err(|e| e.to_string())
}

async fn build_demo(
    state: &AppState,
    size: DemoSize,
    seed: u64,
    residents: usize,
    cases: usize,
) -> Result<(), String> {
    let store = &state.store;
    if tongxin_demo::load::city::has_territory(store)
        .await
        .map_err(|e| e.to_string())?
    {
        eprintln!(
            "the database already holds a city; serving it as it is (use a fresh --data directory for a new demo)"
        );
        return Ok(());
    }
    let started = std::time::Instant::now();
    let city = tongxin_demo::generate(&DemoOptions { size, seed });
    let hash = tongxin_server::access::password::hash_password(DEMO_PASSWORD)?;
    tongxin_demo::load::city::load(store, &city, &hash)
        .await
        .map_err(|e| format!("loading the demo city: {e}"))?;
    let people =
        tongxin_demo::generate_people(&city, &tongxin_demo::PeopleOptions { residents, seed });
    tongxin_demo::load::people::load_people(store, &state.config.protector, &city, &people)
        .await
        .map_err(|e| format!("loading the demo people: {e}"))?;
    tongxin_server::territory::grids::rebuild_locator(state)
        .await
        .map_err(problem_text)?;
    let people_done = started.elapsed();
    let catalogue = state.catalogue.read().expect("catalogue lock").clone();
    let figures = match size {
        DemoSize::Small => EnterpriseFigures::SMALL,
        DemoSize::Default => EnterpriseFigures::SEED,
    };
    let written = tongxin_demo::load::cases::load_history(
        store,
        &HistoryRequest {
            city: &city,
            catalogue: &catalogue,
            calendar: &state.working_calendar(),
            cases,
            seed,
            figures,
            password_hash: &hash,
        },
    )
    .await
    .map_err(|e| format!("loading the demo case history: {e}"))?;
    let enterprise = tongxin_store::cases::enterprise::summary(store, &[String::new()])
        .await
        .map_err(|e| e.to_string())?;
    let c = city.counts();
    let p = people.counts();
    eprintln!(
        "demo city built in {:.1} s: {} districts, {} streets, {} communities, {} grids ({} dedicated), {} compounds, {} buildings, {} accounts ({} grid workers)",
        started.elapsed().as_secs_f64(),
        c.districts,
        c.streets,
        c.communities,
        c.grids,
        c.dedicated_grids,
        c.compounds,
        c.buildings,
        c.accounts,
        c.grid_workers
    );
    eprintln!(
        "  people: {} residents in {} households, {} organisations ({} registered), {} party organisations, {} party members",
        p.residents,
        p.households,
        p.organisations,
        p.registered_organisations,
        p.party_orgs,
        p.party_members
    );
    eprintln!(
        "  cases: {written} over the past year ({} enterprise problems, {} resolved; {} commissioners for {} enterprises), in {:.1} s",
        enterprise.problems,
        enterprise.resolved,
        enterprise.commissioners,
        enterprise.enterprises,
        (started.elapsed() - people_done).as_secs_f64()
    );
    let disclosure_started = std::time::Instant::now();
    let disclosure = tongxin_demo::load::disclosure::load(store, &city, seed, &hash)
        .await
        .map_err(|e| format!("loading the demo disclosure: {e}"))?;
    let disclosure_secs = disclosure_started.elapsed().as_secs_f64();
    let deliberation_started = std::time::Instant::now();
    let councils = tongxin_demo::load::councils::load_councils(store, seed)
        .await
        .map_err(|e| format!("loading the demo councils: {e}"))?;
    let d = tongxin_demo::load::sessions::load_sessions(
        store,
        &state.working_calendar(),
        seed,
        tongxin_store::now_millis(),
    )
    .await
    .map_err(|e| format!("loading the demo deliberation: {e}"))?;
    eprintln!(
        "  deliberation: {} councils ({} members, {} party members), {} elections ({} secret papers), {} motions ({} passed, {} votes); {} sessions, {} items, {} major matters (四议两公开), {} decisions, in {:.1} s",
        councils.councils,
        councils.members,
        councils.party_members,
        councils.elections,
        councils.election_papers,
        councils.motions,
        councils.motions_passed,
        councils.votes,
        d.sessions,
        d.items,
        d.matters,
        d.decisions,
        deliberation_started.elapsed().as_secs_f64()
    );
    eprintln!(
        "  disclosure: {} communities, {} catalogue items, {} committee members, {} published postings ({} corrections), {} drafts, in {disclosure_secs:.1} s",
        disclosure.communities,
        disclosure.items,
        disclosure.members,
        disclosure.published,
        disclosure.corrections,
        disclosure.drafts
    );
    print_demo_accounts(&city);
    Ok(())
}

/// Walks every disclosure chain; prints the heads for anchoring outside the database.
async fn verify_chains(store: &Store, within: &str) -> Result<(), String> {
    if !within.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("--within must be a territory code, not {within:?}"));
    }
    match tongxin_store::disclosure::verify(store, within)
        .await
        .map_err(|e| e.to_string())?
    {
        Ok(heads) => {
            let links: i64 = heads.iter().map(|h| h.length).sum();
            println!(
                "# disclosure chain heads (community, length, last hash) — keep a copy outside the database"
            );
            for h in &heads {
                println!("{} {} {}", h.community_code, h.length, h.last_hash);
            }
            println!("intact: {} chains, {links} links", heads.len());
            Ok(())
        }
        Err(broken) => Err(format!(
            "disclosure chain broken / 公开链条被破坏: {broken}"
        )),
    }
}

fn print_demo_accounts(city: &tongxin_demo::DemoCity) {
    eprintln!("\ndemo accounts (password for all: {DEMO_PASSWORD}):");
    let mut shown = std::collections::HashSet::new();
    for a in &city.accounts {
        if shown.insert(a.role) {
            eprintln!("  {:<22} {:<18} {}", a.username, a.role, a.node_code);
        }
    }
    eprintln!();
}

fn prompt(label: &str) -> Result<String, String> {
    eprint!("{label}: ");
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| e.to_string())?;
    Ok(line.trim().to_string())
}

fn prompt_password() -> Result<String, String> {
    let first = rpassword::prompt_password("password: ").map_err(|e| e.to_string())?;
    let again = rpassword::prompt_password("password again: ").map_err(|e| e.to_string())?;
    if first != again {
        return Err("the two passwords differ".into());
    }
    Ok(first)
}

/// `serve` on an empty database has no default password: the first admin is given or asked for.
async fn ensure_first_admin(state: &AppState, opts: &ServeOpts) -> Result<(), String> {
    if access::count_users(&state.store)
        .await
        .map_err(|e| e.to_string())?
        > 0
    {
        return Ok(());
    }
    let city = first_city(state).await?;
    let interactive = std::io::stdin().is_terminal();
    let username = match &opts.admin_user {
        Some(u) => u.clone(),
        None if interactive => {
            eprintln!("no accounts yet: create the first administrator (city_admin on {city})");
            prompt("username")?
        }
        None => return Err(
            "the database has no users: give the first administrator with --admin-user NAME and TONGXIN_ADMIN_PASSWORD (or run in a terminal to be asked)".into(),
        ),
    };
    let password = match &opts.admin_password {
        Some(p) => p.clone(),
        None if interactive => prompt_password()?,
        None => return Err(
            "TONGXIN_ADMIN_PASSWORD (or --admin-password) is required for the first administrator"
                .into(),
        ),
    };
    let req = NewUserRequest {
        username: username.clone(),
        display_name: username.clone(),
        password,
        roles: vec![RoleRequest {
            role: "city_admin".into(),
            node: city.clone(),
        }],
    };
    tongxin_server::access::create_user(state, &Actor::system(), &req, None)
        .await
        .map_err(problem_text)?;
    eprintln!("created the first administrator {username} (city_admin on {city})");
    Ok(())
}

/// The city the first admin governs: the root of the division tree, created if absent.
async fn first_city(state: &AppState) -> Result<String, String> {
    let roots = tongxin_store::territory::list_divisions(&state.store, None, None, 1)
        .await
        .map_err(|e| e.to_string())?;
    if let Some(root) = roots.items.first() {
        return Ok(root.code.clone());
    }
    Err("the database has no city yet: create it first, e.g. `tongxin division add --code 450100 --name 南宁市 --kind city`".into())
}

async fn user_id(state: &AppState, username: &str) -> Result<i64, String> {
    access::find_user_by_name(&state.store, username)
        .await
        .map_err(|e| e.to_string())?
        .map(|u| u.id)
        .ok_or_else(|| format!("no user named {username}"))
}

async fn user_command(state: &AppState, cmd: UserCommand) -> Result<(), String> {
    let system = Actor::system();
    match cmd {
        UserCommand::Add {
            username,
            display_name,
            roles,
            password,
        } => {
            let roles = roles
                .iter()
                .map(|r| {
                    r.split_once('@')
                        .map(|(role, node)| RoleRequest {
                            role: role.into(),
                            node: node.into(),
                        })
                        .ok_or_else(|| format!("--role must be ROLE@NODE, got {r:?}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let password = match password {
                Some(p) => p,
                None => prompt_password()?,
            };
            let req = NewUserRequest {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                password,
                roles,
            };
            let id = tongxin_server::access::create_user(state, &system, &req, None)
                .await
                .map_err(problem_text)?;
            println!("created user #{id} {}", req.username);
            Ok(())
        }
        UserCommand::List { within } => {
            let prefixes = tongxin_server::util::reach_within(
                &system,
                tongxin_core::access::Action::ManageUsers,
                within.as_deref(),
            )
            .map_err(problem_text)?;
            let mut after = None;
            loop {
                let page = access::list_users(&state.store, &prefixes, after, 1000)
                    .await
                    .map_err(|e| e.to_string())?;
                for (u, bindings) in &page.items {
                    let roles: Vec<String> = bindings
                        .iter()
                        .map(|b| format!("{}@{}", b.role, b.node_code))
                        .collect();
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        u.id,
                        u.username,
                        u.display_name,
                        if u.is_disabled() {
                            "disabled"
                        } else {
                            "active"
                        },
                        roles.join(",")
                    );
                }
                match page.next {
                    Some(n) => after = n.parse().ok(),
                    None => break,
                }
            }
            Ok(())
        }
        UserCommand::Disable { username } => {
            let id = user_id(state, &username).await?;
            tongxin_server::access::set_user_disabled(state, &system, id, true, None)
                .await
                .map_err(problem_text)?;
            println!("disabled {username}");
            Ok(())
        }
        UserCommand::Enable { username } => {
            let id = user_id(state, &username).await?;
            tongxin_server::access::set_user_disabled(state, &system, id, false, None)
                .await
                .map_err(problem_text)?;
            println!("enabled {username}");
            Ok(())
        }
    }
}
