use super::*;

fn raw() -> RawConfig {
    RawConfig::default()
}

#[test]
fn defaults_are_valid() {
    let c = Config::validate(raw()).unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(c.database_url.backend(), Backend::Sqlite);
    assert_eq!(c.default_region, Region::AUSTRIA);
    assert_eq!(c.default_time_zone, chrono_tz::Europe::Vienna);
}

#[test]
fn bad_values_name_their_key() {
    let mut r = raw();
    r.listen = "nowhere".into();
    let e = Config::validate(r).unwrap_err().to_string();
    assert!(e.contains("`listen`"), "{e}");

    let mut r = raw();
    r.default_region = "XX".into();
    let e = format!("{:#}", Config::validate(r).unwrap_err());
    assert!(e.contains("`default_region`") && e.contains("XX"), "{e}");

    let mut r = raw();
    r.default_time_zone = "Europe/Wien".into();
    let e = format!("{:#}", Config::validate(r).unwrap_err());
    assert!(
        e.contains("`default_time_zone`") && e.contains("Europe/Wien"),
        "{e}"
    );

    let mut r = raw();
    r.database_url = "mysql://x".into();
    let e = format!("{:#}", Config::validate(r).unwrap_err());
    assert!(e.contains("`database_url`") && e.contains("mysql"), "{e}");
}

/// R2: package caps are data, read from `[packages]` and `BOTE_PACKAGES_*`, and
/// checked.
#[test]
fn r2_package_caps_from_file_and_checked() {
    let c = Config::validate(raw()).unwrap();
    assert_eq!(
        c.packages,
        crate::addon::PackageCaps {
            small: 1_000,
            medium: 10_000,
            large: 100_000
        }
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bote.toml");
    std::fs::write(&path, "[packages]\nsmall_cap = 50\n").unwrap();
    let c = Config::load(Some(&path), &Overrides::default()).unwrap();
    assert_eq!(c.packages.small, 50);
    assert_eq!(c.packages.medium, 10_000);
    std::fs::write(&path, "[packages]\nlarge_cap = 0\n").unwrap();
    let e = format!(
        "{:#}",
        Config::load(Some(&path), &Overrides::default()).unwrap_err()
    );
    assert!(e.contains("`packages.large_cap`"), "{e}");
    std::fs::write(&path, "[packages]\nhuge_cap = 1\n").unwrap();
    let e = format!(
        "{:#}",
        Config::load(Some(&path), &Overrides::default()).unwrap_err()
    );
    assert!(e.contains("huge_cap"), "{e}");
}

#[test]
fn whatsapp_api_keys_are_checked() {
    let c = Config::validate(raw()).unwrap();
    let cloud = c.cloud_config();
    assert_eq!(cloud.base_url, "https://graph.facebook.com");
    assert_eq!(cloud.api_version, "v21.0");

    let mut r = raw();
    r.whatsapp_api_base = "http://127.0.0.1:9000/".into();
    r.whatsapp_api_version = "v22".into();
    let c = Config::validate(r).unwrap();
    assert_eq!(c.cloud_config().base_url, "http://127.0.0.1:9000");
    assert_eq!(c.cloud_config().api_version, "v22");

    for base in ["graph.facebook.com", "ftp://x", ""] {
        let mut r = raw();
        r.whatsapp_api_base = base.into();
        let e = format!("{:#}", Config::validate(r).unwrap_err());
        assert!(e.contains("`whatsapp_api_base`"), "{base}: {e}");
    }
    for version in ["21.0", "v", "v21.0.1", "vX"] {
        let mut r = raw();
        r.whatsapp_api_version = version.into();
        let e = format!("{:#}", Config::validate(r).unwrap_err());
        assert!(e.contains("`whatsapp_api_version`"), "{version}: {e}");
    }
}

#[test]
fn passwords_are_hidden() {
    let url = DatabaseUrl::parse("postgres://bote:s3cret@db:5432/bote").unwrap();
    assert_eq!(url.backend(), Backend::Postgres);
    assert!(!format!("{url} {url:?}").contains("s3cret"));
    assert!(url.expose().contains("s3cret"));
}

#[test]
fn file_keys_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bote.toml");
    std::fs::write(&path, "listen = \"0.0.0.0:9000\"\nlisten_port = 3\n").unwrap();
    let e = Config::load(Some(&path), &Overrides::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("listen_port"), "{e}");

    std::fs::write(&path, "listen = \"0.0.0.0:9000\"\n").unwrap();
    let c = Config::load(Some(&path), &Overrides::default()).unwrap();
    assert_eq!(c.listen.port(), 9000);
    let flags = Overrides {
        listen: Some("127.0.0.1:7000".into()),
        ..Default::default()
    };
    assert_eq!(
        Config::load(Some(&path), &flags).unwrap().listen.port(),
        7000
    );

    let missing = dir.path().join("nope.toml");
    assert!(Config::load(Some(&missing), &Overrides::default()).is_err());
}

#[test]
fn smpp_from_tables_strings_and_flags() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bote.toml");
    std::fs::write(
        &path,
        r#"
[[smpp]]
name = "magenta"
url = "smpp://bote:hunter2@smsc1.example:2775?window=64"
routes = ["43676", "+43699"]

[[smpp]]
name = "main"
url = "smpps://bote:hunter2@smsc2.example"
default = true
"#,
    )
    .unwrap();
    let c = Config::load(Some(&path), &Overrides::default()).unwrap();
    assert_eq!(c.smpp.len(), 2);
    assert_eq!(c.smpp[0].name, "magenta");
    assert_eq!(c.smpp[0].routes, ["43676", "43699"]);
    assert!(!c.smpp[0].default);
    assert_eq!(c.smpp[0].config.window, 64);
    assert_eq!(c.smpp[1].name, "main");
    assert!(c.smpp[1].default && c.smpp[1].config.tls);
    assert!(!format!("{c:?}").contains("hunter2"));

    // Plain strings, in a list or one string.
    std::fs::write(
        &path,
        "smpp = [\"smpp://a:pw@h1?name=one\", \"smpp://b:pw@h2?routes=49\"]\n",
    )
    .unwrap();
    let c = Config::load(Some(&path), &Overrides::default()).unwrap();
    let names: Vec<&str> = c.smpp.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["one", "smpp-2"]);
    assert!(c.smpp[0].default);
    std::fs::write(&path, "smpp = \"smpp://a:pw@h1, smpp://b:pw@h2\"\n").unwrap();
    assert_eq!(
        Config::load(Some(&path), &Overrides::default())
            .unwrap()
            .smpp
            .len(),
        2
    );

    // `--smpp` replaces the file's list.
    let flags = Overrides {
        smpp: vec![
            "smpp://f:pw@flag1?name=f1".into(),
            "smpp://f:pw@flag2?name=f2&default=1 smpp://f:pw@flag3".into(),
        ],
        ..Default::default()
    };
    let c = Config::load(Some(&path), &flags).unwrap();
    let names: Vec<&str> = c.smpp.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["f1", "f2", "smpp-3"]);
    assert!(c.smpp[1].default && !c.smpp[0].default);

    // None: the sandbox stays.
    assert!(Config::validate(raw()).unwrap().smpp.is_empty());
}

#[test]
fn bad_smpp_names_the_key_and_hides_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bote.toml");
    for text in [
        "[[smpp]]\nurl = \"smpp://bote:hunter2@h?window=0\"\n",
        "[[smpp]]\nurl = \"smpp://bote:hunter2@h\"\nport = 3\n",
        "[[smpp]]\nurl = \"smpp://bote:hunter2@h\"\nroutes = [\"abc\"]\n",
        "smpp = 3\n",
        "smpp = \"smtp://bote:hunter2@h\"\n",
    ] {
        std::fs::write(&path, text).unwrap();
        let e = format!(
            "{:#}",
            Config::load(Some(&path), &Overrides::default()).unwrap_err()
        );
        assert!(e.contains("`smpp`"), "{text}: {e}");
        assert!(!e.contains("hunter2"), "{text}: {e}");
    }
    let flags = Overrides {
        smpp: vec!["smpp://bote:hunter2@h:99999".into()],
        ..Default::default()
    };
    let e = format!("{:#}", Config::load(None, &flags).unwrap_err());
    assert!(e.contains("`smpp`") && !e.contains("hunter2"), "{e}");
}
