//! Outside-in route checks against a real HTTPS server (`testbed::gateway`, its own CA trusted
//! through `checks.ca_file`) standing in for the homelab's Gateway on 127.0.0.1, with the
//! running test cluster's routes: code, latency and certificate days recorded; a route failing
//! while its pods are Ready makes its service Down; a protected route answering 200 without
//! sign-in is a problem on the service's page and in the health summary, and the admins are told.

use testbed::gateway::{Answer, TestGateway};

use crate::notify::Receiver;
use crate::running::{running, scenario_with, until, until_page};

const HOSTS: [&str; 4] = [
    "plex.fletcherlabs.net",
    "jellyfin.fletcherlabs.net",
    "grafana.fletcherlabs.net",
    "prometheus.fletcherlabs.net",
];

#[tokio::test]
async fn route_checks_record_code_latency_and_certificate_days_and_catch_a_failing_and_an_open_route(
) {
    let gateway = TestGateway::start(&HOSTS, 30).await.unwrap();
    gateway.set("plex.fletcherlabs.net", Answer::status(200));
    gateway.set("jellyfin.fletcherlabs.net", Answer::status(502));
    // Grafana is annotated as behind sign-in in the demo, and answers without it: the exposure
    // the homelab once had with Prometheus. Prometheus sends people to sign in, as it should.
    gateway.set("grafana.fletcherlabs.net", Answer::status(200));
    gateway.set(
        "prometheus.fletcherlabs.net",
        Answer::redirect("https://authentik.fletcherlabs.net/application/o/authorize/"),
    );
    let receiver = Receiver::start(0).await;
    let ca = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(ca.path(), gateway.ca_pem()).unwrap();
    let s = scenario_with(|c| {
        crate::notify::notify_to(c, &receiver);
        c.checks.enabled = true;
        c.checks.interval_secs = 5;
        c.checks.gateway_address = Some(gateway.address().to_string());
        c.checks.ca_file = Some(ca.path().to_owned());
    })
    .await;
    let admin = &s.admin;
    running(&s.pods, "jellyfin", 1).await;

    // Plex: its code, its latency and its certificate's 29 whole days left.
    let plex = until_page(admin, "/services/media/plex", "Plex's route checked", |h| {
        h.contains(r#"data-host="plex.fletcherlabs.net" data-outcome="answered""#)
    })
    .await;
    let row = &plex[plex.find(r#"data-host="plex.fletcherlabs.net""#).unwrap()..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains(r#"data-test="route-code" class="num">200<"#),
        "{row}"
    );
    assert!(row.contains(" ms</td>"), "{row}");
    assert!(
        row.contains(r#"data-days="29""#) || row.contains(r#"data-days="30""#),
        "{row}"
    );

    // Jellyfin's pod is Ready, but its route answers 502: the service is down.
    let jellyfin = until_page(admin, "/services/media/jellyfin", "Jellyfin down", |h| {
        h.contains(
            r#"data-live-service="media/jellyfin" data-live-words="admin" data-status="down""#,
        )
    })
    .await;
    assert!(jellyfin.contains("answered 502 Bad Gateway"), "{jellyfin}");

    // Grafana: open without sign-in, on its page and in the health summary, and told.
    let grafana = until_page(
        admin,
        "/services/monitoring/grafana",
        "Grafana exposed",
        |h| h.contains(r#"data-host="grafana.fletcherlabs.net" data-outcome="exposed""#),
    )
    .await;
    assert!(grafana.contains("without sign-in"), "{grafana}");
    let home = admin.text("/").await;
    assert!(
        home.contains("grafana.fletcherlabs.net answers without sign-in"),
        "{home}"
    );
    until("the admins told of Grafana's exposure", || async {
        let told = receiver.at("/admins").iter().any(|r| {
            r.body.contains("route:grafana.fletcherlabs.net") && r.body.contains("without sign-in")
        });
        if told {
            Ok(())
        } else {
            Err(format!("{:?}", receiver.at("/admins")))
        }
    })
    .await;
    let prometheus = admin.text("/services/monitoring/prometheus").await;
    assert!(
        prometheus.contains(r#"data-host="prometheus.fletcherlabs.net" data-outcome="answered""#),
        "{prometheus}"
    );
    // Every check went to the test gateway.
    for host in HOSTS {
        assert!(gateway.requests(host) > 0, "{host}: {:?}", gateway.hosts());
    }
    s.app.stop().await;
}
