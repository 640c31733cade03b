//! The plots of `docs/benchmarks.md`, drawn as SVG by hand (a line chart on
//! a log x axis, a grouped bar chart), so that the page needs no plotting
//! crate and its images diff as text. Every chart has an opaque white
//! background and dark text, so it reads the same on light and dark pages.

use std::fmt::Write;

/// Line colours, ours first: distinct on white and in greyscale order.
const PALETTE: [&str; 8] =
    ["#1f6fc4", "#d6402b", "#2e9a3a", "#e08a00", "#8a4fc2", "#7a5230", "#d04fa0", "#555555"];

const WIDTH: f64 = 760.0;
const HEIGHT: f64 = 420.0;
const LEFT: f64 = 80.0;
const RIGHT: f64 = 190.0; // the legend's room
const TOP: f64 = 50.0;
const BOTTOM: f64 = 70.0;

/// One line: a name for the legend, its colour and its points (x, y).
pub(crate) struct Series {
    pub(crate) name: String,
    /// An index into the palette, so that a line can keep its colour from
    /// one chart to the next.
    pub(crate) colour: usize,
    pub(crate) points: Vec<(f64, f64)>,
}

/// A line chart with a logarithmic x axis (positive x only) and a linear y
/// axis from zero.
pub(crate) struct LineChart {
    pub(crate) title: String,
    pub(crate) x_label: String,
    pub(crate) y_label: String,
    /// Where the x ticks go and what they say.
    pub(crate) x_ticks: Vec<(f64, String)>,
    pub(crate) series: Vec<Series>,
}

/// Bars grouped by category, one bar per series in each group, on a linear
/// y axis from zero.
pub(crate) struct BarChart {
    pub(crate) title: String,
    pub(crate) y_label: String,
    /// The groups' labels; a `\n` breaks a label into lines.
    pub(crate) groups: Vec<String>,
    /// Each series' name and value in each group (`None`: not measured there).
    pub(crate) series: Vec<(String, Vec<Option<f64>>)>,
}

/// Where `x` falls between `left` and `right` on a log axis from `min` to `max`.
pub(crate) fn log_position(x: f64, min: f64, max: f64, left: f64, right: f64) -> f64 {
    if max <= min {
        return (left + right) / 2.0;
    }
    left + (x.ln() - min.ln()) / (max.ln() - min.ln()) * (right - left)
}

/// Ticks for a linear axis from zero past `max`: about five round steps.
fn linear_ticks(max: f64) -> Vec<f64> {
    let max = if max > 0.0 && max.is_finite() { max } else { 1.0 };
    let rough = max / 5.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step =
        [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * magnitude).find(|&s| s >= rough).unwrap_or(rough);
    let steps = (max / step).ceil() as usize;
    (0..=steps).map(|i| i as f64 * step).collect()
}

/// A tick's label: `0.5`, `12`, `350k`, `1.2M`.
fn number(value: f64) -> String {
    let trim = |s: String| {
        if s.contains('.') { s.trim_end_matches('0').trim_end_matches('.').to_string() } else { s }
    };
    match value.abs() {
        v if v >= 1e6 => format!("{}M", trim(format!("{:.2}", value / 1e6))),
        v if v >= 1e4 => format!("{}k", trim(format!("{:.1}", value / 1e3))),
        _ => trim(format!("{value:.2}")),
    }
}

/// Text with `&`, `<` and `>` escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// The document's start: size, white background, title, and the frame of the
/// plot area with the y axis's ticks, grid and label.
fn start(width: f64, title: &str, y_label: &str, y_ticks: &[f64]) -> String {
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {HEIGHT}\" width=\"{width}\" \
         height=\"{HEIGHT}\" font-family=\"sans-serif\" font-size=\"13\">\n\
         <rect x=\"0\" y=\"0\" width=\"{width}\" height=\"{HEIGHT}\" fill=\"#ffffff\"/>\n\
         <text x=\"{}\" y=\"28\" text-anchor=\"middle\" font-size=\"16\" font-weight=\"bold\" fill=\"#111111\">{}</text>\n",
        width / 2.0,
        escape(title)
    );
    let (bottom, right) = (HEIGHT - BOTTOM, width - RIGHT);
    let y_max = y_ticks.last().copied().unwrap_or(1.0);
    for &tick in y_ticks {
        let y = y_position(tick, y_max);
        let _ = writeln!(
            svg,
            "<line x1=\"{LEFT}\" y1=\"{y:.1}\" x2=\"{right}\" y2=\"{y:.1}\" stroke=\"#dddddd\"/>\n\
             <text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#111111\">{}</text>",
            LEFT - 6.0,
            y + 4.0,
            number(tick)
        );
    }
    let _ = writeln!(
        svg,
        "<line x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{bottom}\" stroke=\"#111111\"/>\n\
         <line x1=\"{LEFT}\" y1=\"{bottom}\" x2=\"{right}\" y2=\"{bottom}\" stroke=\"#111111\"/>\n\
         <text x=\"18\" y=\"{}\" text-anchor=\"middle\" fill=\"#111111\" transform=\"rotate(-90 18 {})\">{}</text>",
        (TOP + bottom) / 2.0,
        (TOP + bottom) / 2.0,
        escape(y_label)
    );
    svg
}

fn y_position(value: f64, y_max: f64) -> f64 {
    HEIGHT - BOTTOM - value / y_max * (HEIGHT - BOTTOM - TOP)
}

/// The legend, right of the plot: a swatch and a name per series, each
/// with its colour's index.
fn legend(svg: &mut String, width: f64, names: &[(&str, usize)]) {
    let x = width - RIGHT + 16.0;
    for (i, (name, colour)) in names.iter().enumerate() {
        let y = TOP + 10.0 + i as f64 * 22.0;
        let _ = writeln!(
            svg,
            "<rect x=\"{x}\" y=\"{:.1}\" width=\"18\" height=\"10\" fill=\"{}\"/>\n\
             <text x=\"{}\" y=\"{:.1}\" fill=\"#111111\">{}</text>",
            y - 9.0,
            PALETTE[colour % PALETTE.len()],
            x + 24.0,
            y,
            escape(name)
        );
    }
}

/// The line chart as an SVG document.
pub(crate) fn line_chart(chart: &LineChart) -> String {
    let xs = || {
        chart
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .chain(chart.x_ticks.iter().map(|t| t.0))
    };
    let (x_min, x_max) = (xs().fold(f64::INFINITY, f64::min), xs().fold(0.0, f64::max));
    let y_top = chart.series.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.0, f64::max);
    let y_ticks = linear_ticks(y_top);
    let y_max = y_ticks.last().copied().unwrap_or(1.0);
    let mut svg = start(WIDTH, &chart.title, &chart.y_label, &y_ticks);
    // A margin inside the axes, so the end points are not drawn on the frame.
    let (left, right) = (LEFT + 20.0, WIDTH - RIGHT - 20.0);
    let x_at = |x: f64| log_position(x, x_min, x_max, left, right);
    let bottom = HEIGHT - BOTTOM;
    for (x, label) in &chart.x_ticks {
        let px = x_at(*x);
        let _ = writeln!(
            svg,
            "<line x1=\"{px:.1}\" y1=\"{bottom}\" x2=\"{px:.1}\" y2=\"{}\" stroke=\"#111111\"/>\n\
             <text x=\"{px:.1}\" y=\"{}\" text-anchor=\"middle\" fill=\"#111111\">{}</text>",
            bottom + 5.0,
            bottom + 20.0,
            escape(label)
        );
    }
    let _ = writeln!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#111111\">{}</text>",
        (LEFT + WIDTH - RIGHT) / 2.0,
        HEIGHT - 20.0,
        escape(&chart.x_label)
    );
    for series in &chart.series {
        let colour = PALETTE[series.colour % PALETTE.len()];
        let points: Vec<(f64, f64)> =
            series.points.iter().map(|&(x, y)| (x_at(x), y_position(y, y_max))).collect();
        let line: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let _ = writeln!(
            svg,
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\"/>",
            line.join(" ")
        );
        for (x, y) in points {
            let _ = writeln!(svg, "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3.5\" fill=\"{colour}\"/>");
        }
    }
    let names: Vec<(&str, usize)> = chart.series.iter().map(|s| (s.name.as_str(), s.colour)).collect();
    legend(&mut svg, WIDTH, &names);
    svg + "</svg>\n"
}

/// The bar chart as an SVG document, as wide as its groups need.
pub(crate) fn bar_chart(chart: &BarChart) -> String {
    let bars = chart.series.len().max(1) as f64;
    let group_width = (bars * 18.0 + 24.0).max(96.0);
    let width = (LEFT + RIGHT + group_width * chart.groups.len() as f64).max(WIDTH);
    let y_top =
        chart.series.iter().flat_map(|(_, values)| values.iter().flatten()).fold(0.0, |m: f64, &v| m.max(v));
    let y_ticks = linear_ticks(y_top);
    let y_max = y_ticks.last().copied().unwrap_or(1.0);
    let mut svg = start(width, &chart.title, &chart.y_label, &y_ticks);
    let plot = width - RIGHT - LEFT;
    let group_width = plot / chart.groups.len().max(1) as f64;
    let bar_width = (group_width - 24.0) / bars;
    let bottom = HEIGHT - BOTTOM;
    for (g, label) in chart.groups.iter().enumerate() {
        let centre = LEFT + (g as f64 + 0.5) * group_width;
        for (line, text) in label.split('\n').enumerate() {
            let _ = writeln!(
                svg,
                "<text x=\"{centre:.1}\" y=\"{:.1}\" text-anchor=\"middle\" fill=\"#111111\">{}</text>",
                bottom + 18.0 + line as f64 * 15.0,
                escape(text)
            );
        }
        for (s, (_, values)) in chart.series.iter().enumerate() {
            let Some(value) = values.get(g).copied().flatten() else { continue };
            let x = LEFT + g as f64 * group_width + 12.0 + s as f64 * bar_width;
            let y = y_position(value, y_max);
            let _ = writeln!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"/>",
                bar_width,
                bottom - y,
                PALETTE[s % PALETTE.len()]
            );
        }
    }
    let names: Vec<(&str, usize)> =
        chart.series.iter().enumerate().map(|(i, (name, _))| (name.as_str(), i)).collect();
    legend(&mut svg, width, &names);
    svg + "</svg>\n"
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Panics unless every tag of `svg` is closed in order, and returns the
    /// viewBox's width and height.
    fn check_well_formed(svg: &str) -> (f64, f64) {
        let mut open: Vec<&str> = Vec::new();
        let mut rest = svg;
        while let Some(start) = rest.find('<') {
            let text = &rest[..start];
            assert!(!text.contains('>') && !text.contains("& "), "unescaped text {text:?}");
            let end = rest[start..].find('>').expect("unclosed tag") + start;
            let tag = &rest[start + 1..end];
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(open.pop(), Some(name), "mismatched </{name}>");
            } else if !tag.ends_with('/') {
                open.push(tag.split_whitespace().next().unwrap());
            }
            rest = &rest[end + 1..];
        }
        assert!(open.is_empty(), "unclosed {open:?}");
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        let view_box = svg.split("viewBox=\"").nth(1).unwrap().split('"').next().unwrap();
        let numbers: Vec<f64> = view_box.split(' ').map(|n| n.parse().unwrap()).collect();
        (numbers[2], numbers[3])
    }

    /// Every coordinate attribute's value, and every point of every polyline,
    /// as (name, value): x-like values are named `x`, y-like `y`.
    fn coordinates(svg: &str) -> Vec<(char, f64)> {
        let mut found = Vec::new();
        for attr in svg.split(' ') {
            let Some((name, value)) = attr.split_once("=\"") else { continue };
            let value = value.split('"').next().unwrap();
            match name {
                "x" | "x1" | "x2" | "cx" => found.push(('x', value.parse().unwrap())),
                "y" | "y1" | "y2" | "cy" => found.push(('y', value.parse().unwrap())),
                _ => {}
            }
        }
        for points in svg.split("points=\"").skip(1) {
            for point in points.split('"').next().unwrap().split(' ') {
                let (x, y) = point.split_once(',').unwrap();
                found.push(('x', x.parse().unwrap()));
                found.push(('y', y.parse().unwrap()));
            }
        }
        found
    }

    /// Panics unless `svg` is well-formed and draws inside its viewBox.
    pub(crate) fn check_svg(svg: &str) {
        let (width, height) = check_well_formed(svg);
        let coordinates = coordinates(svg);
        assert!(coordinates.len() > 10);
        for (axis, value) in coordinates {
            let limit = if axis == 'x' { width } else { height };
            assert!((0.0..=limit).contains(&value), "{axis} = {value} outside 0..{limit}");
        }
    }

    fn sizes() -> Vec<(f64, String)> {
        [(16.0, "16B"), (1024.0, "1KiB"), (1_048_576.0, "1MiB")].map(|(x, l)| (x, l.to_string())).to_vec()
    }

    #[test]
    fn log_positions_grow_with_x_and_span_the_axis() {
        let xs = [16.0, 125.0, 1024.0, 16_384.0, 65_536.0, 1_048_576.0];
        let at: Vec<f64> = xs.iter().map(|&x| log_position(x, 16.0, 1_048_576.0, 100.0, 500.0)).collect();
        assert!(at.windows(2).all(|w| w[0] < w[1]), "{at:?}");
        assert_eq!((at[0], at[5]), (100.0, 500.0));
        // Equal ratios, equal distances: 16 B -> 1 KiB and 1 KiB -> 64 KiB are both 64x.
        assert!(((at[2] - at[0]) - (at[4] - at[2])).abs() < 1e-9);
    }

    #[test]
    fn line_charts_are_well_formed_and_inside_their_box() {
        let chart = LineChart {
            title: "decode/binary <throughput> & more".to_string(),
            x_label: "message size".to_string(),
            y_label: "GiB/s".to_string(),
            x_ticks: sizes(),
            series: vec![
                Series {
                    name: "noio-ws".to_string(),
                    colour: 0,
                    points: vec![(16.0, 0.4), (1024.0, 5.0), (1_048_576.0, 9.5)],
                },
                Series {
                    name: "tungstenite".to_string(),
                    colour: 5,
                    points: vec![(16.0, 0.1), (1_048_576.0, 3.0)],
                },
            ],
        };
        let svg = line_chart(&chart);
        check_svg(&svg);
        assert!(svg.contains("&lt;throughput&gt; &amp; more"));
        assert!(svg.contains("fill=\"#ffffff\""));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert_eq!(svg.matches("<circle").count(), 5);
        // Each line in its own colour, the same in the legend.
        assert_eq!(svg.matches(PALETTE[5]).count(), 1 + 2 + 1);
        assert!(
            svg.contains(">noio-ws</text>") && svg.contains(">1MiB</text>") && svg.contains(">GiB/s</text>")
        );
    }

    #[test]
    fn bar_charts_are_well_formed_and_inside_their_box() {
        let groups: Vec<String> = (0..9).map(|i| format!("{i} conns\n16 B\nping-pong")).collect();
        let chart = BarChart {
            title: "echo".to_string(),
            y_label: "messages/s".to_string(),
            groups,
            series: vec![
                ("noio-ws (std)".to_string(), (0..9).map(|i| Some(1e5 * f64::from(i + 1))).collect()),
                ("tungstenite".to_string(), vec![Some(5e4), None]),
            ],
        };
        let svg = bar_chart(&chart);
        check_svg(&svg);
        // The background, two legend swatches, and the ten bars measured.
        assert_eq!(svg.matches("<rect").count(), 1 + 2 + 10);
        assert!(svg.contains(">900k</text>") || svg.contains(">1M</text>"), "{svg}");
    }

    #[test]
    fn ticks_are_round_and_cover_the_maximum() {
        assert_eq!(linear_ticks(9.3), [0.0, 2.0, 4.0, 6.0, 8.0, 10.0]);
        let empty: Vec<String> = linear_ticks(0.0).into_iter().map(number).collect();
        assert_eq!(empty, ["0", "0.2", "0.4", "0.6", "0.8", "1"]);
        assert_eq!(number(1_250_000.0), "1.25M");
        assert_eq!(number(350_000.0), "350k");
        assert_eq!(number(2.5), "2.5");
    }
}
