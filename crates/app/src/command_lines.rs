//! Commands as JSON: one command as a JSON object, or a file of JSON Lines with one command per
//! line, where blank lines and lines starting with `#` are skipped. `docs/commands.md` describes
//! the shape of each command. A file is read whole before anything is recorded, and every bad
//! line is reported with its number.

use std::fmt;

use domain::Command;

/// A command and the line of the file it was read from (1-based).
#[derive(Clone, Debug, PartialEq)]
pub struct CommandLine {
    pub line: usize,
    pub command: Command,
}

/// A line that is not a command, and what to fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Reads one command from a JSON object, or says what is wrong with it and where.
pub fn parse_command(json: &str) -> Result<Command, String> {
    serde_json::from_str(json).map_err(|error| {
        let text = error.to_string();
        // Errors found after the JSON was read (a missing field, an unknown command) have no position.
        let reason = match error.line() {
            0 => text,
            line => {
                let suffix = format!(" at line {line} column {}", error.column());
                format!("{} (column {})", text.strip_suffix(&suffix).unwrap_or(&text), error.column())
            }
        };
        format!(
            "{reason}: write the command as one JSON object with its aggregate, command and fields, as docs/commands.md shows"
        )
    })
}

/// Reads every command of a JSON Lines text, or every line that is not one.
pub fn parse_command_lines(text: &str) -> Result<Vec<CommandLine>, Vec<LineError>> {
    let mut commands = Vec::new();
    let mut errors = Vec::new();
    for (line, content) in (1..).zip(text.lines()) {
        let content = content.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        match parse_command(content) {
            Ok(command) => commands.push(CommandLine { line, command }),
            Err(message) => errors.push(LineError { line, message }),
        }
    }
    if errors.is_empty() { Ok(commands) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_and_comment_lines_are_skipped_and_every_bad_line_is_named() {
        let text = "# Lincolnshire\n\n{\"aggregate\":\"organisation\",\"command\":\"register\",\"id\":\"GB-LAE-WLI\",\"name\":\"West Lindsey District Council\",\"kind\":\"local_authority\"}\nnot json\n{\"aggregate\":\"organisation\",\"command\":\"regster\",\"id\":\"GB-LAE-WLI\"}\n";
        let errors = parse_command_lines(text).expect_err("two bad lines");
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), [4, 5]);
        assert!(errors[1].to_string().contains("unknown variant `regster`"), "{}", errors[1]);
        assert!(errors[1].message.contains("docs/commands.md"), "{}", errors[1]);
        let good = parse_command_lines(&text.lines().take(3).collect::<Vec<_>>().join("\n")).expect("one command");
        assert_eq!(good.len(), 1);
        assert_eq!(good[0].line, 3);
    }
}
