//! A bar chart of a statistics report as SVG, laid out here and drawn by the template:
//! no JavaScript library, nothing to load, and the CSP forbids inline scripts anyway.

use crate::stats::{CHANNELS, Report};

const WIDTH: f64 = 960.0;
const HEIGHT: f64 = 260.0;
const LEFT: f64 = 48.0;
const BOTTOM: f64 = 28.0;
const TOP: f64 = 12.0;
/// Period labels shown at most, spread evenly.
const MAX_LABELS: usize = 12;

pub struct Bar {
    pub x: String,
    pub y: String,
    pub width: String,
    pub height: String,
    /// The channel, also the CSS class that colours it.
    pub channel: &'static str,
    /// Hover text: period, channel and count.
    pub title: String,
}

pub struct Label {
    pub x: String,
    pub text: String,
}

pub struct GridLine {
    pub y: String,
    pub value: u64,
}

pub struct Chart {
    pub width: f64,
    pub height: f64,
    pub left: f64,
    pub label_y: f64,
    pub bars: Vec<Bar>,
    pub labels: Vec<Label>,
    pub grid: Vec<GridLine>,
}

fn px(v: f64) -> String {
    format!("{v:.1}")
}

/// Grouped bars of messages sent per period, one bar per channel of the report.
pub fn sent_per_period(report: &Report) -> Chart {
    let channels: Vec<&'static str> = CHANNELS
        .into_iter()
        .filter(|c| report.totals.contains_key(c))
        .collect();
    let max = report
        .periods
        .iter()
        .flat_map(|p| p.channels.values().map(|c| c.sent))
        .max()
        .unwrap_or(0)
        .max(1);
    let plot_h = HEIGHT - BOTTOM - TOP;
    let n = report.periods.len().max(1);
    let slot = (WIDTH - LEFT) / n as f64;
    let bar_w = (slot * 0.8 / channels.len().max(1) as f64).max(0.5);
    let step = n.div_ceil(MAX_LABELS);
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    for (i, period) in report.periods.iter().enumerate() {
        let x0 = LEFT + slot * i as f64 + slot * 0.1;
        for (j, channel) in channels.iter().enumerate() {
            let sent = period.channels.get(channel).map_or(0, |c| c.sent);
            let h = plot_h * sent as f64 / max as f64;
            bars.push(Bar {
                x: px(x0 + bar_w * j as f64),
                y: px(TOP + plot_h - h),
                width: px(bar_w),
                height: px(h),
                channel,
                title: format!("{} · {channel}: {sent}", period.period),
            });
        }
        if i % step == 0 {
            let text = if report.interval == "month" {
                period.period.format("%Y-%m").to_string()
            } else {
                period.period.format("%d.%m.").to_string()
            };
            labels.push(Label {
                x: px(LEFT + slot * (i as f64 + 0.5)),
                text,
            });
        }
    }
    let grid = [0, max / 2, max]
        .into_iter()
        .map(|value| GridLine {
            y: px(TOP + plot_h - plot_h * value as f64 / max as f64),
            value,
        })
        .collect();
    Chart {
        width: WIDTH,
        height: HEIGHT,
        left: LEFT,
        label_y: HEIGHT - 8.0,
        bars,
        labels,
        grid,
    }
}
