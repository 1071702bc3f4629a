//! [`FileCursor`]: the position a follower has handled up to, kept in a file and written
//! atomically (a new file synced to disk, then renamed over the old one), so that a process
//! stopped at any moment leaves the old position or the new one, never a torn file.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::ClientError;

/// A cursor kept in one file, holding a position as decimal text.
#[derive(Clone, Debug)]
pub struct FileCursor {
    path: PathBuf,
}

impl FileCursor {
    pub fn new(path: impl Into<PathBuf>) -> FileCursor {
        FileCursor { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn failed(&self, detail: impl std::fmt::Display) -> ClientError {
        ClientError::Cursor { path: self.path.display().to_string(), detail: detail.to_string() }
    }

    /// The position saved; 0 (the start of the log) when there is no file yet.
    pub fn load(&self) -> Result<u64, ClientError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => text.trim().parse().map_err(|_| {
                self.failed(format!(
                    "it holds '{}', not a position: remove it to start from the beginning",
                    text.trim()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(self.failed(e)),
        }
    }

    /// Saves `position`: written to a new file beside it, synced, and renamed over it.
    pub fn save(&self, position: u64) -> Result<(), ClientError> {
        let mut temporary = self.path.as_os_str().to_owned();
        temporary.push(".new");
        let temporary = PathBuf::from(temporary);
        let mut file = std::fs::File::create(&temporary).map_err(|e| self.failed(e))?;
        file.write_all(format!("{position}\n").as_bytes()).map_err(|e| self.failed(e))?;
        file.sync_all().map_err(|e| self.failed(e))?;
        std::fs::rename(&temporary, &self.path).map_err(|e| self.failed(e))?;
        // The rename is durable once the directory is synced (where the system allows it).
        if let Some(directory) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            if let Ok(directory) = std::fs::File::open(directory) {
                let _ = directory.sync_all();
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_starts_at_zero_and_keeps_what_was_saved() {
        let dir = tempfile::tempdir().expect("a directory");
        let cursor = FileCursor::new(dir.path().join("rag-summary.cursor"));
        assert_eq!(cursor.load().expect("loads"), 0);
        cursor.save(226).expect("saved");
        assert_eq!(cursor.load().expect("loads"), 226);
        cursor.save(227).expect("saved");
        assert_eq!(FileCursor::new(cursor.path()).load().expect("loads"), 227);
        std::fs::write(cursor.path(), "twelve").expect("written");
        assert!(cursor.load().expect_err("refused").to_string().contains("not a position"));
    }
}
