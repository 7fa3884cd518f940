//! The report's plots, as SVG text drawn with `plotters`' SVG backend (no font files: text is
//! written as `<text>` elements and laid out by plotters' built-in size estimate).
//!
//! Two shapes: a horizontal bar chart with one named bar per row (crash sites, phases,
//! exhaustive-mode states), where bars of zero can be called out in red; and small multiples,
//! one vertical-bar histogram per panel (the durability ledger's distributions per policy).
//! Every count is also written on its bar, so small bars next to large ones stay readable.
//! Output depends only on the data: elements are drawn in the order given.

use plotters::coord::ranged1d::SegmentValue;
use plotters::coord::Shift;
use plotters::prelude::*;

/// A named count.
pub type Bar = (String, u64);

/// One panel of [`histograms`]: a title and its buckets in order.
pub struct Panel {
    pub title: String,
    pub buckets: Vec<Bar>,
}

const WIDTH: u32 = 960;
const FONT: &str = "sans-serif";
const BAR: RGBColor = RGBColor(70, 110, 170);
const ZERO: RGBColor = RGBColor(200, 40, 40);

fn err(e: impl std::fmt::Display) -> String {
    format!("plot: {e}")
}

/// Draw on a fresh white SVG canvas of `size` and return the SVG text.
fn render(size: (u32, u32), draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), String>) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The label of a segment. A segmented range `0..n - 1` has one segment per value, ends
/// included, so `n` bars need `0..n - 1`.
fn label_of(labels: &[String], v: &SegmentValue<usize>) -> String {
    match v {
        SegmentValue::CenterOf(i) | SegmentValue::Exact(i) => labels.get(*i).cloned().unwrap_or_default(),
        SegmentValue::Last => String::new(),
    }
}

/// A horizontal bar chart: one row per bar, top to bottom in the given order. With
/// `call_out_zero`, rows whose count is 0 get a red "never hit" mark.
pub fn bar_chart(title: &str, x_desc: &str, bars: &[Bar], call_out_zero: bool) -> Result<String, String> {
    let n = bars.len().max(1);
    let height = 90 + 24 * n as u32;
    let max = bars.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let label_width = bars.iter().map(|(l, _)| l.chars().count()).max().unwrap_or(10) as u32 * 7 + 20;
    // Rows are drawn top-down: row r sits at segment n - 1 - r.
    let labels: Vec<String> = bars.iter().rev().map(|(l, _)| l.clone()).collect();
    render((WIDTH, height), |root| {
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 20))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(label_width.min(WIDTH / 2))
            .build_cartesian_2d(0f64..max * 1.18, (0..n - 1).into_segmented())
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|v| label_of(&labels, v))
            .x_desc(x_desc)
            .x_label_formatter(&|x| format!("{x:.0}"))
            .draw()
            .map_err(err)?;
        let rows = bars.iter().enumerate().map(|(r, (_, v))| (n - 1 - r, *v));
        chart
            .draw_series(rows.clone().map(|(i, v)| {
                let style = if v == 0 && call_out_zero { ZERO.filled() } else { BAR.filled() };
                Rectangle::new([(0.0, SegmentValue::Exact(i)), (v as f64, SegmentValue::Exact(i + 1))], style)
            }))
            .map_err(err)?;
        chart
            .draw_series(rows.map(|(i, v)| {
                let (text, color) = if v == 0 && call_out_zero { ("0  never hit".to_string(), ZERO) } else { (v.to_string(), BLACK) };
                Text::new(text, (v as f64 + max * 0.01, SegmentValue::CenterOf(i)), (FONT, 13).into_font().color(&color))
            }))
            .map_err(err)?;
        Ok(())
    })
}

/// Small multiples: one vertical-bar histogram per panel, two panels per row, each panel with
/// its own count scale.
pub fn histograms(title: &str, x_desc: &str, panels: &[Panel]) -> Result<String, String> {
    let rows = panels.len().div_ceil(2).max(1);
    let height = 50 + 260 * rows as u32;
    render((WIDTH, height), |root| {
        let area = root.titled(title, (FONT, 20)).map_err(err)?;
        let cells = area.split_evenly((rows, 2));
        for (panel, cell) in panels.iter().zip(cells.iter()) {
            panel_chart(cell, panel, x_desc)?;
        }
        Ok(())
    })
}

fn panel_chart(cell: &DrawingArea<SVGBackend<'_>, Shift>, panel: &Panel, x_desc: &str) -> Result<(), String> {
    let n = panel.buckets.len().max(1);
    let max = panel.buckets.iter().map(|(_, v)| *v).max().unwrap_or(0).max(1) as f64;
    let labels: Vec<String> = panel.buckets.iter().map(|(l, _)| l.clone()).collect();
    let total: u64 = panel.buckets.iter().map(|(_, v)| v).sum();
    let mut chart = ChartBuilder::on(cell)
        .caption(format!("{} ({total} crashes)", panel.title), (FONT, 15))
        .margin(8)
        .x_label_area_size(40)
        .y_label_area_size(60)
        .build_cartesian_2d((0..n - 1).into_segmented(), 0f64..max * 1.2)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|v| label_of(&labels, v))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .x_desc(x_desc)
        .label_style((FONT, 11))
        .draw()
        .map_err(err)?;
    let bars = panel.buckets.iter().enumerate().map(|(i, (_, v))| (i, *v));
    chart
        .draw_series(bars.clone().map(|(i, v)| {
            Rectangle::new([(SegmentValue::Exact(i), 0.0), (SegmentValue::Exact(i + 1), v as f64)], BAR.filled())
        }))
        .map_err(err)?;
    chart
        .draw_series(bars.filter(|(_, v)| *v > 0).map(|(i, v)| {
            Text::new(v.to_string(), (SegmentValue::CenterOf(i), v as f64 + max * 0.02), (FONT, 11).into_font())
        }))
        .map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_charts_are_svg_with_every_label_and_count() {
        let bars = vec![("AOF write".to_string(), 120), ("RDB rename".to_string(), 0), ("dir fsync".to_string(), 7)];
        let svg = bar_chart("crashes by site", "crashes", &bars, true).expect("renders");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"), "{svg}");
        for text in ["AOF write", "RDB rename", "dir fsync", "120", "never hit", "crashes by site"] {
            assert!(svg.contains(text), "{text:?} missing");
        }
        assert_eq!(svg, bar_chart("crashes by site", "crashes", &bars, true).expect("renders"), "deterministic");
    }

    #[test]
    fn histograms_draw_one_panel_per_policy() {
        let panel = |t: &str, v: u64| Panel { title: t.into(), buckets: vec![("0".into(), v), ("1".into(), 3), ("2-4".into(), 0)] };
        let svg = histograms("k - k_min", "slack", &[panel("always", 40), panel("everysec", 9), panel("no", 5)]).expect("renders");
        for text in ["always (43 crashes)", "everysec (12 crashes)", "no (8 crashes)", "2-4", "40"] {
            assert!(svg.contains(text), "{text:?} missing");
        }
    }
}
