//! The reference Python SCIM server (`scim2-server`, PyPI, installed into `.venv` by
//! `scripts/conformance.sh --setup`) as an app to provision into. Without Python the tests
//! that use it say so and pass, except under `CI=true`, where they fail.

use std::time::Duration;

pub struct Reference {
    pub url: String,
    pub token: String,
    child: tokio::process::Child,
}

impl Drop for Reference {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

/// scim2-server on a free port, or `None` when it cannot be installed (and CI is not set).
pub async fn reference_server() -> Option<Reference> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let setup = tokio::process::Command::new("bash")
        .arg(root.join("scripts/conformance.sh"))
        .arg("--setup")
        .output()
        .await;
    let bin = root.join(".venv/bin/scim2-server");
    if !matches!(&setup, Ok(o) if o.status.success()) || !bin.exists() {
        let why = match setup {
            Ok(o) => String::from_utf8_lossy(&o.stderr).into_owned(),
            Err(e) => e.to_string(),
        };
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "scim2-server could not be installed (CI=true requires it): {why}"
        );
        eprintln!("SKIPPING: scim2-server could not be installed: {why}");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let token = "reference-token".to_string();
    let child = tokio::process::Command::new(bin)
        .args([
            "--hostname",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--bearer-token",
            &token,
            "--tenant",
            "scim",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start scim2-server");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Some(Reference {
        child,
        url: format!("http://127.0.0.1:{port}/scim/v2"),
        token,
    })
}
