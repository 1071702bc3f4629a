//! `covenant init`: make a new, empty database, or bring an existing one's tables up to date.

use std::process::ExitCode;

use app::{Config, OpenMode};

/// Make a new, empty database (or bring an existing one's tables up to date).
///
/// Only `init`, `demo`, `serve --demo`, `record` and `import` make a database; every other
/// command refuses one that does not exist, so that a mistyped --db is an error, not an empty
/// result. A SQLite file is made with its directory's permissions; a PostgreSQL database must
/// already exist (its administrator makes it with `createdb`), and `init` makes Covenant's
/// tables in it.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(config: &Config, _args: Args) -> anyhow::Result<ExitCode> {
    let stores = crate::open(config, OpenMode::Create).await?;
    let head = stores.events.head().await?;
    stores.close().await;
    if head.position.0 == 0 {
        println!("{} is ready and holds no events yet.", config.database);
        println!(
            "Next: `{}` records a command, `{}` imports a file of them.",
            config.command("record --help"),
            config.command("import --help")
        );
    } else {
        println!(
            "{} already holds {} events; its tables are up to date. `{}` checks its hash chain.",
            config.database,
            head.position,
            config.command("verify")
        );
    }
    Ok(ExitCode::SUCCESS)
}
