//! `covenant demo`: load the five seed stories into an empty database and show what they hold.

use std::process::ExitCode;

use anyhow::bail;
use app::{Config, DatabaseUrl, OpenMode, Recorder, Stores, StoryLoaded};
use kernel::Timestamp;
use projections::{Filters, Format};

/// Load the five seed stories into an empty database, to see Covenant at work.
///
/// The stories come from real council and partnership papers: Lincolnshire's housing, health and
/// care MOU and Homes for Independence Blueprint, Bexley's Joint Local Health and Wellbeing
/// Strategy, West Northamptonshire's strategy and Local Area Partnerships, Rotherham's ward
/// plans and Walsall's place-based partnership. Each step is recorded as a secretariat would
/// record it, with the date it happened and the paper it comes from.
///
/// The database must hold no events yet. To keep a demo apart from real records, give it a file
/// of its own: `covenant --db demo.db demo`.
#[derive(Debug, clap::Args)]
pub struct Args {}

pub async fn run(config: &Config, _args: Args) -> anyhow::Result<ExitCode> {
    let stores = crate::open(config, OpenMode::Create).await?;
    let loaded = load(&config.database, &stores).await?;
    print_summary(config, &stores, &loaded).await?;
    // The demo database is often copied or handed on: leave it whole in its main file.
    stores.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Loads the five seed stories into `stores`, the database `database` names, which must hold no
/// events yet; prints a line per story.
pub async fn load(database: &DatabaseUrl, stores: &Stores) -> anyhow::Result<Vec<StoryLoaded>> {
    let head = stores.events.head().await?;
    if head.position.0 > 0 {
        let remedy = match database {
            DatabaseUrl::Sqlite(path) => {
                format!("give --db a file that does not exist yet, or delete {}", path.display())
            }
            DatabaseUrl::Postgres(_) => {
                "give --db an empty database, or a SQLite file that does not exist yet".to_owned()
            }
        };
        bail!(
            "{database} already holds {} events: the demo loads only into an empty database, so nothing was recorded; {remedy}",
            head.position
        );
    }
    let recorder = Recorder::new(stores.events.clone());
    let now = Timestamp::now();
    let mut loaded = Vec::new();
    for story in app::seeds::stories() {
        let story_loaded = app::load_story(&recorder, &story, now).await?;
        println!(
            "Loaded {:<22} {} commands, {} events: {}",
            story.key, story_loaded.commands, story_loaded.events, story.title
        );
        loaded.push(story_loaded);
    }
    Ok(loaded)
}

/// What the demo shows once the stories are loaded: the status board, as of today.
async fn print_summary(config: &Config, stores: &Stores, loaded: &[StoryLoaded]) -> anyhow::Result<()> {
    let events: usize = loaded.iter().map(|s| s.events).sum();
    println!("Loaded {} stories: {events} events.\n", loaded.len());
    let (models, _) = app::views::current(stores, |_, _| ()).await?;
    let today = Timestamp::now().as_datetime().date_naive();
    let board = models.status().view(&Filters::default(), &config.rules, today);
    println!("{}", crate::report::fitted(board.report(), crate::report::width(false)).render(Format::Text));
    println!(
        "Next: `{}` shows one instrument in full, `{}` the other reports, `{}` checks the hash chain, and `{}` shows how to add to the record.",
        config.command("report status --instrument KEY"),
        config.command("report --help"),
        config.command("verify"),
        config.command("record --help")
    );
    Ok(())
}
