# Capstan: a multi-stage release build of the binary and the site.
# Not built on the development machines (they have no Docker engine); kept correct by reading.

FROM rust:1.95.0-bookworm AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
RUN rustup target add wasm32-unknown-unknown
# The same pinned tools as `cargo xtask serve`; no_downloads keeps cargo-leptos offline.
RUN cargo install cargo-leptos --version 0.3.8 --locked --features no_downloads \
 && cargo install wasm-bindgen-cli --version 0.2.130 \
 && npm install --prefix /opt/binaryen binaryen@132.0.0
ENV PATH="/opt/binaryen/node_modules/.bin:${PATH}"
WORKDIR /src
COPY . .
RUN cargo leptos build --release --split && cargo build --release -p task-launch

FROM debian:bookworm-slim
# Python and JupyterLab 4.6.6 for the built-in notebook environment (standalone mode), as
# `cargo xtask` installs them in .tools/jupyter.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates python3 python3-venv \
 && rm -rf /var/lib/apt/lists/* \
 && python3 -m venv /opt/jupyter \
 && /opt/jupyter/bin/pip install --no-cache-dir --disable-pip-version-check jupyterlab==4.6.6 \
 && useradd --system --uid 10001 --home-dir /var/lib/capstan --create-home capstan
COPY --from=builder /src/target/release/capstan /src/target/release/capstan-task-launch /usr/local/bin/
COPY --from=builder /src/target/site /usr/share/capstan/site
ENV PATH="/opt/jupyter/bin:${PATH}" \
    CAPSTAN_SITE_ROOT=/usr/share/capstan/site \
    CAPSTAN_DATA_DIR=/var/lib/capstan \
    CAPSTAN_LISTEN=0.0.0.0:8080 \
    CAPSTAN_LOG_FORMAT=json
USER capstan
WORKDIR /var/lib/capstan
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/capstan"]
CMD ["serve"]
