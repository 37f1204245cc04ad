//! Signals to a replica's process group. Each replica leads its own group (`process_group(0)`),
//! so its group id is its pid, and a signal to the group reaches whatever it started too.

use std::io;

use crate::runtime::RuntimeError;

/// Sends `signal` to the process group `pgid`. A group that is already gone is not an error:
/// returns whether the signal was delivered.
pub(crate) fn signal_group(pgid: u32, signal: i32) -> Result<bool, RuntimeError> {
    // 0 and 1 would signal Capstan's own group or every process: never a replica's group.
    let Some(target) = i32::try_from(pgid).ok().filter(|p| *p > 1) else {
        return Err(RuntimeError::Signal {
            pgid,
            source: io::Error::new(io::ErrorKind::InvalidInput, "not a replica's process group"),
        });
    };
    // SAFETY: kill(2) takes plain integers and touches no memory of ours; a negative pid names
    // the process group, and `target` > 1 rules out the special values 0 and -1.
    let rc = unsafe { libc::kill(-target, signal) };
    if rc == 0 {
        return Ok(true);
    }
    let err = io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::ESRCH) {
        Ok(false)
    } else {
        Err(RuntimeError::Signal { pgid, source: err })
    }
}

/// Like [`signal_group`], for paths that can only log a failure.
pub(crate) fn signal_group_logged(pgid: u32, signal: i32) {
    if let Err(e) = signal_group(pgid, signal) {
        tracing::warn!(error = %e, "signal to a replica's process group failed");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_special_groups() {
        assert!(signal_group(0, 0).is_err());
        assert!(signal_group(1, 0).is_err());
        assert!(signal_group(u32::MAX, 0).is_err());
    }

    #[test]
    fn a_missing_group_is_not_an_error() {
        // pid_max is at most 2^22 on Linux: this group cannot exist.
        assert_eq!(signal_group(i32::MAX as u32, 0).ok(), Some(false));
    }
}
