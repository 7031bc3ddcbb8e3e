//! Tests of loading the configuration as a whole: the file and environment layered, validation
//! across sections, the redacted `Debug`, and the files that ship (`homelab.example.toml`, the
//! README's key table, `deploy/`) loading as they are. Tests of one section sit in its file and
//! use [`refused`] from here.
#![expect(
    clippy::result_large_err,
    reason = "figment's Jail closures return its own large error"
)]

use super::*;
use figment::Jail;

const OIDC: &str = "[oidc]\nissuer_url = \"https://auth.example/application/o/homelab/\"\n\
                    client_id = \"homelab\"\nclient_secret = \"s3cret\"\n";

/// Runs `f` with a private environment and working directory, and returns its error text.
pub(super) fn refused(
    setup: impl FnOnce(&mut Jail) -> figment::error::Result<Option<PathBuf>>,
) -> String {
    let mut message = String::new();
    Jail::expect_with(|jail| {
        let file = setup(jail)?;
        message = Config::load(file.as_deref())
            .expect_err("config should be refused")
            .to_string();
        Ok(())
    });
    message
}

#[test]
fn demo_mode_needs_no_oidc_section() {
    Jail::expect_with(|jail| {
        jail.set_env("HOMELAB_DEMO", "true");
        let config = Config::load(None).expect("demo config");
        assert!(config.demo);
        assert!(config.dev_sign_in());
        Ok(())
    });
}

#[test]
fn outside_demo_mode_a_missing_oidc_section_is_refused() {
    let err = refused(|_| Ok(None));
    assert!(err.contains("`oidc`"), "{err}");
    assert!(err.contains("outside demo mode"), "{err}");
}

#[test]
fn a_value_of_the_wrong_type_names_its_key() {
    let err = refused(|jail| {
        jail.set_env("HOMELAB_DEMO", "true");
        jail.create_file("h.toml", "[server]\nrequest_timeout_secs = \"soon\"\n")?;
        Ok(Some("h.toml".into()))
    });
    assert!(err.contains("server.request_timeout_secs"), "{err}");
    assert!(err.contains("string"), "{err}");
}

#[test]
fn a_bad_environment_value_names_its_key() {
    let err = refused(|jail| {
        jail.set_env("HOMELAB_DEMO", "true");
        jail.set_env("HOMELAB_SERVER__LISTEN", "nowhere");
        Ok(None)
    });
    assert!(err.contains("server.listen"), "{err}");
}

#[test]
fn other_homelab_variables_are_not_settings() {
    Jail::expect_with(|jail| {
        jail.set_env("HOMELAB_DEMO", "true");
        jail.set_env("HOMELAB_LOG", "debug");
        jail.set_env("HOMELAB_CACHE", "/tmp/cache");
        assert!(Config::load(None).is_ok());
        Ok(())
    });
}

#[test]
fn an_unknown_key_is_refused_rather_than_ignored() {
    let err = refused(|jail| {
        jail.create_file(
            "h.toml",
            "demo = true\n[server]\nlisten_adress = \"127.0.0.1:1\"\n",
        )?;
        Ok(Some("h.toml".into()))
    });
    assert!(err.contains("listen_adress"), "{err}");
}

#[test]
fn out_of_range_values_are_refused_with_the_reason() {
    let err = refused(|jail| {
        jail.create_file(
            "h.toml",
            "demo = true\n[server]\nrequest_timeout_secs = 0\n",
        )?;
        Ok(Some("h.toml".into()))
    });
    assert_eq!(
        err,
        "config key `server.request_timeout_secs`: must be at least 1"
    );
}

#[test]
fn an_action_timeout_not_below_the_request_timeout_is_refused() {
    let err = refused(|jail| {
        jail.create_file(
            "h.toml",
            "demo = true\n[server]\nrequest_timeout_secs = 10\n[actions]\ntimeout_secs = 10\n",
        )?;
        Ok(Some("h.toml".into()))
    });
    assert!(err.contains("actions.timeout_secs"), "{err}");
    assert!(
        err.contains("less than server.request_timeout_secs (10)"),
        "{err}"
    );
}

/// Only parsed: the configuration is refused before anything binds.
#[test]
fn demo_mode_on_a_public_address_without_oidc_is_refused() {
    let err = refused(|jail| {
        jail.create_file(
            "h.toml",
            "demo = true\n[server]\nlisten = \"0.0.0.0:3000\"\n",
        )?;
        Ok(Some("h.toml".into()))
    });
    assert!(err.contains("server.listen"), "{err}");
}

#[test]
fn a_missing_config_file_is_named() {
    let err = refused(|_| Ok(Some("/nonexistent/homelab.toml".into())));
    assert!(err.contains("/nonexistent/homelab.toml"), "{err}");
}

#[test]
fn demo_mode_with_an_oidc_section_signs_in_through_the_provider() {
    Jail::expect_with(|jail| {
        jail.create_file("h.toml", &format!("demo = true\n{OIDC}"))?;
        let config = Config::load(Some(Path::new("h.toml"))).expect("demo with oidc");
        assert!(config.demo);
        assert!(
            !config.dev_sign_in(),
            "no dev sign-in next to a real provider"
        );
        Ok(())
    });
}

#[test]
fn an_https_public_url_gives_a_host_prefixed_cookie_and_its_origin() {
    Jail::expect_with(|jail| {
        jail.create_file(
            "h.toml",
            &format!("[server]\npublic_url = \"https://Homelab.Example.net:443/\"\n{OIDC}"),
        )?;
        let config = Config::load(Some(Path::new("h.toml"))).expect("valid config");
        assert_eq!(config.session_cookie_name(), "__Host-homelab_session");
        assert_eq!(config.public_origin(), "https://homelab.example.net");
        assert_eq!(
            config.public_url_for("/auth/callback"),
            "https://Homelab.Example.net:443/auth/callback"
        );
        Ok(())
    });
}

#[test]
fn oidc_scopes_without_openid_are_refused() {
    let err = refused(|jail| {
        jail.create_file("h.toml", &format!("{OIDC}scopes = [\"profile\"]\n"))?;
        Ok(Some("h.toml".into()))
    });
    assert_eq!(err, "config key `oidc.scopes`: must include `openid`");
}

#[test]
fn a_clock_skew_over_ten_minutes_is_refused() {
    let err = refused(|jail| {
        jail.create_file("h.toml", &format!("{OIDC}clock_skew_secs = 3600\n"))?;
        Ok(Some("h.toml".into()))
    });
    assert!(err.contains("oidc.clock_skew_secs"), "{err}");
}

#[test]
fn the_example_config_is_valid_and_shows_the_defaults() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../homelab.example.toml");
    Jail::expect_with(|jail| {
        jail.set_env("HOMELAB_DEMO", "true");
        let config = Config::load(Some(&example)).expect("homelab.example.toml");
        let defaults = Config::default();
        assert_eq!(config.session.cookie_name, defaults.session.cookie_name);
        assert_eq!(config.server.public_url, defaults.server.public_url);
        assert!(!config.public_status);
        Ok(())
    });
}

/// Every key of the configuration: a full one serialised, optional parts present.
fn struct_keys() -> std::collections::BTreeSet<String> {
    let full = Config {
        status_token: Some(String::new()),
        metrics_token: Some(String::new()),
        oidc: Some(OidcConfig::default()),
        cluster: ClusterConfig {
            kubeconfig: Some(PathBuf::new()),
            context: Some(String::new()),
            ..ClusterConfig::default()
        },
        topology: TopologyConfig::demo(),
        notify: super::NotifyConfig {
            targets: vec![super::TargetConfig {
                name: "t".into(),
                kind: super::TargetKind::Ntfy,
                url: "http://127.0.0.1/t".into(),
                token: Some(String::new()),
                audience: frontend::model::Audience::Admin,
            }],
            ..super::NotifyConfig::default()
        },
        ..Config::default()
    };
    fn walk(prefix: &str, value: &serde_json::Value, out: &mut std::collections::BTreeSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, v) in map {
                    let path = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(&path, v, out);
                }
            }
            // An array of tables ([[topology.hosts]]): the keys of one element.
            serde_json::Value::Array(items) if items.first().is_some_and(|i| i.is_object()) => {
                walk(prefix, &items[0], out)
            }
            _ => {
                out.insert(prefix.to_owned());
            }
        }
    }
    let mut keys = std::collections::BTreeSet::new();
    walk(
        "",
        &serde_json::to_value(&full).expect("serialisable"),
        &mut keys,
    );
    keys
}

/// The keys `homelab.example.toml` shows, set or commented out (`# key = ...` under its
/// section, `# [oidc]` included).
fn example_keys() -> std::collections::BTreeSet<String> {
    let text = include_str!("../../../homelab.example.toml");
    let mut section = String::new();
    let mut keys = std::collections::BTreeSet::new();
    for line in text.lines() {
        let line = line.trim_start_matches('#').trim();
        if let Some(name) = line.strip_prefix("[[").and_then(|l| l.strip_suffix("]]")) {
            section = name.to_owned();
        } else if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name.to_owned();
        } else if let Some((key, _)) = line.split_once(" = ") {
            if !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                keys.insert(if section.is_empty() {
                    key.to_owned()
                } else {
                    format!("{section}.{key}")
                });
            }
        }
    }
    keys
}

/// The keys of the README's configuration table (its first column, several per row).
fn readme_keys() -> std::collections::BTreeSet<String> {
    let text = include_str!("../../../README.md");
    let start = text
        .find("| key | default | meaning |")
        .expect("the key table");
    text[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .flat_map(|row| {
            let first = row.split('|').nth(1).unwrap_or_default();
            first
                .split(',')
                .map(|k| k.trim().trim_matches('`').to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

#[test]
fn every_key_is_in_the_example_and_the_readme_and_nothing_else_is() {
    let keys = struct_keys();
    assert!(keys.contains("topology.hosts.nodes"), "{keys:?}");
    assert_eq!(
        example_keys(),
        keys,
        "homelab.example.toml against the Config struct"
    );
    assert_eq!(
        readme_keys(),
        keys,
        "the README's key table against the Config struct"
    );
}

#[test]
fn public_status_is_off_unless_asked_for() {
    Jail::expect_with(|jail| {
        jail.set_env("HOMELAB_DEMO", "true");
        assert!(!Config::load(None).expect("demo").public_status);
        jail.create_file("h.toml", "demo = true\npublic_status = true\n")?;
        let config = Config::load(Some(Path::new("h.toml"))).expect("public status");
        assert!(config.public_status);
        Ok(())
    });
}

/// As the pod runs it: the ConfigMap's file (the base's and the overlay's), the secrets from
/// the Secret as environment.
#[test]
fn the_deployed_configuration_loads_with_its_secrets_from_the_environment() {
    for (which, file) in [
        ("base", include_str!("../../../deploy/base/homelab.toml")),
        (
            "overlay",
            include_str!("../../../deploy/overlays/k3s-home/homelab.toml"),
        ),
    ] {
        Jail::expect_with(|jail| {
            jail.create_file("homelab.toml", file)?;
            jail.set_env("HOMELAB_OIDC__CLIENT_SECRET", "from-the-secret");
            jail.set_env("HOMELAB_METRICS_TOKEN", "scrape-me");
            let config = Config::load(Some(Path::new("homelab.toml"))).expect(which);
            assert!(!config.demo && config.server.json_logs, "{which}");
            assert_eq!(config.server.listen.port(), 3000);
            assert_eq!(
                config.server.data_dir,
                Path::new("/data"),
                "the PVC's mount"
            );
            assert_eq!(config.metrics_token.as_deref(), Some("scrape-me"));
            assert!(!config.actions.impersonate, "{which}");
            let debug = format!("{config:?}");
            assert!(
                !debug.contains("scrape-me") && !debug.contains("from-the-secret"),
                "{debug}"
            );
            Ok(())
        });
    }
}

/// deploy/components/impersonate turns impersonation on with the variable its patch adds to
/// the pod (tests/it/deploy.rs checks the rendered Deployment carries it).
#[test]
fn the_impersonate_component_turns_impersonation_on() {
    let kustomization: serde_yaml::Value = serde_yaml::from_str(include_str!(
        "../../../deploy/components/impersonate/kustomization.yaml"
    ))
    .expect("yaml");
    let patch: serde_yaml::Value = serde_yaml::from_str(
        kustomization["patches"][0]["patch"]
            .as_str()
            .expect("an inline patch"),
    )
    .expect("yaml");
    let var = &patch[0]["value"];
    let (name, value) = (
        var["name"].as_str().expect("name"),
        var["value"].as_str().expect("value"),
    );
    Jail::expect_with(|jail| {
        jail.create_file(
            "homelab.toml",
            include_str!("../../../deploy/base/homelab.toml"),
        )?;
        jail.set_env("HOMELAB_OIDC__CLIENT_SECRET", "from-the-secret");
        jail.set_env(name, value);
        let config = Config::load(Some(Path::new("homelab.toml"))).expect("valid");
        assert!(config.actions.impersonate, "{name}={value}");
        Ok(())
    });
}

#[test]
fn environment_overrides_the_file_and_the_secret_is_redacted() {
    Jail::expect_with(|jail| {
        jail.create_file("h.toml", OIDC)?;
        jail.set_env("HOMELAB_OIDC__CLIENT_ID", "other");
        let config = Config::load(Some(Path::new("h.toml"))).expect("valid config");
        let oidc = config.oidc.as_ref().expect("oidc section");
        assert_eq!(oidc.client_id, "other");
        assert_eq!(oidc.admin_groups, vec!["homelab-admins"]);
        let debug = format!("{config:?}");
        assert!(!debug.contains("s3cret"), "{debug}");
        assert!(!config.dev_sign_in());
        Ok(())
    });
}
