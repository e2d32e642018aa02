// SPDX-License-Identifier: MIT
//! Checks of `[[channel]]`: a page-multiple window, exactly two ends at
//! page-aligned guest addresses of existing domains, a notify budget in
//! range, and a pinned `phys` recorded as a physical claim. Must not check
//! a domain's address space (that is `domains`).

use super::checker::{Checker, span};
use super::memory::Claim;
use crate::diag::Diagnostic;
use crate::schema::BoardFile;
use bulkhead_bootcfg::NotifyBudget;

/// Checks every channel; adds pinned windows to `claims`.
pub fn check(c: &mut Checker, file: &BoardFile, claims: &mut Vec<Claim>) {
    let domain_names: Vec<&str> = file.domains.iter().map(|d| d.get_ref().name.get_ref().as_str()).collect();
    for entry in &file.channels {
        let ch = entry.get_ref();
        c.page_multiple("channel", &ch.size);
        if ch.ends.get_ref().len() != 2 {
            c.push(
                Diagnostic::new(span(&ch.ends), format!("channel `{}` has {} ends", ch.name.get_ref(), ch.ends.get_ref().len()))
                    .help("a channel joins exactly two domains: `ends = [{ domain = \"a\", ipa = ... }, { domain = \"b\", ipa = ... }]`"),
            );
        }
        for end in ch.ends.get_ref() {
            let end = end.get_ref();
            c.page_aligned("IPA", &end.ipa);
            c.ipa_in_range(&end.ipa, ch.size.get_ref().0);
            if !domain_names.contains(&end.domain.get_ref().as_str()) {
                c.push(
                    Diagnostic::new(
                        span(&end.domain),
                        format!(
                            "channel `{}` names domain `{}`, which does not exist",
                            ch.name.get_ref(),
                            end.domain.get_ref()
                        ),
                    )
                    .help(format!("domains on this board: {}", domain_names.join(", "))),
                );
            }
        }
        if let Some(budget) = &ch.notify_budget {
            let budget = budget.get_ref();
            for (key, value, max) in [
                ("per_ms", &budget.per_ms, NotifyBudget::MAX_PER_MS),
                ("burst", &budget.burst, NotifyBudget::MAX_BURST),
            ] {
                if !(1..=max).contains(value.get_ref()) {
                    c.push(
                        Diagnostic::new(
                            span(value),
                            format!(
                                "channel `{}` has a notify budget `{key} = {}`",
                                ch.name.get_ref(),
                                value.get_ref()
                            ),
                        )
                        .help(format!(
                            "`{key}` is 1 to {max} (default: `notify_budget = {{ per_ms = {}, burst = {} }}`); \
                             a notification over the budget is refused and counted",
                            NotifyBudget::DEFAULT.per_ms,
                            NotifyBudget::DEFAULT.burst
                        )),
                    );
                }
            }
        }
        if let Some(p) = &ch.phys {
            c.page_aligned("physical address", p);
            claims.push(Claim {
                what: format!("channel `{}`", ch.name.get_ref()),
                start: *p.get_ref(),
                end: p.get_ref().saturating_add(ch.size.get_ref().0),
                span: span(p),
            });
        }
    }
}
