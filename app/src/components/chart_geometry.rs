//! What the SVG charts share: the drawing area, placing a value on an axis, the range of the
//! values, short numbers for the axis labels and a line through points.

/// The view box and the plot area inside it (room on the left and below for labels).
pub const WIDTH: f64 = 640.0;
pub const HEIGHT: f64 = 220.0;
pub const LEFT: f64 = 56.0;
pub const RIGHT: f64 = 624.0;
pub const TOP: f64 = 16.0;
pub const BOTTOM: f64 = 190.0;

/// `v` from `[lo, hi]` onto `[to_lo, to_hi]`; the middle when the range is empty.
pub fn scale(v: f64, lo: f64, hi: f64, to_lo: f64, to_hi: f64) -> f64 {
    if hi > lo {
        to_lo + (v - lo) / (hi - lo) * (to_hi - to_lo)
    } else {
        (to_lo + to_hi) / 2.0
    }
}

/// The smallest and largest of the finite values; `None` when there is none.
pub fn range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// A number for an axis label: at most four decimals, exponent form when very small or large.
pub fn short(v: f64) -> String {
    if v != 0.0 && (v.abs() < 1e-3 || v.abs() >= 1e5) {
        format!("{v:.3e}")
    } else {
        format!("{:.4}", v)
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_owned()
    }
}

/// An SVG path through the points, in order (`M x,y L x,y …`).
pub fn line_through(points: impl Iterator<Item = (f64, f64)>) -> String {
    points
        .enumerate()
        .map(|(i, (x, y))| format!("{}{x:.1},{y:.1}", if i == 0 { "M" } else { " L" }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_placed_and_labelled() {
        assert_eq!(scale(5.0, 5.0, 5.0, 0.0, 10.0), 5.0);
        assert_eq!(scale(2.0, 0.0, 4.0, 10.0, 20.0), 15.0);
        assert_eq!(range([3.0, f64::NAN, -1.0].into_iter()), Some((-1.0, 3.0)));
        assert_eq!(short(0.25), "0.25");
        assert_eq!(short(2.0), "2");
        assert_eq!(
            line_through([(1.0, 2.0), (3.0, 4.0)].into_iter()),
            "M1.0,2.0 L3.0,4.0"
        );
    }
}
