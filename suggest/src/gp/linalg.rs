//! Dense symmetric positive-definite algebra for the GP: a Cholesky factor and what it solves.
//! Matrices are row-major `n × n` slices; the sizes are trials, so plain loops are enough.

/// The lower-triangular `L` with `A = L Lᵀ`.
#[derive(Debug, Clone)]
pub struct Cholesky {
    n: usize,
    l: Vec<f64>,
    /// `Lᵀ`, so that back substitution also reads rows (contiguous, vectorizable).
    lt: Vec<f64>,
}

impl Cholesky {
    /// Factors `a`, adding growing jitter to the diagonal when rounding leaves it not quite
    /// positive definite (near-duplicate points with a tiny noise); `None` if even a jitter of
    /// 1e-2 of the mean diagonal fails, or on non-finite input.
    pub fn with_jitter(a: &[f64], n: usize) -> Option<Cholesky> {
        if a.len() != n * n || a.iter().any(|v| !v.is_finite()) {
            return None;
        }
        if let Some(c) = Cholesky::factor(a, n, 0.0) {
            return Some(c);
        }
        let scale = (0..n).map(|i| a[i * n + i].abs()).sum::<f64>() / n.max(1) as f64;
        let scale = if scale > 0.0 { scale } else { 1.0 };
        let mut jitter = 1e-10 * scale;
        while jitter <= 1e-2 * scale {
            if let Some(c) = Cholesky::factor(a, n, jitter) {
                return Some(c);
            }
            jitter *= 10.0;
        }
        None
    }

    fn factor(a: &[f64], n: usize, jitter: f64) -> Option<Cholesky> {
        let mut l = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let d = dot(&l[i * n..i * n + j], &l[j * n..j * n + j]);
                if i == j {
                    let pivot = a[i * n + i] + jitter - d;
                    if !pivot.is_finite() || pivot <= 0.0 {
                        return None;
                    }
                    l[i * n + i] = pivot.sqrt();
                } else {
                    l[i * n + j] = (a[i * n + j] - d) / l[j * n + j];
                }
            }
        }
        let mut lt = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                lt[j * n + i] = l[i * n + j];
            }
        }
        Some(Cholesky { n, l, lt })
    }

    /// `L x = b`, in place.
    pub fn solve_lower(&self, b: &mut [f64]) {
        let n = self.n;
        for i in 0..n {
            let d = dot(&self.l[i * n..i * n + i], &b[..i]);
            b[i] = (b[i] - d) / self.l[i * n + i];
        }
    }

    /// `Lᵀ x = b`, in place.
    pub fn solve_upper(&self, b: &mut [f64]) {
        let n = self.n;
        for i in (0..n).rev() {
            let d = dot(&self.lt[i * n + i + 1..(i + 1) * n], &b[i + 1..]);
            b[i] = (b[i] - d) / self.lt[i * n + i];
        }
    }

    /// `A x = b`, in place.
    pub fn solve(&self, b: &mut [f64]) {
        self.solve_lower(b);
        self.solve_upper(b);
    }

    /// `ln det A`.
    pub fn log_det(&self) -> f64 {
        2.0 * (0..self.n)
            .map(|i| self.l[i * self.n + i].ln())
            .sum::<f64>()
    }

    /// `A⁻¹ = L⁻ᵀ L⁻¹`, row-major (the likelihood's gradient needs all of it).
    pub fn inverse(&self) -> Vec<f64> {
        let n = self.n;
        // Rows of M = L⁻ᵀ, i.e. columns of L⁻¹: solving L x = e_j gives column j of L⁻¹,
        // whose entries above j are zero.
        let mut m = vec![0.0; n * n];
        let mut column = vec![0.0; n];
        for j in 0..n {
            column.iter_mut().for_each(|c| *c = 0.0);
            column[j] = 1.0;
            for i in j..n {
                let d = dot(&self.l[i * n + j..i * n + i], &column[j..i]);
                column[i] = (column[i] - d) / self.l[i * n + i];
            }
            m[j * n..(j + 1) * n].copy_from_slice(&column);
        }
        // (A⁻¹)_ij = Σ_k (L⁻¹)_ki (L⁻¹)_kj = row i of M · row j of M, nonzero from max(i, j).
        let mut inverse = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..=i {
                let v = dot(&m[i * n + i..(i + 1) * n], &m[j * n + i..(j + 1) * n]);
                inverse[i * n + j] = v;
                inverse[j * n + i] = v;
            }
        }
        inverse
    }
}

/// `a · b` with four running sums, so the compiler can keep several multiplies in flight.
pub fn dot(a: &[f64], b: &[f64]) -> f64 {
    let (mut s0, mut s1, mut s2, mut s3) = (0.0, 0.0, 0.0, 0.0);
    let (ca, cb) = (a.chunks_exact(4), b.chunks_exact(4));
    let (ra, rb) = (ca.remainder(), cb.remainder());
    for (x, y) in ca.zip(cb) {
        s0 += x[0] * y[0];
        s1 += x[1] * y[1];
        s2 += x[2] * y[2];
        s3 += x[3] * y[3];
    }
    let tail: f64 = ra.iter().zip(rb).map(|(x, y)| x * y).sum();
    (s0 + s1) + (s2 + s3) + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_and_inverts_a_small_system() {
        let a = [4.0, 2.0, 0.4, 2.0, 5.0, 1.0, 0.4, 1.0, 3.0];
        let c = Cholesky::with_jitter(&a, 3).unwrap();
        let mut x = vec![1.0, 2.0, 3.0];
        c.solve(&mut x);
        for i in 0..3 {
            let back: f64 = (0..3).map(|j| a[i * 3 + j] * x[j]).sum();
            assert!((back - [1.0, 2.0, 3.0][i]).abs() < 1e-12);
        }
        let inv = c.inverse();
        for i in 0..3 {
            for j in 0..3 {
                let e: f64 = (0..3).map(|k| a[i * 3 + k] * inv[k * 3 + j]).sum();
                assert!((e - if i == j { 1.0 } else { 0.0 }).abs() < 1e-12);
            }
        }
        let det = 4.0 * (5.0 * 3.0 - 1.0) - 2.0 * (2.0 * 3.0 - 0.4) + 0.4 * (2.0 - 5.0 * 0.4);
        assert!((c.log_det() - f64::ln(det)).abs() < 1e-12);
    }

    #[test]
    fn a_singular_matrix_gets_jitter_and_nan_gets_nothing() {
        let a = [1.0, 1.0, 1.0, 1.0];
        assert!(Cholesky::with_jitter(&a, 2).is_some());
        assert!(Cholesky::with_jitter(&[f64::NAN], 1).is_none());
    }
}
