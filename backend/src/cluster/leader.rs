//! One leader among several Capstan replicas, by a `coordination.k8s.io` Lease in Capstan's
//! namespace, as Kubernetes' own controllers elect theirs: the holder renews it; another
//! replica takes it only once it has not been renewed for its duration; every write carries
//! the resource version it read, so of two replicas racing for it one gets a 409 and stays a
//! follower. The leader runs the scheduler and the controllers; the others serve the UI and
//! the API.

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::Timestamp;
use kube::Client;
use kube::api::{Api, PostParams};

/// The Lease's name.
pub const LEASE: &str = "capstan-leader";

/// What this replica should do with the lease as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Nobody holds it, or its holder stopped renewing it: take it.
    Acquire,
    /// This replica holds it: renew it.
    Renew,
    /// Another replica holds it and renews it.
    Follow(String),
}

/// `lease` as read (none yet: `None`), for replica `me` at `now_ms`.
pub fn decide(lease: Option<&LeaseSpec>, me: &str, now_ms: i64) -> Decision {
    let Some(spec) = lease else {
        return Decision::Acquire;
    };
    let holder = spec.holder_identity.as_deref().unwrap_or_default();
    if holder == me {
        return Decision::Renew;
    }
    let renewed = spec.renew_time.as_ref().map_or(0, |t| t.0.as_millisecond());
    let duration_ms = i64::from(spec.lease_duration_seconds.unwrap_or(0)) * 1000;
    if holder.is_empty() || now_ms > renewed + duration_ms {
        Decision::Acquire
    } else {
        Decision::Follow(holder.to_owned())
    }
}

/// One replica's side of the election.
pub struct LeaderElector {
    leases: Api<Lease>,
    identity: String,
    duration_seconds: i32,
}

impl LeaderElector {
    /// `identity`: this replica's name (its pod's); the lease lives in `namespace`.
    pub fn new(client: Client, namespace: &str, identity: &str, duration_seconds: i32) -> Self {
        LeaderElector {
            leases: Api::namespaced(client, namespace),
            identity: identity.to_owned(),
            duration_seconds,
        }
    }

    /// Acquires or renews the lease if this replica may; answers whether it leads now. Call it
    /// more often than the lease's duration (a third of it, as Kubernetes' controllers do).
    pub async fn tick(&self) -> Result<bool, kube::Error> {
        let current = match self.leases.get(LEASE).await {
            Ok(lease) => Some(lease),
            Err(kube::Error::Api(status)) if status.code == 404 => None,
            Err(e) => return Err(e),
        };
        let now = Timestamp::now();
        let decision = decide(
            current.as_ref().and_then(|l| l.spec.as_ref()),
            &self.identity,
            now.as_millisecond(),
        );
        let mut spec = current
            .as_ref()
            .and_then(|l| l.spec.clone())
            .unwrap_or_default();
        match decision {
            Decision::Follow(_) => return Ok(false),
            Decision::Renew => spec.renew_time = Some(MicroTime(now)),
            Decision::Acquire => {
                let transitions = spec.lease_transitions.unwrap_or(0);
                spec = LeaseSpec {
                    holder_identity: Some(self.identity.clone()),
                    lease_duration_seconds: Some(self.duration_seconds),
                    acquire_time: Some(MicroTime(now)),
                    renew_time: Some(MicroTime(now)),
                    lease_transitions: Some(transitions + i32::from(current.is_some())),
                    ..LeaseSpec::default()
                };
            }
        }
        let written = match current {
            // The version read goes with the write: a replica that raced us gets a 409.
            Some(mut lease) => {
                lease.spec = Some(spec);
                self.leases
                    .replace(LEASE, &PostParams::default(), &lease)
                    .await
            }
            None => {
                let lease = Lease {
                    metadata: ObjectMeta {
                        name: Some(LEASE.to_owned()),
                        ..ObjectMeta::default()
                    },
                    spec: Some(spec),
                };
                self.leases.create(&PostParams::default(), &lease).await
            }
        };
        match written {
            Ok(_) => Ok(true),
            Err(kube::Error::Api(status)) if status.code == 409 => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn held_by(holder: &str, renewed_ms: i64, seconds: i32) -> LeaseSpec {
        LeaseSpec {
            holder_identity: Some(holder.to_owned()),
            lease_duration_seconds: Some(seconds),
            renew_time: Some(MicroTime(Timestamp::from_millisecond(renewed_ms).unwrap())),
            ..LeaseSpec::default()
        }
    }

    #[test]
    fn the_holder_renews_others_wait_for_it_to_lapse() {
        assert_eq!(decide(None, "a", 0), Decision::Acquire);
        let lease = held_by("a", 10_000, 15);
        assert_eq!(decide(Some(&lease), "a", 11_000), Decision::Renew);
        assert_eq!(
            decide(Some(&lease), "b", 24_000),
            Decision::Follow("a".into())
        );
        assert_eq!(decide(Some(&lease), "b", 25_001), Decision::Acquire);
        assert_eq!(decide(Some(&held_by("", 0, 15)), "b", 0), Decision::Acquire);
    }
}
