//! What users do to models. Each checks the caller's role in the profile first: viewers read,
//! editors deploy, change, promote, roll back, delete and make tokens.

use api::{CreatedModelToken, ModelDetail, ModelSummary};

use super::spec::{self, ServingSpec, kserve::InferenceService};
use super::{Serving, ServingError, tokens};
use crate::authz::Principal;
use crate::clock::now_ms;
use crate::profiles::{Role, service::require};
use crate::store::{ServiceRow, SpecUpdate};

impl Serving {
    /// Deploys a new model from an InferenceService manifest (YAML or JSON).
    pub async fn create(
        &self,
        principal: &Principal,
        profile: &str,
        text: &str,
    ) -> Result<ModelSummary, ServingError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let spec = spec::parse(text, &self.config.storage)?;
        let revision = revision_json(&spec);
        let id = self
            .store
            .serving()
            .insert(
                profile,
                &spec.name,
                &SpecUpdate {
                    manifest: text,
                    canary_percent: spec.canary_percent,
                    new_revision: Some(&revision),
                    now_ms: now_ms(),
                },
                &principal.user,
            )
            .await?
            .ok_or_else(|| ServingError::AlreadyExists(spec.name.clone(), profile.to_owned()))?;
        let row = self.row(profile, &spec.name).await?;
        debug_assert_eq!(row.id, id);
        self.event(&row, &format!("revision 1 created by {}", principal.user))
            .await;
        self.kick();
        self.summary_of(&row).await
    }

    /// Replaces a model's spec: a change of anything but the canary percent is a new
    /// revision, which takes its share of the traffic once ready.
    pub async fn replace(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
        text: &str,
    ) -> Result<ModelSummary, ServingError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let spec = spec::parse(text, &self.config.storage)?;
        if spec.name != name {
            return Err(ServingError::NameMismatch(spec.name, name.to_owned()));
        }
        let row = self.row(profile, name).await?;
        let revisions = self.store.serving().revisions(row.id).await?;
        let revision = revision_json(&spec);
        let changed = revisions
            .iter()
            .find(|r| r.number == row.latest_revision)
            .is_none_or(|r| r.spec_json != revision);
        let made = self
            .store
            .serving()
            .update(
                row.id,
                &SpecUpdate {
                    manifest: text,
                    canary_percent: spec.canary_percent,
                    new_revision: changed.then_some(revision.as_str()),
                    now_ms: now_ms(),
                },
            )
            .await?;
        let message = match (made, spec.canary_percent) {
            (Some(next), Some(p)) => format!(
                "revision {next} created by {}; it takes {p}% of the traffic once ready",
                principal.user
            ),
            (Some(next), None) => format!(
                "revision {next} created by {}; it takes all the traffic once ready",
                principal.user
            ),
            (None, p) => format!(
                "traffic changed by {}: the newest revision's share is {}",
                principal.user,
                p.map_or("all".to_owned(), |p| format!("{p}%"))
            ),
        };
        self.event(&row, &message).await;
        self.kick();
        self.summary_of(&self.row(profile, name).await?).await
    }

    pub async fn list(
        &self,
        principal: &Principal,
        profile: &str,
    ) -> Result<Vec<ModelSummary>, ServingError> {
        require(&self.store, principal, profile, Role::View).await?;
        let mut summaries = Vec::new();
        for row in self.store.serving().of_profile(profile).await? {
            summaries.push(self.summary_of(&row).await?);
        }
        Ok(summaries)
    }

    pub async fn detail(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<ModelDetail, ServingError> {
        require(&self.store, principal, profile, Role::View).await?;
        let row = self.row(profile, name).await?;
        self.detail_of(&row).await
    }

    /// Deletes a model, its replicas (their processes stop) and its tokens.
    pub async fn delete(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<(), ServingError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let _pass = self.pass.lock().await;
        let row = self.row(profile, name).await?;
        // Replicas first: once the rows are gone nothing would find them again.
        for link in self.store.serving().replicas_of(row.id).await? {
            self.state().ready.remove(&link.workload_id);
            if let Some(w) = self.store.workloads().by_id(link.workload_id).await? {
                self.engine.remove(&w.profile, &w.name).await?;
            }
        }
        let tokens = self.store.serving().tokens_of(row.id).await?;
        self.store.serving().delete(row.id).await?;
        self.routes.remove_service(profile, name);
        for token in tokens {
            self.routes.remove_token(&token.hash);
        }
        self.kick();
        Ok(())
    }

    /// Gives the newest revision all the traffic (its canary percent goes).
    pub async fn promote(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<ModelSummary, ServingError> {
        self.set_canary(principal, profile, name, None, "promoted")
            .await
    }

    /// Gives the stable revision all the traffic back (the newest keeps 0%).
    pub async fn roll_back(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
    ) -> Result<ModelSummary, ServingError> {
        self.set_canary(principal, profile, name, Some(0), "rolled back")
            .await
    }

    async fn set_canary(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
        percent: Option<u32>,
        verb: &str,
    ) -> Result<ModelSummary, ServingError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let row = self.row(profile, name).await?;
        let stable = row.stable_revision.filter(|s| *s != row.latest_revision);
        if stable.is_none() && percent.is_some() {
            return Err(ServingError::Conflict(format!(
                "model `{name}` has no earlier ready revision to roll back to"
            )));
        }
        if stable.is_none() && row.canary_percent.is_none() {
            return Err(ServingError::Conflict(format!(
                "model `{name}`'s newest revision takes all the traffic already"
            )));
        }
        let mut manifest: InferenceService = crate::manifest::read(&row.manifest)?;
        manifest.spec.predictor.canary_traffic_percent = percent.map(i64::from);
        let text = serde_yaml::to_string(&manifest).unwrap_or_else(|_| row.manifest.clone());
        self.store
            .serving()
            .update(
                row.id,
                &SpecUpdate {
                    manifest: &text,
                    canary_percent: percent,
                    new_revision: None,
                    now_ms: now_ms(),
                },
            )
            .await?;
        self.event(
            &row,
            &format!(
                "revision {} {verb} by {}",
                row.latest_revision, principal.user
            ),
        )
        .await;
        self.kick();
        self.summary_of(&self.row(profile, name).await?).await
    }

    /// A new token that may call this model's endpoints (and nothing else); shown once.
    pub async fn create_token(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
        label: &str,
    ) -> Result<CreatedModelToken, ServingError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let row = self.row(profile, name).await?;
        let label = if label.trim().is_empty() {
            "token".to_owned()
        } else {
            label.trim().chars().take(100).collect()
        };
        let token = tokens::generate();
        let hash = tokens::hash(&token);
        let id = self
            .store
            .serving()
            .insert_token(row.id, &hash, &label, &principal.user, now_ms())
            .await?;
        self.routes.add_token(hash, row.id);
        Ok(CreatedModelToken { id, label, token })
    }

    pub async fn delete_token(
        &self,
        principal: &Principal,
        profile: &str,
        name: &str,
        id: i64,
    ) -> Result<(), ServingError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        let row = self.row(profile, name).await?;
        let hash = self
            .store
            .serving()
            .delete_token(row.id, id)
            .await?
            .ok_or_else(|| ServingError::NoToken(name.to_owned(), id))?;
        self.routes.remove_token(&hash);
        Ok(())
    }

    /// Whether the caller may deploy and change models in the profile: checked before the
    /// form's own problems, which are only for those who may.
    pub async fn require_editor(
        &self,
        principal: &Principal,
        profile: &str,
    ) -> Result<(), ServingError> {
        require(&self.store, principal, profile, Role::Edit).await?;
        Ok(())
    }

    /// Whether the caller may send the model requests: members of its profile.
    pub async fn may_call(&self, principal: &Principal, profile: &str) -> Result<(), ServingError> {
        require(&self.store, principal, profile, Role::View).await?;
        Ok(())
    }

    pub(super) async fn row(&self, profile: &str, name: &str) -> Result<ServiceRow, ServingError> {
        self.store
            .serving()
            .get(profile, name)
            .await?
            .ok_or_else(|| ServingError::NotFound(name.to_owned(), profile.to_owned()))
    }
}

fn revision_json(spec: &ServingSpec) -> String {
    serde_json::to_string(&spec.revision).unwrap_or_else(|_| "{}".to_owned())
}
