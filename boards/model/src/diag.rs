// SPDX-License-Identifier: MIT
//! Diagnostics that point into a board file: what is wrong, where (file,
//! line, column), and what to change. Rendered by `annotate-snippets`, the
//! renderer of rustc and cargo, so that board errors read like theirs.
//! Owns no check: the validators produce [`Diagnostic`]s.

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
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

    /// Renders every diagnostic the way rustc and cargo do (with
    /// `annotate-snippets`, their renderer): message, location, the source
    /// line with a marker under the span, then note and help; a count last.
    pub fn render(&self) -> String {
        let renderer = Renderer::plain();
        let mut out = String::new();
        for d in &self.diagnostics {
            let mut start = d.span.start.min(self.source.len());
            while !self.source.is_char_boundary(start) {
                start -= 1;
            }
            // One line is marked: the span up to its first line's end.
            let first_line_end = self.source[start..].find('\n').map_or(self.source.len(), |i| start + i);
            let end = d.span.end.clamp(start, first_line_end);
            let mut group = Level::ERROR.primary_title(d.message.as_str()).element(
                Snippet::source(self.source.as_str())
                    .path(self.file.as_str())
                    .annotation(AnnotationKind::Primary.span(start..end)),
            );
            if let Some(note) = &d.note {
                group = group.element(Level::NOTE.message(note.as_str()));
            }
            if let Some(help) = &d.help {
                group = group.element(Level::HELP.message(help.as_str()));
            }
            out.push_str(&renderer.render(&[group]));
            out.push_str("\n\n");
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
        assert_eq!(
            report.render(),
            "error: pCPU 9 does not exist\n --> b.toml:2:9\n  |\n2 | cpus = [9]\n  |         ^\n  |\n  = help: use 0..7\n\n\
             b.toml: 1 error in the board file\n"
        );
    }

    #[test]
    /// A span over several lines is marked on its first; an empty span at
    /// the end of the file is shown at the end of the last line, as rustc does.
    fn render_marks_the_first_line_of_a_long_span_and_gives_the_note() {
        let source = "[board]\nname = \"x\"\n[kernel]\n";
        let report = Report {
            file: "b.toml".into(),
            source: source.into(),
            diagnostics: vec![
                Diagnostic::new(0..source.len(), "too many domains").note("first at line 1").help("merge them"),
                Diagnostic::new(source.len()..source.len(), "missing field `kernel`"),
            ],
        };
        assert_eq!(
            report.render(),
            "error: too many domains\n --> b.toml:1:1\n  |\n1 | [board]\n  | ^^^^^^^\n  |\n\
             \x20 = note: first at line 1\n  = help: merge them\n\n\
             error: missing field `kernel`\n --> b.toml:3:10\n  |\n3 | [kernel]\n  |         ^\n\n\
             b.toml: 2 errors in the board file\n"
        );
    }
}
