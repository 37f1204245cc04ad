//! The objects, their resource versions and the history of changes that watches replay.
//! Every change takes the next resource version (one counter for the whole server, as etcd's
//! revision) and is recorded as a watch event.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde_json::{Value, json};
use tokio::sync::broadcast;

use crate::errors::ApiError;
use crate::merge::merge;
use crate::paths::ResourcePath;
use crate::time::now_rfc3339;

/// `(group/version, plural, namespace or "", name)`.
pub type Key = (String, String, String, String);

/// A change, as a watch streams it.
#[derive(Debug, Clone)]
pub struct Change {
    pub revision: u64,
    pub group_version: String,
    pub plural: String,
    /// `ADDED`, `MODIFIED` or `DELETED`.
    pub kind: &'static str,
    pub object: Value,
}

pub struct Store {
    objects: BTreeMap<Key, Value>,
    revision: u64,
    next_uid: u64,
    history: Vec<Arc<Change>>,
    pub changes: broadcast::Sender<Arc<Change>>,
    pub logs: HashMap<(String, String), String>,
}

impl Default for Store {
    fn default() -> Self {
        Store {
            objects: BTreeMap::new(),
            revision: 0,
            next_uid: 1,
            history: Vec::new(),
            changes: broadcast::channel(1024).0,
            logs: HashMap::new(),
        }
    }
}

fn key(path: &ResourcePath, namespace: &str, name: &str) -> Key {
    (
        path.group_version.clone(),
        path.plural.clone(),
        namespace.to_owned(),
        name.to_owned(),
    )
}

impl Store {
    pub fn revision(&self) -> u64 {
        self.revision
    }

    fn namespace_of(&self, path: &ResourcePath) -> Result<String, ApiError> {
        if path.is_cluster_scoped() {
            return Ok(String::new());
        }
        let ns = path
            .namespace
            .clone()
            .ok_or_else(|| ApiError::bad_request("a namespaced resource needs a namespace"))?;
        let exists = self.objects.contains_key(&(
            "v1".to_owned(),
            "namespaces".to_owned(),
            String::new(),
            ns.clone(),
        ));
        if !exists {
            return Err(ApiError::not_found("namespaces", &ns));
        }
        Ok(ns)
    }

    fn record(&mut self, path: &ResourcePath, kind: &'static str, object: Value) {
        let change = Arc::new(Change {
            revision: self.revision,
            group_version: path.group_version.clone(),
            plural: path.plural.clone(),
            kind,
            object,
        });
        self.history.push(Arc::clone(&change));
        let _ = self.changes.send(change);
    }

    /// The next resource version, written into `object`.
    fn stamp(&mut self, object: &mut Value) {
        self.revision += 1;
        object["metadata"]["resourceVersion"] = json!(self.revision.to_string());
    }

    pub fn get(&self, path: &ResourcePath, name: &str) -> Result<Value, ApiError> {
        let ns = path.namespace.clone().unwrap_or_default();
        let ns = if path.is_cluster_scoped() {
            String::new()
        } else {
            ns
        };
        self.objects
            .get(&key(path, &ns, name))
            .cloned()
            .ok_or_else(|| ApiError::not_found(&path.plural, name))
    }

    /// The resource's objects in the path's namespace (all namespaces without one) that
    /// `keep` accepts, by namespace then name.
    pub fn list(&self, path: &ResourcePath, keep: impl Fn(&Value) -> bool) -> Vec<Value> {
        self.objects
            .iter()
            .filter(|((gv, plural, ns, _), _)| {
                *gv == path.group_version
                    && *plural == path.plural
                    && (path.is_cluster_scoped()
                        || path.namespace.as_ref().is_none_or(|wanted| wanted == ns))
            })
            .map(|(_, object)| object)
            .filter(|object| keep(object))
            .cloned()
            .collect()
    }

    /// Changes after `since` that `keep` accepts.
    pub fn history_since(&self, since: u64, keep: impl Fn(&Change) -> bool) -> Vec<Arc<Change>> {
        self.history
            .iter()
            .filter(|c| c.revision > since && keep(c))
            .cloned()
            .collect()
    }

    pub fn create(&mut self, path: &ResourcePath, mut object: Value) -> Result<Value, ApiError> {
        let ns = self.namespace_of(path)?;
        let name = match object.pointer("/metadata/name").and_then(Value::as_str) {
            Some(name) if !name.is_empty() => name.to_owned(),
            _ => match object
                .pointer("/metadata/generateName")
                .and_then(Value::as_str)
            {
                Some(prefix) => format!("{prefix}{:05}", self.next_uid),
                None => return Err(ApiError::invalid("metadata.name: Required value")),
            },
        };
        let k = key(path, &ns, &name);
        if self.objects.contains_key(&k) {
            return Err(ApiError::already_exists(&path.plural, &name));
        }
        let meta = &mut object["metadata"];
        meta["name"] = json!(name);
        if !ns.is_empty() {
            meta["namespace"] = json!(ns);
        }
        meta["uid"] = json!(format!("00000000-0000-0000-0000-{:012}", self.next_uid));
        self.next_uid += 1;
        meta["creationTimestamp"] = json!(now_rfc3339());
        meta["generation"] = json!(1);
        self.stamp(&mut object);
        self.objects.insert(k, object.clone());
        self.record(path, "ADDED", object.clone());
        Ok(object)
    }

    /// PUT: the whole object (or only its status, for `/status`). A resource version that is
    /// not the stored one is a 409: someone changed it since it was read.
    pub fn replace(
        &mut self,
        path: &ResourcePath,
        name: &str,
        new: Value,
    ) -> Result<Value, ApiError> {
        let ns = self.namespace_of(path)?;
        let k = key(path, &ns, name);
        let old = self
            .objects
            .get(&k)
            .cloned()
            .ok_or_else(|| ApiError::not_found(&path.plural, name))?;
        if let Some(asked) = new
            .pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            && Some(asked)
                != old
                    .pointer("/metadata/resourceVersion")
                    .and_then(Value::as_str)
        {
            return Err(ApiError::conflict(&path.plural, name));
        }
        let mut object = if path.subresource.as_deref() == Some("status") {
            let mut object = old.clone();
            object["status"] = new.get("status").cloned().unwrap_or(Value::Null);
            object
        } else {
            let mut object = new;
            // Identity and status are the server's.
            for field in ["uid", "creationTimestamp", "namespace", "name"] {
                if let Some(value) = old["metadata"].get(field) {
                    object["metadata"][field] = value.clone();
                }
            }
            if let Some(status) = old.get("status") {
                object["status"] = status.clone();
            }
            object
        };
        self.bump_generation(&old, &mut object);
        self.stamp(&mut object);
        self.objects.insert(k, object.clone());
        self.record(path, "MODIFIED", object.clone());
        Ok(object)
    }

    /// PATCH: server-side apply (creates what is missing) or a JSON merge patch.
    pub fn patch(
        &mut self,
        path: &ResourcePath,
        name: &str,
        patch: &Value,
        apply: bool,
    ) -> Result<Value, ApiError> {
        let ns = self.namespace_of(path)?;
        let k = key(path, &ns, name);
        let Some(old) = self.objects.get(&k).cloned() else {
            if !apply {
                return Err(ApiError::not_found(&path.plural, name));
            }
            let mut object = patch.clone();
            object["metadata"]["name"] = json!(name);
            return self.create(path, object);
        };
        let mut object = old.clone();
        let status_only = path.subresource.as_deref() == Some("status");
        let patch = if status_only {
            json!({ "status": patch.get("status").cloned().unwrap_or(Value::Null) })
        } else {
            patch.clone()
        };
        if !merge(&mut object, &patch, !apply) {
            return Ok(old);
        }
        self.bump_generation(&old, &mut object);
        self.stamp(&mut object);
        self.objects.insert(k, object.clone());
        self.record(path, "MODIFIED", object.clone());
        Ok(object)
    }

    /// A change of anything but metadata and status is a new generation.
    fn bump_generation(&self, old: &Value, new: &mut Value) {
        let strip = |v: &Value| {
            let mut v = v.clone();
            if let Some(map) = v.as_object_mut() {
                map.remove("metadata");
                map.remove("status");
            }
            v
        };
        let generation = old
            .pointer("/metadata/generation")
            .and_then(Value::as_i64)
            .unwrap_or(1);
        let next = if strip(old) == strip(new) {
            generation
        } else {
            generation + 1
        };
        new["metadata"]["generation"] = json!(next);
    }

    /// Deletes the object, then what it owns (by `ownerReferences`), and, for a Namespace,
    /// everything in it: Kubernetes' garbage collection, done at once.
    pub fn delete(&mut self, path: &ResourcePath, name: &str) -> Result<Value, ApiError> {
        let ns = if path.is_cluster_scoped() {
            String::new()
        } else {
            path.namespace.clone().unwrap_or_default()
        };
        let k = key(path, &ns, name);
        let object = self
            .objects
            .remove(&k)
            .ok_or_else(|| ApiError::not_found(&path.plural, name))?;
        self.removed(k, object.clone());
        Ok(object)
    }

    fn removed(&mut self, k: Key, mut object: Value) {
        self.stamp(&mut object);
        let path = ResourcePath {
            group_version: k.0.clone(),
            namespace: Some(k.2.clone()).filter(|n| !n.is_empty()),
            plural: k.1.clone(),
            name: Some(k.3.clone()),
            subresource: None,
        };
        self.record(&path, "DELETED", object.clone());
        let uid = object
            .pointer("/metadata/uid")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        let namespace = (k.1 == "namespaces").then(|| k.3.clone());
        let doomed: Vec<Key> = self
            .objects
            .iter()
            .filter(|(key, o)| {
                namespace.as_ref().is_some_and(|ns| key.2 == *ns)
                    || o.pointer("/metadata/ownerReferences")
                        .and_then(Value::as_array)
                        .is_some_and(|refs| refs.iter().any(|r| r["uid"] == uid.as_str()))
            })
            .map(|(key, _)| key.clone())
            .collect();
        for key in doomed {
            if let Some(o) = self.objects.remove(&key) {
                self.removed(key, o);
            }
        }
    }
}
