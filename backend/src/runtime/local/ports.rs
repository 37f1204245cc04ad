//! Free TCP ports for the replicas' named ports.

use std::io;
use std::net::TcpListener;

/// `count` distinct ports that were free on 127.0.0.1 a moment ago. All listeners stay open
/// until every port is chosen, so that one start never hands the same port twice; they are
/// closed before returning so the replicas can bind them. Another program may still take one
/// in between: the usual race of this scheme, accepted in standalone mode.
pub(crate) fn allocate(count: usize) -> io::Result<Vec<u16>> {
    let mut listeners = Vec::with_capacity(count);
    for _ in 0..count {
        listeners.push(TcpListener::bind(("127.0.0.1", 0))?);
    }
    listeners
        .iter()
        .map(|l| l.local_addr().map(|a| a.port()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_distinct_and_nonzero() {
        let ports = allocate(8).expect("ports");
        let mut sorted = ports.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), 8);
        assert!(ports.iter().all(|p| *p != 0));
    }
}
