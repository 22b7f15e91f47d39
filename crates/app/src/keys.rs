//! The keyring that seals personal data: read from `GONGZHI_KEYS` or the
//! key file, created on first start, and rotated by `gongzhi keys rotate`.
//! It never goes into the database.

use crate::config::Config;
use anyhow::Context;
use gongzhi_domain::crypto::Keyring;
use std::path::Path;

/// The environment variable that may hold the keyring's text.
pub const KEYS_ENV: &str = "GONGZHI_KEYS";

/// The keyring in force: `GONGZHI_KEYS`, else the key file, which is
/// created with a fresh key when missing.
pub fn load(cfg: &Config) -> anyhow::Result<Keyring> {
    if let Ok(text) = std::env::var(KEYS_ENV) {
        return Keyring::parse(&text).with_context(|| format!("the keyring in {KEYS_ENV}"));
    }
    let path = &cfg.security.key_file;
    if path.exists() {
        return read(path);
    }
    let ring = Keyring::generate();
    write(path, &ring)?;
    tracing::warn!(
        file = %path.display(),
        "created a new key for personal data: back this file up, apart from the database"
    );
    Ok(ring)
}

fn read(path: &Path) -> anyhow::Result<Keyring> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the key file {}", path.display()))?;
    Keyring::parse(&text).with_context(|| format!("the key file {}", path.display()))
}

/// Writes the keyring readable by its owner only.
fn write(path: &Path, ring: &Keyring) -> anyhow::Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot write the key file {}", path.display()))?;
    std::io::Write::write_all(&mut file, ring.to_toml().as_bytes())
        .with_context(|| format!("cannot write the key file {}", path.display()))
}

/// Adds a fresh key to the key file and makes it primary; returns the
/// keyring. The caller then re-seals the database under it.
pub fn rotate(cfg: &Config) -> anyhow::Result<Keyring> {
    anyhow::ensure!(
        std::env::var(KEYS_ENV).is_err(),
        "the keyring comes from {KEYS_ENV}: rotate it where that is set, then re-seal with the new ring"
    );
    let path = &cfg.security.key_file;
    let mut ring = read(path)?;
    let id = ring.rotate();
    write(path, &ring)?;
    println!("added key {id} to {} and made it primary", path.display());
    Ok(ring)
}
