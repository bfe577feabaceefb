//! R22: the web interface's login over real HTTP: sessions kept hashed, cookie attributes,
//! CSRF on every form, the login rate limit, security headers, languages and roles.

mod support;
mod web;

use bote::web::{CSP, LOGIN_ATTEMPTS, SESSION_COOKIE};
use bote_domain::UserRole;
use sha2::{Digest, Sha256};
use support::{Backend, spawn_app};
use web::Browser;

/// R22: pages carry the security headers; the CSP allows no inline script.
#[tokio::test]
async fn pages_carry_security_headers() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut b = Browser::new(&app.base);
    let page = b.get("/login").await;
    assert_eq!(page.status, 200);
    let h = &page.headers;
    assert_eq!(h["content-security-policy"], CSP);
    assert!(CSP.contains("script-src 'self'") && !CSP.contains("unsafe-inline"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert!(
        page.body
            .contains("<form method=\"post\" action=\"/login\"")
    );
    assert!(!page.body.contains("<script>"), "no inline script");

    // Assets are embedded, versioned and cached for long.
    let css_path = page
        .body
        .split("href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(css_path.starts_with("/static/app.css?v="), "{css_path}");
    let css = b.get(css_path).await;
    assert_eq!(css.status, 200);
    assert_eq!(css.headers["content-type"], "text/css; charset=utf-8");
    assert_eq!(
        css.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(css.body.contains(".topbar"));
    assert_eq!(b.get("/static/nothing.js").await.status, 404);

    let missing = b.get("/no/such/page").await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.headers["x-frame-options"], "DENY");
}

/// R22: logging in starts a session whose id the store keeps only hashed; the cookie is
/// HttpOnly and SameSite=Lax; logging out (with its CSRF token) ends it.
#[tokio::test]
async fn log_in_and_out() {
    let app = spawn_app(Backend::Sqlite).await;
    app.user("anna", "correct horse", UserRole::Owner).await;
    let mut b = Browser::new(&app.base);

    assert_eq!(b.get("/").await.location(), "/login", "pages need a login");

    let login_form = b.get("/login").await;
    let pre = login_form
        .set_cookie("bote_login")
        .expect("a login form cookie");
    assert!(
        pre.contains("HttpOnly") && pre.contains("SameSite=Lax"),
        "{pre}"
    );

    let done = b
        .post(
            "/login",
            &[
                ("username", "anna"),
                ("password", "correct horse"),
                ("csrf", &login_form.csrf()),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    assert_eq!(done.location(), "/");
    let cookie = done.set_cookie(SESSION_COOKIE).expect("a session cookie");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");

    let id = b.cookies[SESSION_COOKIE].clone();
    assert_eq!(id.len(), 64);
    let now = chrono::Utc::now();
    let hash = hex::encode(Sha256::digest(id.as_bytes()));
    let kept = app
        .store
        .web_session(&hash, now)
        .await
        .expect("kept by hash");
    assert_eq!(kept.user.username, "anna");
    assert!(
        app.store.web_session(&id, now).await.is_err(),
        "never the raw id"
    );

    let home = b.get("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("acme"), "the account's name");
    assert!(
        !home.body.contains("href=\"/admin\""),
        "no admin link for owners"
    );
    assert_eq!(b.get("/admin").await.status, 403);

    // Logging out needs the session's token.
    let refused = b.post("/logout", &[("csrf", "0000")]).await;
    assert_eq!(refused.status, 403);
    assert!(app.store.web_session(&hash, now).await.is_ok());
    let out = b.post("/logout", &[("csrf", &home.csrf())]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.location(), "/login");
    assert!(app.store.web_session(&hash, now).await.is_err(), "ended");
    assert!(!b.cookies.contains_key(SESSION_COOKIE), "cookie removed");

    // The old cookie is worth nothing now.
    b.cookies.insert(SESSION_COOKIE.into(), id);
    assert_eq!(b.get("/").await.location(), "/login");
}

/// R22: a login form without its token, or with wrong credentials, starts no session.
#[tokio::test]
async fn bad_logins_are_refused() {
    let app = spawn_app(Backend::Sqlite).await;
    app.user("anna", "correct horse", UserRole::Owner).await;
    let mut b = Browser::new(&app.base);
    b.headers.insert("accept-language", "en".parse().unwrap());

    b.get("/login").await;
    let forged = b
        .post(
            "/login",
            &[
                ("username", "anna"),
                ("password", "correct horse"),
                ("csrf", "forged"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403);
    assert!(forged.body.contains("The form has expired"));
    assert!(forged.set_cookie(SESSION_COOKIE).is_none());

    let wrong = b.log_in("anna", "wrong").await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("Wrong user name or password."));
    assert!(
        wrong.body.contains("value=\"anna\""),
        "the name stays filled in"
    );
    let nobody = b.log_in("nobody", "wrong").await;
    assert_eq!(nobody.status, 401);
    assert!(nobody.body.contains("Wrong user name or password."));
    assert!(!b.cookies.contains_key(SESSION_COOKIE));
}

/// R22: after 10 attempts in a minute for one name, even the right password is refused.
#[tokio::test]
async fn logins_are_rate_limited() {
    let app = spawn_app(Backend::Sqlite).await;
    app.user("anna", "correct horse", UserRole::Owner).await;
    let mut b = Browser::new(&app.base);
    b.headers
        .insert("accept-language", "de-AT,de;q=0.9".parse().unwrap());
    for _ in 0..LOGIN_ATTEMPTS {
        assert_eq!(b.log_in("anna", "guess").await.status, 401);
    }
    let limited = b.log_in("anna", "correct horse").await;
    assert_eq!(limited.status, 429);
    assert!(limited.body.contains("Zu viele Anmeldeversuche"));
    assert!(!b.cookies.contains_key(SESSION_COOKIE));
}

/// R22: behind an HTTPS proxy the session cookie is `Secure`.
#[tokio::test]
async fn cookies_are_secure_over_https() {
    let app = spawn_app(Backend::Sqlite).await;
    app.user("anna", "correct horse", UserRole::Owner).await;
    let mut b = Browser::new(&app.base);
    b.headers
        .insert("x-forwarded-proto", "https".parse().unwrap());
    let done = b.log_in("anna", "correct horse").await;
    assert_eq!(done.status, 303);
    let cookie = done.set_cookie(SESSION_COOKIE).unwrap();
    assert!(cookie.contains("Secure"), "{cookie}");
}

/// R22: German and English from Accept-Language, and a switch kept in a cookie.
#[tokio::test]
async fn language_follows_the_browser_and_the_switch() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut b = Browser::new(&app.base);
    b.headers
        .insert("accept-language", "en-GB,en;q=0.9".parse().unwrap());
    let english = b.get("/login").await;
    assert!(english.body.contains("<html lang=\"en\">"));
    assert!(english.body.contains("Sign in"));
    let link = english
        .body
        .split("class=\"lang-switch\" href=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the language switch")
        .replace("&#x2f;", "/");
    assert!(link.starts_with("/lang/de?next="), "{link}");

    let switched = b.get(&link).await;
    assert_eq!(switched.status, 303);
    assert_eq!(switched.location(), "/login");
    let german = b.get("/login").await;
    assert!(german.body.contains("<html lang=\"de\">"));
    assert!(german.body.contains("Benutzername"));

    let away = b.get("/lang/en?next=//evil.example").await;
    assert_eq!(away.location(), "/", "no open redirect");
}

/// R22: account managers land in the admin area, which lists the accounts.
#[tokio::test]
async fn account_managers_see_the_admin_area() {
    let app = spawn_app(Backend::Sqlite).await;
    app.user("max", "manager pass", UserRole::AccountManager)
        .await;
    let mut b = Browser::new(&app.base);
    b.headers.insert("accept-language", "en".parse().unwrap());
    assert_eq!(b.log_in("max", "manager pass").await.status, 303);
    assert_eq!(b.get("/").await.location(), "/admin");
    let admin = b.get("/admin").await;
    assert_eq!(admin.status, 200);
    assert!(admin.body.contains("href=\"/admin\""), "the admin link");
    assert!(admin.body.contains("<td>acme</td>"));
}
