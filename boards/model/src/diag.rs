// SPDX-License-Identifier: MIT
//! Diagnostics that point into a board file: what is wrong, where (file,
//! line, column), and what to change.

use std::fmt::Write as _;
use std::ops::Range;

/// One problem in a board file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// Byte range in the file that the problem is about.
    pub span: Range<usize>,
    /// What is wrong.
    pub message: String,
    /// Related context ("first pinned at line 12").
    pub note: Option<String>,
    /// What to change.
    pub help: Option<String>,
}

impl Diagnostic {
    /// A diagnostic at `span`.
    pub fn new(span: Range<usize>, message: impl Into<String>) -> Self {
        Self { span, message: message.into(), note: None, help: None }
    }

    /// Adds what to change.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds context.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
}

/// 1-based line and column of byte `offset` in `source`.
pub fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = source.get(..offset).unwrap_or(source);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = source.get(line_start..offset).map_or(1, |s| s.chars().count() + 1);
    (line, column)
}

/// The diagnostics found in one file.
#[derive(Debug, Clone)]
pub struct Report {
    /// The file's path, as the user named it.
    pub file: String,
    /// Its text.
    pub source: String,
    /// What is wrong with it, in file order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Report {
    /// Line and column of a diagnostic.
    pub fn position(&self, d: &Diagnostic) -> (usize, usize) {
        line_col(&self.source, d.span.start)
    }

    /// Renders every diagnostic the way rustc does: message, location,
    /// the source line with a marker, then note and help.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for d in &self.diagnostics {
            let (line, column) = self.position(d);
            let text = self.source.lines().nth(line - 1).unwrap_or("");
            let width =
                self.source.get(d.span.clone()).map_or(1, |s| s.lines().next().map_or(1, |l| l.chars().count().max(1)));
            let gutter = " ".repeat(line.to_string().len());
            let _ = writeln!(out, "error: {}", d.message);
            let _ = writeln!(out, "{gutter}--> {}:{line}:{column}", self.file);
            let _ = writeln!(out, "{gutter} |");
            let _ = writeln!(out, "{line} | {text}");
            let _ = writeln!(out, "{gutter} | {}{}", " ".repeat(column - 1), "^".repeat(width));
            if let Some(note) = &d.note {
                let _ = writeln!(out, "{gutter} = note: {note}");
            }
            if let Some(help) = &d.help {
                let _ = writeln!(out, "{gutter} = help: {help}");
            }
            out.push('\n');
        }
        let n = self.diagnostics.len();
        let _ = writeln!(out, "{}: {n} error{} in the board file", self.file, if n == 1 { "" } else { "s" });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let src = "a = 1\nbb = 2\n";
        assert_eq!(line_col(src, 0), (1, 1));
        assert_eq!(line_col(src, 6), (2, 1));
        assert_eq!(line_col(src, 11), (2, 6));
        assert_eq!(line_col(src, 999), (3, 1));
    }

    #[test]
    fn render_points_at_the_span() {
        let report = Report {
            file: "b.toml".into(),
            source: "x = 1\ncpus = [9]\n".into(),
            diagnostics: vec![Diagnostic::new(14..15, "pCPU 9 does not exist").help("use 0..7")],
        };
        let text = report.render();
        assert!(text.contains("error: pCPU 9 does not exist\n --> b.toml:2:9\n"), "{text}");
        assert!(text.contains("2 | cpus = [9]\n  |         ^\n"), "{text}");
        assert!(text.contains("= help: use 0..7"), "{text}");
    }
}
