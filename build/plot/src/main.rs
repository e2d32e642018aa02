// SPDX-License-Identifier: MIT
//! `bench-plot <samples.json> <out.png>`: draws the guest interrupt
//! latency distributions that `cargo xtask bench` recorded, one panel per
//! interrupt source (virtual timer, device SPI), one cumulative
//! distribution per configuration (native, Bulkhead direct, Bulkhead
//! inject, Xen), latency in instructions on a logarithmic axis. A curve
//! further left is faster; its top end is the maximum.
//!
//! The input is what the build tool writes (`target/bench/irq_samples.json`):
//! every member `"<source>_busy": { "<configuration>": [latency, ...], ... }`
//! is one panel (`timer_busy`, `spi_busy`); other members (unit, method,
//! the Xen scheduler note) are text and are not drawn.
//! Owns nothing but the drawing; it measures nothing.
#![forbid(unsafe_code)]

mod cdf;

use anyhow::{Context, Result, bail, ensure};
use plotters::prelude::*;
use std::collections::BTreeMap;

/// Samples per configuration, per source.
type Samples = BTreeMap<String, BTreeMap<String, Vec<u64>>>;

/// Curves in a fixed order, colour and width, so that charts compare
/// across runs. Native is drawn widest and first, so that a curve on top
/// of it (direct delivery, when it matches native) leaves it visible.
const CONFIGURATIONS: [(&str, &str, RGBColor, u32); 4] = [
    ("native", "native (no hypervisor)", RGBColor(150, 150, 150), 9),
    ("direct", "Bulkhead, direct delivery", RGBColor(0, 114, 178), 3),
    ("inject", "Bulkhead, trap and inject", RGBColor(0, 158, 115), 3),
    ("xen", "Xen 4.17, vwfi=native", RGBColor(213, 94, 0), 3),
];

/// Panel titles by source.
fn title(source: &str) -> String {
    match source {
        "timer_busy" => "virtual timer, busy guest".to_string(),
        "spi_busy" => "device SPI, busy guest".to_string(),
        other => other.to_string(),
    }
}

/// What a panel's latency runs from, by source.
fn x_axis(source: &str) -> &'static str {
    match source {
        "spi_busy" => "latency: the device's line raised to the guest's IRQ vector, instructions (log)",
        _ => "latency: deadline to the guest's IRQ vector, instructions (log)",
    }
}

/// The panels of a samples file: its `*_busy` members.
fn panels(file: &serde_json::Value) -> Result<Samples> {
    let object = file.as_object().context("the samples file is not a JSON object")?;
    let mut samples = Samples::new();
    for (source, value) in object.iter().filter(|(k, _)| k.ends_with("_busy")) {
        let configurations: BTreeMap<String, Vec<u64>> = serde_json::from_value(value.clone())
            .with_context(|| format!("{source} is not an object of sample lists"))?;
        samples.insert(source.clone(), configurations);
    }
    Ok(samples)
}

fn draw(samples: &Samples, out: &str) -> Result<()> {
    ensure!(!samples.is_empty(), "no interrupt source (`*_busy` member) in the samples");
    let max = samples.values().flat_map(|c| c.values()).flatten().copied().max().unwrap_or(1).max(10);
    let top = 10u64.pow(max.ilog10() + 1);
    let width = 900 * samples.len() as u32;
    let root = BitMapBackend::new(out, (width, 560)).into_drawing_area();
    root.fill(&WHITE)?;
    let panels = root.split_evenly((1, samples.len()));
    // The timer first, then the SPI, then anything else by name.
    let mut sources: Vec<(&String, &BTreeMap<String, Vec<u64>>)> = samples.iter().collect();
    sources.sort_by_key(|(name, _)| {
        (["timer_busy", "spi_busy"].iter().position(|s| s == name).unwrap_or(2), name.as_str())
    });
    for (panel, (source, configurations)) in panels.iter().zip(sources) {
        let mut chart = ChartBuilder::on(panel)
            .caption(format!("Guest interrupt latency: {}", title(source)), ("sans-serif", 24))
            .margin(16)
            .x_label_area_size(48)
            .y_label_area_size(64)
            .build_cartesian_2d((1u64..top).log_scale(), 0f64..1.0)?;
        chart.configure_mesh().x_desc(x_axis(source)).y_desc("fraction of samples at or below").draw()?;
        for (key, label, colour, width) in CONFIGURATIONS {
            let Some(values) = configurations.get(key) else { continue };
            let points = cdf::steps(values)?;
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(width)))?
                .label(format!("{label}: p99 {}", cdf::percentile(values, 99)?))
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 24, y)], colour.stroke_width(width)));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(BLACK)
            .draw()?;
    }
    root.present().with_context(|| format!("writing {out}"))?;
    Ok(())
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, out] = args.as_slice() else {
        bail!("usage: bench-plot <samples.json> <out.png>");
    };
    let text = std::fs::read_to_string(input).with_context(|| format!("reading {input} (run cargo xtask bench)"))?;
    let file: serde_json::Value = serde_json::from_str(&text).with_context(|| format!("{input} is not JSON"))?;
    let samples = panels(&file).with_context(|| format!("{input} is not a samples file"))?;
    for (source, configurations) in &samples {
        for (key, values) in configurations {
            ensure!(!values.is_empty(), "{input}: {source}/{key} has no samples");
            ensure!(
                CONFIGURATIONS.iter().any(|(k, _, _, _)| k == key),
                "{input}: unknown configuration {source}/{key}"
            );
        }
    }
    draw(&samples, out)?;
    println!("wrote {out}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_members_are_panels_and_text_members_are_not() {
        let file = serde_json::json!({
            "unit": "instructions",
            "timer_busy": { "native": [3, 3], "xen": [1086] },
            "spi_busy": { "inject": [200] },
        });
        let samples = panels(&file).unwrap();
        assert_eq!(samples.keys().collect::<Vec<_>>(), ["spi_busy", "timer_busy"]);
        assert_eq!(samples["timer_busy"]["xen"], vec![1086]);
        assert!(panels(&serde_json::json!({ "timer_busy": { "native": ["x"] } })).is_err());
    }
}
