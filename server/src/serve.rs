//! `capstan serve`: prepare the data directory and database, bind, serve until SIGTERM.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use backend::clock::now_ms;
use backend::events::EventBus;
use backend::local_accounts::{self, AdminBootstrap};
use backend::store::Store;
use leptos::config::{Env, LeptosOptions};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::auth::oidc::{OidcError, OidcProvider};
use crate::config::Config;
use crate::readiness::Readiness;
use crate::state::{AppState, Shared};

/// How often a database that was down at start is tried again.
const DATABASE_RETRY: Duration = Duration::from_secs(5);
/// How often expired sessions are deleted.
const SESSION_CLEANUP: Duration = Duration::from_secs(600);

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir {
        path: String,
        source: std::io::Error,
    },
    #[error("the address {0} is already in use (set CAPSTAN_LISTEN or --listen to another port)")]
    PortInUse(std::net::SocketAddr),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] backend::store::StoreError),
    #[error("{0} (check oidc_issuer, and that the provider is reachable from here)")]
    Oidc(#[from] OidcError),
    #[error("the server failed: {0}")]
    Serve(std::io::Error),
}

pub async fn run(config: Config) -> Result<(), ServeError> {
    // Before anything else: a wrong issuer must stop the start with its reason.
    let oidc = match &config.oidc_issuer {
        Some(issuer) => {
            let provider = OidcProvider::discover(&config).await?;
            tracing::info!(%issuer, "discovered the OpenID Connect provider");
            Some(provider)
        }
        None => None,
    };
    std::fs::create_dir_all(&config.data_dir).map_err(|source| ServeError::DataDir {
        path: config.data_dir.display().to_string(),
        source,
    })?;
    let store = Store::connect_lazy(&config.database_url())?;
    let listener = TcpListener::bind(config.listen).await.map_err(|source| {
        if source.kind() == std::io::ErrorKind::AddrInUse {
            ServeError::PortInUse(config.listen)
        } else {
            ServeError::Bind {
                addr: config.listen,
                source,
            }
        }
    })?;

    let readiness = Arc::new(Readiness::default());
    prepare_database(
        store.clone(),
        config.admin_password.clone(),
        readiness.clone(),
    )
    .await;

    let (stopping, shutdown) = watch::channel(false);
    let state = app_state(config, store.clone(), readiness, shutdown, oidc);
    tokio::spawn(clean_expired_sessions(store.clone()));
    tokio::spawn(state.engine.clone().run(state.shutdown.clone()));
    tokio::spawn(state.notebooks.clone().watch(state.shutdown.clone()));
    tokio::spawn(state.serving.clone().run(state.shutdown.clone()));
    backend::pipelines::service::spawn_recurring_loop(
        state.pipelines.clone(),
        state.shutdown.clone(),
    );

    let stop_requested = termination();
    let grace = Duration::from_secs(state.config.shutdown_grace_seconds);
    let mut grace_clock = state.shutdown.clone();
    println!("Capstan is listening on {}", state.config.public_url());
    let app = crate::router::build(state);
    // No Nagle: a response whose head and body go out in two writes would otherwise wait for
    // the client's delayed ACK (40 ms here; the model router measured it).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        stop_requested.await;
        tracing::info!(
            grace_seconds = grace.as_secs(),
            "shutting down: finishing requests in flight"
        );
        let _ = stopping.send(true);
    });
    tokio::select! {
        result = server => result.map_err(ServeError::Serve)?,
        () = async {
            let _ = grace_clock.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!("requests still in flight after the grace period; stopping anyway");
        }
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Migrations and the admin account. A database that is down is retried in the background;
/// meanwhile `/readyz` reports the cause.
async fn prepare_database(store: Store, admin_password: Option<String>, readiness: Arc<Readiness>) {
    let attempt = {
        let store = store.clone();
        let admin_password = admin_password.clone();
        move || {
            let store = store.clone();
            let admin_password = admin_password.clone();
            async move {
                store.migrate().await.map_err(|e| e.to_string())?;
                local_accounts::bootstrap_admin(&store, admin_password.as_deref())
                    .await
                    .map_err(|e| e.to_string())
            }
        }
    };
    match attempt().await {
        Ok(bootstrap) => {
            announce(&bootstrap);
            readiness.mark_ready();
        }
        Err(cause) => {
            tracing::error!(%cause, "the database is not ready; retrying in the background");
            readiness.mark_failed(cause);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(DATABASE_RETRY).await;
                    match attempt().await {
                        Ok(bootstrap) => {
                            announce(&bootstrap);
                            readiness.mark_ready();
                            tracing::info!("the database is ready");
                            return;
                        }
                        Err(cause) => readiness.mark_failed(cause),
                    }
                }
            });
        }
    }
}

fn announce(bootstrap: &AdminBootstrap) {
    match bootstrap {
        AdminBootstrap::CreatedWithGeneratedPassword(password) => {
            println!(
                "First start: sign in as `{}` with the password {password}\n\
                 (shown once; `capstan admin reset-password` makes a new one)",
                local_accounts::ADMIN_USER
            );
        }
        AdminBootstrap::PasswordFromConfiguration => {
            tracing::info!("the admin password was set from the configuration");
        }
        AdminBootstrap::Unchanged => {}
    }
}

async fn clean_expired_sessions(store: Store) {
    let mut every = tokio::time::interval(SESSION_CLEANUP);
    loop {
        every.tick().await;
        match store.sessions().delete_expired(now_ms()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "deleted expired sessions"),
            Err(e) => tracing::warn!(error = %e, "could not delete expired sessions"),
        }
    }
}

/// The state every handler shares; tests build theirs with this too.
pub fn app_state(
    config: Config,
    store: Store,
    readiness: Arc<Readiness>,
    shutdown: watch::Receiver<bool>,
    oidc: Option<OidcProvider>,
) -> AppState {
    let events = EventBus::default();
    let engine = crate::engine_setup::build(&config, store.clone(), events.clone());
    let pipelines =
        crate::pipeline_setup::build(&config, store.clone(), engine.clone(), events.clone());
    AppState::new(Shared {
        notebooks: crate::notebook_setup::build(&config, store.clone(), engine.clone()),
        notebook_proxy: crate::notebook_proxy::ProxyClient::new(),
        tuning: tuning_service(&config, &store, &engine, &events, &pipelines),
        serving: crate::serving_setup::build(&config, store.clone(), engine.clone()),
        training: training_service(&config, &store, &engine, &events),
        model_client: crate::serving_router::ModelClient::new(),
        pipelines,
        engine,
        leptos: leptos_options(&config),
        admins: config.cluster_admins(),
        trusted_proxies: config.trusted_proxy_addresses(),
        oidc: oidc.map(Arc::new),
        header_users_seen: Mutex::default(),
        config,
        store,
        events,
        metrics: crate::http::metrics::handle(),
        readiness,
        shutdown,
    })
}

/// The tuning controller (started here, so that experiments left running by a previous
/// process go on at once) and the service over it; trials' files under `<data>/tuning`,
/// pipeline trials through the pipeline service.
fn tuning_service(
    config: &Config,
    store: &Store,
    engine: &Arc<backend::workload::Engine>,
    events: &EventBus,
    pipelines: &Arc<backend::pipelines::service::PipelineService>,
) -> Arc<backend::tuning::TuningService> {
    let controller = backend::tuning::TuningController::spawn(
        store.clone(),
        engine.clone(),
        events.clone(),
        config.data_dir.join("tuning"),
        Some(pipelines.clone()),
    );
    backend::tuning::TuningService::new(
        store.clone(),
        engine.clone(),
        controller,
        Some(pipelines.clone()),
    )
}

/// The training controller (started here, so that jobs of a previous process go on at once)
/// and the service over it.
fn training_service(
    config: &Config,
    store: &Store,
    engine: &Arc<backend::workload::Engine>,
    events: &EventBus,
) -> Arc<backend::training::TrainingService> {
    let controller = backend::training::TrainingController::spawn(
        store.clone(),
        engine.clone(),
        events.clone(),
        std::time::Duration::from_secs(config.training_backoff_seconds),
    );
    backend::training::TrainingService::new(store.clone(), engine.clone(), controller, false)
}

fn leptos_options(config: &Config) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("capstan")
        .site_root(config.site_root.display().to_string())
        .site_pkg_dir("pkg")
        .site_addr(config.listen)
        .env(Env::PROD)
        .build()
}

/// SIGTERM (Kubernetes, systemd) or Ctrl-C. The handlers are installed when this is called,
/// not when the future is first polled: a signal that arrives right after the URL is printed
/// must already stop the server gracefully.
fn termination() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{SignalKind, signal};
    let term = signal(SignalKind::terminate());
    let interrupt = signal(SignalKind::interrupt());
    async move {
        match (term, interrupt) {
            (Ok(mut term), Ok(mut interrupt)) => {
                tokio::select! {
                    _ = term.recv() => {},
                    _ = interrupt.recv() => {},
                }
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!(error = %e, "cannot listen for termination signals");
                std::future::pending::<()>().await;
            }
        }
    }
}
