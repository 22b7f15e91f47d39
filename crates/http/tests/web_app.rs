//! The browser app served at `/`: its pages get `index.html`, its hashed
//! files are cached for good and sent compressed, and nothing of the API's
//! is shadowed by it.

mod common;

use common::{Backend, Server};

/// The built app, where the test command builds it.
const DIST: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/dist");

#[tokio::test]
async fn pages_files_and_the_api_stay_apart() {
    let s = Server::start(Backend::Sqlite).await.unwrap();
    let index = std::path::Path::new(DIST).join("index.html");
    let Ok(built) = std::fs::read_to_string(&index) else {
        gongzhi_testkit::skip(&format!(
            "the web app is not built ({} is missing): run `npm run build` in web/",
            index.display()
        ));
        return;
    };
    for page in ["/", "/map", "/events/20261122-000001", "/citizen"] {
        let r = s
            .client
            .get(format!("{}{page}", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{page}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert_eq!(r.headers()["cache-control"], "no-cache");
        assert_eq!(r.text().await.unwrap(), built, "{page} is the app's index");
    }
    let script = built
        .split('"')
        .find(|part| part.starts_with("/assets/") && part.ends_with(".js"))
        .expect("the index loads a script from /assets");
    let r = s
        .client
        .get(format!("{}{script}", s.base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );

    for (path, code) in [
        ("/assets/no-such-file.js", "not_found"),
        ("/api/v1/no/such/route", "not_found"),
        ("/open311/v2/nothing/here", "not_found"),
    ] {
        let r = s
            .client
            .get(format!("{}{path}", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["code"], code, "{path}: {body}");
    }
    let r = s
        .client
        .post(format!("{}/map", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404, "only GET reads the app's pages");
}
