//! Database servers: a ten-field form committed and a cold load of 100
//! modules × 50 options × 1,000 grants on each engine (criterion), and how
//! soon a write through one process's facade is visible to another
//! process's facade on the same server — p50 and p99 over 200 writes, with
//! the store's change feed; on PostgreSQL also with the other process's
//! listener connection killed (`pg_terminate_backend`) just before each
//! write, and after those kills (printed after criterion's report).
//!
//! Needs the servers' URLs in the environment, as `.ci/run` sets them:
//! `. .ci/servers/mysql.env` after `.ci/servers/mysql.sh start`, and the
//! same for `postgres`.
//! Each run makes a database of its own on each server and drops it.

mod common;

use std::hint::black_box;
use std::io::{BufRead, BufReader, Write};
use std::num::NonZeroU16;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{big_database, form, MODULES, VIDEOPORT};
use criterion::Criterion;
use module_settings::modules::VideoPort;
use module_settings::settings::{Actor, Settings};
use module_settings::{GroupId, Scope, Store};

/// Set in the child process: the engine and its database's URL.
const CHILD: &str = "MODULE_SETTINGS_BENCH_CHILD";
/// Writes per visibility measurement.
const WRITES: u16 = 200;
/// The facades' staleness bound: long, so that what is measured is the
/// feed, not polling.
const BOUND: Duration = Duration::from_secs(1);

/// A database of this run's own: its URL, and how to drop it.
type Database = (String, Box<dyn FnOnce()>);

/// One database engine under test.
struct Engine {
    name: &'static str,
    database: fn() -> Database,
    open: fn(&str) -> Box<dyn Store>,
    /// How the change feed reaches the other process, for the report.
    feed: &'static str,
}

fn engines() -> Vec<Engine> {
    vec![
        #[cfg(feature = "mysql")]
        Engine {
            name: "mysql",
            database: mysql::database,
            open: |url| Box::new(module_settings::MysqlStore::connect(url).unwrap()),
            feed: "one query per tick reads every module's revision",
        },
        #[cfg(feature = "postgres")]
        Engine {
            name: "postgres",
            database: postgres::database,
            open: |url| Box::new(module_settings::PostgresStore::connect(url).unwrap()),
            feed: "LISTEN/NOTIFY",
        },
    ]
}

#[cfg(feature = "postgres")]
mod postgres {
    const URL_VAR: &str = "MODULE_SETTINGS_POSTGRES_URL";

    /// The application name of the child's connections: its listener's is
    /// this with " listener" added.
    pub const CHILD_APPLICATION: &str = "bench_child";

    fn admin(server: &str) -> postgres::Client {
        postgres::Client::connect(server, postgres::NoTls).unwrap()
    }

    pub fn database() -> super::Database {
        let server = std::env::var(URL_VAR).unwrap_or_else(|_| {
            panic!("{URL_VAR} is not set: run `.ci/servers/postgres.sh start && . .ci/servers/postgres.env` first")
        });
        let name = format!("ms_bench_{}", std::process::id());
        let mut conn = admin(&server);
        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .unwrap();
        conn.batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap();
        let mut url = url::Url::parse(&server).unwrap();
        url.set_path(&name);
        (
            url.to_string(),
            Box::new(move || {
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }),
        )
    }

    /// Ends the child's listener connection (if it is up: it may still be
    /// connecting again after the last kill); how many sessions it ended.
    pub fn kill_listener(url: &str) -> usize {
        let mut client = admin(url);
        let rows = client
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND application_name = $1",
                &[&format!("{CHILD_APPLICATION} listener")],
            )
            .unwrap();
        rows.len()
    }
}

#[cfg(feature = "mysql")]
mod mysql {
    use mysql::prelude::Queryable;

    const URL_VAR: &str = "MODULE_SETTINGS_MYSQL_URL";

    pub fn database() -> super::Database {
        let server = std::env::var(URL_VAR).unwrap_or_else(|_| {
            panic!("{URL_VAR} is not set: run `.ci/servers/mysql.sh start && . .ci/servers/mysql.env` first")
        });
        let server = server.trim_end_matches('/').to_owned() + "/";
        let name = format!("ms_bench_{}", std::process::id());
        let mut conn = mysql::Conn::new(mysql::Opts::from_url(&server).unwrap()).unwrap();
        conn.query_drop(format!("DROP DATABASE IF EXISTS `{name}`"))
            .unwrap();
        conn.query_drop(format!("CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
            .unwrap();
        let url = format!("{server}{name}");
        (
            url,
            Box::new(move || {
                let _ = conn.query_drop(format!("DROP DATABASE IF EXISTS `{name}`"));
            }),
        )
    }
}

fn commit_form(c: &mut Criterion, engine: &Engine, store: &dyn Store) {
    let mut group = c.benchmark_group(engine.name);
    group.sample_size(30);
    let mut revision = store.revision(&VIDEOPORT).unwrap();
    let mut round = 0;
    group.bench_function("commit_ten_option_form", |b| {
        b.iter(|| {
            round += 1;
            revision = store.commit(&VIDEOPORT, revision, &form(round)).unwrap();
        })
    });
    group.finish();
}

fn cold_load(c: &mut Criterion, engine: &Engine, url: &str) {
    let store = (engine.open)(url);
    big_database(store.as_ref());
    let mut group = c.benchmark_group(engine.name);
    group.sample_size(10);
    group.bench_function("cold_load_100_modules_x_50_options_x_1000_grants", |b| {
        b.iter(|| {
            let store = (engine.open)(url);
            let modules = store.modules().unwrap();
            assert!(modules.len() >= MODULES);
            for module in &modules {
                black_box(store.load(module).unwrap());
            }
        })
    });
    group.finish();
}

/// The other process: a facade on its own store, reading VideoPort's port
/// as fast as a busy page would, printing each new value it sees.
fn child(spec: &str) {
    let (name, url) = spec.split_once('|').expect("engine|url");
    let engine = engines()
        .into_iter()
        .find(|engine| engine.name == name)
        .expect("a known engine");
    let settings = Settings::builder((engine.open)(url))
        .staleness(BOUND)
        .build()
        .unwrap();
    let mut out = std::io::stdout().lock();
    let mut last = None;
    writeln!(out, "ready").unwrap();
    out.flush().unwrap();
    loop {
        let port = settings
            .options::<VideoPort>(Scope::Common)
            .unwrap()
            .server_port;
        if port != last {
            last = port;
            if writeln!(out, "{}", port.map_or(0, NonZeroU16::get)).is_err() {
                return;
            }
            out.flush().unwrap();
        }
        std::thread::sleep(Duration::from_micros(100));
    }
}

/// Milliseconds at quantile `q` of sorted `samples`.
fn quantile(samples: &[Duration], q: f64) -> f64 {
    let index = ((samples.len() as f64 - 1.0) * q).round() as usize;
    samples[index].as_secs_f64() * 1e3
}

/// Writes through this process's facade; the time until the child prints
/// each value, from the moment the write returned.
fn visibility(engine: &Engine, url: &str) {
    let child_url = if engine.name == "postgres" {
        format!("{url}?application_name=bench_child")
    } else {
        url.to_owned()
    };
    let mut child: Child = Command::new(std::env::current_exe().unwrap())
        .env(CHILD, format!("{}|{child_url}", engine.name))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut seen = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(seen.next().unwrap().unwrap(), "ready");
    let settings = Settings::builder((engine.open)(url))
        .staleness(BOUND)
        .build()
        .unwrap();
    let admin = Actor::new([GroupId::ADMINISTRATORS]);
    let mut next_port = 10_000u16;
    let mut measure = |label: &str, writes: u16, before_each: &dyn Fn()| {
        let mut samples = Vec::with_capacity(usize::from(writes));
        // Writes come at random moments, not in step with the other
        // process's feed: a pause of 0–127 ms before each (xorshift).
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..writes {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            std::thread::sleep(Duration::from_millis(state % 128));
            before_each();
            next_port += 1;
            let port = next_port;
            let mut form = settings.edit::<VideoPort>(Scope::Common).unwrap();
            form.value_mut().server_port = NonZeroU16::new(port);
            settings.save(&admin, form).unwrap();
            let written = Instant::now();
            loop {
                let line = seen.next().expect("the child runs").unwrap();
                if line == port.to_string() {
                    break;
                }
            }
            samples.push(written.elapsed());
        }
        samples.sort();
        println!(
            "{}/visible_in_another_process, {label} ({}; bound {} ms): {} writes, p50 {:.2} ms, \
             p99 {:.2} ms, max {:.2} ms",
            engine.name,
            engine.feed,
            BOUND.as_millis(),
            samples.len(),
            quantile(&samples, 0.5),
            quantile(&samples, 0.99),
            quantile(&samples, 1.0),
        );
    };
    measure("feed up", WRITES, &|| {});
    #[cfg(feature = "postgres")]
    if engine.name == "postgres" {
        let kill = || {
            postgres::kill_listener(url);
        };
        measure("listener killed just before each write", 50, &kill);
        measure("after the kills", 50, &|| {});
    }
    let _ = child.kill();
    let _ = child.wait();
}

fn main() {
    if let Ok(spec) = std::env::var(CHILD) {
        child(&spec);
        return;
    }
    // `cargo bench -- FILTER`: the visibility figures run when no filter is
    // given or the filter names them.
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .collect();
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    for engine in engines() {
        let (url, drop_database) = (engine.database)();
        {
            let store = (engine.open)(&url);
            commit_form(&mut c, &engine, store.as_ref());
            cold_load(&mut c, &engine, &url);
            if filter.is_empty()
                || filter.iter().any(|f| {
                    format!("{}/visible_in_another_process", engine.name).contains(f.as_str())
                })
            {
                visibility(&engine, &url);
            }
        }
        drop_database();
    }
    c.final_summary();
}
