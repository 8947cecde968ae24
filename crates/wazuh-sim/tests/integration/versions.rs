use wazuh_sim::{ApiVersion, SimConfig};

use crate::common::{get, login, start};

#[tokio::test]
async fn each_version_reports_itself_and_serves_its_own_spec() {
    for (version, vulnerability, rules) in [
        (ApiVersion::V4_7_5, 200, 200),
        (ApiVersion::V4_14_7, 404, 200),
        (ApiVersion::V5_0_0, 404, 404),
    ] {
        let sim = start(SimConfig {
            api_version: version,
            ..SimConfig::for_tests()
        })
        .await;
        let token = login(&sim, "wazuh", "wazuh").await;
        let (status, body) = get(&sim, &token, "/").await;
        assert_eq!(status, 200);
        assert_eq!(body["data"]["api_version"], version.as_str());
        assert_eq!(
            get(&sim, &token, "/vulnerability/001").await.0,
            vulnerability,
            "{version} /vulnerability"
        );
        assert_eq!(
            get(&sim, &token, "/rules?limit=1").await.0,
            rules,
            "{version} /rules"
        );
        sim.shutdown().await;
    }
}
