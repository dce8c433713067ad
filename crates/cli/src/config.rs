//! Configuration: built-in defaults < TOML file < `TONGXIN_*` environment < flags.

use clap::Args;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Options every command that opens the database shares.
#[derive(Args, Debug, Clone, Default)]
pub struct CommonOpts {
    /// TOML configuration file.
    #[arg(long, env = "TONGXIN_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Data directory (SQLite database, uploads). Default ./tongxin-data
    #[arg(long, env = "TONGXIN_DATA", global = true)]
    pub data: Option<PathBuf>,
    /// Database URL: postgres://… for PostgreSQL; sqlite://PATH or a path for SQLite.
    /// Default: DATA/tongxin.db
    #[arg(long, env = "TONGXIN_DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Log filter, e.g. info, debug, tongxin_server=debug
    #[arg(long, env = "TONGXIN_LOG", global = true)]
    pub log: Option<String>,
    /// Key for personal data at rest: 32 bytes in Base64. Default: DATA/data.key (created
    /// on first start; back it up with the database).
    #[arg(long, env = "TONGXIN_DATA_KEY", global = true, hide_env_values = true)]
    pub data_key: Option<String>,
}

/// Options of the commands that serve HTTP.
#[derive(Args, Debug, Clone, Default)]
pub struct ServeOpts {
    /// Address to listen on. Default 127.0.0.1:8080
    #[arg(long, env = "TONGXIN_LISTEN")]
    pub listen: Option<String>,
    /// Session lifetime in hours. Default 12
    #[arg(long, env = "TONGXIN_SESSION_TTL_HOURS")]
    pub session_ttl_hours: Option<i64>,
    /// Mark cookies Secure (set when served over HTTPS).
    #[arg(long, env = "TONGXIN_SECURE_COOKIES")]
    pub secure_cookies: Option<bool>,
    /// XYZ tile URL drawn under the map, e.g. a Tianditu service with {x} {y} {z}; none = no
    /// base map.
    #[arg(long, env = "TONGXIN_MAP_TILES")]
    pub map_tiles: Option<String>,
    /// First administrator's username, used only when the database has no users.
    #[arg(long, env = "TONGXIN_ADMIN_USER")]
    pub admin_user: Option<String>,
    /// First administrator's password (prefer the environment variable to the flag).
    #[arg(long, env = "TONGXIN_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
}

#[derive(Deserialize, Debug, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    data: Option<PathBuf>,
    data_key: Option<String>,
    database_url: Option<String>,
    log: Option<String>,
    listen: Option<String>,
    session_ttl_hours: Option<i64>,
    secure_cookies: Option<bool>,
    map_tiles: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub data: PathBuf,
    pub data_key: Option<String>,
    pub database_url: String,
    pub log: String,
    pub listen: String,
    pub session_ttl_hours: i64,
    pub secure_cookies: bool,
    pub map_tiles: Option<String>,
}

fn read_file(path: &Path) -> Result<FileConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
    toml::from_str(&text).map_err(|e| format!("config {}: {e}", path.display()))
}

impl Settings {
    pub fn resolve(common: &CommonOpts, serve: &ServeOpts) -> Result<Settings, String> {
        let file = match &common.config {
            Some(p) => read_file(p)?,
            None => FileConfig::default(),
        };
        let data = common
            .data
            .clone()
            .or(file.data)
            .unwrap_or_else(|| PathBuf::from("./tongxin-data"));
        let database_url = common
            .database_url
            .clone()
            .or(file.database_url)
            .unwrap_or_else(|| data.join("tongxin.db").to_string_lossy().to_string());
        let session_ttl_hours = serve
            .session_ttl_hours
            .or(file.session_ttl_hours)
            .unwrap_or(12);
        if !(1..=24 * 30).contains(&session_ttl_hours) {
            return Err(format!(
                "session_ttl_hours must be 1–720, got {session_ttl_hours}"
            ));
        }
        Ok(Settings {
            data_key: common.data_key.clone().or(file.data_key),
            data,
            database_url,
            log: common
                .log
                .clone()
                .or(file.log)
                .unwrap_or_else(|| "info".into()),
            listen: serve
                .listen
                .clone()
                .or(file.listen)
                .unwrap_or_else(|| "127.0.0.1:8080".into()),
            session_ttl_hours,
            secure_cookies: serve
                .secure_cookies
                .or(file.secure_cookies)
                .unwrap_or(false),
            map_tiles: serve.map_tiles.clone().or(file.map_tiles),
        })
    }

    pub fn key_file(&self) -> PathBuf {
        self.data.join("data.key")
    }

    pub fn is_sqlite(&self) -> bool {
        !self.database_url.starts_with("postgres")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_file_and_defaults_fill_in() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.toml");
        std::fs::write(
            &path,
            "listen = \"0.0.0.0:9000\"\ndata = \"/srv/tx\"\nsession_ttl_hours = 8\n",
        )
        .unwrap();
        let common = CommonOpts {
            config: Some(path.clone()),
            ..Default::default()
        };
        let s = Settings::resolve(&common, &ServeOpts::default()).unwrap();
        assert_eq!(s.listen, "0.0.0.0:9000");
        assert_eq!(s.database_url, "/srv/tx/tongxin.db");
        assert_eq!(s.session_ttl_hours, 8);
        let serve = ServeOpts {
            listen: Some("127.0.0.1:1".into()),
            ..Default::default()
        };
        let s = Settings::resolve(&common, &serve).unwrap();
        assert_eq!(s.listen, "127.0.0.1:1");
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.toml");
        std::fs::write(&path, "lisen = \"x\"\n").unwrap();
        let common = CommonOpts {
            config: Some(path),
            ..Default::default()
        };
        let err = Settings::resolve(&common, &ServeOpts::default()).unwrap_err();
        assert!(err.contains("lisen"), "{err}");
        let serve = ServeOpts {
            session_ttl_hours: Some(0),
            ..Default::default()
        };
        assert!(Settings::resolve(&CommonOpts::default(), &serve).is_err());
    }
}
