//! Counting passed and failed tests across suites, from what each runner prints.

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
}

impl Counts {
    pub fn add(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
    }

    /// One check that either passed or failed (formatting, a lint run).
    pub fn one(passed: bool) -> Counts {
        if passed {
            Counts {
                passed: 1,
                failed: 0,
            }
        } else {
            Counts {
                passed: 0,
                failed: 1,
            }
        }
    }

    pub fn print_summary(self) {
        println!("{} passed, {} failed", self.passed, self.failed);
    }
}

/// The number written just before `word` in `line` ("12 passed" -> 12).
fn number_before(line: &str, word: &str) -> Option<u64> {
    let at = line.find(word)?;
    line[..at]
        .trim_end()
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

/// nextest's closing line: `Summary [ 1.2s] 40 tests run: 38 passed, 2 failed, 1 skipped`.
pub fn nextest(lines: &[String]) -> Option<Counts> {
    let summary = lines
        .iter()
        .rev()
        .find(|l| l.contains("tests run:") || l.contains("test run:"))?;
    Some(Counts {
        passed: number_before(summary, " passed").unwrap_or(0),
        failed: number_before(summary, " failed").unwrap_or(0)
            + number_before(summary, " timed out").unwrap_or(0),
    })
}

/// libtest's lines: `test result: ok. 3 passed; 0 failed; …`, one per test binary.
pub fn libtest(lines: &[String]) -> Counts {
    let mut counts = Counts::default();
    for line in lines.iter().filter(|l| l.contains("test result:")) {
        counts.passed += number_before(line, " passed").unwrap_or(0);
        counts.failed += number_before(line, " failed").unwrap_or(0);
    }
    counts
}

/// Playwright's JSON report: `stats.expected` passed, `stats.unexpected` failed, `flaky`
/// passed on a retry.
pub fn playwright(report: &serde_json::Value) -> Option<Counts> {
    let stats = report.get("stats")?;
    let get = |key: &str| {
        stats
            .get(key)
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0)
    };
    Some(Counts {
        passed: get("expected") + get("flaky"),
        failed: get("unexpected"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_owned).collect()
    }

    #[test]
    fn reads_nextest_summaries() {
        let out = lines(
            "  PASS [ 0.1s] a\n     Summary [   3.456s] 42 tests run: 40 passed, 2 failed, 1 skipped",
        );
        assert_eq!(
            nextest(&out),
            Some(Counts {
                passed: 40,
                failed: 2
            })
        );
        let ok = lines("     Summary [   0.5s] 7 tests run: 7 passed, 0 skipped");
        assert_eq!(
            nextest(&ok),
            Some(Counts {
                passed: 7,
                failed: 0
            })
        );
        let one = lines("     Summary [   0.5s] 1 test run: 1 passed, 0 skipped");
        assert_eq!(
            nextest(&one),
            Some(Counts {
                passed: 1,
                failed: 0
            })
        );
        assert_eq!(nextest(&lines("error: could not compile")), None);
    }

    #[test]
    fn sums_libtest_results() {
        let out = lines(
            "test result: ok. 3 passed; 0 failed; 0 ignored\ntest result: FAILED. 1 passed; 2 failed; 0 ignored",
        );
        assert_eq!(
            libtest(&out),
            Counts {
                passed: 4,
                failed: 2
            }
        );
    }

    #[test]
    fn reads_playwright_stats() {
        let report = serde_json::json!({"stats": {"expected": 9, "unexpected": 1, "flaky": 2, "skipped": 0}});
        assert_eq!(
            playwright(&report),
            Some(Counts {
                passed: 11,
                failed: 1
            })
        );
    }
}
