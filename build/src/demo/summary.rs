// SPDX-License-Identifier: MIT
//! The summary a run ends with: for each domain of the board, its state,
//! faults, restarts, console lines and console bytes dropped, all read from
//! the kernel's own lines (and the count of the domain's prefixed lines).

use super::{kernel_lines, line_offsets};
use std::fmt;

/// A domain's state at the end of the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Never stopped, or restarted after its last stop.
    Running,
    /// Halted by the kernel (power-off, or a fault with `on_fault = "halt"`).
    Halted,
}

/// One domain's line of the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainSummary {
    /// Its board-file name.
    pub name: String,
    /// Where it ended.
    pub state: State,
    /// Kernel `fault:` lines about it.
    pub faults: u32,
    /// Restarts the kernel reported.
    pub restarts: u32,
    /// Lines it printed (`[name] ` lines).
    pub console_lines: u64,
    /// Bytes of its console output the kernel dropped (rate limit).
    pub console_bytes_dropped: u64,
}

/// The summary of `log` for the domains `names`, in board order.
pub fn summarise(names: &[&str], log: &str) -> Vec<DomainSummary> {
    names.iter().map(|name| one(name, log)).collect()
}

fn one(name: &str, log: &str) -> DomainSummary {
    let mut s = DomainSummary {
        name: name.to_string(),
        state: State::Running,
        faults: 0,
        restarts: 0,
        console_lines: 0,
        console_bytes_dropped: 0,
    };
    let halted = format!("domain {name} halted");
    let restarted = format!("domain {name} restarted (");
    let fault = format!("fault: domain {name} vCPU ");
    let dropped = format!("console: domain {name}: ");
    for (_, line) in kernel_lines(log) {
        if line == halted {
            s.state = State::Halted;
        } else if let Some(rest) = line.strip_prefix(&restarted) {
            s.state = State::Running;
            s.restarts = rest.split(' ').next().and_then(|n| n.parse().ok()).unwrap_or(s.restarts + 1);
        } else if line.starts_with(&fault) {
            s.faults += 1;
        } else if let Some(n) = line.strip_prefix(&dropped).and_then(|r| r.strip_suffix(" bytes dropped (rate limit)"))
        {
            s.console_bytes_dropped += n.parse::<u64>().unwrap_or(0);
        }
    }
    let prefix = format!("[{name}] ");
    s.console_lines = line_offsets(log).filter(|(_, l)| l.starts_with(&prefix)).count() as u64;
    s
}

/// The summary as a table.
pub struct Table<'a>(pub &'a [DomainSummary]);

impl fmt::Display for Table<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self.0.iter().map(|d| d.name.len()).max().unwrap_or(0).max("domain".len());
        writeln!(
            f,
            "{:<width$}  {:<8}  {:>6}  {:>8}  {:>13}  {:>21}",
            "domain", "state", "faults", "restarts", "console lines", "console bytes dropped"
        )?;
        for d in self.0 {
            let state = match d.state {
                State::Running => "running",
                State::Halted => "halted",
            };
            writeln!(
                f,
                "{:<width$}  {:<8}  {:>6}  {:>8}  {:>13}  {:>21}",
                d.name, state, d.faults, d.restarts, d.console_lines, d.console_bytes_dropped
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOG: &str = "\
[counter] count 1 (x)
[linux] hello
fault: domain counter vCPU 0 (pCPU 3): missed watchdog heartbeat: ESR n/a -> restart
domain counter restarted (1 restarts)
[counter] count 1 (x)
[linux] domain counter halted
console: domain linux: 160 bytes dropped (rate limit)
console: domain linux: 40 bytes dropped (rate limit)
domain linux: PSCI SYSTEM_OFF from vCPU 0
domain linux halted
";

    #[test]
    fn the_summary_counts_each_domain_from_kernel_lines() {
        let got = summarise(&["linux", "counter"], LOG);
        assert_eq!(
            got,
            vec![
                DomainSummary {
                    name: "linux".into(),
                    state: State::Halted,
                    faults: 0,
                    restarts: 0,
                    console_lines: 2,
                    console_bytes_dropped: 200
                },
                DomainSummary {
                    name: "counter".into(),
                    state: State::Running,
                    faults: 1,
                    restarts: 1,
                    console_lines: 2,
                    console_bytes_dropped: 0
                },
            ]
        );
    }

    #[test]
    fn the_table_has_a_header_and_a_row_per_domain() {
        let table = Table(&summarise(&["linux", "counter"], LOG)).to_string();
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0], "domain   state     faults  restarts  console lines  console bytes dropped");
        assert_eq!(lines[1], "linux    halted         0         0              2                    200");
        assert_eq!(lines[2], "counter  running        1         1              2                      0");
    }
}
